"""Per-client request rate limit: a token bucket per IP address, in memory."""

from __future__ import annotations

import time
from collections import OrderedDict


class RateLimiter:
    """`burst` requests at once, refilled at `per_minute`; the least recently seen clients are forgotten first
    when more than `max_clients` are tracked (their buckets would be full again by then anyway)."""

    def __init__(self, per_minute: float, burst: int, max_clients: int = 10_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client -> (tokens, last time)

    def allow(self, client: str) -> float:
        """0.0 when the request may go on (and takes a token), else the seconds until one is available."""
        now = time.monotonic()
        tokens, last = self._buckets.pop(client, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self.rate
        self._buckets[client] = (tokens, now)
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return wait
