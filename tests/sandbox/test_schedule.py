"""Appointments (GET/POST /appointments, GET/PUT/DELETE /appointments/{id})."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from syncro_mcp.sandbox import Sandbox

ClientFor = Callable[[Sandbox], httpx.AsyncClient]


async def test_list_wraps_each_item_and_sorts_by_start(sb: Sandbox, client: httpx.AsyncClient) -> None:
    body = (await client.get("/appointments")).json()
    assert set(body) == {"appointments", "meta"} and body["meta"] == {"total_pages": 1, "page": 1}
    items = [a["appointment"] for a in body["appointments"]]  # each item wrapped, as the spec's example
    assert len(items) == 4
    assert [a["start_at"] for a in items] == sorted(a["start_at"] for a in items)
    rewire = next(a for a in items if a["summary"] == "Rewire network closet")
    assert rewire["ticket_id"] == sb.ticket_id(32157) and rewire["ticket"]["number"] == 32157
    assert rewire["duration"] == 4 and rewire["start_at"] == "2026-11-21T09:00:00.000-07:00"
    assert rewire["start_at_label"] == "Sat 11-21-26 09:00 AM" and rewire["do_not_email"] == "1"
    assert rewire["customer"]["business_name"] == "Greenway Property Management"
    closed = next(a for a in items if a["all_day"])
    assert closed["customer"] is None and closed["ticket"] is None


async def test_date_filters_and_mine(sb: Sandbox, client: httpx.AsyncClient) -> None:
    async def summaries(**params: str) -> list[str]:
        body = (await client.get("/appointments", params=params)).json()
        return [a["appointment"]["summary"] for a in body["appointments"]]

    assert await summaries(date_from="2026-11-23", date_to="2026-11-24") == [
        "Quarterly review with Helen",
        "Install Marco's workstation",
    ]
    assert await summaries(date_from="2026-11-21", date_to="2026-11-21") == ["Rewire network closet"]
    assert "Rewire network closet" not in await summaries(mine="true")  # Jordan's, not the key's user
    assert len(await summaries(mine="true")) == 3


async def test_create_update_delete(sb: Sandbox, client: httpx.AsyncClient) -> None:
    tid = sb.ticket_id(32163)
    r = await client.post(
        "/appointments",
        json={"summary": "Fix Jim's Outlook", "start_at": "2026-11-25T10:00:00-07:00", "appointment_duration": "90",
              "ticket_id": tid, "location": "Remote"},
    )  # fmt: skip
    assert r.status_code == 200  # docs/syncro-facts.md#creates-answer-200 (the spec says 201)
    a = r.json()["appointment"]
    assert a["end_at"] == "2026-11-25T11:30:00.000-07:00" and a["duration"] == 1.5
    assert a["customer_id"] == sb.ticket(32163)["customer_id"] and a["user_id"] == sb.me_user_id
    r = await client.put(f"/appointments/{a['id']}", json={"start_at": "2026-11-26T08:00:00-07:00"})
    moved = r.json()["appointment"]
    assert moved["start_at"] == "2026-11-26T08:00:00.000-07:00" and moved["summary"] == "Fix Jim's Outlook"
    assert moved["end_at"] == "2026-11-26T09:30:00.000-07:00"  # the length is kept
    got = (await client.get(f"/appointments/{a['id']}")).json()
    assert got["appointment"]["start_at"] == moved["start_at"]
    r = await client.delete(f"/appointments/{a['id']}")
    assert r.status_code == 200
    assert (await client.get(f"/appointments/{a['id']}")).status_code == 404
    assert (await client.delete(f"/appointments/{a['id']}")).json() == {"message": "Not found"}


async def test_create_and_update_errors(sb: Sandbox, client: httpx.AsyncClient) -> None:
    r = await client.post("/appointments", json={"description": "Incomplete appointment"})
    assert r.status_code == 422
    text = "Summary can't be blank,Start at can't be blank,End at can't be blank"
    assert r.json() == {
        "success": False,
        "error": text,
        "message": text,
        "params": {"description": "Incomplete appointment"},
    }
    r = await client.post("/appointments", json={"summary": "x", "start_at": "2026-11-25T10:00:00Z"})
    assert r.status_code == 422 and r.json()["message"] == "End at can't be blank"
    first = next(iter(sb.state.appointments))
    r = await client.put(f"/appointments/{first}", json={"summary": ""})
    assert r.status_code == 422 and r.json()["error"] == "Summary can't be blank"
    assert len(sb.state.appointments) == 4


async def test_detail_flat_mode(client_for: ClientFor) -> None:
    sb = Sandbox(appointment_detail_wrapped=False)
    first = next(iter(sb.state.appointments))
    async with client_for(sb) as c:
        body = (await c.get(f"/appointments/{first}")).json()
    assert body["id"] == first and "appointment" not in body


def test_history_seed_adds_appointments_on_its_tickets() -> None:
    sb = Sandbox(seed_history=True)
    linked = {a["ticket_id"] for a in sb.state.appointments.values()}
    assert {sb.ticket_id(32144), sb.ticket_id(32148)} <= linked and len(sb.state.appointments) == 6
