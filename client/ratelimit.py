"""Client-side token bucket that keeps one SyncroClient under Syncro's per-minute limit.

Syncro allows 180 requests per minute per IP and documents no rate-limit headers
(docs/syncro-facts.md#auth-and-rate-limit), so the only reliable defence is to pace ourselves. The bucket is small
(a few tokens) so requests are spread smoothly instead of bursting 180 at once, and
the refill rate is chosen so that no 60-second window can ever see more than
``rate_per_min`` requests: ``capacity + 60 * refill_per_s == rate_per_min``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Protocol
from urllib.parse import urlsplit

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

DEFAULT_CAPACITY = 3
_EPSILON = 1e-9  # float dust from refill arithmetic must not cost another sleep
#: ``rate_limit_url`` schemes that mean "one bucket in Redis, shared by every instance".
REDIS_SCHEMES = ("redis", "rediss", "unix")
KEY_PREFIX = "syncro-mcp:rate:"


class Limiter(Protocol):
    """What the client needs from a rate limiter: wait for and take one request's token."""

    async def acquire(self) -> float: ...


def default_capacity(rate_per_min: float, window_s: float = 60.0) -> int:
    """One token per second of allowed rate, capped: 60/min → 1, 180/min → 3."""
    return max(1, min(DEFAULT_CAPACITY, int(rate_per_min / window_s)))


def default_key(base_url: str) -> str:
    """The shared bucket's Redis key: one per Syncro account (the base URL's host)."""
    host = (urlsplit(base_url).hostname or base_url).lower()
    return KEY_PREFIX + host


def is_shared(url: str | None) -> bool:
    """Whether ``rate_limit_url`` names a shared (Redis) bucket rather than the in-process one."""
    return bool(url) and urlsplit(url or "").scheme.lower() in REDIS_SCHEMES


def make_limiter(
    url: str | None,
    *,
    base_url: str,
    rate_per_min: float,
    key: str | None = None,
    clock: Clock = time.monotonic,
    sleep: Sleep = asyncio.sleep,
) -> TokenBucket | Limiter:
    """The limiter ``rate_limit_url`` asks for: unset or ``memory://`` → this process's own bucket;
    ``redis://…`` (``rediss://``, ``unix://``) → one bucket in Redis under ``key`` (default: per
    Syncro account, :func:`default_key`), shared with every instance using the same Redis and key."""
    if not is_shared(url):
        scheme = urlsplit(url or "").scheme.lower()
        if url and scheme != "memory":
            raise ValueError(f"rate_limit_url: unknown scheme {scheme!r}; use memory:// or redis://host:6379/0")
        return TokenBucket(rate_per_min, clock=clock, sleep=sleep)
    from .redis_bucket import from_url

    return from_url(url or "", key or default_key(base_url), rate_per_min, sleep=sleep)


class TokenBucket:
    """Async token bucket shared by every concurrent request of one client.

    ``clock`` and ``sleep`` are injectable so tests drive time with a fake clock.
    Waiters queue on one lock (FIFO), so pacing is fair and the bucket never goes negative.
    """

    def __init__(
        self,
        rate_per_min: float,
        *,
        capacity: int | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate_per_min <= 0:
            raise ValueError("rate_per_min must be positive")
        if capacity is None:
            capacity = default_capacity(rate_per_min)
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.rate_per_min = float(rate_per_min)
        self.capacity = capacity
        # Reserve the initial burst out of the minute's budget so a full window stays
        # at or under the limit; for tiny limits fall back to the plain rate.
        budget = rate_per_min - capacity if rate_per_min > capacity else rate_per_min
        self.refill_per_s = budget / 60.0
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(capacity)
        self._updated = clock()
        self._lock: asyncio.Lock | None = None

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._updated)
        self._updated = now
        self._tokens = min(float(self.capacity), self._tokens + elapsed * self.refill_per_s)

    @property
    def tokens(self) -> float:
        """Tokens available right now (for tests and diagnostics)."""
        self._refill()
        return self._tokens

    async def acquire(self) -> float:
        """Take one token, sleeping until one is available; returns the seconds waited."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        waited = 0.0
        async with self._lock:
            while True:
                self._refill()
                if self._tokens >= 1.0 - _EPSILON:
                    self._tokens = max(0.0, self._tokens - 1.0)
                    return waited
                delay = (1.0 - self._tokens) / self.refill_per_s
                waited += delay
                await self._sleep(delay)
