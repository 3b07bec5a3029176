"""Shared fixtures for client tests: a fake clock (no real sleeping) and a respx router
wired in through ``transport=`` so nothing can reach the network."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr
from support.redis_server import redis_key, redis_url  # noqa: F401  (fixtures: the shared-bucket tests need Redis)
from syncro_mcp.client import SyncroClient
from syncro_mcp.testing import FakeClock

BASE = "https://acme.syncromsp.com/api/v1"
KEY = "CANARY-KEY-1234567890"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def router() -> respx.MockRouter:
    # assert_all_mocked (default True): an unrouted request raises instead of touching the network.
    return respx.MockRouter(base_url=BASE, assert_all_called=False)


MakeClient = Callable[..., SyncroClient]


@pytest.fixture
async def make_client(router: respx.MockRouter, clock: FakeClock) -> AsyncIterator[MakeClient]:
    made: list[SyncroClient] = []

    def _make(**kw: Any) -> SyncroClient:
        opts: dict[str, Any] = {
            "api_key": SecretStr(KEY),
            "transport": httpx.MockTransport(router.async_handler),
            "clock": clock,
            "sleep": clock.sleep,
            "retry_base_s": 0.5,
            "rate_limit_per_min": 1_000_000,
        }
        opts.update(kw)
        client = SyncroClient(BASE, **opts)
        made.append(client)
        return client

    yield _make
    for client in made:
        await client.aclose()


@pytest.fixture
def client(make_client: MakeClient) -> SyncroClient:
    return make_client()
