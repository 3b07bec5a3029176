"""Account endpoints: /me, users, settings, customers, contacts, products, search, unknown routes."""

from __future__ import annotations

import httpx
from syncro_mcp.sandbox import Sandbox


async def test_me_is_flat_with_permissions(sb: Sandbox, client: httpx.AsyncClient) -> None:
    me = (await client.get("/me")).json()
    assert "user" not in me and me["user_id"] == sb.me_user_id and me["user_name"] == "Alex Morgan"
    assert me["permissions"]["invoice"] == {"read": True, "write": True, "delete": True}
    assert sb.api_key not in str(me)


async def test_users_are_pairs(client: httpx.AsyncClient) -> None:
    users = (await client.get("/users")).json()["users"]
    assert [1480211, "Alex Morgan"] in users and all(isinstance(u, list) and len(u) == 2 for u in users)
    assert len(users) == 3
    one = (await client.get("/users/1480212")).json()
    assert one["user"]["full_name"] == "Jordan Reyes"
    assert (await client.get("/users/1")).status_code == 404


async def test_settings(client: httpx.AsyncClient) -> None:
    s = (await client.get("/settings")).json()
    assert s["ticket"]["priorities"] == ["", "0 Urgent", "1 High", "2 Normal", "3 Low"]
    assert "Hardware" in s["ticket"]["problem_types"]
    assert s["locale"]["time_offset"] == "-07:00"


async def test_customers_list_query_and_meta(client: httpx.AsyncClient) -> None:
    body = (await client.get("/customers")).json()
    assert body["meta"] == {"total_pages": 1, "total_entries": 10, "per_page": 25, "page": 1}
    assert all("contacts" in c for c in body["customers"])
    cases = {"burger": "Jerry Burger", "len's": "Len's Auto Brokerage", "lensauto": "Len's Auto Brokerage"}
    cases["LeeAnn"] = "LeeAnn Parkinson"
    for needle, expected in cases.items():
        found = (await client.get("/customers", params={"query": needle})).json()["customers"]
        assert [c["business_then_name"] for c in found] == [expected], needle
    business = (await client.get("/customers", params={"business_name": "dental"})).json()["customers"]
    assert [c["business_name"] for c in business] == ["Desert Sun Dental"]


async def test_customer_get_create_update_delete(client: httpx.AsyncClient) -> None:
    lens = (await client.get("/customers", params={"query": "Len's"})).json()["customers"][0]
    detail = (await client.get(f"/customers/{lens['id']}")).json()["customer"]
    assert len(detail["contacts"]) == 3 and detail["business_and_full_name"] == "Len's Auto Brokerage - Len Hargrove"
    assert (await client.get("/customers/1")).status_code == 404
    bad = await client.post("/customers", json={"business_name": "X", "email": "not an email"})
    assert bad.status_code == 422 and bad.json()["success"] is False
    assert bad.json()["message"][0] == "Email is not an email" and bad.json()["params"]["email"] == "not an email"
    r = await client.post("/customers", json={"firstname": "Nina", "lastname": "Ortiz", "email": "nina@example.com"})
    assert r.status_code == 200
    created = r.json()["customer"]
    assert created["fullname"] == "Nina Ortiz" and created["business_then_name"] == "Nina Ortiz"
    r = await client.put(f"/customers/{created['id']}", json={"phone": "520-555-0000"})
    assert r.json()["customer"]["phone"] == "520-555-0000"
    auto = (await client.get("/customers/autocomplete", params={"query": "nina"})).json()
    assert set(auto) == {"customers"} and auto["customers"][0]["id"] == created["id"]
    assert (await client.get("/customers/latest")).json()["customer"]["id"] == created["id"]
    r = await client.delete(f"/customers/{created['id']}")
    assert r.json() == {"message": "Customer was deleted from the system."}
    assert (await client.get(f"/customers/{created['id']}")).status_code == 404


async def test_contacts_crud_flat(client: httpx.AsyncClient) -> None:
    lens = (await client.get("/customers", params={"query": "Len's"})).json()["customers"][0]
    body = (await client.get("/contacts", params={"customer_id": lens["id"]})).json()
    assert body["meta"] == {"total_pages": 1, "total_entries": 3, "per_page": 50, "page": 1}
    assert {c["name"] for c in body["contacts"]} == {"Len Hargrove", "Dana Whitfield", "Marco Ruiz"}
    r = await client.post("/contacts", json={"customer_id": lens["id"], "name": "Tess", "title": "Bookkeeper"})
    assert r.status_code == 200
    contact = r.json()
    assert contact["name"] == "Tess" and contact["properties"]["title"] == "Bookkeeper" and "contact" not in contact
    assert (await client.get(f"/contacts/{contact['id']}")).json()["id"] == contact["id"]
    r = await client.put(f"/contacts/{contact['id']}", json={"name": "Tess M", "email": "tess@lensauto.example"})
    assert r.json()["name"] == "Tess M" and r.json()["email"] == "tess@lensauto.example"
    r = await client.put(f"/contacts/{contact['id']}", json={"email": "x@y.z"})
    assert r.status_code == 422 and r.json()["errors"] == "Name can't be blank" and r.json()["record"]["id"]
    r = await client.post("/contacts", json={"customer_id": lens["id"], "name": "Bad", "email": "xxx"})
    assert r.status_code == 422 and r.json()["errors"] == "Email is not an email" and r.json()["record"]["id"] is None
    r = await client.post("/contacts", json={"customer_id": 1, "name": "Nobody"})
    assert r.status_code == 404 and r.json() == {"message": "Not found"}
    assert (await client.delete(f"/contacts/{contact['id']}")).json() == {"success": True}
    r = await client.get(f"/contacts/{contact['id']}")
    assert r.status_code == 404 and r.json() == {"message": "Not found"}


async def test_products(client: httpx.AsyncClient) -> None:
    body = (await client.get("/products")).json()
    assert set(body) == {"products"}
    labor = (await client.get("/products", params={"query": "labor"})).json()["products"]
    assert {p["id"] for p in labor} == {1190473, 26118, 26184, 9269129, 9269124, 68055, 1190481}
    by_name = (await client.get("/products", params={"name": "Travel"})).json()["products"]
    assert [p["id"] for p in by_name] == [26117]
    one = (await client.get("/products/1190473")).json()["product"]
    assert one["name"] == "Labor - Remote Business" and one["price_retail"] == 125.0 and one["taxable"] is False
    assert (await client.get("/products/1")).status_code == 404


async def test_search(sb: Sandbox, client: httpx.AsyncClient) -> None:
    body = (await client.get("/search", params={"query": "burger"})).json()
    assert set(body) == {"quick_result", "results", "error"}
    kinds = {(r["table"]["_type"], r["table"]["_id"]) for r in body["results"]}
    assert ("customer", sb.ticket(32164)["customer_id"]) in kinds
    by_number = (await client.get("/search", params={"query": "32164"})).json()["results"]
    assert by_number[0]["table"]["_source"]["table"]["subject"] == "Own cloud thing again"


async def test_unknown_route_and_bad_json(sb: Sandbox, client: httpx.AsyncClient) -> None:
    r = await client.get("/ticket_types")
    assert r.status_code == 404 and r.json() == {"message": "Not found"}
    r = await client.post(
        f"/tickets/{sb.ticket_id(32164)}/comment", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400 and "error" in r.json()


async def test_control_routes_refuse_non_loopback_clients(sb: Sandbox) -> None:
    transport = httpx.ASGITransport(app=sb.app, client=("10.1.2.3", 5555))
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.invalid") as c:
        assert (await c.get("/_sandbox/requests")).status_code == 403
    local = httpx.ASGITransport(app=sb.app, client=("127.0.0.1", 5555))
    async with httpx.AsyncClient(transport=local, base_url="http://sandbox.invalid") as c:
        assert (
            await c.post("/_sandbox/faults", json={"method": "GET", "path": "/me", "kind": "500"})
        ).status_code == 200
        assert (await c.get("/_sandbox/faults")).json()["faults"][0]["kind"] == "500"
        assert (await c.post("/_sandbox/faults", json={"path": "/me", "kind": "nope"})).status_code == 422
        assert (await c.delete("/_sandbox/faults")).status_code == 200
    assert len(sb.faults) == 0
