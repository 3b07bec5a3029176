"""A token bucket in Redis, shared by every syncro-mcp instance that uses the same Redis and key.

Syncro's limit (180 requests per minute) is per IP: a team's servers behind one office IP share
it. Each instance alone would budget the full 180/min; with one bucket in Redis they budget it
together. One Lua script does refill-and-take atomically, on Redis's own clock (``TIME``), so the
instances' clocks never matter. It returns how long to wait when no token is left; the caller
sleeps that long and asks again. Waiters of one instance queue on one lock (FIFO), so each
instance has at most one request polling Redis.

The bucket has the in-process bucket's shape (``client/ratelimit.py``): ``capacity`` tokens,
refilled so that ``capacity + window_s * refill_per_s == rate_per_min``: no window of
``window_s`` seconds (a minute) can see more than ``rate_per_min`` requests from all instances.

If Redis cannot be reached, the instance falls back to its own in-process bucket (logged once per
outage) rather than failing the tool call: Syncro's 429s are still retried as before.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from .ratelimit import _EPSILON, Clock, Sleep, TokenBucket, default_capacity

log = logging.getLogger("syncro_mcp.client")

#: KEYS[1] = the bucket (a hash: tokens, ts). ARGV = capacity, refill per second, TTL in ms,
#: and "now" in seconds ("" = Redis server TIME; only tests pass a clock). Returns the seconds to
#: wait as a string ("0" = token taken); Lua numbers would come back truncated to integers.
ACQUIRE_LUA = """
local capacity = tonumber(ARGV[1])
local refill = tonumber(ARGV[2])
local ttl_ms = tonumber(ARGV[3])
local now
if ARGV[4] ~= '' then
  now = tonumber(ARGV[4])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
local elapsed = now - ts
if elapsed < 0 then elapsed = 0 end
tokens = math.min(capacity, tokens + elapsed * refill)
local wait = 0
if tokens >= 1 - 1e-9 then
  tokens = math.max(0, tokens - 1)
else
  wait = (1 - tokens) / refill
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'ts', string.format('%.17g', now))
redis.call('PEXPIRE', KEYS[1], ttl_ms)
return string.format('%.17g', wait)
"""


class RedisTokenBucket:
    """``await acquire()`` takes one token from the bucket ``key`` in Redis (see the module docstring).

    ``redis`` is a ``redis.asyncio.Redis`` client (see :func:`from_url`). ``window_s`` is the
    limit's window (60: ``rate_per_min`` per minute); tests shrink it to compress time.
    ``clock`` (tests only) replaces Redis ``TIME``; ``sleep`` is injectable like the in-process one.
    """

    def __init__(
        self,
        redis: Any,
        key: str,
        rate_per_min: float,
        *,
        capacity: int | None = None,
        window_s: float = 60.0,
        clock: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
        owns_redis: bool = False,
    ) -> None:
        if rate_per_min <= 0 or window_s <= 0:
            raise ValueError("rate_per_min and window_s must be positive")
        self.capacity = capacity if capacity is not None else default_capacity(rate_per_min, window_s)
        if self.capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.rate_per_min = float(rate_per_min)
        self.window_s = float(window_s)
        budget = rate_per_min - self.capacity if rate_per_min > self.capacity else rate_per_min
        self.refill_per_s = budget / window_s
        self.key = key
        self._redis = redis
        self._owns_redis = owns_redis
        self._script = redis.register_script(ACQUIRE_LUA)
        self._ttl_ms = int(max(window_s, self.capacity / self.refill_per_s) * 2000) + 1000
        self._clock = clock
        self._sleep = sleep
        self._lock: asyncio.Lock | None = None
        self._fallback = TokenBucket(rate_per_min, capacity=self.capacity, sleep=sleep)
        self._degraded = False

    async def _take(self) -> float:
        now = "" if self._clock is None else repr(self._clock())
        args = [self.capacity, repr(self.refill_per_s), self._ttl_ms, now]
        return float(await self._script(keys=[self.key], args=args))

    async def acquire(self) -> float:
        """Take one token, sleeping until one is available; returns the seconds waited."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        waited = 0.0
        async with self._lock:
            while True:
                try:
                    delay = await self._take()
                except Exception as exc:  # redis.exceptions.ConnectionError, TimeoutError, …
                    return waited + await self._fall_back(exc)
                if self._degraded:
                    self._degraded = False
                    log.warning("rate limit: Redis reachable again; sharing the bucket %s again", self.key)
                if delay <= _EPSILON:
                    return waited
                waited += delay
                await self._sleep(delay)

    async def _fall_back(self, exc: Exception) -> float:
        if not self._degraded:
            self._degraded = True
            log.warning(
                "rate limit: Redis unreachable (%s); pacing this instance alone until it is back",
                type(exc).__name__,
            )
        return await self._fallback.acquire()

    async def aclose(self) -> None:
        if self._owns_redis:
            await self._redis.aclose()

    def __repr__(self) -> str:
        return f"RedisTokenBucket(key={self.key!r}, rate_per_min={self.rate_per_min}, window_s={self.window_s})"


def from_url(url: str, key: str, rate_per_min: float, **kwargs: Any) -> RedisTokenBucket:
    """A bucket on a new Redis connection pool for ``url`` (``redis://``, ``rediss://``, ``unix://``)."""
    import redis.asyncio as aioredis  # the optional extra: pip install 'syncro-mcp[team]'

    client = aioredis.from_url(url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30)
    return RedisTokenBucket(client, key, rate_per_min, owns_redis=True, **kwargs)
