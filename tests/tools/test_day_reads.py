"""Issue 15, the read half: a technician's day on the sandbox through the in-memory MCP client."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx
from support.harness import call, harness, text
from syncro_mcp.sandbox import Sandbox
from syncro_mcp.sandbox.seed import ME_USER_ID, PHARMACY_CUSTOMER_ID, THIRD_TECH_ID

DENVER = ZoneInfo("America/Denver")


def _expected(sb: Sandbox, user_id: int, days: set[date], zone: ZoneInfo) -> list[dict]:
    """The sandbox's own timers of that technician whose start falls on one of ``days`` (local)."""
    return [
        t for t in sb.state.timers.values()
        if t["user_id"] == user_id and datetime.fromisoformat(t["start_time"]).astimezone(zone).date() in days
    ]


def _minutes(t: dict) -> int:
    return round(t["active_duration"] / 60)


async def test_my_time_range_across_the_dst_change_matches_the_sandbox(tmp_path):
    """Denver falls back on 2026-11-01 (a 25-hour day): an entry at 23:30 MST that day belongs to it."""
    sb = Sandbox(seed_history=True, time_zone="America/Denver", rate_limit_per_min=None)
    async with harness(tmp_path, sandbox=sb, timezone="America/Denver") as h:
        late = datetime(2026, 11, 2, 6, 30, tzinfo=timezone.utc)  # 2026-11-01 23:30 MST
        await h.client.add_timer_entry(
            sb.ticket_id(32147), start_at=late, end_at=late + timedelta(minutes=20), notes="late call",
            product_id=1190473, user_id=THIRD_TECH_ID,
        )
        sb.requests.clear()
        r = await call(h.server, "my_time", {"from": "2026-10-31", "to": "2026-11-01", "tech": "Sam Patel"})
        assert not r.is_error, text(r)
        sc = r.structured_content
        want = _expected(sb, THIRD_TECH_ID, {date(2026, 10, 31), date(2026, 11, 1)}, DENVER)
        assert [e["notes"] for e in sc["entries"]] == [
            "After hours: cutover across the DST change", "late call"
        ] == [t["notes"] for t in sorted(want, key=lambda t: t["start_time"])]
        assert sc["total_minutes"] == sum(_minutes(t) for t in want) == 110
        assert sc["billable_minutes"] == sc["unbilled_minutes"] == 110 and sc["billed_minutes"] == 0
        assert {e["number"] for e in sc["entries"]} == {32147}
        assert sc["entries"][0]["customer"] == "Saguaro Family Pharmacy"
        # One walk from the first local midnight (MDT, -06:00), then the one ticket; the tech list is cached.
        reqs = [(q.method, q.path, dict(q.query)) for q in sb.requests]
        assert reqs[0][0:2] == ("GET", "/tickets/settings")
        assert reqs[1] == ("GET", "/ticket_timers", {"page": "1", "created_at_gt": "2026-10-30T23:59:59-06:00"})
        assert reqs[2:] == [("GET", f"/tickets/{sb.ticket_id(32147)}", {})]
        # The next day (2026-11-02, MST) does not hold the 23:30 entry.
        r2 = await call(h.server, "my_time", {"from": "2026-11-02", "tech": "Sam Patel"})
        assert r2.structured_content["entries"] == []


async def test_my_time_weeks_are_calendar_weeks_of_the_key_user(tmp_path):
    """Default tech is the key's user (GET /me); "last_week" is Monday–Sunday before this week."""
    sb = Sandbox(seed_history=True, rate_limit_per_min=None)
    phoenix = ZoneInfo("America/Phoenix")
    async with harness(tmp_path, sandbox=sb, timezone="America/Phoenix") as h:
        r = await call(h.server, "my_time", {"period": "last_week"})
        assert not r.is_error, text(r)
        sc = r.structured_content
        days = {date(2026, 11, 16) + timedelta(days=i) for i in range(7)}  # now is Wed 2026-11-25
        want = _expected(sb, ME_USER_ID, days, phoenix)
        assert len(sc["entries"]) == len(want) >= 2
        assert sc["total_minutes"] == sum(_minutes(t) for t in want)
        assert sc["billed_minutes"] == sum(_minutes(t) for t in want if t["billable"] and t["recorded"])
        assert sc["unbilled_minutes"] == sum(_minutes(t) for t in want if t["billable"] and not t["recorded"])
        assert sc["tech"] == "Alex Morgan" and "2026-11-16 to 2026-11-22" in sc["period"]
        assert [q.path for q in sb.requests][:2] == ["/me", "/ticket_timers"]

        sb.requests.clear()  # a month spans two pages of timers: both are read
        r = await call(h.server, "my_time", {"from": "2026-10-26", "to": "2026-11-25"})
        timer_pages = [q.query["page"] for q in sb.requests if q.path == "/ticket_timers"]
        assert timer_pages == ["1", "2"] and r.structured_content["complete"] is True
        month = {date(2026, 10, 26) + timedelta(days=i) for i in range(31)}
        want = _expected(sb, ME_USER_ID, month, phoenix)
        assert r.structured_content["total_minutes"] == sum(_minutes(t) for t in want)
        out = text(r)
        assert "#32147" in out and "Total " in out and "unbilled" in out

    async with harness(tmp_path / "sun", sandbox=Sandbox(seed_history=True, rate_limit_per_min=None),
                       timezone="America/Phoenix", week_start="sunday") as h:
        r = await call(h.server, "my_time", {"period": "week"})
        assert "2026-11-22 to 2026-11-28" in r.structured_content["period"]


async def test_my_time_names_a_labor_product_outside_labor_types(tmp_path):
    """1190481 is not a configured labor type: its catalogue name, from one cached GET /products."""
    sb = Sandbox(seed_history=True, rate_limit_per_min=None)
    async with harness(tmp_path, sandbox=sb, timezone="America/Phoenix") as h:
        sb.requests.clear()
        r = await call(h.server, "my_time", {"from": "2026-11-16", "to": "2026-11-16"})
        assert not r.is_error, text(r)
        [entry] = [e for e in r.structured_content["entries"] if e["notes"] == "Remote: last two PCs"]
        name = sb.state.products[1190481]["name"]
        assert entry["labor"] == name == "Labor - Remote Business (15 min increments)"
        assert name in text(r) and "product 1190481" not in text(r)
        assert [q.path for q in sb.requests].count("/products") == 1
        sb.requests.clear()  # the catalogue page is cached, and entries of labor types need none
        await call(h.server, "my_time", {"from": "2026-11-16", "to": "2026-11-16"})
        assert "/products" not in [q.path for q in sb.requests]


async def test_my_time_bad_range_is_a_clear_error(h):
    r = await call(h.server, "my_time", {"from": "2026-11-05", "to": "2026-11-01"})
    assert r.is_error and "before 'from'" in text(r)
    for tool, args in (("my_time", {"to": "9999-12-31"}), ("unbilled_work", {"since": "0001-01-01"})):
        r = await call(h.server, tool, args)
        assert r.is_error and "between 1970 and 2100" in text(r), text(r)
    assert h.sandbox.requests == []


def _sandbox_unbilled(sb: Sandbox, customer_id: int, since: datetime) -> tuple[int, Decimal]:
    """Minutes and amount the sandbox holds unbilled for a customer (its own records, its own prices)."""
    minutes, amount = 0, Decimal(0)
    for t in sb.state.tickets.values():
        if t["customer_id"] != customer_id or t["status"] == "Invoiced":
            continue
        for tm in sb.state.children("timers", "ticket_id", t["id"]):
            if tm["billable"] and not tm["recorded"] and datetime.fromisoformat(tm["created_at"]) > since:
                price = Decimal(sb.state.products[tm["product_id"]]["price_retail"])
                minutes += _minutes(tm)
                amount += (Decimal(_minutes(tm)) / 60 * price).quantize(Decimal("0.01"))
        for li in sb.state.children("ticket_line_items", "ticket_id", t["id"]):
            amount += Decimal(li["quantity"]) * Decimal(li["retail_cents"]) / 100
    return minutes, amount


def _timed(sb: Sandbox, since: datetime) -> set[int]:
    return {tm["ticket_id"] for tm in sb.state.timers.values()
            if tm["billable"] and not tm["recorded"] and datetime.fromisoformat(tm["created_at"]) > since}


async def test_unbilled_work_for_a_customer_matches_the_sandbox(tmp_path):
    sb = Sandbox(seed_history=True, rate_limit_per_min=None)
    async with harness(tmp_path, sandbox=sb, timezone="America/Phoenix") as h:
        r = await call(h.server, "unbilled_work", {"customer": "Saguaro Family Pharmacy", "since": "2026-09-01"})
        assert not r.is_error, text(r)
        sc = r.structured_content
        [group] = sc["customers"]
        assert group["customer"] == "Saguaro Family Pharmacy"
        since = datetime(2026, 9, 1, tzinfo=ZoneInfo("America/Phoenix"))
        minutes, amount = _sandbox_unbilled(sb, PHARMACY_CUSTOMER_ID, since)
        assert (sc["minutes"], Decimal(str(sc["amount"]))) == (minutes, amount)
        assert minutes == 715  # 11h 55m on the migration ticket
        assert [t["number"] for t in group["tickets"]] == [32149, 32147]  # oldest first
        assert Decimal(str(group["tickets"][0]["lines_amount"])) > 0  # a charged entry, not invoiced yet
        paths = [q.path for q in sb.requests]
        # name → id, every timer page since then, the customer's tickets, then each of its tickets
        # that holds uncharged time or may hold parts (neither closed nor invoiced), once
        assert paths[:4] == ["/customers", "/ticket_timers", "/ticket_timers", "/tickets"]
        candidates = {t["id"] for t in sb.state.tickets.values() if t["customer_id"] == PHARMACY_CUSTOMER_ID
                      and (t["status"] not in ("Closed", "Invoiced") or t["id"] in _timed(sb, since))}
        details = [p for p in paths[4:] if not p.startswith("/products/")]
        assert sorted(details) == sorted(f"/tickets/{i}" for i in candidates)
        assert {sb.ticket_id(32147), sb.ticket_id(32149)} <= candidates
        assert "Saguaro Family Pharmacy: 11h 55m" in text(r)


async def test_unbilled_work_finds_a_part_on_an_open_ticket_without_time(tmp_path):
    """A part added to an open ticket that holds no uncharged time is unbilled work too."""
    sb = Sandbox(seed_history=True, rate_limit_per_min=None)
    async with harness(tmp_path, sandbox=sb, timezone="America/Phoenix") as h:
        since = datetime(2026, 9, 1, tzinfo=ZoneInfo("America/Phoenix"))
        bare = [t for t in sorted(sb.state.tickets.values(), key=lambda t: t["number"])
                if t["status"] in ("New", "In Progress") and t["id"] not in _timed(sb, since)
                and not sb.state.children("ticket_line_items", "ticket_id", t["id"])]
        ticket = bare[0]
        await h.client.add_ticket_line_item(ticket["id"], name="SSD 1TB", description="Samsung 870 EVO",
                                            quantity=2, price_retail=Decimal("89.50"))
        cust = ticket["customer_id"]
        for args in ({"since": "2026-09-01"}, {"customer": str(cust), "since": "2026-09-01"}):
            r = await call(h.server, "unbilled_work", args)
            assert not r.is_error, text(r)
            rows = {t["number"]: t for g in r.structured_content["customers"] for t in g["tickets"]}
            assert ticket["number"] in rows, (args, text(r))
            row = rows[ticket["number"]]
            assert row["minutes"] == 0 and Decimal(str(row["lines_amount"])) == Decimal("179.00")
            if "customer" in args:
                minutes, amount = _sandbox_unbilled(sb, cust, since)
                sc = r.structured_content
                assert (sc["minutes"], Decimal(str(sc["amount"]))) == (minutes, amount)


async def test_unbilled_work_skips_invoiced_tickets(tmp_path):
    sb = Sandbox(seed_history=True, rate_limit_per_min=None)
    async with harness(tmp_path, sandbox=sb, timezone="America/Phoenix") as h:
        r = await call(h.server, "unbilled_work", {})
        numbers = {t["number"] for g in r.structured_content["customers"] for t in g["tickets"]}
        invoiced = {t["number"] for t in sb.state.tickets.values() if t["status"] == "Invoiced"}
        assert invoiced and not numbers & invoiced
        assert {32144, 32147, 32149} <= numbers
        total = sum(g["minutes"] for g in r.structured_content["customers"])
        assert r.structured_content["minutes"] == total


def _open(sb: Sandbox) -> list[dict]:
    return [t for t in sb.state.tickets.values() if t["status"] not in ("Closed", "Resolved")]  # "Not Closed"


async def test_list_tickets_triage_filters_match_the_sandbox(tmp_path):
    sb = Sandbox(seed_history=True, rate_limit_per_min=None)
    now = datetime(2026, 11, 25, 15, 0, tzinfo=timezone.utc)  # the stack's fixed now
    async with harness(tmp_path, sandbox=sb, timezone="America/Phoenix") as h:
        for i in range(10):  # 34 open tickets: two pages
            await h.client.create_ticket({"customer_id": PHARMACY_CUSTOMER_ID, "subject": f"new {i}", "status": "New"})
        sb.requests.clear()
        r = await call(h.server, "list_tickets", {"overdue": True, "limit": 100})
        assert not r.is_error, text(r)
        want = {t["number"] for t in _open(sb) if t["due_date"] and datetime.fromisoformat(t["due_date"]) < now}
        assert {t["number"] for t in r.structured_content["tickets"]} == want and {32144, 32145} <= want
        assert all(t["due"] for t in r.structured_content["tickets"])
        pages = [q.query["page"] for q in sb.requests if q.path == "/tickets"]
        assert pages == ["1", "2"]  # both pages read before filtering

        sb.requests.clear()
        r = await call(h.server, "list_tickets", {"stale_days": 30})
        cutoff = now - timedelta(days=30)
        want = {t["number"] for t in _open(sb) if datetime.fromisoformat(t["updated_at"]) < cutoff}
        assert {t["number"] for t in r.structured_content["tickets"]} == want == {32144, 32145, 32146}
        assert "no update for 30+ days" in text(r)

        sb.requests.clear()
        r = await call(h.server, "list_tickets", {"tech": "Sam Patel"})
        assert {t["number"] for t in r.structured_content["tickets"]} == {
            t["number"] for t in _open(sb) if t["user_id"] == THIRD_TECH_ID
        }
        assert [q.query.get("user_id") for q in sb.requests if q.path == "/tickets"] == [str(THIRD_TECH_ID)]

        r = await call(h.server, "list_tickets", {"mine": True})
        assert [q.query.get("mine") for q in sb.requests if q.path == "/tickets"][-1] == "true"
        assert {t["number"] for t in r.structured_content["tickets"]} == {
            t["number"] for t in _open(sb) if t["user_id"] == ME_USER_ID
        }

        sb.state.tickets[sb.ticket_id(32159)]["customer_reply"] = True  # the customer answered by email
        r = await call(h.server, "list_tickets", {"customer_replied": True})
        assert not r.is_error, text(r)
        assert [t["number"] for t in r.structured_content["tickets"]] == [32159]
        assert "customer replied" in text(r)


async def test_daily_review_prompt_uses_the_triage_filters(h):
    from mcp import Client

    async with Client(h.server, mode="legacy") as c:
        prompt = (await c.get_prompt("daily_review")).messages[0].content.text
    for call_text in ("list_tickets(mine=True)", "list_tickets(overdue=True)", "customer_replied=True",
                      "stale_days=14", "my_time(period='yesterday')"):
        assert call_text in prompt


async def test_get_ticket_all_comments_pages_the_whole_thread_newest_first(h):
    ticket_id = await h.client.find_ticket_id(32165)
    for i in range(104):  # more than one page of 100
        await h.client.add_comment(ticket_id, subject="Update", body=f"note {i}")
    h.sandbox.requests.clear()
    r = await call(h.server, "get_ticket", {"number": 32165, "all_comments": True})
    assert not r.is_error, text(r)
    comments = r.structured_content["comments"]
    held = h.sandbox.state.children("comments", "ticket_id", ticket_id)
    assert len(comments) == len(held) == r.structured_content["comment_count"] > 104
    assert comments[0]["body"] == "note 103" and comments[1]["body"] == "note 102"
    pages = [q.query.get("page") for q in h.sandbox.requests if q.path.endswith("/comments")]
    assert pages == ["1", "2"]
    assert text(r).index("note 103") < text(r).index("note 5")

    h.sandbox.requests.clear()
    r = await call(h.server, "get_ticket", {"number": 32165})
    assert len(r.structured_content["comments"]) == 5
    assert not [q for q in h.sandbox.requests if q.path.endswith("/comments")]


async def test_customer_history_matches_the_sandbox(tmp_path):
    sb = Sandbox(seed_history=True, rate_limit_per_min=None)
    phoenix = ZoneInfo("America/Phoenix")
    async with harness(tmp_path, sandbox=sb, timezone="America/Phoenix") as h:
        for name in ("Sonoran Veterinary Clinic", "Jerry Burger"):
            sb.requests.clear()
            r = await call(h.server, "customer_history", {"customer": name})
            assert not r.is_error, text(r)
            sc = r.structured_content
            cid = sc["customer"]["id"]
            mine = [t for t in sb.state.tickets.values() if t["customer_id"] == cid]
            closed = {"Closed", "Resolved", "Invoiced"}
            assert {t["number"] for t in sc["open_tickets"]} == {t["number"] for t in mine if t["status"] not in closed}
            ids = {t["id"] for t in mine}
            month = datetime(2026, 11, 1, tzinfo=phoenix)
            assert sc["month_minutes"] == sum(
                _minutes(t) for t in sb.state.timers.values()
                if t["ticket_id"] in ids and datetime.fromisoformat(t["start_time"]) >= month
            )
            invoices = [i for i in sb.state.invoices.values() if i["customer_id"] == cid]
            assert {i["id"] for i in sc.get("recent_invoices", [])} == {i["id"] for i in invoices}
            paths = [q.path for q in sb.requests if q.path != "/contacts"]  # /contacts: only when none are embedded
            assert paths == ["/customers", "/tickets", "/invoices", "/ticket_timers"]
        assert "Prepaid hours left" not in text(r)
    sonoran = await _history(tmp_path / "s", "Sonoran Veterinary Clinic")
    assert sonoran["prepaid_hours"] == "10.0" and sonoran["month_minutes"] == 45


async def _history(folder, name: str) -> dict:
    async with harness(folder, sandbox=Sandbox(seed_history=True, rate_limit_per_min=None),
                       timezone="America/Phoenix") as h:
        return (await call(h.server, "customer_history", {"customer": name})).structured_content


async def test_records_carry_web_links_with_internal_ids(tmp_path):
    async with harness(tmp_path, subdomain="acme") as h:
        r = await call(h.server, "get_ticket", {"number": 32164})
        url = f"https://acme.syncromsp.com/tickets/{h.sandbox.ticket_id(32164)}"
        assert r.structured_content["url"] == url and f"Link: {url}" in text(r)
        assert "/tickets/32164" not in text(r)  # the internal id, never the number
        r = await call(h.server, "customer_history", {"customer": GREENWAY})
        cid = r.structured_content["customer"]["id"]
        assert r.structured_content["url"] == f"https://acme.syncromsp.com/customers/{cid}"
    async with harness(tmp_path / "plain") as h:  # no account configured: no link invented
        r = await call(h.server, "get_ticket", {"number": 32164})
        assert "url" not in r.structured_content and "Link:" not in text(r)


def test_web_base_from_settings():
    from types import SimpleNamespace

    from syncro_mcp.tools.links import link, web_base

    assert web_base(SimpleNamespace(subdomain=None, base_url="https://x.example/api/v1", sandbox=False)) == (
        "https://x.example"
    )
    assert web_base(SimpleNamespace(subdomain=None, base_url=None, sandbox=True)) == "http://sandbox.invalid"
    assert link(SimpleNamespace(subdomain="acme"), "invoices", 7) == "https://acme.syncromsp.com/invoices/7"


GREENWAY = "Greenway Property Management"


async def test_customer_history_reads_past_the_accounts_newest_invoices(tmp_path):
    """Syncro's /invoices has no customer filter: a customer whose invoices are older than the
    account's newest 50 still shows them (pages read until five are found), never a silent nothing."""
    sb = Sandbox(rate_limit_per_min=None)
    async with harness(tmp_path, sandbox=sb) as h:
        r = await call(h.server, "customer_history", {"customer": GREENWAY})
        cid = r.structured_content["customer"]["id"]
        theirs = sorted((i for i in sb.state.invoices.values() if i["customer_id"] == cid), key=lambda i: -i["id"])
        assert theirs, "the seed gives Greenway two invoices"
        other = next(c["id"] for c in sb.state.customers.values() if c["id"] != cid)
        for _ in range(60):  # newer than all of his: pages 1-3 of GET /invoices are someone else's
            await h.client.create_invoice(customer_id=other)
        sb.requests.clear()
        r = await call(h.server, "customer_history", {"customer": GREENWAY})
        assert not r.is_error, text(r)
        sc = r.structured_content
        assert {i["id"] for i in sc["recent_invoices"]} == {i["id"] for i in theirs[:5]}
        assert sc["complete"] is True
        pages = [q.query["page"] for q in sb.requests if q.path == "/invoices"]
        assert pages == ["1", "2", "3"], pages  # stops at Syncro's last page


async def test_customer_history_says_what_it_did_not_read(tmp_path, monkeypatch):
    """When the bound on invoice pages stops the walk, the answer says so instead of a short list."""
    from syncro_mcp.tools import history

    monkeypatch.setattr(history, "INVOICE_PAGES", 1)
    sb = Sandbox(rate_limit_per_min=None)
    async with harness(tmp_path, sandbox=sb) as h:
        cid = next(c["id"] for c in sb.state.customers.values() if c.get("business_name") == GREENWAY)
        other = next(c["id"] for c in sb.state.customers.values() if c["id"] != cid)
        for _ in range(30):
            await h.client.create_invoice(customer_id=other)
        r = await call(h.server, "customer_history", {"customer": GREENWAY})
        assert not r.is_error, text(r)
        assert r.structured_content["complete"] is False and r.structured_content["recent_invoices"] == []
        assert r.structured_content["unread"] == ["invoices"] and "older invoices were not read" in text(r)

        monkeypatch.setattr(history, "TICKET_PAGES", 1)
        for i in range(26):  # the customer's tickets now span two pages
            await h.client.create_ticket({"customer_id": cid, "subject": f"more {i}"})
        r = await call(h.server, "customer_history", {"customer": GREENWAY})
        assert r.structured_content["unread"] == ["tickets", "invoices"]
        assert "more of this customer's tickets than were read" in text(r)


async def test_unbilled_work_says_when_the_ticket_list_was_cut(tmp_path, monkeypatch):
    """Parts are found through the ticket list: a list cut by its page bound is reported, not hidden."""
    from syncro_mcp.tools import unbilled

    sb = Sandbox(rate_limit_per_min=None)
    async with harness(tmp_path, sandbox=sb) as h:
        r = await call(h.server, "unbilled_work", {})
        assert r.structured_content["complete"] is True
        monkeypatch.setattr(unbilled, "LIST_PAGES", 1)
        for i in range(30):  # Not Closed now spans two pages
            await h.client.create_ticket({"customer_id": PHARMACY_CUSTOMER_ID, "subject": f"extra {i}"})
        r = await call(h.server, "unbilled_work", {})
        assert not r.is_error, text(r)
        assert r.structured_content["complete"] is False
        assert "more timers or tickets than were read" in text(r)


def test_dst_days_are_23_and_25_hours_and_weeks_start_on_the_setting():
    from syncro_mcp.tools.periods import period_span

    def hours(span) -> float:  # elapsed, not wall-clock, time (same-zone subtraction ignores the offset)
        return (span.end.astimezone(timezone.utc) - span.start.astimezone(timezone.utc)).total_seconds() / 3600

    spring, fall = date(2026, 3, 8), date(2026, 11, 1)  # US DST changes (Sundays)
    assert hours(period_span("today", spring, DENVER)) == 23 and hours(period_span("today", fall, DENVER)) == 25
    tue = date(2026, 11, 3)
    mon_week = period_span("last_week", tue, DENVER)
    assert (mon_week.first, mon_week.last, hours(mon_week)) == (date(2026, 10, 26), date(2026, 11, 1), 169)
    sun_week = period_span("week", tue, DENVER, week_start="sunday")
    assert (sun_week.first, sun_week.last, hours(sun_week)) == (date(2026, 11, 1), date(2026, 11, 7), 169)
    sat_week = period_span("week", date(2026, 11, 7), DENVER, week_start="saturday")  # today is the first day
    assert sat_week.first == date(2026, 11, 7)


async def test_my_time_today_on_the_fall_back_day_holds_all_25_hours(tmp_path):
    """On 2026-11-01 in Denver "today" runs 00:00 MDT to 00:00 MST next day: entries at both ends count."""
    from syncro_mcp.testing import in_memory

    sb = Sandbox(seed=False, time_zone="America/Denver", rate_limit_per_min=None)
    now = datetime(2026, 11, 2, 6, 50, tzinfo=timezone.utc)  # 2026-11-01 23:50 MST
    async with in_memory(tmp_path, sandbox=sb, timezone="America/Denver", now=lambda: now) as env:
        customer = await env.client.create_customer({"business_name": "DST Co", "email": "dst@example.com"})
        ticket = await env.client.create_ticket({"customer_id": customer.id, "subject": "DST"})
        starts = {
            datetime(2026, 11, 1, 5, 50, tzinfo=timezone.utc): False,  # 10-31 23:50 MDT
            datetime(2026, 11, 1, 6, 10, tzinfo=timezone.utc): True,  # 11-01 00:10 MDT
            datetime(2026, 11, 2, 6, 20, tzinfo=timezone.utc): True,  # 11-01 23:20 MST (the 25th hour's day)
        }
        for start in starts:
            await env.client.add_timer_entry(ticket.id, start_at=start, end_at=start + timedelta(minutes=20),
                                             notes=f"{start:%d %H:%M}", product_id=1190473)
        r = await call(env.server, "my_time", {"period": "today"})
        assert not r.is_error, text(r)
        sc = r.structured_content
        assert [e["notes"] for e in sc["entries"]] == [f"{s:%d %H:%M}" for s, inside in starts.items() if inside]
        assert sc["total_minutes"] == 40 and "2026-11-01" in sc["period"]


class CapsPerPage(httpx.AsyncBaseTransport):
    """A Syncro that pages comments 25 at a time whatever ``per_page`` asks (its cap is not documented)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/comments") and request.url.params.get("per_page"):
            request = httpx.Request(request.method, request.url.copy_set_param("per_page", "25"),
                                    headers=request.headers)
        return await self.inner.handle_async_request(request)


async def test_all_comments_follows_syncros_pages_when_it_caps_per_page(tmp_path):
    """A first page shorter than asked is not the thread's end when Syncro says more pages follow."""
    sb = Sandbox(rate_limit_per_min=None)
    async with harness(tmp_path, sandbox=sb, client_kw={"transport": CapsPerPage(sb.transport())}) as h:
        ticket_id = await h.client.find_ticket_id(32165)
        for i in range(40):
            await h.client.add_comment(ticket_id, subject="Update", body=f"note {i}")
        r = await call(h.server, "get_ticket", {"number": 32165, "all_comments": True})
        assert not r.is_error, text(r)
        held = sb.state.children("comments", "ticket_id", ticket_id)
        assert len(r.structured_content["comments"]) == len(held) > 40


async def test_all_comments_says_when_its_page_bound_cut_the_thread(tmp_path, monkeypatch):
    """Stopped by MAX_COMMENT_PAGES before Syncro's last page: complete is false and the text says so."""
    from syncro_mcp.tools import tickets

    sb = Sandbox(rate_limit_per_min=None)
    async with harness(tmp_path, sandbox=sb, client_kw={"transport": CapsPerPage(sb.transport())}) as h:
        ticket_id = await h.client.find_ticket_id(32165)
        for i in range(40):
            await h.client.add_comment(ticket_id, subject="Update", body=f"note {i}")
        args = {"number": 32165, "all_comments": True}
        whole = await call(h.server, "get_ticket", args)
        assert whole.structured_content["complete"] is True and "than were read" not in text(whole)
        monkeypatch.setattr(tickets, "MAX_COMMENT_PAGES", 1)
        r = await call(h.server, "get_ticket", args)
        assert not r.is_error, text(r)
        assert r.structured_content["complete"] is False and len(r.structured_content["comments"]) == 25
        assert "(more comments in Syncro than were read" in text(r)
