"""Settings of the Telegram bot, read from the environment and an optional .env file.

Names follow what they configure: TELEGRAM_* (the Bot API side), RASA_* (shared with `make run`), BOT_* (the bot's
own behaviour).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

TELEGRAM_API_URL = "https://api.telegram.org/bot"
TELEGRAM_FILE_URL = "https://api.telegram.org/file/bot"
ALLOW_EVERYONE = "*"
# Made once when SENDER_ID_SECRET is unset (like var/rasa-api-token), readable by its owner only.
SENDER_SECRET_FILE = Path(__file__).resolve().parent.parent / "var" / "sender-id-secret"


class BotSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # The bot's token from @BotFather. Without it `python -m bot` says so and exits 0 (the bot is off).
    telegram_bot_token: SecretStr | None = None
    # The Bot API and its file downloads; the token is appended. A self-hosted Bot API server (or the tests'
    # fake one) stands in by changing these two.
    telegram_api_url: str = TELEGRAM_API_URL
    telegram_file_url: str = TELEGRAM_FILE_URL
    # Who may talk to the bot: comma-separated Telegram user ids and chat ids (groups are negative). Empty lets
    # nobody in (a ministry deployment is closed by default; refused users are told their id to pass on to the
    # administrator); "*" lets everyone in.
    telegram_allowed_ids: str = ""
    # Webhook mode (production): when set, Telegram posts updates to this public HTTPS URL instead of the bot
    # polling. The bot listens on TELEGRAM_WEBHOOK_LISTEN:TELEGRAM_WEBHOOK_PORT (behind a TLS reverse proxy), at
    # the URL's path, and checks TELEGRAM_WEBHOOK_SECRET (made at random per start when unset).
    telegram_webhook_url: str | None = None
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = 8443
    telegram_webhook_secret: SecretStr | None = None
    # The Rasa server (REST channel). RASA_URL wins over RASA_HOST/RASA_PORT (those `make run` uses).
    rasa_host: str = "127.0.0.1"
    rasa_port: int = 5005
    rasa_url: str | None = None
    # The action server behind Rasa, whose /health the bot waits for at start. ACTION_SERVER_URL wins over
    # ACTION_SERVER_HOST/ACTION_SERVER_PORT (those `make run` uses).
    action_server_host: str = "127.0.0.1"
    action_server_port: int = 5055
    action_server_url: str | None = None
    # Seconds the bot waits at start for Rasa and the action server to answer before it takes the messages waiting
    # at Telegram (kept there meanwhile: a restart loses nobody's question to "busy"). After that it takes them
    # anyway and answers "busy" while the assistant is down. 0: no wait.
    bot_startup_wait: float = 300.0
    # Seconds one question may take in Rasa (and the action server behind it) before the user is told
    # "Hệ thống đang bận, vui lòng thử lại sau".
    bot_rasa_timeout: float = 8.0
    # Messages (of any kind) one user may send per minute; 0 turns the limit off.
    bot_rate_limit: int = 20
    # Level of the bot's log (DEBUG, INFO, WARNING …). The token is redacted from every line whatever the level.
    bot_log_level: str = "INFO"
    # The key of the conversation ids sent to Rasa: HMAC-SHA256 of the Telegram chat (and user) id, so the
    # conversation store never holds a Telegram id. Unset: a random key made once into var/sender-id-secret.
    # Changing it starts new conversations for everyone (the old ones stay until retention deletes them).
    sender_id_secret: SecretStr | None = None

    @field_validator("telegram_bot_token", "telegram_webhook_secret", "telegram_webhook_url", "sender_id_secret",
                     mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def token(self) -> str | None:
        return self.telegram_bot_token.get_secret_value().strip() if self.telegram_bot_token else None

    def sender_secret(self, made_in: Path = SENDER_SECRET_FILE) -> bytes:
        """SENDER_ID_SECRET, else the key kept in var/sender-id-secret (made there at random the first time)."""
        if self.sender_id_secret is not None:
            return self.sender_id_secret.get_secret_value().strip().encode()
        if not made_in.exists() or not made_in.read_text(encoding="utf-8").strip():
            made_in.parent.mkdir(parents=True, exist_ok=True)
            draft = made_in.with_name(f".{made_in.name}.{os.getpid()}")
            with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as file:
                file.write(secrets.token_urlsafe(32) + "\n")
            try:  # a hard link appears whole or not at all: two processes starting together keep the first key
                os.link(draft, made_in)
            except FileExistsError:
                if not made_in.read_text(encoding="utf-8").strip():
                    os.replace(draft, made_in)
            finally:
                draft.unlink(missing_ok=True)
        return made_in.read_text(encoding="utf-8").strip().encode()

    @property
    def rasa_base_url(self) -> str:
        return (self.rasa_url or f"http://{self.rasa_host}:{self.rasa_port}").rstrip("/")

    @property
    def action_server_base_url(self) -> str:
        return (self.action_server_url or f"http://{self.action_server_host}:{self.action_server_port}").rstrip("/")

    @property
    def allowed_ids(self) -> frozenset[int] | None:
        """The allowed user and chat ids; None means everyone."""
        parts = [part.strip() for part in self.telegram_allowed_ids.split(",") if part.strip()]
        if ALLOW_EVERYONE in parts:
            return None
        return frozenset(int(part) for part in parts)

    @field_validator("telegram_allowed_ids")
    @classmethod
    def _ids_are_numbers(cls, value: str) -> str:
        for part in (p.strip() for p in value.split(",")):
            if part and part != ALLOW_EVERYONE and not part.lstrip("-").isdigit():
                raise ValueError(f"TELEGRAM_ALLOWED_IDS: {part!r} is not a Telegram id (a whole number) or '*'")
        return value

    @field_validator("bot_rasa_timeout")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("BOT_RASA_TIMEOUT must be positive")
        return value

    @field_validator("bot_startup_wait")
    @classmethod
    def _not_negative(cls, value: float) -> float:
        if value < 0:
            raise ValueError("BOT_STARTUP_WAIT must be 0 or more")
        return value
