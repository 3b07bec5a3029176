"""Issue 15: Sandbox(seed_history=True): stale/overdue tickets and timers of three technicians."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
from syncro_mcp.sandbox import Sandbox
from syncro_mcp.sandbox.seed import ME_USER_ID, OTHER_TECH_ID, THIRD_TECH_ID
from syncro_mcp.sandbox.timefmt import SEED_NOW

ClientFor = Callable[[Sandbox], httpx.AsyncClient]


def test_default_seed_is_unchanged_by_history() -> None:
    plain, full = Sandbox().state, Sandbox(seed_history=True).state
    assert {t["number"] for t in plain.tickets.values()} == set(range(32150, 32176))
    assert {t["number"] for t in full.tickets.values()} == set(range(32144, 32176))
    for table in ("tickets", "comments", "timers", "ticket_line_items", "invoices"):
        for rec_id, rec in plain.tables[table].items():
            assert full.tables[table][rec_id] == rec, (table, rec_id)
    assert full.next_ticket_number == plain.next_ticket_number == 32176
    assert full.next_ids == plain.next_ids


async def test_stale_overdue_and_due_dates(client_for: ClientFor) -> None:
    sb = Sandbox(seed_history=True)
    async with client_for(sb) as c:
        listed = (await c.get("/tickets", params={"status": "Not Closed"})).json()["tickets"]
    old = {t["number"]: t for t in listed if t["number"] < 32150}
    assert set(old) == {32144, 32145, 32146, 32147, 32148}  # 32149 is Resolved
    now = SEED_NOW

    def age(t: dict, key: str) -> timedelta:
        return now - datetime.fromisoformat(t[key])

    stale = {n for n, t in old.items() if age(t, "updated_at") > timedelta(weeks=4)}
    assert stale == {32144, 32145, 32146}
    overdue = {n for n, t in old.items() if t["due_date"] and age(t, "due_date") > timedelta(0)}
    assert overdue == {32144, 32145}
    assert old[32148]["due_date"] == "2026-11-20T10:00:00.000-07:00"  # due today (account time)
    assert old[32146]["due_date"] is None and old[32146]["user_id"] is None
    assert old[32147]["due_date"] > "2026-11-20"


async def test_ticket_timers_across_technicians_days_and_dst(client_for: ClientFor) -> None:
    sb = Sandbox(seed_history=True)
    async with client_for(sb) as c:
        everything = []
        page = 1
        while True:
            body = (await c.get("/ticket_timers", params={"page": page})).json()
            everything += body["ticket_timers"]
            if page >= body["meta"]["total_pages"]:
                break
            page += 1
        assert len(everything) == 31 and body["meta"]["total_pages"] == 2
        created = [t["created_at"] for t in everything]
        assert created == sorted(created, key=datetime.fromisoformat)  # oldest first, across pages
        window = (
            await c.get(
                "/ticket_timers",
                params={"created_at_gt": "2026-10-31T00:00:00-07:00", "created_at_lt": "2026-11-04T00:00:00-07:00"},
            )
        ).json()["ticket_timers"]
    assert {t["user_id"] for t in everything} == {ME_USER_ID, OTHER_TECH_ID, THIRD_TECH_ID}
    migration = [t for t in everything if t["ticket_id"] == sb.ticket_id(32147)]
    assert {t["user_id"] for t in migration} == {ME_USER_ID, OTHER_TECH_ID, THIRD_TECH_ID}
    history = {sb.ticket_id(n) for n in range(32144, 32150)}
    window = [t for t in window if t["ticket_id"] in history]
    notes = [t["notes"] for t in window]
    assert notes == [
        "Migrated PC-05 and PC-06",
        "After hours: cutover across the DST change",
        "Remote: fixed mapped drives",
        "Evening: printer deployment",
    ]
    dst = window[1]
    # 07:30Z on 2026-11-01: 01:30 MDT before the US change, 00:30 in Arizona (no DST, -07:00).
    assert dst["start_time"] == "2026-11-01T00:30:00.000-07:00" and dst["active_duration"] == 5400
    evening = window[3]  # 23:30Z on Nov 3 is still Nov 3 in the account's zone
    assert evening["start_time"].startswith("2026-11-03T16:30")
    weeks = {datetime.fromisoformat(t["start_time"]).isocalendar()[1] for t in everything}
    assert len(weeks) >= 6  # spread over the last weeks


async def test_account_zone_with_dst(client_for: ClientFor) -> None:
    """Sandbox(time_zone=...) with DST: offsets change across 2026-11-01 in seed and API alike."""
    sb = Sandbox(seed_history=True, time_zone="America/Denver", now=lambda: SEED_NOW)
    dst = next(t for t in sb.state.timers.values() if t["notes"].startswith("After hours: cutover"))
    # 01:30 MDT, then the clock falls back: 90 minutes later it is 02:00 MST.
    assert (dst["start_time"], dst["end_time"]) == ("2026-11-01T01:30:00.000-06:00", "2026-11-01T02:00:00.000-07:00")
    assert dst["active_duration"] == 5400
    before = next(t for t in sb.state.timers.values() if t["notes"] == "Migrated PC-05 and PC-06")
    assert before["start_time"] == "2026-10-31T10:00:00.000-06:00"
    async with client_for(sb) as c:
        locale = (await c.get("/settings")).json()["locale"]
        assert (locale["time_zone"], locale["time_offset"]) == ("America/Denver", "-07:00")
        # A date-only value is midnight in the account's zone.
        r = await c.post(
            f"/tickets/{sb.ticket_id(32163)}/timer_entry", json={"start_at": "2026-07-01", "duration_minutes": 30}
        )
        assert r.json()["start_time"] == "2026-07-01T00:00:00.000-06:00"
        ticket = (await c.get(f"/tickets/{sb.ticket_id(32163)}")).json()["ticket"]
        assert ticket["updated_at"].endswith("-07:00")  # November: MST
    plain = Sandbox(seed_history=True)
    same = next(t for t in plain.state.timers.values() if t["id"] == dst["id"])
    assert same["start_time"] == "2026-11-01T00:30:00.000-07:00"  # Arizona: no change
    assert Sandbox().state.to_json() == Sandbox(time_zone="America/Phoenix").state.to_json()
