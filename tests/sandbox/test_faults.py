"""Scripted faults, one test per kind, plus call/times windows and the request log."""

from __future__ import annotations

import httpx
import pytest
from syncro_mcp.sandbox import FAULT_KINDS, Sandbox
from syncro_mcp.sandbox.faults import DEFAULT_LATE_DELAY

COMMENT = {"subject": "Update", "body": "Done", "hidden": False}


def comment_count(sb: Sandbox, number: int) -> int:
    return len(sb.state.children("comments", "ticket_id", sb.ticket_id(number)))


@pytest.mark.parametrize("kind", ["500", "502", "503", "429"])
async def test_status_faults_do_not_apply(sb: Sandbox, client: httpx.AsyncClient, kind: str) -> None:
    before = comment_count(sb, 32164)
    sb.faults.add("POST", "/tickets/*/comment", kind)
    r = await client.post(f"/tickets/{sb.ticket_id(32164)}/comment", json=COMMENT)
    assert r.status_code == int(kind)
    assert "retry-after" not in r.headers
    assert comment_count(sb, 32164) == before
    entry = sb.requests[-1]
    assert (entry.status, entry.fault, entry.applied) == (int(kind), kind, False)
    # The fault was for call 1 only: the retry goes through.
    r = await client.post(f"/tickets/{sb.ticket_id(32164)}/comment", json=COMMENT)
    assert r.status_code == 200 and comment_count(sb, 32164) == before + 1


async def test_500_is_json_and_gateway_errors_are_html(sb: Sandbox, client: httpx.AsyncClient) -> None:
    sb.faults.add("GET", "/me", "500")
    sb.faults.add("GET", "/users", "502")
    r = await client.get("/me")
    assert r.json() == {"status": 500, "error": "Internal Server Error"}
    r = await client.get("/users")
    assert r.headers["content-type"].startswith("text/html") and "502 Bad Gateway" in r.text


async def test_timeout_raises_read_timeout_without_applying(sb: Sandbox, client: httpx.AsyncClient) -> None:
    before = comment_count(sb, 32164)
    sb.faults.add("POST", "/tickets/*/comment", "timeout")
    with pytest.raises(httpx.ReadTimeout):
        await client.post(f"/tickets/{sb.ticket_id(32164)}/comment", json=COMMENT)
    assert comment_count(sb, 32164) == before
    assert (sb.requests[-1].status, sb.requests[-1].fault, sb.requests[-1].applied) == (None, "timeout", False)


async def test_reset_raises_transport_error(sb: Sandbox, client: httpx.AsyncClient) -> None:
    sb.faults.add("GET", "/tickets", "reset")
    with pytest.raises(httpx.RemoteProtocolError):
        await client.get("/tickets")
    assert (await client.get("/tickets")).status_code == 200


async def test_malformed_is_truncated_json_200(sb: Sandbox, client: httpx.AsyncClient) -> None:
    sb.faults.add("GET", "/tickets/*", "malformed")
    r = await client.get(f"/tickets/{sb.ticket_id(32162)}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.text.startswith('{"ticket"')
    with pytest.raises(ValueError):
        r.json()


async def test_malformed_on_a_write_has_applied_it(sb: Sandbox, client: httpx.AsyncClient) -> None:
    """A 200 status line means the server did the work; only the body is broken."""
    before = comment_count(sb, 32164)
    sb.faults.add("POST", "/tickets/*/comment", "malformed")
    r = await client.post(f"/tickets/{sb.ticket_id(32164)}/comment", json=COMMENT)
    assert r.status_code == 200
    with pytest.raises(ValueError):
        r.json()
    assert comment_count(sb, 32164) == before + 1 and sb.requests[-1].applied is True


async def test_html_login_page(sb: Sandbox, client: httpx.AsyncClient) -> None:
    sb.faults.add("*", "/tickets", "html")
    r = await client.get("/tickets")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "Log in to Syncro" in r.text


@pytest.mark.parametrize(
    ("kind", "exc"),
    [
        ("apply_then_500", None),
        ("apply_then_timeout", httpx.ReadTimeout),
        ("apply_then_reset", httpx.RemoteProtocolError),
    ],
)
async def test_apply_then_fail_applies_the_write(
    sb: Sandbox, client: httpx.AsyncClient, kind: str, exc: type[Exception] | None
) -> None:
    before = comment_count(sb, 32164)
    sb.faults.add("POST", "/tickets/*/comment", kind)
    url = f"/tickets/{sb.ticket_id(32164)}/comment"
    if exc is None:
        r = await client.post(url, json=COMMENT)
        assert r.status_code == 500
    else:
        with pytest.raises(exc):
            await client.post(url, json=COMMENT)
    assert comment_count(sb, 32164) == before + 1
    entry = sb.requests_for("POST", "/tickets/*/comment")[-1]
    assert entry.applied is True and entry.fault == kind


async def test_apply_then_500_on_invoice_create(sb: Sandbox, client: httpx.AsyncClient) -> None:
    ticket = sb.ticket(32160)
    sb.faults.add("POST", "/invoices", "apply_then_500")
    r = await client.post("/invoices", json={"ticket_id": ticket["id"], "customer_id": ticket["customer_id"]})
    assert r.status_code == 500
    listed = (await client.get("/invoices", params={"ticket_id": ticket["id"]})).json()["invoices"]
    assert len(listed) == 1 and listed[0]["total"] == "156.25"


async def test_call_and_times_window(sb: Sandbox, client: httpx.AsyncClient) -> None:
    sb.faults.add("GET", "/me", "503", call=2, times=2)
    statuses = [(await client.get("/me")).status_code for _ in range(5)]
    assert statuses == [200, 503, 503, 200, 200]
    rule = sb.faults.rules[0]
    assert (rule.seen, rule.fired) == (5, 2)


async def test_times_none_is_forever_and_clear(sb: Sandbox, client: httpx.AsyncClient) -> None:
    sb.faults.add("GET", "/me", "500", times=None)
    assert [(await client.get("/me")).status_code for _ in range(3)] == [500, 500, 500]
    sb.faults.clear()
    assert (await client.get("/me")).status_code == 200


async def test_glob_is_segment_aware_and_method_specific(sb: Sandbox, client: httpx.AsyncClient) -> None:
    sb.faults.add("POST", "/tickets/*", "500", times=None)
    tid = sb.ticket_id(32164)
    assert (await client.get(f"/tickets/{tid}")).status_code == 200  # method differs
    assert (await client.post(f"/tickets/{tid}/comment", json=COMMENT)).status_code == 200  # deeper path
    sb.faults.clear()
    sb.faults.add("*", "/tickets/**", "500", times=None)
    assert (await client.post(f"/tickets/{tid}/comment", json=COMMENT)).status_code == 500


def test_fault_validation(sb: Sandbox) -> None:
    assert {"429", "500", "502", "503", "timeout", "reset", "malformed", "html"} < FAULT_KINDS
    with pytest.raises(ValueError):
        sb.faults.add("GET", "/me", "teapot")
    with pytest.raises(ValueError):
        sb.faults.add("GET", "/me", "500", call=0)


async def test_request_log_entries(sb: Sandbox) -> None:
    async with httpx.AsyncClient(transport=sb.transport(), base_url=sb.base_url) as c:
        tid = sb.ticket_id(32163)
        await c.post(f"/tickets/{tid}/comment", params={"api_key": sb.api_key, "x": "1"}, json=COMMENT)
        await c.get("/tickets", params={"api_key": sb.api_key, "status": "New"})
        await c.get("/tickets", headers={"Authorization": "nope"})
    first, second, third = sb.requests
    assert (first.method, first.path, first.query, first.body, first.status) == (
        "POST",
        f"/tickets/{tid}/comment",
        {"x": "1"},
        COMMENT,
        200,
    )
    assert second.query == {"status": "New"} and second.body is None
    assert third.status == 401 and third.applied is False
    assert sb.api_key not in repr(list(sb.requests))
    assert [e.seq for e in sb.requests] == [1, 2, 3]
    assert len(sb.requests_for("POST", "/tickets/*/comment")) == 1
    assert len(sb.requests_for("GET")) == 2
    assert sb.requests.writes() == [first]
    sb.clear_requests()
    assert sb.requests == []


# -- late_write: the client times out, the write lands N seconds later on the sandbox clock ----
async def test_late_write_lands_after_delay_on_sandbox_clock(client_for) -> None:  # type: ignore[no-untyped-def]
    now = [1000.0]
    sb = Sandbox(clock=lambda: now[0])
    tid = sb.ticket_id(32164)
    before = comment_count(sb, 32164)
    rule = sb.faults.add("POST", "/tickets/*/comment", "late_write", delay=30)
    assert rule.delay == 30 and "late_write" in FAULT_KINDS
    async with client_for(sb) as c:
        with pytest.raises(httpx.ReadTimeout):
            await c.post(f"/tickets/{tid}/comment", json=COMMENT)
        entry = sb.requests_for("POST", "/tickets/*/comment")[-1]
        assert (entry.status, entry.fault, entry.applied) == (None, "late_write", False)
        # The verify-read right after the timeout sees nothing …
        r = await c.get(f"/tickets/{tid}/comments")
        assert r.status_code == 200 and comment_count(sb, 32164) == before
        now[0] += 29.9
        await c.get("/me")
        assert comment_count(sb, 32164) == before and len(sb.late_writes) == 1
        # … a read once the clock passes send time + 30 s sees it (landed just ahead of the read).
        now[0] += 0.2
        bodies = [cm["body"] for cm in (await c.get(f"/tickets/{tid}/comments")).json()["comments"]]
        assert bodies[0] == "Done" and comment_count(sb, 32164) == before + 1
        assert entry.applied is True and entry.extra["landed_status"] == 200
        assert sb.late_writes == []
        # Only one copy: landing is once, and later requests do not re-apply it.
        await c.get("/me")
        assert comment_count(sb, 32164) == before + 1


async def test_late_writes_land_in_due_order_and_explicitly(client_for) -> None:  # type: ignore[no-untyped-def]
    now = [0.0]
    sb = Sandbox(clock=lambda: now[0])
    t1, t2 = sb.ticket_id(32163), sb.ticket_id(32164)
    sb.faults.add("POST", "/tickets/*/comment", "late_write", times=2, delay=60)
    async with client_for(sb) as c:
        for tid, text in ((t1, "first"), (t2, "second")):
            with pytest.raises(httpx.ReadTimeout):
                await c.post(f"/tickets/{tid}/comment", json={**COMMENT, "body": text})
            now[0] += 10
    assert len(sb.late_writes) == 2
    now[0] = 65  # the first is due (sent at 0), the second is not (sent at 10)
    assert await sb.land_late_writes() == 1
    now[0] = 70
    assert await sb.land_late_writes() == 1
    bodies = sorted(cm["body"] for cm in sb.state.comments.values() if cm["body"] in ("first", "second"))
    assert bodies == ["first", "second"]


async def test_late_write_delay_default_and_reset(client_for) -> None:  # type: ignore[no-untyped-def]
    sb = Sandbox(clock=lambda: 0.0)
    assert sb.faults.add("POST", "/tickets", "late_write").delay == DEFAULT_LATE_DELAY
    sb.faults.clear()
    with pytest.raises(ValueError):
        sb.faults.add("POST", "/tickets", "late_write", delay=-1)
    with pytest.raises(ValueError):
        sb.faults.add("POST", "/tickets", "500", delay=3)
    sb.faults.add("POST", "/tickets/*/comment", "late_write", delay=5)
    async with client_for(sb) as c:
        with pytest.raises(httpx.ReadTimeout):
            await c.post(f"/tickets/{sb.ticket_id(32164)}/comment", json=COMMENT)
    assert len(sb.late_writes) == 1
    sb.reset()
    assert sb.late_writes == []


async def test_late_write_rejected_by_the_api_lands_as_nothing(client_for) -> None:  # type: ignore[no-untyped-def]
    now = [0.0]
    sb = Sandbox(clock=lambda: now[0])
    sb.faults.add("POST", "/tickets/*/comment", "late_write", delay=1)
    async with client_for(sb) as c:
        with pytest.raises(httpx.ReadTimeout):
            await c.post(f"/tickets/{sb.ticket_id(32164)}/comment", json={"subject": "no body"})
        now[0] = 2
        await c.get("/me")
    entry = sb.requests_for("POST", "/tickets/*/comment")[-1]
    assert entry.applied is False and entry.extra["landed_status"] == 422


async def test_late_write_control_routes() -> None:
    now = [0.0]
    sb = Sandbox(clock=lambda: now[0])
    local = httpx.ASGITransport(app=sb.app, client=("127.0.0.1", 5555))
    async with httpx.AsyncClient(transport=local, base_url="http://sandbox.invalid") as c:
        r = await c.post(
            "/_sandbox/faults", json={"method": "POST", "path": "/tickets/*/comment", "kind": "late_write", "delay": 5}
        )
        assert r.json()["fault"]["delay"] == 5.0
    async with httpx.AsyncClient(transport=sb.transport(), base_url=sb.base_url) as c:
        with pytest.raises(httpx.ReadTimeout):
            await c.post(f"/tickets/{sb.ticket_id(32164)}/comment", json=COMMENT, params={"api_key": sb.api_key})
    async with httpx.AsyncClient(transport=local, base_url="http://sandbox.invalid") as c:
        pending = (await c.get("/_sandbox/late_writes")).json()["late_writes"]
        assert [(p["method"], p["due_in"]) for p in pending] == [("POST", 5.0)]
        assert (await c.post("/_sandbox/late_writes")).json() == {"landed": 0}
        now[0] = 5
        assert (await c.post("/_sandbox/late_writes")).json() == {"landed": 1}
        assert (await c.get("/_sandbox/late_writes")).json() == {"late_writes": []}
