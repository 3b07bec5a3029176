"""The shared rate budget: one token bucket in Redis for every instance on one Syncro account/IP.

Unit tests drive the Lua script with a fake clock (passed instead of Redis ``TIME``); the
integration tests run on real time against an in-process sandbox whose limit is 20 requests per
rolling "minute" on a clock 30× faster than real (a 2-second window), with two clients, each with
its own Redis connection (as two server processes have), on one bucket, and on two buckets as the
control: what keeps the two together under the limit is the shared key, nothing else.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest
import redis.asyncio as aioredis
from pydantic import SecretStr
from syncro_mcp.client import RateLimitedError, SyncroClient
from syncro_mcp.client.ratelimit import TokenBucket, default_key, is_shared, make_limiter
from syncro_mcp.client.redis_bucket import RedisTokenBucket, from_url
from syncro_mcp.sandbox import Sandbox

SPEEDUP = 30.0  # sandbox clock runs 30× real time: its 60 s window is 2 real seconds
LIMIT = 20
WINDOW_S = 60.0 / SPEEDUP


@pytest.fixture
async def redis(redis_url: str) -> Any:
    client = aioredis.from_url(redis_url)
    yield client
    await client.aclose()


async def test_fake_clock_bucket_paces_like_the_in_process_one(redis: Any, redis_key: str, clock: Any) -> None:
    shared = RedisTokenBucket(redis, redis_key, 60, clock=clock, sleep=clock.sleep)
    local = TokenBucket(60, clock=clock, sleep=clock.sleep)
    assert shared.capacity == local.capacity == 1
    start = clock()
    for _ in range(10):
        await shared.acquire()
    assert 9.0 <= clock() - start < 9.5  # 60/min: one token at once, then one a second


async def test_two_instances_on_one_key_share_the_budget(redis_url: str, redis_key: str, clock: Any) -> None:
    """Two buckets (two connections, like two processes) on one key: 180/min together, not each."""
    a = from_url(redis_url, redis_key, 180, clock=clock, sleep=clock.sleep)
    b = from_url(redis_url, redis_key, 180, clock=clock, sleep=clock.sleep)
    try:
        times = []
        for i in range(360):
            await (a if i % 2 else b).acquire()
            times.append(clock())
        # any 60-second window holds at most 180 admissions from both together
        j = 0
        for i, t in enumerate(times):
            while times[j] <= t - 60:
                j += 1
            assert i - j + 1 <= 180
        assert times[-1] - times[0] >= 60 * (360 - 180) / 180
    finally:
        await a.aclose()
        await b.aclose()


async def test_other_key_is_another_budget(redis: Any, redis_key: str, clock: Any) -> None:
    a = RedisTokenBucket(redis, redis_key + ":a", 60, clock=clock, sleep=clock.sleep)
    b = RedisTokenBucket(redis, redis_key + ":b", 60, clock=clock, sleep=clock.sleep)
    assert await a.acquire() == 0 and await b.acquire() == 0  # each key has its own first token
    assert await a.acquire() > 0


async def test_bucket_key_expires_when_idle(redis: Any, redis_key: str) -> None:
    bucket = RedisTokenBucket(redis, redis_key, 180)
    await bucket.acquire()
    ttl_ms = await redis.pttl(redis_key)
    assert 0 < ttl_ms <= 121_000


async def test_unreachable_redis_falls_back_to_this_process_and_says_so(caplog: Any, clock: Any) -> None:
    bucket = from_url("redis://127.0.0.1:1/0", "k", 60, sleep=clock.sleep)
    try:
        with caplog.at_level(logging.WARNING, logger="syncro_mcp.client"):
            for _ in range(3):
                await bucket.acquire()
        assert sum("Redis unreachable" in r.getMessage() for r in caplog.records) == 1
    finally:
        await bucket.aclose()


def test_limiter_by_url() -> None:
    base = "https://Acme.syncromsp.com/api/v1"
    assert isinstance(make_limiter(None, base_url=base, rate_per_min=180), TokenBucket)
    assert isinstance(make_limiter("memory://", base_url=base, rate_per_min=180), TokenBucket)
    shared = make_limiter("redis://127.0.0.1:1/0", base_url=base, rate_per_min=180)
    assert isinstance(shared, RedisTokenBucket) and shared.key == "syncro-mcp:rate:acme.syncromsp.com"
    assert make_limiter("redis://x/0", base_url=base, rate_per_min=180, key="office").key == "office"
    assert default_key(base) == "syncro-mcp:rate:acme.syncromsp.com"
    assert is_shared("rediss://h") and is_shared("unix:///run/redis.sock") and not is_shared("memory://")
    with pytest.raises(ValueError, match="unknown scheme"):
        make_limiter("http://x", base_url=base, rate_per_min=180)


def _client(sb: Sandbox, limiter: Any, retries: int) -> SyncroClient:
    return SyncroClient(
        base_url=sb.base_url, api_key=SecretStr(sb.api_key), transport=sb.transport(), limiter=limiter,
        max_retries=retries, retry_base_s=0.5,
    )


async def _two_clients_read(redis_url: str, keys: tuple[str, str], per_client: int, retries: int) -> dict[str, Any]:
    sb = Sandbox(rate_limit_per_min=LIMIT, clock=lambda: time.monotonic() * SPEEDUP)
    buckets = [from_url(redis_url, key, LIMIT, window_s=WINDOW_S) for key in keys]
    clients = [_client(sb, b, retries) for b in buckets]
    started = time.monotonic()
    try:
        results = await asyncio.gather(
            *(c.list_tickets() for c in clients for _ in range(per_client)), return_exceptions=True
        )
    finally:
        for c, b in zip(clients, buckets, strict=True):
            await c.aclose()
            await b.aclose()
    return {
        "elapsed": time.monotonic() - started,
        "sent_429": sum(1 for q in sb.requests if q.status == 429),
        "rate_errors": sum(isinstance(r, RateLimitedError) for r in results),
        "other_errors": [r for r in results if isinstance(r, BaseException) and not isinstance(r, RateLimitedError)],
        "requests": len(list(sb.requests)),
    }


async def test_two_clients_on_one_redis_key_stay_under_the_sandbox_limit(redis_url: str, redis_key: str) -> None:
    """40 concurrent reads from two clients, sandbox at 20 per (compressed) minute: no 429 at all."""
    r = await _two_clients_read(redis_url, (redis_key, redis_key), per_client=20, retries=3)
    assert r["sent_429"] == 0 and r["rate_errors"] == 0 and not r["other_errors"], r
    assert r["requests"] == 40
    # 3 at once, then 8.5 a second: ≥ (40 - 3) / 8.5 s; and not much slower than that (≥ 90 % of the limit)
    ideal = (40 - 3) / ((LIMIT - 3) / WINDOW_S)
    assert ideal <= r["elapsed"] <= ideal / 0.9 + 0.5, r


async def test_control_two_keys_each_budget_the_whole_limit_and_get_429s(redis_url: str, redis_key: str) -> None:
    """The same two clients on two keys (two budgets, like two servers before): Syncro answers 429."""
    r = await _two_clients_read(redis_url, (redis_key + ":1", redis_key + ":2"), per_client=20, retries=0)
    assert r["sent_429"] >= 5 and r["rate_errors"] == r["sent_429"], r
