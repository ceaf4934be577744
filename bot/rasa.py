"""Rasa's REST channel: one message of one conversation in, the assistant's replies out.

The transport (several Rasa servers in RASA_URL, a circuit breaker that answers "busy" at once while a server is down
or starting, an empty answer treated as a failure) is nlu/rest_client.py, shared with the portal.
"""

from __future__ import annotations

from typing import Any

import httpx

from nlu.rest_client import BUSY, RasaRest, RasaUnavailable, typed_question

__all__ = ["BUSY", "RasaClient", "RasaUnavailable", "typed_question"]


class RasaClient:
    """`action_server_url`: the action server behind Rasa, checked by `answers` (Rasa cannot tell whether it is up)."""

    def __init__(self, base_url: str, timeout: float, action_server_url: str) -> None:
        self.timeout = timeout
        self.rest = RasaRest(base_url, timeout, max_connections=32)
        self.action_health_url = f"{action_server_url.rstrip('/')}/health"

    async def aclose(self) -> None:
        await self.rest.aclose()

    async def send(self, sender: str, message: str) -> list[dict[str, Any]]:
        """Rasa's replies to `message` in the conversation `sender`, within `timeout` seconds in all.

        Raises RasaUnavailable when Rasa is down, starting, slow, answers with an error, or answers nothing at all
        (what Rasa does when the action server is down: it logs the failed action and replies with an empty list).
        """
        return await self.rest.send(sender, message)

    async def answers(self) -> bool:
        """Whether the assistant can answer now: a Rasa server serves (its model loaded) and the action server
        answers its health check."""
        try:
            actions = await self.rest.http.get(self.action_health_url, timeout=self.rest.probe_timeout)
        except httpx.HTTPError:
            return False
        return actions.status_code == 200 and await self.rest.is_up()
