"""Who may talk to the bot, how fast, and one question at a time per conversation."""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import AsyncIterator, Callable

WINDOW_S = 60.0


@dataclass(frozen=True)
class AccessList:
    """Allowed Telegram user ids and chat ids (a group's id lets all its members in); None lets everyone in."""

    ids: frozenset[int] | None

    def allows(self, user_id: int | None, chat_id: int | None) -> bool:
        return self.ids is None or user_id in self.ids or chat_id in self.ids


@dataclass
class RateLimiter:
    """At most `limit` messages per user in any 60-second window (a sliding window; 0 = no limit)."""

    limit: int
    clock: Callable[[], float] = time.monotonic
    max_users: int = 10_000
    _recent: dict[int, deque[float]] = field(default_factory=dict)
    _warned: set[int] = field(default_factory=set)

    def hit(self, user_id: int) -> float:
        """Count one message; 0 if it may go on, else the seconds until the user may send again."""
        if self.limit <= 0:
            return 0.0
        now = self.clock()
        recent = self._recent.setdefault(user_id, deque())
        while recent and now - recent[0] >= WINDOW_S:
            recent.popleft()
        if len(recent) >= self.limit:
            return max(1.0, math.ceil(WINDOW_S - (now - recent[0])))
        recent.append(now)
        self._warned.discard(user_id)
        if len(self._recent) > self.max_users:
            self._forget_idle(now)
        return 0.0

    def first_refusal(self, user_id: int) -> bool:
        """True the first time a user is held back in a row: they are told once, not at every message."""
        if user_id in self._warned:
            return False
        self._warned.add(user_id)
        return True

    def _forget_idle(self, now: float) -> None:
        for user_id in [u for u, times in self._recent.items() if not times or now - times[-1] >= WINDOW_S]:
            del self._recent[user_id]
            self._warned.discard(user_id)


class SenderLocks:
    """One lock per conversation: updates are handled concurrently, but one user's messages reach Rasa, and their
    answers come back, in the order they were sent. A lock is dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, sender: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(sender, (asyncio.Lock(), 0))
        self._locks[sender] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[sender]
            if users == 1:
                del self._locks[sender]
            else:
                self._locks[sender] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)
