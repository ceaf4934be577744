"""One user talking to the real Rasa server's REST channel (tests share it)."""

from __future__ import annotations

import uuid

import httpx


class Chat:
    def __init__(self, base_url: str, prefix: str = "test") -> None:
        self.url = f"{base_url}/webhooks/rest/webhook"
        self.sender = f"{prefix}-{uuid.uuid4().hex[:12]}"

    def say(self, message: str) -> list[dict]:
        response = httpx.post(self.url, json={"sender": self.sender, "message": message}, timeout=60)
        response.raise_for_status()
        return response.json()

    def text(self, message: str) -> str:
        return "\n".join(m.get("text", "") for m in self.say(message) if m.get("text"))
