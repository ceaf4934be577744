"""Settings of the web portal (environment or an optional `.env` in the working directory)."""

from __future__ import annotations

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
    # PORTAL_ADMIN_TOKEN: the token of the admin pages (/admin/report, /admin/report.csv: the questions to review),
    # sent as "Authorization: Bearer …" or ?token=…. Unset: the admin pages are off (404).
    portal_admin_token: SecretStr | None = None
    # PORTAL_WIDGET_ORIGINS: the host portals whose pages may use the voice-search widget (/widget/voice-search.js):
    # origins such as https://www.bomau.gov.vn, comma-separated. They alone get CORS answers on /api/config,
    # /api/ask and /widget/*, and may open /ws/speech. Empty: no cross-origin use at all.
    portal_widget_origins: str = ""

    @field_validator("portal_widget_origins")
    @classmethod
    def _widget_origins(cls, value: str) -> str:
        return ",".join(sorted({web_origin(item) for item in value.split(",") if item.strip()}))

    @property
    def widget_origins(self) -> frozenset[str]:
        return frozenset(filter(None, self.portal_widget_origins.split(",")))

    @model_validator(mode="after")
    def _default_rasa_url(self) -> "PortalSettings":
        if not self.rasa_url:
            self.rasa_url = f"http://{self.rasa_host}:{self.rasa_port}"
        self.rasa_url = self.rasa_url.rstrip("/")
        return self
