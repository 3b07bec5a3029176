"""Shared fixtures: a fresh seeded sandbox and an httpx client wired to it in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator

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
