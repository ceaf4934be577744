"""Settings of the conversation store, read from the environment and an optional `.env` in the working directory.

Plain Python on purpose: this module is imported by the Rasa server (.venv-rasa: pydantic 1, no pydantic-settings)
and by our own tools (.venv), like nlu/conversations.py.

TRACKER_STORE_URL            where Rasa keeps conversations: an SQLAlchemy URL. Unset: the SQLite file
                             var/tracker.db under the project root (embedded, no server). Production:
                             postgresql://user:password@host:5432/database (the database must exist).
CONVERSATION_RETENTION_DAYS  conversations whose last message is older than this many days are deleted
                             (by the Rasa server at start and then at most once an hour, and by
                             `python -m nlu.conversations purge`); 0 keeps them forever.
LOCK_STORE_URL               where Rasa replicas serialise the messages of one conversation (nlu/lock_store.py).
                             Unset: Rasa's in-memory lock store (right for one Rasa process). Several replicas:
                             redis://[[user]:password@]host[:port][/db] (rediss:// for TLS; port 6379, db 0 by
                             default); every replica must name the same Redis.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TRACKER_STORE_URL = "sqlite:///var/tracker.db"  # relative paths are taken from the project root
DEFAULT_RETENTION_DAYS = 180


def _dotenv(path: Path = Path(".env")) -> dict[str, str]:
    """KEY=VALUE lines of a .env file, read as pydantic-settings reads them (python-dotenv); none when missing."""
    try:
        return {key: value for key, value in dotenv_values(path).items() if value is not None}
    except (OSError, UnicodeDecodeError):
        return {}


def _read(name: str, dotenv: dict[str, str]) -> str:
    value = os.environ.get(name)
    if value is None:
        value = dotenv.get(name, "")
    return value.strip()


@dataclass(frozen=True)
class StoreSettings:
    tracker_store_url: str = DEFAULT_TRACKER_STORE_URL
    conversation_retention_days: int = DEFAULT_RETENTION_DAYS
    lock_store_url: str = ""  # blank: Rasa's in-memory lock store

    @classmethod
    def load(cls) -> "StoreSettings":
        """From the environment, then `.env`; blank means the default. A bad number raises ValueError."""
        dotenv = _dotenv()
        url = _read("TRACKER_STORE_URL", dotenv) or DEFAULT_TRACKER_STORE_URL
        days_text = _read("CONVERSATION_RETENTION_DAYS", dotenv)
        try:
            days = int(days_text) if days_text else DEFAULT_RETENTION_DAYS
        except ValueError:
            raise ValueError(f"CONVERSATION_RETENTION_DAYS must be a whole number of days, not {days_text!r}") from None
        if days < 0:
            raise ValueError("CONVERSATION_RETENTION_DAYS must be 0 (keep forever) or more")
        return cls(url, days, _read("LOCK_STORE_URL", dotenv))


# --- the report (nlu/report.py) --------------------------------------------------------------------------------
# REPORT_LOW_CONFIDENCE  an answer whose confidence (the custom payload's `confidence`, 0–1) is below this is listed
#                        as "low confidence" in the report (default 0.5).
# REPORT_SIMILARITY      two questions fall in one group when this share of their words (accents, case, punctuation
#                        and filler words left out) is common to both: |A ∩ B| / |A ∪ B| (default 0.6).
# REPORT_TIMEZONE        the time zone of the report's dates (default Asia/Ho_Chi_Minh; the store keeps UTC).
DEFAULT_LOW_CONFIDENCE = 0.5
DEFAULT_SIMILARITY = 0.6
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True)
class ReportSettings:
    report_low_confidence: float = DEFAULT_LOW_CONFIDENCE
    report_similarity: float = DEFAULT_SIMILARITY
    report_timezone: str = DEFAULT_TIMEZONE

    @classmethod
    def load(cls) -> "ReportSettings":
        """From the environment, then `.env`; blank means the default. A bad value raises ValueError."""
        dotenv = _dotenv()
        values: dict[str, float] = {}
        for name, default in (("REPORT_LOW_CONFIDENCE", DEFAULT_LOW_CONFIDENCE),
                              ("REPORT_SIMILARITY", DEFAULT_SIMILARITY)):
            text = _read(name, dotenv)
            try:
                values[name] = float(text) if text else default
            except ValueError:
                raise ValueError(f"{name} must be a number between 0 and 1, not {text!r}") from None
            if not 0 <= values[name] <= 1:
                raise ValueError(f"{name} must be between 0 and 1, not {text!r}")
        return cls(values["REPORT_LOW_CONFIDENCE"], values["REPORT_SIMILARITY"],
                   _read("REPORT_TIMEZONE", dotenv) or DEFAULT_TIMEZONE)
