"""Token-bucket pacing with a fake clock: smooth, bounded bursts, shared by concurrent calls."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import httpx
import pytest
import respx
from syncro_mcp.client import TokenBucket


async def test_ten_requests_at_60_per_minute_take_about_nine_seconds(clock: Any) -> None:
    bucket = TokenBucket(60, clock=clock, sleep=clock.sleep)
    start = clock()
    for _ in range(10):
        await bucket.acquire()
    elapsed = clock() - start
    assert bucket.capacity == 1
    assert 9.0 <= elapsed < 9.5


async def test_burst_never_exceeds_capacity_and_minute_stays_under_limit(clock: Any) -> None:
    bucket = TokenBucket(180, clock=clock, sleep=clock.sleep)
    assert bucket.capacity == 3
    times = []
    for _ in range(400):
        await bucket.acquire()
        times.append(clock())
    # Only the first `capacity` requests go out with no wait.
    assert times[:3] == [times[0]] * 3
    assert times[3] > times[0]
    # Any 1-second window holds at most capacity + refill; any 60-second window at most 180.
    for i, t in enumerate(times):
        in_second = sum(1 for u in times[i:] if u < t + 1.0)
        in_minute = sum(1 for u in times[i:] if u < t + 60.0)
        assert in_second <= 3 + 3
        assert in_minute <= 180


async def test_idle_time_refills_only_up_to_capacity(clock: Any) -> None:
    bucket = TokenBucket(180, clock=clock, sleep=clock.sleep)
    clock.now += 3600  # an hour idle must not bank 10,800 tokens
    assert bucket.tokens == 3
    for _ in range(3):
        assert await bucket.acquire() == 0.0
    assert await bucket.acquire() > 0.0


async def test_concurrent_client_calls_share_one_bucket(make_client: Any, router: respx.MockRouter, clock: Any) -> None:
    client = make_client(rate_limit_per_min=60)
    sent_at: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent_at.append(clock())
        return httpx.Response(200, json={"user_id": 1})

    router.get("/me").mock(side_effect=handler)
    results = await asyncio.gather(*(client.me() for _ in range(10)))
    assert len(results) == 10
    assert len(sent_at) == 10
    assert sent_at[-1] - sent_at[0] >= 9.0
    gaps = [b - a for a, b in itertools.pairwise(sent_at)]
    assert min(gaps) >= 1.0 - 1e-6  # capacity 1: never two at once


async def test_retries_also_take_tokens(make_client: Any, router: respx.MockRouter, clock: Any) -> None:
    client = make_client(rate_limit_per_min=60, retry_base_s=0)
    route = router.get("/me").mock(
        side_effect=[httpx.Response(500), httpx.Response(500), httpx.Response(200, json={"user_id": 1})]
    )
    start = clock()
    await client.me()
    assert route.call_count == 3
    assert clock() - start >= 2.0  # three sends at capacity 1 → two refills


def test_invalid_rate_is_rejected() -> None:
    with pytest.raises(ValueError):
        TokenBucket(0)
