"""Rasa's REST channel: one message of one conversation in, the assistant's replies out."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx

log = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa (or the action server behind it) did not answer usefully in time; the message says why, for the log."""


class RasaClient:
    def __init__(self, base_url: str, timeout: float) -> None:
        self.webhook = f"{base_url.rstrip('/')}/webhooks/rest/webhook"
        self.timeout = timeout
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(timeout), limits=httpx.Limits(max_connections=32))

    async def aclose(self) -> None:
        await self.http.aclose()

    async def send(self, sender: str, message: str) -> list[dict[str, Any]]:
        """Rasa's replies to `message` in the conversation `sender`, within `timeout` seconds in all.

        Raises RasaUnavailable when Rasa is down, slow, answers with an error, or answers nothing at all (what
        Rasa does when the action server is down: it logs the failed action and replies with an empty list).
        """
        try:
            async with asyncio.timeout(self.timeout):  # httpx bounds each phase; this bounds the whole exchange
                response = await self.http.post(self.webhook, json={"sender": sender, "message": message})
            response.raise_for_status()
            replies = response.json()
        except TimeoutError:
            raise RasaUnavailable(f"no answer within {self.timeout:g} s from {self.webhook}") from None
        except httpx.HTTPStatusError as exc:
            raise RasaUnavailable(f"{self.webhook} answered HTTP {exc.response.status_code}") from None
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"{type(exc).__name__} talking to {self.webhook}: {exc}") from None
        except ValueError:
            raise RasaUnavailable(f"{self.webhook} answered something that is not JSON") from None
        if not isinstance(replies, list):
            raise RasaUnavailable(f"{self.webhook} answered {type(replies).__name__}, not a list of messages")
        replies = [reply for reply in replies if isinstance(reply, dict)]
        if not replies:
            raise RasaUnavailable("Rasa answered with no message (is the action server up?)")
        return replies
