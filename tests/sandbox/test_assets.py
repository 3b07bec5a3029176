"""Customer assets (/customer_assets) and RMM alerts (/rmm_alerts)."""

from __future__ import annotations

import httpx
from syncro_mcp.sandbox import Sandbox


async def names(client: httpx.AsyncClient, **params: object) -> list[str]:
    body = (await client.get("/customer_assets", params=params)).json()  # type: ignore[arg-type]
    return [a["name"] for a in body["assets"]]


async def test_list_envelope_and_search(sb: Sandbox, client: httpx.AsyncClient) -> None:
    body = (await client.get("/customer_assets")).json()
    assert set(body) == {"assets", "meta"}  # "assets", not "customer_assets"
    assert body["meta"] == {"total_pages": 1, "total_entries": 7, "per_page": 50, "page": 1}
    dell = next(a for a in body["assets"] if a["asset_serial"] == "7XK4P93")
    assert dell["name"] == "LENS-SALES-02" and dell["properties"]["Manufacturer"] == "Dell Inc."
    assert dell["asset_type"] == "Syncro Device" and dell["customer"]["business_name"] == "Len's Auto Brokerage"
    assert dell["rmm_store"]["asset_id"] == dell["id"] and dell["rmm_links"] == []
    assert await names(client, query="7xk4p93") == ["LENS-SALES-02"]  # by serial
    assert await names(client, query="omar") == ["OMAR-LAPTOP"]  # by name
    assert await names(client, query="len's auto") == ["LENS-SALES-02", "LENS-SRV-01", "LENS-PRN-01"]  # by customer
    lens = sb.ticket(32162)["customer_id"]
    assert await names(client, customer_id=lens) == ["LENS-SALES-02", "LENS-SRV-01", "LENS-PRN-01"]
    assert await names(client, asset_type_id=71102) == ["GREENWAY-SW-01"]
    assert await names(client, snmp_enabled="true") == ["LENS-PRN-01", "GREENWAY-SW-01"]


async def test_asset_create_get_update(sb: Sandbox, client: httpx.AsyncClient) -> None:
    cust = sb.ticket(32166)["customer_id"]
    r = await client.post(
        "/customer_assets",
        json={"name": "LENS-SALES-03", "asset_type_name": "Syncro Device", "customer_id": cust,
              "asset_serial": "5QZ8K21", "properties": {"Manufacturer": "Dell Inc."}},
    )  # fmt: skip
    assert r.status_code == 200
    asset = r.json()["asset"]
    assert asset["asset_type"] == "Syncro Device" and asset["customer_id"] == cust
    got = (await client.get(f"/customer_assets/{asset['id']}")).json()["asset"]
    assert got["asset_serial"] == "5QZ8K21"
    r = await client.put(f"/customer_assets/{asset['id']}", json={"name": "LENS-SALES-3", "asset_type_id": 71103})
    assert r.json()["asset"]["name"] == "LENS-SALES-3" and r.json()["asset"]["asset_type"] == "Printer"
    assert await names(client, query="5qz8") == ["LENS-SALES-3"]
    assert (await client.get("/customer_assets/1")).status_code == 404


async def test_asset_errors(client: httpx.AsyncClient) -> None:
    r = await client.post("/customer_assets", json={"name": "No type"})
    assert r.status_code == 422
    assert r.json() == {
        "success": False,
        "message": ["Asset type can't be blank", "Name You must have an asset type first, please go create one"],
        "params": {"name": "No type"},
    }
    r = await client.post("/customer_assets", json={"asset_type_id": 71101})
    assert r.status_code == 422 and r.json()["message"] == ["Name can't be blank"]


async def test_rmm_alerts_list_status_and_get(sb: Sandbox, client: httpx.AsyncClient) -> None:
    body = (await client.get("/rmm_alerts")).json()
    assert set(body) == {"rmm_alerts", "meta"} and body["meta"] == {"total_pages": 1, "page": 1}
    active = body["rmm_alerts"]
    assert [a["computer_name"] for a in active] == ["LENS-SRV-01", "DSD-FRONT-01", "SVC-XRAY-01"]  # newest first
    assert all(not a["resolved"] for a in active)
    resolved = (await client.get("/rmm_alerts", params={"status": "resolved"})).json()["rmm_alerts"]
    smart = next(a for a in resolved if a["computer_name"] == "OMAR-LAPTOP")
    assert smart["ticket_number"] == 32153 and smart["ticket_status"] == "Invoiced"
    assert len((await client.get("/rmm_alerts", params={"status": "all"})).json()["rmm_alerts"]) == 5
    one = (await client.get(f"/rmm_alerts/{active[0]['id']}")).json()
    assert one["rmm_alert"]["description"] == "Low hard drive space"
    assert (await client.get("/rmm_alerts/1")).status_code == 404


async def test_rmm_alert_create_mute_clear(sb: Sandbox, client: httpx.AsyncClient) -> None:
    asset = next(a for a in sb.state.assets.values() if a["name"] == "GREENWAY-SW-01")
    r = await client.post("/rmm_alerts", json={"asset_id": asset["id"], "description": "Port 3 flapping"})
    # docs/syncro-facts.md#creates-answer-200 (the spec says 201)
    assert r.status_code == 200 and r.json()["success"] is True
    alert = r.json()["alert"]
    assert alert["customer_id"] == asset["customer_id"] and alert["computer_name"] == "GREENWAY-SW-01"
    r = await client.post(f"/rmm_alerts/{alert['id']}/mute", params={"mute_for": "1-day"})
    assert r.json() == {"success": "true"}
    r = await client.post(f"/rmm_alerts/{alert['id']}/mute", params={"mute_for": "3-days"})
    assert r.status_code == 422 and list(r.json()["errors"]) == ["mute_for"]
    r = await client.delete(f"/rmm_alerts/{alert['id']}")
    assert r.json() == {"success": "true"}
    assert (await client.get(f"/rmm_alerts/{alert['id']}")).json()["rmm_alert"]["resolved"] is True
    active = (await client.get("/rmm_alerts")).json()["rmm_alerts"]
    assert alert["id"] not in [a["id"] for a in active]
