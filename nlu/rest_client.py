"""Rasa's REST channel seen from outside: the client the portal (portal/rasa.py) and the bot (bot/rasa.py) share.

Only those adapters import this (in .venv; the Rasa server never does). RASA_URL may name several Rasa servers,
comma-separated: replicas sharing one tracker store and one lock store. Each conversation goes to one replica, chosen
by a hash of its sender id (its tracker stays warm in one place; nlu/lock_store.py keeps a conversation's messages in
order even when they reach two replicas), and moves to the next replica only while its own is down; the shared
stores carry it over.

How a fault looks from here (measured with Rasa 3.6.21):
- a Rasa server that is down or still loading its model (60 s and more) refuses connections: refused at once;
- with the action server down, Rasa logs "Encountered an exception while running action …" and answers 200 with an
  empty list (≈ 0.1 s on a quiet machine, as long as any answer under load). Every intent of ours has a reply, so an
  empty answer is a failure, reported as one.

A circuit breaker keeps known-down servers off the path of a question: a server that refused a connection, broke
one off or did not answer in time is marked down, and a question meant for it first checks it with Rasa's `GET /`
("Hello from Rasa", served only once the model is loaded) within `probe_timeout` seconds; concurrent questions share
one check. The first check that succeeds puts the server back, so service resumes with the first question after the
server is up again, and while it is down a question fails within the probe time instead of the full timeout.
After an empty answer (failing actions) one question at a time goes through to that server as a trial while the
others are told "busy" at once, without queueing in Rasa; the first trial answered closes the breaker again.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import unicodedata
import zlib
from dataclasses import dataclass, field
from typing import Any, Sequence

import httpx

log = logging.getLogger(__name__)

WEBHOOK = "/webhooks/rest/webhook"
# What the portal and the bot tell a user when RasaUnavailable is raised (the reason goes to the log only).
BUSY = "Hệ thống đang bận, vui lòng thử lại sau."
PROBE_TIMEOUT = 1.5  # seconds for a connection or a health check: under the 2-s "busy" goal, generous for loopback
NO_MESSAGE = ("Rasa answered with no message: a custom action failed, most likely the action server is down or "
              "restarting (Rasa's log says \"Encountered an exception while running action\")")


# Typed text never commands Rasa: its built-in intents typed as "/restart", "/session_start" or "/back" make it act and
# answer nothing (which reads as "busy"), so the slash goes and the word is read as text. Button payloads
# ("/feedback{…}", "/greet") name our own intents and are sent as they are, not through typed_question.
_RASA_BUILTIN_INTENT = re.compile(r"^/(restart|session_start|back)\b", re.IGNORECASE)
# Half a UTF-16 pair (JSON "\ud800" from a broken client) is no character and cannot be encoded for Rasa: dropped.
_LONE_SURROGATES = re.compile("[\ud800-\udfff]")


def typed_question(text: str) -> str:
    """A question a user typed, as Rasa gets it: NFC, trimmed, without lone surrogates or a built-in Rasa command."""
    text = unicodedata.normalize("NFC", _LONE_SURROGATES.sub("", text)).strip()
    return _RASA_BUILTIN_INTENT.sub(r"\1", text)


class RasaUnavailable(Exception):
    """No Rasa server answered usefully in time; the message says why, for the log (never for the user)."""


class _NotDelivered(Exception):
    """The message never reached this server (no connection): another replica may take it."""


class _NoMessage(Exception):
    """The server answered with no message: its custom actions fail."""


@dataclass
class RasaServer:
    """One Rasa server and what this client knows of its health."""

    url: str
    down_since: float | None = None  # time.monotonic() of the failure that marked it down; None while up
    reason: str = ""  # why it is down, for the log
    actions_failing: bool = False  # its last answer was empty: its custom actions fail (action server down?)
    trial: bool = False  # while actions fail, one question at a time goes through to find out when they work again
    checking: asyncio.Task | None = field(default=None, repr=False)  # the health check questions share

    @property
    def up(self) -> bool:
        return self.down_since is None


def split_urls(urls: str | Sequence[str]) -> list[str]:
    """'http://a:5005, http://b:5005/' → ['http://a:5005', 'http://b:5005']."""
    parts = urls.split(",") if isinstance(urls, str) else list(urls)
    return [part.strip().rstrip("/") for part in parts if part.strip()]


class RasaRest:
    """Send one message of one conversation to Rasa's REST channel and get its replies (raw Rasa messages)."""

    def __init__(self, urls: str | Sequence[str], timeout: float, *, max_connections: int = 50,
                 probe_timeout: float = PROBE_TIMEOUT) -> None:
        self.servers = [RasaServer(url) for url in split_urls(urls)]
        if not self.servers:
            raise ValueError("no Rasa server URL given (RASA_URL)")
        self.timeout = timeout
        self.probe_timeout = min(probe_timeout, timeout)
        # The connect phase gets the probe time: a refused or unreachable server is known at once, not after
        # `timeout`; answering may take the whole `timeout` (a slow but working answer is not a fault).
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=self.probe_timeout),
                                      limits=httpx.Limits(max_connections=max_connections))

    async def aclose(self) -> None:
        for server in self.servers:
            if server.checking is not None:
                server.checking.cancel()
        await self.http.aclose()

    def route(self, sender: str) -> list[RasaServer]:
        """The servers in the order this conversation tries them: its own first, then the next ones."""
        first = zlib.crc32(sender.encode("utf-8")) % len(self.servers)
        return self.servers[first:] + self.servers[:first]

    async def send(self, sender: str, message: str) -> list[dict[str, Any]]:
        """Rasa's replies (a non-empty list of message dicts) to `message` in the conversation `sender`.

        Raises RasaUnavailable when every server is down or starting (within the probe time), when the server
        holding the conversation answers with an error, nothing at all, or not within `timeout` seconds."""
        reasons: list[str] = []
        for server in self.route(sender):
            if not server.up and not await self.check(server):
                reasons.append(f"{server.url} is down ({server.reason})")
                continue
            if server.actions_failing and server.trial:
                reasons.append(f"{server.url}: its custom actions fail (a trial question is on its way)")
                continue
            trial = server.actions_failing
            server.trial = server.trial or trial
            try:
                replies = await self._post(server, sender, message)
            except _NotDelivered as exc:
                self._mark_down(server, str(exc))
                reasons.append(f"{server.url}: {exc}")
                continue
            except _NoMessage as exc:
                if not server.actions_failing:
                    log.error("Rasa server %s: custom actions fail; one question at a time tries it until one is "
                              "answered", server.url)
                server.actions_failing = True
                raise RasaUnavailable(str(exc)) from None
            finally:
                if trial:
                    server.trial = False
            if server.actions_failing:
                log.warning("Rasa server %s answers again (custom actions work)", server.url)
                server.actions_failing = False
            return replies
        raise RasaUnavailable("no Rasa server available: " + "; ".join(reasons))

    async def _post(self, server: RasaServer, sender: str, message: str) -> list[dict[str, Any]]:
        url = server.url + WEBHOOK
        try:
            async with asyncio.timeout(self.timeout):  # httpx bounds each phase; this bounds the whole exchange
                response = await self.http.post(url, json={"sender": sender, "message": message})
            response.raise_for_status()
            replies = response.json()
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise _NotDelivered(f"{type(exc).__name__}: {exc}") from None
        except (TimeoutError, httpx.TimeoutException):
            self._mark_down(server, f"no answer within {self.timeout:g} s")
            raise RasaUnavailable(f"no answer within {self.timeout:g} s from {url}") from None
        except httpx.HTTPStatusError as exc:
            raise RasaUnavailable(f"{url} answered HTTP {exc.response.status_code}") from None
        except httpx.HTTPError as exc:  # e.g. the server died while answering
            self._mark_down(server, f"{type(exc).__name__}: {exc}")
            raise RasaUnavailable(f"{type(exc).__name__} talking to {url}: {exc}") from None
        except ValueError:
            raise RasaUnavailable(f"{url} answered something that is not JSON") from None
        if not isinstance(replies, list):
            raise RasaUnavailable(f"{url} answered {type(replies).__name__}, not a list of messages")
        replies = [reply for reply in replies if isinstance(reply, dict)]
        if not replies:
            raise _NoMessage(f"{NO_MESSAGE} ({url}, conversation {sender})")
        return replies

    async def check(self, server: RasaServer) -> bool:
        """Whether `server` serves (Rasa's `GET /` within the probe time); updates its state. Concurrent callers
        share one request."""
        if server.checking is None or server.checking.done():
            server.checking = asyncio.ensure_future(self._probe(server))
        return await asyncio.shield(server.checking)

    async def _probe(self, server: RasaServer) -> bool:
        try:
            response = await self.http.get(f"{server.url}/", timeout=self.probe_timeout)
        except httpx.HTTPError as exc:
            self._mark_down(server, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
            return False
        if response.status_code != 200:
            self._mark_down(server, f"GET / answered HTTP {response.status_code}")
            return False
        if server.down_since is not None:
            log.warning("Rasa server %s serves again (down %.1f s)", server.url, time.monotonic() - server.down_since)
        server.down_since, server.reason = None, ""
        return True

    def _mark_down(self, server: RasaServer, reason: str) -> None:
        if server.down_since is None:
            log.error("Rasa server %s marked down: %s; questions skip it until it answers GET / again",
                      server.url, reason)
            server.down_since = time.monotonic()
        server.reason = reason

    async def is_up(self) -> bool:
        """Whether at least one server serves (checks each; updates their state)."""
        results = await asyncio.gather(*(self.check(server) for server in self.servers))
        return any(results)
