"""Key handling (three accepted styles, read-only key) and the 180/min rolling rate limit."""

from __future__ import annotations

import httpx
import pytest
from syncro_mcp.sandbox import Sandbox
from syncro_mcp.sandbox.errors import NOT_AUTHORIZED


def raw_client(sb: Sandbox, **kwargs: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=sb.transport(), base_url=sb.base_url, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("headers", "params"),
    [
        ({"Authorization": "Bearer sandbox-key"}, {}),
        ({"Authorization": "sandbox-key"}, {}),
        ({}, {"api_key": "sandbox-key"}),
    ],
    ids=["bearer", "bare-header", "query"],
)
async def test_accepted_key_styles(sb: Sandbox, headers: dict[str, str], params: dict[str, str]) -> None:
    async with raw_client(sb, headers=headers) as c:
        r = await c.get("/me", params=params)
    assert r.status_code == 200
    assert r.json()["user_id"] == sb.me_user_id


@pytest.mark.parametrize(
    ("headers", "params"),
    [({}, {}), ({"Authorization": "Bearer wrong"}, {}), ({}, {"api_key": "wrong"}), ({"X-Api-Key": "sandbox-key"}, {})],
    ids=["none", "wrong-bearer", "wrong-query", "other-header"],
)
async def test_rejected_keys_get_401_json(sb: Sandbox, headers: dict[str, str], params: dict[str, str]) -> None:
    async with raw_client(sb, headers=headers) as c:
        r = await c.get("/tickets", params=params)
    assert r.status_code == 401
    assert isinstance(r.json()["error"], str)


async def test_read_only_key_reads_but_cannot_write(sb: Sandbox) -> None:
    async with raw_client(sb, headers={"Authorization": f"Bearer {sb.read_only_key}"}) as c:
        assert (await c.get("/tickets")).status_code == 200
        me = (await c.get("/me")).json()
        assert me["permissions"]["ticket"] == {"read": True, "write": False, "delete": False}
        tid = sb.ticket_id(32164)
        r = await c.post(f"/tickets/{tid}/comment", json={"subject": "s", "body": "b"})
        assert r.status_code == 401
        assert r.json() == {"error": NOT_AUTHORIZED}
        assert (await c.delete(f"/tickets/{tid}")).status_code == 401
    assert sb.requests[-1].applied is False
    assert len(sb.state.comments) == 52


async def test_rate_limit_rolling_minute_without_retry_after() -> None:
    now = [1000.0]
    sb = Sandbox(rate_limit_per_min=5, clock=lambda: now[0])
    async with raw_client(sb, headers={"Authorization": sb.api_key}) as c:
        for _ in range(5):
            assert (await c.get("/me")).status_code == 200
        r = await c.get("/me")
        assert r.status_code == 429
        assert "retry-after" not in r.headers
        assert not any(h.lower().startswith("x-ratelimit") for h in r.headers)
        now[0] += 30
        assert (await c.get("/me")).status_code == 429  # still inside the window
        now[0] += 30.5
        assert (await c.get("/me")).status_code == 200  # the first five have aged out
    assert [e.status for e in sb.requests].count(429) == 2


async def test_rate_limit_default_is_180_and_can_be_disabled() -> None:
    now = [0.0]
    limited = Sandbox(clock=lambda: now[0])
    async with raw_client(limited, headers={"Authorization": limited.api_key}) as c:
        statuses = [(await c.get("/users")).status_code for _ in range(181)]
    assert statuses[:180] == [200] * 180 and statuses[180] == 429

    unlimited = Sandbox(rate_limit_per_min=None, clock=lambda: 0.0)
    async with raw_client(unlimited, headers={"Authorization": unlimited.api_key}) as c:
        statuses = [(await c.get("/users")).status_code for _ in range(200)]
    assert set(statuses) == {200}
