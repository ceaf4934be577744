"""The viet-asr engine: a streaming Conformer-CTC Vietnamese model (int8 ONNX) embedded in the native library of
the `viet-asr` wheel, so nothing is downloaded, ever.

- Only the "transcribe" preset is used: it runs on the embedded model alone. Every other preset or module of
  the package (vad, punctuation, itn, gender, …) fetches models at run time, so none is ever named here. The
  wheel's native library is built without an HTTP client and imports no socket function; a test runs a
  transcription in a process without any network and checks that nothing was written to a cache either.
- One pipeline per process (its ONNX session: ≈ 240 MB resident), shared by every service and thread; each
  recognition has its own session. ONNX Runtime uses one thread per core the process may run on.
- Output: lower case, no punctuation, numbers as words; the service normalises it like Vosk's.
"""

from __future__ import annotations

import logging
import threading
import time

import numpy as np

from .vosk_engine import EngineUnavailable

logger = logging.getLogger(__name__)

PRESET = "transcribe"  # the one preset that works offline: never another
# viet-asr's log levels: 1 debug, 2 info, 3 warnings, 4 errors.
NATIVE_LOG_DEBUG, NATIVE_LOG_WARNINGS = 1, 3

_pipeline = None
_pipeline_lock = threading.Lock()


def package_version() -> str:
    from importlib.metadata import version

    return version("viet-asr")


def _shared_pipeline():
    """The "transcribe" pipeline, loaded once per process (≈ 1 s)."""
    global _pipeline
    with _pipeline_lock:
        if _pipeline is None:
            import vietasr
            from vietasr.ffi import native

            debug = logging.getLogger("speech").isEnabledFor(logging.DEBUG)
            native.lib.vietasr_set_log_level(NATIVE_LOG_DEBUG if debug else NATIVE_LOG_WARNINGS)
            started = time.perf_counter()
            _pipeline = vietasr.Pipeline.preset(PRESET)
            logger.info("speech model viet-asr %s (%s preset, embedded model) loaded in %.1f s", package_version(),
                        PRESET, time.perf_counter() - started)
        return _pipeline


class VietAsrEngine:
    kind = "vietasr"
    words = None  # no grammar: the word list does not steer this model

    def __init__(self, pipeline, name: str):
        self.pipeline = pipeline
        self.name = name

    @classmethod
    def load(cls) -> "VietAsrEngine":
        try:
            pipeline = _shared_pipeline()
            name = f"viet-asr-{package_version()}"
        except ImportError as exc:
            raise EngineUnavailable(f"the viet-asr package is not installed ({exc}): `make setup` installs it")
        except Exception as exc:  # a native library that does not load, or a pipeline that does not build
            raise EngineUnavailable(f"viet-asr does not load ({type(exc).__name__}: {exc})") from exc
        return cls(pipeline, name)

    def recognise(self, pcm: bytes, use_words: bool = True) -> str:
        """Raw text of 16 kHz mono s16le audio."""
        samples = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2")
        return self.pipeline.transcribe(samples, 16000.0).text

    def stream(self, use_words: bool = True) -> "VietAsrStream":
        return VietAsrStream(self.pipeline.stream(sample_rate=16000.0))


class VietAsrStream:
    """One streaming recognition: accept() 16-kHz PCM and get the text so far; finish() the final text."""

    def __init__(self, session):
        self._session = session
        self._partial = ""

    def accept(self, pcm16: bytes) -> str:
        if pcm16:
            self._session.accept(np.frombuffer(pcm16, dtype="<i2"))
            self._partial = self._session.partial().text
        return self._partial

    def finish(self) -> str:
        try:
            return self._session.final().text
        finally:
            self._session.close()
