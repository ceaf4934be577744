"""The recogniser service: one engine per process, recognitions in worker threads, a fair queue.

- Two engines (SPEECH_ENGINE): Vosk (speech/vosk_engine.py: the model at VOSK_MODEL_PATH, with the word list as
  a grammar) and viet-asr (speech/vietasr_engine.py: the Vietnamese model inside its wheel). "auto" takes Vosk
  when VOSK_MODEL_PATH holds a model, else viet-asr, so a fresh machine has Vietnamese speech at once.
- The model is loaded once per process (SpeechService.from_settings; services share it); an engine that cannot
  run switches speech off with a clear message (`available` False) instead of failing: text keeps working.
- Recognition runs in a ThreadPoolExecutor of `speech_workers` threads, never on the event loop. Its work
  queue is first come, first served; a request that finds `speech_workers × (1 + MAX_WAITING_PER_WORKER)`
  requests already queued or running is refused with SpeechError("busy") rather than left waiting for long.
- Audio formats, the cap, errors and the transcript's normalisation are the same whatever the engine.
"""

from __future__ import annotations

import asyncio
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

from . import audio
from .errors import SpeechError
from .settings import DEFAULT_WORDS_FILE, SpeechSettings
from .spellings import Spellings
from .text import normalize_transcript
from .vietasr_engine import VietAsrEngine
from .vosk_engine import EngineUnavailable, VoskEngine, model_display_name, model_files_present

logger = logging.getLogger(__name__)

__all__ = ["SpeechService", "StreamSession", "Transcript", "model_display_name", "read_word_list", "engine_choice"]

MAX_WAITING_PER_WORKER = 8
MIN_SAMPLE_RATE, MAX_SAMPLE_RATE = 8_000, 192_000


@dataclass(frozen=True)
class Transcript:
    text: str            # normalised: NFC, classic tone marks, spoken numbers as digits
    raw_text: str        # what the recogniser said
    duration_s: float    # seconds of audio in the input (before the cap)
    truncated: bool      # only the first speech_max_seconds were recognised
    model: str           # model name, e.g. "vosk-model-small-vn-0.4" or "viet-asr-0.1.0.dev11"

    def to_dict(self) -> dict:
        return {"text": self.text, "duration_s": self.duration_s, "truncated": self.truncated, "model": self.model}


def read_word_list(path: Path) -> list[str]:
    """One word or phrase a line; blank lines and # comments skipped."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def engine_choice(settings: SpeechSettings) -> str:
    """"vosk" or "vietasr": SPEECH_ENGINE, with "auto" resolved (Vosk when VOSK_MODEL_PATH holds a model)."""
    if settings.speech_engine != "auto":
        return settings.speech_engine
    path = settings.vosk_model_path
    return "vosk" if path is not None and model_files_present(Path(path).expanduser()) else "vietasr"


class SpeechService:
    """Speech to text for every adapter (portal, bot, CLI). Create it once per process."""

    def __init__(self, settings: SpeechSettings | None = None, words: list[str] | None = None, *,
                 max_waiting: int | None = None):
        self.settings = settings or SpeechSettings()
        self.available = False
        self.unavailable_reason: str | None = None
        self.model_name: str | None = None
        self.engine: VoskEngine | VietAsrEngine | None = None
        workers = self.settings.speech_workers
        self._capacity = workers * (1 + (MAX_WAITING_PER_WORKER if max_waiting is None else max_waiting))
        self._pending = 0
        self._pending_lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="speech")
        # The documents' spellings ("Sở Nội vụ", "UBND") from the word list, for every engine's transcripts.
        self.spellings = Spellings([])
        self._load_engine()
        if self.engine is not None:
            self._load_words(words)

    @classmethod
    def from_settings(cls, settings: SpeechSettings | None = None, words: list[str] | None = None) -> "SpeechService":
        """Load the model once; never raises for a missing model (see .available and .unavailable_reason)."""
        return cls(settings, words)

    @property
    def words(self) -> list[str] | None:
        """The word list the recogniser decodes with (Vosk's grammar, filtered by its lexicon), or None."""
        return self.engine.words if self.engine is not None else None

    # ------------------------------------------------------------ loading

    def _switch_off(self, log_reason: str) -> None:
        self.available = False
        self.unavailable_reason = ("Nhận dạng giọng nói đang tắt: máy chủ chưa có mô hình nhận dạng tiếng Việt. "
                                   "Bạn vẫn có thể nhập câu hỏi bằng chữ.")
        logger.warning("speech recognition is off: %s. Text keeps working. SPEECH_ENGINE=auto or vietasr uses the "
                       "Vietnamese model inside the viet-asr package (`make setup` installs it); for Vosk, `make "
                       "models` downloads the Vietnamese model on a connected machine and VOSK_MODEL_PATH points at "
                       "a model folder.", log_reason)

    def _load_engine(self) -> None:
        choice = engine_choice(self.settings)
        try:
            if choice == "vosk":
                self.engine = VoskEngine.load(self.settings.vosk_model_path)
            else:
                self.engine = VietAsrEngine.load()
        except EngineUnavailable as exc:
            if choice == "vosk" and self.settings.speech_engine == "auto":
                # auto found a Vosk model that does not load: the bundled model still gives Vietnamese speech
                logger.error("speech: %s; SPEECH_ENGINE=auto falls back to viet-asr", exc)
                try:
                    self.engine = VietAsrEngine.load()
                except EngineUnavailable as second:
                    self._switch_off(f"{exc}; {second}")
                    return
            else:
                self._switch_off(str(exc))
                return
        self.available = True
        self.model_name = self.engine.name
        logger.info("speech engine: %s (%s; SPEECH_ENGINE=%s)", self.engine.kind, self.model_name,
                    self.settings.speech_engine)

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
        self.spellings = Spellings(words)
        if self.spellings:
            logger.info("speech: %d of the documents' spellings from %s", len(self.spellings), source)
        if self.engine.kind == "vosk":  # viet-asr has no grammar: the list only spells its transcripts
            self.engine.use_word_list(words, source)

    # ------------------------------------------------------------ recognition (worker threads)

    def recognise_pcm(self, pcm: bytes, use_words: bool = True) -> str:
        """Raw text of 16 kHz mono s16le audio (blocking: call it from a worker thread)."""
        return self.engine.recognise(pcm, use_words)

    def to_question(self, raw: str) -> str:
        """What the recogniser said as the assistant reads it and the user sees it: NFC, classic tone marks,
        numbers as digits, the documents' spellings."""
        return self.spellings.apply(normalize_transcript(raw))

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
        transcript = Transcript(self.to_question(raw), raw, decoded.duration_s, decoded.truncated,
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
    """A failure inside the engine or the resampler becomes a SpeechError (logged with its traceback)."""
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
    order on the service's worker threads; audio at another rate is resampled to the engines' 16 kHz."""

    def __init__(self, service: SpeechService, sample_rate: int, use_words: bool):
        self._service = service
        self.sample_rate = sample_rate
        self.done = False
        self._use_words = use_words
        self._final: dict | None = None
        self._cap_bytes = int(service.settings.speech_max_seconds * sample_rate) * audio.BYTES_PER_SAMPLE
        self._received = 0          # bytes at the input rate, including what came past the cap
        self._odd = b""             # an odd trailing byte waits for its pair
        self._resampler = None if sample_rate == audio.SAMPLE_RATE else av.AudioResampler(
            format="s16", layout="mono", rate=audio.SAMPLE_RATE)
        self._recognition = None    # the engine's stream, made on a worker thread at the first chunk
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

    def _feed(self, pcm16: bytes) -> str:
        if self._recognition is None:
            self._recognition = self._service.engine.stream(self._use_words)
        return self._recognition.accept(pcm16)

    def _accept_blocking(self, pcm: bytes) -> dict:
        with self._lock, _recogniser_errors():
            if self._final is not None:  # an accept() queued behind the one that reached the cap
                return dict(self._final)
            return {"partial": self._service.to_question(self._feed(self._to_16k(pcm)))}

    def _finish_blocking(self, pcm: bytes, truncated: bool) -> dict:
        with self._lock, _recogniser_errors():
            if self._final is not None:
                return dict(self._final)
            self._feed(self._to_16k(pcm, flush=True))
            raw = self._recognition.finish()
            self._recognition = None
            self._final = {"text": self._service.to_question(raw),
                           "duration_s": round(self._received / audio.BYTES_PER_SAMPLE / self.sample_rate, 3),
                           "truncated": truncated, "model": self._service.model_name or ""}
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
