"""An administrator's login on the portal: a signed cookie naming the admin token used, with a CSRF token for forms.

The cookie (`ccvc_admin`, HttpOnly, SameSite=Strict, path /admin) holds the token's name, an expiry and a random
nonce, signed with PORTAL_COOKIE_SECRET together with a hash of the token itself: changing or removing a token ends
its sessions, and the token never leaves the login form. Each form of the admin pages carries a CSRF token derived
from the nonce; a POST without it (or from another origin) is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

COOKIE_NAME = "ccvc_admin"
COOKIE_PATH = "/admin"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, *parts: str) -> str:
    return _b64(hmac.new(secret.encode(), "|".join(parts).encode(), hashlib.sha256).digest())


def _fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class AdminSession:
    name: str  # the admin token's name (PORTAL_ADMIN_TOKENS), what the audit log records
    nonce: str
    expires: int

    def csrf(self, secret: str) -> str:
        return _mac(secret, "csrf", self.nonce)[:32]


def new_session(name: str, hours: float) -> AdminSession:
    return AdminSession(name, secrets.token_urlsafe(12), int(time.time() + hours * 3600))


def sign(session: AdminSession, token: str, secret: str) -> str:
    payload = _b64(json.dumps({"n": session.name, "k": session.nonce, "x": session.expires}).encode())
    return f"{payload}.{_mac(secret, payload, _fingerprint(token))}"


def verify(cookie: str | None, tokens: dict[str, str], secret: str) -> AdminSession | None:
    """The session in a cookie this portal signed for a token that still exists, not expired; else None."""
    if not cookie or cookie.count(".") != 1:
        return None
    payload, signature = cookie.split(".")
    try:
        data = json.loads(_unb64(payload))
        session = AdminSession(str(data["n"]), str(data["k"]), int(data["x"]))
    except (ValueError, KeyError, TypeError):
        return None
    token = tokens.get(session.name)
    if token is None or session.expires < time.time():
        return None
    if not hmac.compare_digest(signature, _mac(secret, payload, _fingerprint(token))):
        return None
    return session


def token_name(presented: str, tokens: dict[str, str]) -> str | None:
    """The name of the token presented, compared in constant time with every token (no early exit)."""
    found = None
    for name, token in tokens.items():
        if hmac.compare_digest(presented.encode(), token.encode()):
            found = name
    return found
