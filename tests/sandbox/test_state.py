"""Determinism of the seed, save/load round trip, reset and autosave."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import httpx
from syncro_mcp.sandbox import Sandbox, SandboxState

ClientFor = Callable[[Sandbox], httpx.AsyncClient]


def dump(sb: Sandbox) -> str:
    return json.dumps(sb.state.to_json(), sort_keys=True)


def test_seed_is_deterministic() -> None:
    assert dump(Sandbox()) == dump(Sandbox())


async def test_seed_does_not_depend_on_the_wall_clock() -> None:
    a = Sandbox(now=lambda: datetime(2030, 1, 1, tzinfo=timezone.utc))
    assert dump(a) == dump(Sandbox())


def test_seed_summary() -> None:
    st = Sandbox().state
    assert len(st.customers) == 10 and len(st.tickets) == 26 and len(st.users) == 3
    assert {t["number"] for t in st.tickets.values()} == set(range(32150, 32176))
    names = {c.get("business_name") or f"{c['firstname']} {c['lastname']}" for c in st.customers.values()}
    assert {"Jerry Burger", "LeeAnn Parkinson", "Len's Auto Brokerage"} <= names
    labor = {1190473: "Labor - Remote Business", 26118: "Labor - Onsite Business",
             26184: "Labor - Emergency or After Hours Business", 9269129: "Labor - Prepaid Project Labor",
             9269124: "Labor - Internal Labor", 26117: "Fee - Travel Time", 68055: "Labor - Website Labor"}  # fmt: skip
    assert {pid: st.products[pid]["name"] for pid in labor} == labor
    assert any(not p["product_category"].startswith("Labor") for p in st.products.values())
    assert any(t["recorded"] for t in st.timers.values()) and any(not t["recorded"] for t in st.timers.values())
    assert any(c["hidden"] for c in st.comments.values()) and any(not c["hidden"] for c in st.comments.values())


async def test_save_load_round_trip(tmp_path: Path, client_for: ClientFor) -> None:
    sb = Sandbox(now=lambda: datetime(2026, 11, 25, 17, tzinfo=timezone.utc))
    async with client_for(sb) as c:
        cust = sb.ticket(32164)["customer_id"]
        created = (await c.post("/tickets", json={"customer_id": cust, "subject": "Persist me"})).json()["ticket"]
    path = tmp_path / "state.json"
    sb.save(path)
    loaded = Sandbox.load(path)
    assert dump(loaded) == dump(sb)
    async with client_for(loaded) as c:
        r = await c.get(f"/tickets/{created['id']}")
        assert r.json()["ticket"]["subject"] == "Persist me"
        again = (await c.post("/tickets", json={"customer_id": cust, "subject": "Next"})).json()["ticket"]
    assert again["number"] == created["number"] + 1 and again["id"] != created["id"]


async def test_autosave_after_writes_only(tmp_path: Path, client_for: ClientFor) -> None:
    path = tmp_path / "demo.json"
    sb = Sandbox(autosave_path=path)
    async with client_for(sb) as c:
        await c.get("/tickets")
        assert not path.exists()
        await c.post(f"/tickets/{sb.ticket_id(32164)}/comment", json={"subject": "s", "body": "b"})
    assert path.exists()
    assert dump(Sandbox.load(path)) == dump(sb)


async def test_reset_restores_seed_and_clears_faults(sb: Sandbox, client: httpx.AsyncClient) -> None:
    await client.delete(f"/tickets/{sb.ticket_id(32164)}")
    sb.faults.add("GET", "/me", "500")
    sb.reset()
    assert dump(sb) == dump(Sandbox()) and len(sb.faults) == 0 and sb.requests == []
    assert (await client.get("/me")).status_code == 200


def test_empty_sandbox_has_users_and_products_only() -> None:
    st = Sandbox(seed=False).state
    assert st.users and st.products and not st.tickets and not st.customers


async def test_new_tables_round_trip(tmp_path: Path, client_for: ClientFor) -> None:
    """Appointments, assets, RMM alerts, invoice emails and prepay_hours survive save/load."""
    sb = Sandbox(seed_history=True, now=lambda: datetime(2026, 11, 25, 17, tzinfo=timezone.utc))
    async with client_for(sb) as c:
        await c.post(
            "/appointments", json={"summary": "s", "start_at": "2026-11-27T09:00:00Z", "end_at": "2026-11-27T10:00:00Z"}
        )
        await c.post("/customer_assets", json={"name": "NEW-PC", "asset_type_id": 71101})
        await c.post("/rmm_alerts", json={"description": "d"})
        await c.post("/invoices/1649572808/email")
    path = tmp_path / "state.json"
    sb.save(path)
    loaded = Sandbox.load(path)
    assert dump(loaded) == dump(sb)
    for table in ("appointments", "assets", "rmm_alerts", "invoice_emails"):
        assert loaded.state.tables[table] and loaded.state.next_ids[table] == sb.state.next_ids[table]
    assert loaded.state.customers[29140091]["prepay_hours"] == "10.0"


def test_state_files_without_the_new_tables_still_load() -> None:
    data = Sandbox().state.to_json()
    for table in ("appointments", "assets", "rmm_alerts", "invoice_emails"):
        del data["tables"][table]
        del data["next_ids"][table]
    st = SandboxState.from_json(data)
    assert st.appointments == {} and st.next_ids["assets"] == 1
