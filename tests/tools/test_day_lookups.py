"""list_appointments (schedule toolset), find_asset and list_rmm_alerts (assets toolset) on the sandbox,
through the in-memory MCP client: exact Syncro requests, results equal to the sandbox's own state."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from support.harness import call, harness, text
from syncro_mcp.sandbox import Sandbox
from syncro_mcp.sandbox.seed import ME_USER_ID, OTHER_TECH_ID

OPT_IN = ["tickets", "schedule", "assets"]
DENVER = ZoneInfo("America/Denver")
LENS = 29140035  # Len's Auto Brokerage


def _requests(sb: Sandbox) -> list[tuple[str, str, dict]]:
    return [(q.method, q.path, dict(q.query)) for q in sb.requests]


def _starting_in(sb: Sandbox, days: set[date], zone: ZoneInfo) -> list[int]:
    """The sandbox's appointments whose start falls on one of ``days`` (local), by start."""
    inside = [a for a in sb.state.appointments.values()
              if datetime.fromisoformat(a["start_at"]).astimezone(zone).date() in days]
    return [a["id"] for a in sorted(inside, key=lambda a: (datetime.fromisoformat(a["start_at"]), a["id"]))]


async def test_a_week_across_the_dst_change_is_exactly_its_local_days(tmp_path):
    """Denver falls back on Sunday 2026-11-01: that week is 169 hours; edges just in and just out."""
    sb = Sandbox(seed_history=True, time_zone="America/Denver", rate_limit_per_min=None)
    async with harness(tmp_path, sandbox=sb, timezone="America/Denver", toolsets=OPT_IN, subdomain="acme") as h:
        edges = {  # UTC start → inside the week Mon 2026-10-26 .. Sun 2026-11-01 (local)?
            datetime(2026, 10, 26, 5, 45, tzinfo=timezone.utc): False,  # Sun 10-25 23:45 MDT
            datetime(2026, 10, 26, 6, 15, tzinfo=timezone.utc): True,  # Mon 10-26 00:15 MDT
            datetime(2026, 11, 2, 6, 30, tzinfo=timezone.utc): True,  # Sun 11-01 23:30 MST (after fall-back)
            datetime(2026, 11, 2, 7, 30, tzinfo=timezone.utc): False,  # Mon 11-02 00:30 MST
        }
        made = {}
        for start, inside in edges.items():
            a = await h.client.create_appointment({"summary": f"edge {start:%m-%d %H:%M}", "start_at": start,
                                                   "end_at": start + timedelta(minutes=45), "user_id": OTHER_TECH_ID})
            made[a.id] = inside
        sb.requests.clear()
        r = await call(h.server, "list_appointments", {"from": "2026-10-26", "to": "2026-11-01"})
        assert not r.is_error, text(r)
        sc = r.structured_content
        week = {date(2026, 10, 26) + timedelta(days=i) for i in range(7)}
        got = [x["id"] for x in sc["appointments"]]
        assert got == _starting_in(sb, week, DENVER) == [i for i, inside in made.items() if inside]
        assert sc["period"] == "2026-10-26 to 2026-11-01" and sc["complete"] is True
        first = sc["appointments"][0]
        assert first["minutes"] == 45 and first["tech"] == "Jordan Reyes"
        assert first["url"] == f"https://acme.syncromsp.com/appointments/{first['id']}"
        # A day more each side (Syncro's date bounds are its own), one page, then the tech list (cached).
        assert _requests(sb)[0] == ("GET", "/appointments", {"date_from": "2026-10-25", "date_to": "2026-11-02",
                                                              "page": "1"})
        assert [p for _, p, _ in _requests(sb)[1:]] == ["/tickets/settings"]
        out = text(r)
        assert "2026-11-01 23:30 MST 45m" in out and first["url"] in out and "10-25 23:45" not in out


async def test_mine_and_every_page(tmp_path):
    sb = Sandbox(seed_history=True, rate_limit_per_min=None)
    phoenix = ZoneInfo("America/Phoenix")
    async with harness(tmp_path, sandbox=sb, timezone="America/Phoenix", toolsets=OPT_IN) as h:
        day = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)
        for i in range(30):  # 30 on one day: two pages of 25
            await h.client.create_appointment({"summary": f"slot {i}", "start_at": day + timedelta(minutes=i),
                                               "end_at": day + timedelta(minutes=i + 10), "user_id": ME_USER_ID})
        sb.requests.clear()
        r = await call(h.server, "list_appointments", {"from": "2026-11-30", "to": "2026-11-30", "mine": True})
        assert not r.is_error, text(r)
        want = _starting_in(sb, {date(2026, 11, 30)}, phoenix)
        assert [x["id"] for x in r.structured_content["appointments"]] == want
        assert len(r.structured_content["appointments"]) == 30
        assert [(p, q.get("page"), q.get("mine")) for _, p, q in _requests(sb)] == [
            ("/appointments", "1", "true"), ("/appointments", "2", "true")]  # mine: no tech list needed

        sb.requests.clear()  # default: the next 7 days from today (2026-11-25), Alex's and others'
        r = await call(h.server, "list_appointments", {})
        week = {date(2026, 11, 25) + timedelta(days=i) for i in range(7)}
        assert [x["id"] for x in r.structured_content["appointments"]] == _starting_in(sb, week, phoenix)
        assert _requests(sb)[0][2] == {"date_from": "2026-11-24", "date_to": "2026-12-02", "page": "1"}


async def test_find_asset_by_serial_finds_exactly_one(tmp_path):
    async with harness(tmp_path, toolsets=OPT_IN, subdomain="acme") as h:
        r = await call(h.server, "find_asset", {"query": "9HVQ2M3"})
        assert not r.is_error, text(r)
        [asset] = r.structured_content["assets"]
        held = h.sandbox.state.assets[asset["id"]]
        assert held["asset_serial"] == asset["serial"] == "9HVQ2M3" and asset["name"] == "LENS-SRV-01"
        assert asset["customer"] == "Len's Auto Brokerage" and asset["model"] == "Dell Inc. PowerEdge T150"
        assert asset["url"] == f"https://acme.syncromsp.com/customer_assets/{held['id']}"
        assert _requests(h.sandbox) == [("GET", "/customer_assets", {"query": "9HVQ2M3", "page": "1"})]
        assert "LENS-SRV-01" in text(r) and asset["url"] in text(r)

        h.sandbox.requests.clear()  # by customer: exactly that customer's assets
        r = await call(h.server, "find_asset", {"query": "Len's Auto"})
        want = {a["id"] for a in h.sandbox.state.assets.values() if a["customer_id"] == LENS}
        assert {x["id"] for x in r.structured_content["assets"]} == want and len(want) == 3

        r = await call(h.server, "find_asset", {"query": "no-such-serial"})
        assert r.structured_content["assets"] == [] and "0" in text(r)


async def test_find_asset_by_make_or_model_reads_the_properties(tmp_path):
    """Syncro's search skips ``properties`` (make, model): an empty search is matched here on the list."""
    async with harness(tmp_path, toolsets=OPT_IN, subdomain="acme") as h:
        st = h.sandbox.state
        h.sandbox.requests.clear()
        r = await call(h.server, "find_asset", {"query": "dell"})
        assert not r.is_error, text(r)
        want = {a["id"] for a in st.assets.values() if "dell" in str(a["properties"].get("Manufacturer", "")).lower()}
        assert {x["id"] for x in r.structured_content["assets"]} == want and len(want) == 3
        assert r.structured_content["complete"] is True
        assert _requests(h.sandbox) == [
            ("GET", "/customer_assets", {"query": "dell", "page": "1"}),
            ("GET", "/customer_assets", {"page": "1"}),
        ]
        r = await call(h.server, "find_asset", {"query": "OptiPlex"})
        assert [x["name"] for x in r.structured_content["assets"]] == ["LENS-SALES-02"]
        r = await call(h.server, "find_asset", {"query": "Windows 11"})  # the OS is not a make or model
        assert r.structured_content["assets"] == []


async def test_alerts_by_status_and_customer_match_the_sandbox(tmp_path):
    async with harness(tmp_path, toolsets=OPT_IN, subdomain="acme") as h:
        st = h.sandbox.state
        r = await call(h.server, "list_rmm_alerts", {})
        assert not r.is_error, text(r)
        active = r.structured_content["alerts"]
        assert {x["id"] for x in active} == {a["id"] for a in st.rmm_alerts.values() if not a["resolved"]}
        assert [x["created_at"] for x in active] == sorted((x["created_at"] for x in active), reverse=True)
        assert all(x["customer"] and not x["resolved"] for x in active)
        reqs = _requests(h.sandbox)
        assert reqs[0] == ("GET", "/rmm_alerts", {"status": "active", "page": "1"})
        # One read per customer shown (an alert carries only the customer's id).
        assert sorted(p for _, p, _ in reqs[1:]) == sorted(
            f"/customers/{a['customer_id']}" for a in st.rmm_alerts.values() if not a["resolved"])

        h.sandbox.requests.clear()
        r = await call(h.server, "list_rmm_alerts", {"customer": "Len's Auto Brokerage", "status": "all"})
        theirs = r.structured_content["alerts"]
        assert {x["id"] for x in theirs} == {a["id"] for a in st.rmm_alerts.values() if a["customer_id"] == LENS}
        assert {x["resolved"] for x in theirs} == {True, False}
        assert [p for _, p, _ in _requests(h.sandbox)] == ["/customers", "/rmm_alerts"]
        assert theirs[0]["url"] == f"https://acme.syncromsp.com/rmm_alerts/{theirs[0]['id']}"

        r = await call(h.server, "list_rmm_alerts", {"status": "resolved"})
        resolved = {a["id"]: a for a in st.rmm_alerts.values() if a["resolved"]}
        assert {x["id"] for x in r.structured_content["alerts"]} == set(resolved)
        linked = [x for x in r.structured_content["alerts"] if x.get("number")]
        assert [x["number"] for x in linked] == [32153] and "ticket #32153" in text(r)


async def test_the_lookups_are_opt_in(h):
    from mcp import Client

    async with Client(h.app.server, mode="legacy") as c:
        names = {t.name for t in (await c.list_tools()).tools}
    assert not {"list_appointments", "find_asset", "list_rmm_alerts"} & names
