"""Settings of speech/, read from the environment and an optional .env file (no prefix: the names are the
ones operators know from Vosk's own tools, VOSK_MODEL_PATH, plus SPEECH_*)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
MODEL_NAME = "vosk-model-small-vn-0.4"
MODELS_DIR = REPO_ROOT / "var" / "models"
DEFAULT_WORDS_FILE = REPO_ROOT / "var" / "speech-words.txt"


class SpeechSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # SPEECH_ENGINE, the recogniser: "vosk" (the model at VOSK_MODEL_PATH, decoding with the word list),
    # "vietasr" (viet-asr, whose Vietnamese model is inside its wheel: nothing to download), or "auto": Vosk when
    # VOSK_MODEL_PATH holds a model, else viet-asr. A fresh machine has no Vosk model, so auto means viet-asr.
    speech_engine: Literal["auto", "vosk", "vietasr"] = "auto"
    # The Vosk model folder, loaded once per process (`make models` downloads the Vietnamese one there).
    vosk_model_path: Path | None = MODELS_DIR / MODEL_NAME
    # The cap on one query: only the first this many seconds of audio are recognised.
    speech_max_seconds: float = 10.0
    # Larger uploads are refused before decoding.
    speech_max_upload_bytes: int = 10 * 1024 * 1024
    # Recognitions that run at once (threads); further requests wait in a first-come, first-served queue.
    speech_workers: int = 1
    # Domain word list, one word or phrase a line (`make models` writes it from the knowledge index);
    # a missing file means open vocabulary.
    speech_words_file: Path | None = DEFAULT_WORDS_FILE

    @field_validator("speech_engine", mode="before")
    @classmethod
    def _engine_name(cls, value):
        return value.strip().lower().replace("-", "").replace("_", "") or "auto" if isinstance(value, str) else value

    @field_validator("vosk_model_path", "speech_words_file", mode="before")
    @classmethod
    def _empty_is_none(cls, value):
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("speech_max_seconds")
    @classmethod
    def _positive_seconds(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("SPEECH_MAX_SECONDS must be positive")
        return value

    @field_validator("speech_max_upload_bytes", "speech_workers")
    @classmethod
    def _positive_count(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be at least 1")
        return value
