"""Shared fixtures: a fresh seeded sandbox and an httpx client wired to it in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from syncro_mcp.sandbox import Sandbox


@pytest.fixture
def sb() -> Sandbox:
    return Sandbox()


@pytest.fixture
async def client(sb: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {sb.api_key}"}
    async with httpx.AsyncClient(transport=sb.transport(), base_url=sb.base_url, headers=headers) as c:
        yield c


@pytest.fixture
def client_for() -> Callable[[Sandbox], httpx.AsyncClient]:
    """For tests that build their own Sandbox: ``async with client_for(sb) as c``."""

    def make(sandbox: Sandbox) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {sandbox.api_key}"}
        return httpx.AsyncClient(transport=sandbox.transport(), base_url=sandbox.base_url, headers=headers)

    return make
