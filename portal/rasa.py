"""Talking to Rasa's REST channel: one question in, the assistant's replies out (text, buttons, custom payload)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx

log = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa did not answer in time, refused the connection or answered with an error."""


class RasaClient:
    def __init__(self, base_url: str, timeout: float) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(timeout), limits=httpx.Limits(max_connections=50))

    async def close(self) -> None:
        await self.http.aclose()

    async def ask(self, sender: str, message: str) -> list[dict[str, Any]]:
        """The replies to `message` from the conversation `sender`, merged (see `merge_replies`)."""
        url = f"{self.base_url}/webhooks/rest/webhook"
        try:
            # httpx's timeout is per phase (connect, write, read); this bounds the whole exchange: a slow or hung
            # Rasa becomes "busy" within `timeout` seconds.
            async with asyncio.timeout(self.timeout):
                response = await self.http.post(url, json={"sender": sender, "message": message})
            response.raise_for_status()
            replies = response.json()
        except (httpx.TimeoutException, TimeoutError):
            log.error("Rasa did not answer within %g s (%s)", self.timeout, url)
            raise RasaUnavailable from None
        except (httpx.HTTPError, ValueError) as exc:
            log.error("Rasa failed (%s): %s: %s", url, type(exc).__name__, exc)
            raise RasaUnavailable from None
        if not isinstance(replies, list):
            log.error("Rasa answered something that is not a list of messages: %.200r", replies)
            raise RasaUnavailable
        return merge_replies(replies)

    async def is_up(self) -> bool:
        try:
            return (await self.http.get(f"{self.base_url}/", timeout=3)).status_code == 200
        except httpx.HTTPError:
            return False


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
