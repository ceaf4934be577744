"""Talking to Rasa's REST channel: one question in, the assistant's replies out (text, buttons, custom payload).

The transport (several Rasa servers, a circuit breaker that answers "busy" at once while a server is down or
starting, an empty answer treated as a failure) is nlu/rest_client.py, shared with the Telegram bot.
"""

from __future__ import annotations

import logging
from typing import Any

from nlu.rest_client import BUSY, RasaRest, RasaUnavailable, typed_question

__all__ = ["BUSY", "RasaClient", "RasaUnavailable", "merge_replies", "typed_question"]

log = logging.getLogger(__name__)


class RasaClient:
    """`base_url`: RASA_URL, one Rasa server or several comma-separated (replicas sharing their stores)."""

    def __init__(self, base_url: str, timeout: float) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.rest = RasaRest(base_url, timeout, max_connections=50)

    async def close(self) -> None:
        await self.rest.aclose()

    async def ask(self, sender: str, message: str) -> list[dict[str, Any]]:
        """The replies to `message` from the conversation `sender`, merged (see `merge_replies`). Raises
        RasaUnavailable (logged here: the page only says the system is busy)."""
        try:
            replies = await self.rest.send(sender, message)
        except RasaUnavailable as exc:
            log.error("Rasa unavailable, answered busy: %s", exc)
            raise
        return merge_replies(replies)

    async def is_up(self) -> bool:
        return await self.rest.is_up()


def merge_replies(replies: list[Any]) -> list[dict[str, Any]]:
    """Rasa's REST channel sends a reply's text (with buttons) and its `custom` JSON as two messages; the page wants
    one: [{"text", "buttons": [{"title", "payload"}], "custom"}]. Images and other kinds are dropped."""
    merged: list[dict[str, Any]] = []
    for reply in replies:
        if not isinstance(reply, dict):
            continue
        text = reply.get("text") if isinstance(reply.get("text"), str) else None
        buttons = [{"title": str(b.get("title", "")), "payload": str(b.get("payload", b.get("title", "")))}
                   for b in reply.get("buttons") or [] if isinstance(b, dict)]
        custom = reply.get("custom") if isinstance(reply.get("custom"), dict) else None
        if text is None and custom is not None and merged and merged[-1]["custom"] is None:
            merged[-1]["custom"] = custom  # the structured form of the text just sent
            continue
        if text is None and custom is None and not buttons:
            continue
        merged.append({"text": text or "", "buttons": buttons, "custom": custom})
    return merged
