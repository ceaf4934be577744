"""Settings of the web portal (environment or an optional `.env` in the working directory)."""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_PORTS = {"http": 80, "https": 443}


def web_origin(text: str) -> str:
    """An origin as browsers send it in the Origin header: scheme://host[:port], lower case, no default port."""
    parts = urlsplit(text.strip())
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme.lower() not in DEFAULT_PORTS or not parts.hostname or port == -1 or parts.path not in {"", "/"} \
            or parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"not a web origin (scheme://host[:port], e.g. https://portal.gov.vn): {text.strip()!r}")
    scheme, host = parts.scheme.lower(), parts.hostname.lower()
    if ":" in host:  # IPv6
        host = f"[{host}]"
    return f"{scheme}://{host}" + (f":{port}" if port and port != DEFAULT_PORTS[scheme] else "")


TOKEN_NAME = re.compile(r"^[A-Za-z0-9._-]{1,40}$")
MIN_NAMED_TOKEN = 16


def parse_named_tokens(text: str) -> dict[str, str]:
    """"lan:tok1,minh:tok2" → {"lan": "tok1", "minh": "tok2"}; ValueError naming the bad entry by its name or place."""
    tokens: dict[str, str] = {}
    for place, item in enumerate((part.strip() for part in text.split(",")), start=1):
        if not item:
            continue
        name, colon, token = item.partition(":")
        name, token = name.strip(), token.strip()
        if not colon or not TOKEN_NAME.match(name):
            raise ValueError(f"PORTAL_ADMIN_TOKENS entry {place}: expected name:token, the name of letters, digits, "
                             "'.', '_', '-' (at most 40)")
        if len(token) < MIN_NAMED_TOKEN:
            raise ValueError(f"PORTAL_ADMIN_TOKENS: the token of {name!r} is shorter than {MIN_NAMED_TOKEN} characters")
        if name in tokens or token in tokens.values():
            raise ValueError(f"PORTAL_ADMIN_TOKENS: {name!r} is given twice, or shares its token with another name")
        tokens[name] = token
    return tokens


class PortalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    portal_host: str = "127.0.0.1"  # PORTAL_HOST: where the portal listens
    portal_port: int = 8080  # PORTAL_PORT
    # RASA_URL: the Rasa server (its REST channel). Unset: http://{RASA_HOST}:{RASA_PORT}, as `make` exports them.
    rasa_url: str = ""
    rasa_host: str = "127.0.0.1"  # RASA_HOST
    rasa_port: int = 5005  # RASA_PORT
    # PORTAL_RASA_TIMEOUT: seconds one answer may take before the user is told the system is busy (503).
    portal_rasa_timeout: float = Field(20.0, gt=0)
    # PORTAL_RATE_PER_MINUTE / PORTAL_RATE_BURST: each client IP's token bucket for questions, voice uploads and
    # speech streams (refilled at this rate, holding at most `burst` requests); beyond it: 429.
    portal_rate_per_minute: float = Field(30.0, gt=0)
    portal_rate_burst: int = Field(10, ge=1)
    # PORTAL_COOKIE_SECRET: signs the session cookie (one Rasa conversation per browser). Unset: a random one per
    # start (conversations then restart with the portal).
    portal_cookie_secret: SecretStr = Field(default_factory=lambda: SecretStr(secrets.token_urlsafe(32)))
    # PORTAL_COOKIE_SECURE: send the cookie over HTTPS only (set it when the portal is served behind HTTPS).
    portal_cookie_secure: bool = False
    # PORTAL_MAX_MESSAGE_CHARS: the longest question accepted.
    portal_max_message_chars: int = Field(1000, ge=1)
    # PORTAL_FORWARDED_ALLOW_IPS: proxies whose X-Forwarded-For names the client (comma-separated; for the rate
    # limit behind a reverse proxy).
    portal_forwarded_allow_ips: str = "127.0.0.1,::1"
    # PORTAL_ADMIN_TOKEN: the token of the admin pages (/admin/report: the questions to review; /admin/tai-lieu: the
    # document library), sent as "Authorization: Bearer …", as ?token=… (the report's links) or typed into the login
    # page (/admin/dang-nhap). Its name in the library's audit log is "admin". Unset, with no PORTAL_ADMIN_TOKENS:
    # the admin pages are off (404).
    portal_admin_token: SecretStr | None = None
    # PORTAL_ADMIN_TOKENS: named admin tokens, "name:token" pairs separated by commas ("lan:…,minh:…"), so that the
    # audit log says who published, replaced, removed or rolled back; names of letters, digits, ".", "_", "-"
    # (≤ 40), tokens of at least 16 characters.
    portal_admin_tokens: SecretStr | None = None
    # PORTAL_ADMIN_SESSION_HOURS: how long a login on /admin/dang-nhap lasts (a signed cookie, HttpOnly, SameSite=
    # Strict, path /admin; signed with PORTAL_COOKIE_SECRET and the token, so changing the token ends it).
    portal_admin_session_hours: float = Field(8.0, gt=0)
    # PORTAL_LIBRARY_TIMEOUT: seconds a change of the document library (publish, remove, rollback: a `python -m knowledge`
    # process, which embeds the new text) may take before the admin page reports it failed.
    portal_library_timeout: float = Field(900.0, gt=0)
    # PORTAL_WIDGET_ORIGINS: the host portals whose pages may use the voice-search widget (/widget/voice-search.js):
    # origins such as https://www.bomau.gov.vn, comma-separated. They alone get CORS answers on /api/config,
    # /api/ask and /widget/*, and may open /ws/speech. Empty: no cross-origin use at all.
    portal_widget_origins: str = ""

    @field_validator("portal_widget_origins")
    @classmethod
    def _widget_origins(cls, value: str) -> str:
        return ",".join(sorted({web_origin(item) for item in value.split(",") if item.strip()}))

    @field_validator("portal_admin_tokens")
    @classmethod
    def _named_tokens(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            parse_named_tokens(value.get_secret_value())  # raises with what is wrong (never the tokens)
        return value

    @property
    def admin_tokens(self) -> dict[str, str]:
        """Token name → token: PORTAL_ADMIN_TOKENS, and PORTAL_ADMIN_TOKEN as "admin"."""
        named = parse_named_tokens(self.portal_admin_tokens.get_secret_value()) if self.portal_admin_tokens else {}
        if self.portal_admin_token is not None and self.portal_admin_token.get_secret_value():
            named.setdefault("admin", self.portal_admin_token.get_secret_value())
        return named

    @property
    def widget_origins(self) -> frozenset[str]:
        return frozenset(filter(None, self.portal_widget_origins.split(",")))

    @model_validator(mode="after")
    def _default_rasa_url(self) -> "PortalSettings":
        if not self.rasa_url:
            self.rasa_url = f"http://{self.rasa_host}:{self.rasa_port}"
        self.rasa_url = self.rasa_url.rstrip("/")
        return self
