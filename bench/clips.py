"""The shared clips of natural Vietnamese speech (../shared/speech/vi-clips: test data only, never copied into the
repository) and how a transcript is scored against their references.

Word error rate is counted on words brought to one form on both sides: NFC, lower case, classic tone marks
(hoá = hóa), punctuation dropped, and spoken numbers written as digits with speech/numbers.py — the references
write "thế kỷ 19", the recognisers say "thế kỷ mười chín", which is no error. The same normalisation on both
sides also means a reference with number words and a transcript with digits compare equal.
"""

from __future__ import annotations

import csv
import io
import os
import re
import wave
from dataclasses import dataclass
from pathlib import Path

import jiwer
import numpy as np

from speech.numbers import words_to_digits
from speech.text import fix_tone_marks

REPO = Path(__file__).resolve().parent.parent
# CCVC_SHARED_DIR names ../shared when it is elsewhere.
SHARED = Path(os.environ.get("CCVC_SHARED_DIR") or REPO.parent / "shared")
CLIPS_DIR = SHARED / "speech" / "vi-clips"
SAMPLE_RATE = 16_000
_PUNCTUATION = re.compile(r"[^\w\s]")


@dataclass(frozen=True)
class Clip:
    path: Path
    reference: str

    @property
    def name(self) -> str:
        return self.path.stem

    def samples(self) -> np.ndarray:
        """16-kHz mono int16 samples (the clips are 16 kHz mono 16-bit WAV)."""
        with wave.open(str(self.path), "rb") as handle:
            assert (handle.getframerate(), handle.getnchannels(), handle.getsampwidth()) == (SAMPLE_RATE, 1, 2)
            return np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2").copy()

    @property
    def seconds(self) -> float:
        with wave.open(str(self.path), "rb") as handle:
            return handle.getnframes() / handle.getframerate()


def clips_missing_reason() -> str | None:
    """Why the clips cannot be used here (None when they can)."""
    if not (CLIPS_DIR / "transcripts.tsv").is_file():
        return f"the shared Vietnamese clips are not here ({CLIPS_DIR}/transcripts.tsv): ../shared is absent"
    return None


def load_clips() -> list[Clip]:
    """Every clip of transcripts.tsv (file, text), in file order."""
    with (CLIPS_DIR / "transcripts.tsv").open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.reader(handle, delimiter="\t") if len(row) >= 2 and row[0].strip()]
    return [Clip(CLIPS_DIR / name.strip(), text.strip()) for name, text in rows]


def wer_form(text: str) -> str:
    """The words of a text as WER counts them (see the module's docstring)."""
    words = _PUNCTUATION.sub(" ", fix_tone_marks(text).lower())
    return " ".join(words_to_digits(" ".join(words.split())).split())


def word_error_rate(reference: str, hypothesis: str) -> float:
    reference, hypothesis = wer_form(reference), wer_form(hypothesis)
    if not reference:
        return 0.0 if not hypothesis else 1.0
    return jiwer.wer(reference, hypothesis)


def stretch_error_rate(reference: str, hypothesis: str) -> float:
    """The word error rate of `hypothesis` against the stretch of `reference` it matches best. For a recording of a
    long reading that may have started late: a browser's fake microphone plays its file from the moment the device
    opens, which a busy machine can put seconds before the page takes audio, so which words fall in a 10-second
    window is not fixed; that they are the reading's words, in order, is."""
    said, heard = wer_form(reference).split(), wer_form(hypothesis).split()
    if not heard:
        return 0.0 if not said else 1.0
    spread = max(3, len(heard) // 5)
    return min(jiwer.wer(" ".join(said[start:start + length]), " ".join(heard))
               for start in range(max(1, len(said) - len(heard) + spread))
               for length in range(max(1, len(heard) - spread), len(heard) + spread + 1)
               if said[start:start + length])


def joined(clips: list[Clip], seconds: float, pause: float = 0.3) -> np.ndarray:
    """Clips one after another with short pauses, repeated until at least `seconds` long."""
    gap = np.zeros(int(pause * SAMPLE_RATE), dtype=np.int16)
    pieces, total, index = [], 0, 0
    while total < seconds * SAMPLE_RATE:
        samples = clips[index % len(clips)].samples()
        pieces += [samples, gap]
        total += samples.size + gap.size
        index += 1
    return np.concatenate(pieces)


def joined_reference(clips: list[Clip], seconds: float, pause: float = 0.3) -> str:
    """What is said in `joined(clips, seconds, pause)`."""
    said, total, index = [], 0.0, 0
    while total < seconds:
        clip = clips[index % len(clips)]
        said.append(clip.reference)
        total += clip.samples().size / SAMPLE_RATE + pause
        index += 1
    return " ".join(said)


def wav_bytes(samples: np.ndarray, rate: int = SAMPLE_RATE) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(samples.astype("<i2").tobytes())
    return buffer.getvalue()
