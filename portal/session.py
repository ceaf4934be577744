"""One Rasa conversation per browser: a random id in a signed, HttpOnly cookie."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

COOKIE_NAME = "ccvc_session"


def new_session_id() -> str:
    return secrets.token_urlsafe(16)


def _signature(session_id: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), session_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign(session_id: str, secret: str) -> str:
    return f"{session_id}.{_signature(session_id, secret)}"


def verify(cookie: str | None, secret: str) -> str | None:
    """The session id in a cookie this portal signed, else None (missing, forged or signed with another secret)."""
    if not cookie or cookie.count(".") != 1:
        return None
    session_id, signature = cookie.split(".")
    if not session_id or not hmac.compare_digest(signature, _signature(session_id, secret)):
        return None
    return session_id
