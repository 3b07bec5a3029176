"""Issue 15 client reads against the sandbox: appointments, assets, RMM alerts, every page."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import SecretStr
from syncro_mcp.client import SyncroClient
from syncro_mcp.sandbox import Sandbox


def _client(sb: Sandbox) -> SyncroClient:
    return SyncroClient(base_url=sb.base_url, api_key=SecretStr(sb.api_key), transport=sb.transport(),
                        retry_base_s=0, rate_limit_per_min=10**6)


async def test_appointments_window_and_mine():
    sb = Sandbox(seed_history=True, rate_limit_per_min=None)
    async with _client(sb) as c:
        everything, complete = await c.list_appointments()
        assert complete and {a.id for a in everything} == set(sb.state.appointments)
        day = date(2026, 11, 20)
        window, _ = await c.list_appointments(date_from=day, date_to=day)
        held = [a for a in sb.state.appointments.values()
                if datetime.fromisoformat(a["start_at"]).date() == day]
        assert {a.id for a in window} == {a["id"] for a in held}
        assert sb.requests[-1].query == {"date_from": "2026-11-20", "date_to": "2026-11-20", "page": "1"}
        mine, _ = await c.list_appointments(mine=True)
        assert mine and all(a.user_id == 1480211 or 1480211 in a.user_ids for a in mine)


async def test_assets_and_alerts_read_every_page():
    sb = Sandbox(seed_history=True, rate_limit_per_min=None)
    async with _client(sb) as c:
        assets, complete = await c.list_customer_assets()
        assert complete and {a.id for a in assets} == set(sb.state.assets)
        some = next(iter(sb.state.assets.values()))
        found, _ = await c.list_customer_assets(query=some["asset_serial"] or some["name"])
        assert some["id"] in {a.id for a in found}
        alerts, _ = await c.list_rmm_alerts(status="all")
        assert {a.id for a in alerts} == set(sb.state.rmm_alerts)
        active, _ = await c.list_rmm_alerts()
        assert {a.id for a in active} == {a["id"] for a in sb.state.rmm_alerts.values() if not a["resolved"]}
