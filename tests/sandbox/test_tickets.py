"""Tickets: filters, ordering, pagination, detail shape, create/update/delete and their errors."""

from __future__ import annotations

import httpx
from syncro_mcp.sandbox import Sandbox
from syncro_mcp.sandbox.account import TICKET_STATUSES


async def all_tickets(client: httpx.AsyncClient, **params: object) -> list[dict]:
    out: list[dict] = []
    page = 1
    while True:
        body = (await client.get("/tickets", params={**params, "page": page})).json()
        out += body["tickets"]
        if page >= body["meta"]["total_pages"]:
            return out
        page += 1


async def test_seed_display_examples(sb: Sandbox, client: httpx.AsyncClient) -> None:
    expected = {
        32164: ("New", "Jerry Burger", "Own cloud thing again"),
        32163: ("New", "LeeAnn Parkinson", "Remote - Jim cant access his email"),
        32162: ("Invoiced", "Len's Auto Brokerage", "Server upgrade"),
    }
    for number, (status, customer, subject) in expected.items():
        r = await client.get("/tickets", params={"number": str(number)})
        (t,) = r.json()["tickets"]
        assert (t["status"], t["customer_business_then_name"], t["subject"]) == (status, customer, subject)
        assert t["id"] != number and t["id"] > 100_000_000


async def test_every_status_is_seeded(client: httpx.AsyncClient) -> None:
    statuses = {t["status"] for t in await all_tickets(client)}
    assert statuses == set(TICKET_STATUSES)


async def test_pagination_25_per_page_meta_keys(client: httpx.AsyncClient) -> None:
    r = await client.get("/tickets")
    body = r.json()
    assert set(body) == {"tickets", "meta"}
    assert body["meta"] == {"total_pages": 2, "page": 1}
    assert len(body["tickets"]) == 25
    page2 = (await client.get("/tickets", params={"page": 2})).json()
    assert page2["meta"] == {"total_pages": 2, "page": 2} and len(page2["tickets"]) == 1
    empty = (await client.get("/tickets", params={"status": "New", "customer_id": 1})).json()
    assert empty == {"tickets": [], "meta": {"total_pages": 0, "page": 1}}


async def test_newest_first(client: httpx.AsyncClient) -> None:
    numbers = [t["number"] for t in await all_tickets(client)]
    assert numbers == sorted(numbers, reverse=True)
    assert numbers[0] == 32175 and numbers[-1] == 32150


async def test_status_and_not_closed(client: httpx.AsyncClient) -> None:
    new = await all_tickets(client, status="New")
    assert {t["status"] for t in new} == {"New"} and len(new) == 5
    open_ = await all_tickets(client, status="Not Closed")
    assert {t["status"] for t in open_} == set(TICKET_STATUSES) - {"Resolved", "Closed"}
    assert any(t["number"] == 32162 for t in open_)  # Invoiced stays visible, as in the seed example


async def test_customer_user_mine_and_query_filters(sb: Sandbox, client: httpx.AsyncClient) -> None:
    lens = sb.ticket(32162)["customer_id"]
    by_customer = await all_tickets(client, customer_id=lens)
    assert {t["customer_business_then_name"] for t in by_customer} == {"Len's Auto Brokerage"}
    assert len(by_customer) == 5
    mine = await all_tickets(client, mine="true")
    assert mine and all(t["user_id"] == sb.me_user_id for t in mine)
    jordan = await all_tickets(client, user_id=1480212)
    assert jordan and all(t["user"]["full_name"] == "Jordan Reyes" for t in jordan)
    by_subject = await all_tickets(client, query="own cloud")
    assert [t["number"] for t in by_subject] == [32164, 32154]
    by_customer_name = await all_tickets(client, query="parkinson")
    assert {t["number"] for t in by_customer_name} == {32163, 32168}
    by_number = await all_tickets(client, query="32158")
    assert [t["number"] for t in by_number] == [32158]


async def test_list_comments_truncated_to_first(sb: Sandbox, client: httpx.AsyncClient) -> None:
    (t,) = (await client.get("/tickets", params={"number": "32162"})).json()["tickets"]
    assert len(t["comments"]) == 1 and t["comments"][0]["subject"] == "Initial Issue"
    (full,) = (await client.get("/tickets", params={"number": "32162", "all_comments": "true"})).json()["tickets"]
    assert len(full["comments"]) == 3


async def test_detail_nesting(sb: Sandbox, client: httpx.AsyncClient) -> None:
    r = await client.get(f"/tickets/{sb.ticket_id(32160)}")
    t = r.json()["ticket"]
    assert t["number"] == 32160
    assert t["customer"]["business_name"] == "Len's Auto Brokerage"
    assert len(t["customer"]["contacts"]) == 3
    assert t["contact"]["name"] == "Dana Whitfield"
    assert t["user"]["full_name"] == "Alex Morgan"
    created = [c["created_at"] for c in t["comments"]]
    assert created == sorted(created, reverse=True)
    assert {c["hidden"] for c in t["comments"]} == {True, False}
    assert len(t["ticket_timers"]) == 2 and all(not x["recorded"] for x in t["ticket_timers"])
    assert t["line_items"] == []
    t158 = (await client.get(f"/tickets/{sb.ticket_id(32158)}")).json()["ticket"]
    assert len(t158["line_items"]) == 2 and t158["ticket_timers"][0]["recorded"] is True


async def test_detail_404_and_number_is_not_an_id(client: httpx.AsyncClient) -> None:
    r = await client.get("/tickets/32164")
    assert r.status_code == 404 and r.json() == {"message": "Not found"}


async def test_comments_endpoint(sb: Sandbox, client: httpx.AsyncClient) -> None:
    tid = sb.ticket_id(32162)
    body = (await client.get(f"/tickets/{tid}/comments")).json()
    assert body["meta"] == {"total_pages": 1, "page": 1, "per_page": 10}
    assert [c["subject"] for c in body["comments"]] == ["Internal Note", "Update", "Initial Issue"]
    assert body["comments"][0]["user"]["full_name"] == "Alex Morgan"
    assert "is_rich_text" in body["comments"][0]
    paged = (await client.get(f"/tickets/{tid}/comments", params={"per_page": 2, "page": 2})).json()
    assert paged["meta"] == {"total_pages": 2, "page": 2, "per_page": 2}
    assert [c["subject"] for c in paged["comments"]] == ["Initial Issue"]
    asc = (await client.get(f"/tickets/{tid}/comments", params={"sort_direction": "ASC"})).json()
    assert asc["comments"][0]["subject"] == "Initial Issue"


async def test_create_ticket(sb: Sandbox, client: httpx.AsyncClient) -> None:
    cust = sb.ticket(32164)["customer_id"]
    r = await client.post(
        "/tickets",
        json={
            "customer_id": cust,
            "subject": "Printer jam",
            "problem_type": "Hardware",
            "comments_attributes": [{"subject": "Initial Issue", "body": "Paper stuck", "hidden": False}],
        },
    )
    assert r.status_code == 200
    t = r.json()["ticket"]
    assert t["status"] == "New" and t["number"] == 32176 and t["id"] > 108_000_000
    assert t["comments"][0]["body"] == "Paper stuck" and t["comments"][0]["user_id"] is None
    r2 = await client.post("/tickets", json={"customer_id": cust, "subject": "Second"})
    assert r2.json()["ticket"]["number"] == 32177
    listed = (await client.get("/tickets")).json()["tickets"]
    assert [x["number"] for x in listed[:2]] == [32177, 32176]


async def test_create_ticket_errors(sb: Sandbox, client: httpx.AsyncClient) -> None:
    r = await client.post("/tickets", json={"subject": "No customer"})
    assert r.status_code == 422 and r.json() == {"error": "Customer required field"}
    r = await client.post("/tickets", json={"customer_id": 1, "subject": "Unknown customer"})
    assert r.status_code == 422 and r.json() == {"error": "Customer required field"}
    cust = sb.ticket(32164)["customer_id"]
    r = await client.post("/tickets", json={"customer_id": cust})
    assert r.status_code == 422 and r.json() == {"success": False, "message": ["Subject can't be blank"]}
    r = await client.post("/tickets", json={"customer_id": cust, "subject": "x", "status": "Bogus"})
    assert r.status_code == 422 and r.json()["success"] is False
    assert r.json()["message"][0].startswith("Status is not valid")
    assert len(sb.state.tickets) == 26


async def test_update_ticket_partial_and_status_rules(sb: Sandbox, client: httpx.AsyncClient) -> None:
    tid = sb.ticket_id(32164)
    r = await client.put(f"/tickets/{tid}", json={"status": "In Progress"})
    t = r.json()["ticket"]
    assert r.status_code == 200 and t["status"] == "In Progress" and t["subject"] == "Own cloud thing again"
    r = await client.put(f"/tickets/{tid}", json={"status": "Resolved", "priority": "1 High"})
    assert r.json()["ticket"]["resolved_at"] is not None and r.json()["ticket"]["priority"] == "1 High"
    r = await client.put(f"/tickets/{tid}", json={"status": "Done"})
    assert r.status_code == 422 and r.json()["message"][0].startswith("Status is not valid")
    r = await client.put(f"/tickets/{tid}", json={"subject": ""})
    assert r.status_code == 422 and r.json() == {"success": False, "message": ["Subject can't be blank"]}
    assert sb.ticket(32164)["status"] == "Resolved"
    assert (await client.put("/tickets/1", json={"status": "New"})).status_code == 404


async def test_delete_ticket(sb: Sandbox, client: httpx.AsyncClient) -> None:
    tid = sb.ticket_id(32169)
    r = await client.delete(f"/tickets/{tid}")
    assert r.status_code == 200 and r.json() == {"message": "Ticket was successfully deleted. "}
    r = await client.delete(f"/tickets/{tid}")
    assert r.status_code == 404 and r.json() == {"message": "Not found"}
    assert (await client.get("/tickets", params={"number": "32169"})).json()["tickets"] == []


async def test_add_comment_validation_and_ignored_time_fields(sb: Sandbox, client: httpx.AsyncClient) -> None:
    tid = sb.ticket_id(32163)
    r = await client.post(f"/tickets/{tid}/comment", json={"hidden": True})
    assert r.status_code == 422
    assert r.json() == {"success": False, "message": ["Body can't be blank", "Subject can't be blank"]}
    r = await client.post(f"/tickets/{tid}/comment", json={"body": "x"})
    assert r.json() == {"success": False, "message": ["Subject can't be blank"]}
    timers_before = len(sb.state.timers)
    r = await client.post(
        f"/tickets/{tid}/comment",
        json={
            "subject": "Update",
            "body": "Reset Jim's password",
            "hidden": True,
            "do_not_email": True,
            "minutes_spent": 30,
            "product_id": 1190473,
            "bill_time_now": True,
        },
    )
    assert r.status_code == 200
    comment = r.json()["comment"]
    assert set(comment) == {
        "id",
        "created_at",
        "updated_at",
        "ticket_id",
        "subject",
        "body",
        "tech",
        "hidden",
        "user_id",
    }
    assert comment["hidden"] is True and comment["ticket_id"] == tid
    assert len(sb.state.timers) == timers_before
    detail = (await client.get(f"/tickets/{tid}")).json()["ticket"]
    assert detail["comments"][0]["id"] == comment["id"]
    assert detail["ticket_timers"] == []
    assert (await client.post("/tickets/1/comment", json={"subject": "s", "body": "b"})).status_code == 404


async def test_ticket_settings(client: httpx.AsyncClient) -> None:
    body = (await client.get("/tickets/settings")).json()
    assert body["ticket_status_list"] == list(TICKET_STATUSES)
    assert body["default_labor_product_id"] == 1190473
    assert {"id": 1480211, "name": "Alex Morgan"} in body["users"]
    assert body["ticket_types"]
