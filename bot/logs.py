"""Logging for the bot process: one handler, the bot token redacted from every line it writes.

python-telegram-bot puts the token in every Bot API URL (httpx logs them at INFO, telegram.Bot logs its base URL at
DEBUG, exceptions may carry them): redacting the formatted line, traceback included, catches them all.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO
from urllib.parse import quote

REDACTED = "<TOKEN>"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Libraries whose INFO lines are one per HTTP request (and carry the token in the URL): warnings only.
QUIET = ("httpx", "httpcore")


class RedactingFormatter(logging.Formatter):
    def __init__(self, secrets: list[str], fmt: str = FORMAT) -> None:
        super().__init__(fmt)
        forms = {form for secret in secrets if secret for form in (secret, quote(secret, safe=""))}
        self.secrets = sorted(forms, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


def configure_logging(level: str | int = "INFO", secrets: list[str] | None = None,
                      stream: TextIO | None = None) -> logging.Handler:
    """Configure the root logger once for the process; returns its handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingFormatter([s for s in secrets or [] if s]))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level if isinstance(level, int) else level.upper())
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler


def redact_also(secret: str) -> None:
    """Add a secret made at run time (the webhook's) to what every configured handler redacts."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler.formatter, RedactingFormatter):
            handler.formatter.secrets = sorted({*handler.formatter.secrets, secret, quote(secret, safe="")},
                                               key=len, reverse=True)
