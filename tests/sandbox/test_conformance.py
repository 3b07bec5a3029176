"""Every sandbox endpoint's responses checked against Syncro's OpenAPI spec.

The spec data comes from ``data/openapi-subset.json``: the responses of the operations the
sandbox serves, copied from Syncro's published spec by ``scripts/vendor_openapi.py`` (its
``x-vendored`` header names the source file, its SHA-256 and the date). Re-run that script after
adding a sandbox route; ``test_every_served_route_is_in_the_vendored_subset`` says when.

How responses are checked:

* Where the spec gives a response **schema** (GET /invoices/{id}, GET /contacts/{id}), the body
  is validated with ``openapi-schema-validator`` (OpenAPI 3.0 semantics, ``nullable``). The
  invoice schema marks nothing nullable although the spec's invoice examples are full of
  nulls, so every property is treated as nullable (``nullable_properties``).
* Almost every other response only has an **example**. A schema is derived from it: every key
  of an example object is required, scalar types must match (ids integers, other numbers any
  JSON number), free-form maps (custom-field ``properties``) are not expanded, and any scalar
  may be null because the spec's own examples show the same field both null and filled.
  Extra keys are allowed. Empty example arrays (a ticket's
  ``comments``, ``ticket_timers``, ``line_items``, a customer's ``contacts``) take their item
  shape from the endpoint that documents that object (POST comment, timer_entry,
  add_line_item, GET /contacts).
* Documented spec defects, handled explicitly below:
  - ``PATCH ticket_timers/{id}`` is written without its leading slash; the sandbox serves
    ``/ticket_timers/{id}`` and is checked against that spec entry.
  - ``GET /search`` declares ``query`` as an integer; a text query is sent.
  - Responses with neither schema nor example (DELETE /invoices/{id}, POST and DELETE
    /invoices/{id}/line_items, DELETE /contacts/{id}) are checked for status and JSON only.
  - ``GET /invoices/{id}``'s schema describes the invoice itself; the sandbox wraps it in
    ``{"invoice": …}`` by default like the other invoice responses, so the inner object is
    validated (``Sandbox(invoice_detail_wrapped=False)`` is checked flat). The same holds for
    ``GET /appointments/{id}``, whose schema also types ``customer.contacts`` as an object
    (every example has a list), so that key is dropped before validating.
  - ``POST /appointments`` and ``POST /rmm_alerts`` document 201; the sandbox answers 200
    (docs/syncro-facts.md#creates-answer-200) and the body is checked against the 201 example.
  - ``GET``/``PUT /customer_assets/{id}`` carry a garbled schema (a property named ``type``
    whose schema is the string "object"): status and JSON only, plus POST's item keys.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from syncro_mcp.sandbox import Sandbox

SPEC_PATH = Path(__file__).resolve().parent / "data" / "openapi-subset.json"

ClientFor = Callable[[Sandbox], httpx.AsyncClient]
#: Objects whose keys are account data (custom fields, RMM blobs), not part of the wire format.
FREE_FORM_OBJECTS = frozenset({"properties", "params", "triggers", "windows_updates", "emsisoft", "general"})


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


def response_entry(spec: dict[str, Any], method: str, path: str, status: int) -> dict[str, Any]:
    paths = spec["paths"]
    op = (paths.get(path) or paths[path.lstrip("/")])[method.lower()]
    return op["responses"][str(status)]


def documented_body(entry: dict[str, Any]) -> tuple[str, Any] | None:
    """("schema", s) or ("example", e) from a spec response entry, whatever the media type."""
    for media in (entry.get("content") or {}).values():
        if "schema" in media:
            return "schema", media["schema"]
        if "example" in media:
            return "example", media["example"]
        if "examples" in media:
            return "example", next(iter(media["examples"].values()))["value"]
    return None


def nullable_properties(schema: dict[str, Any]) -> dict[str, Any]:
    """Mark every property ``nullable``: the spec's two response schemas omit it, yet its own
    examples of the same objects are full of nulls (po_number, date_received, ticket_id, …)."""
    out = dict(schema)
    if isinstance(out.get("properties"), dict):
        out["properties"] = {k: {**nullable_properties(v), "nullable": True} for k, v in out["properties"].items()}
    if isinstance(out.get("items"), dict):
        out["items"] = nullable_properties(out["items"])
    return out


def schema_from_example(example: Any, key: str = "", known: dict[str, Any] | None = None) -> dict[str, Any]:
    """A JSON Schema (draft 7) describing the example's shape; scalars nullable."""
    known = known or {}
    if key in FREE_FORM_OBJECTS:
        return {"type": ["object", "null"]}
    if isinstance(example, dict):
        return {
            "type": ["object", "null"],
            "required": sorted(example),
            "properties": {k: schema_from_example(v, k, known) for k, v in example.items()},
        }
    if isinstance(example, list):
        if len(example) > 1 and len({type(v) for v in example}) > 1:
            # A tuple such as /users' [id, "name"] pairs.
            return {"type": "array", "items": [schema_from_example(v, key, known) for v in example]}
        if example:
            return {"type": "array", "items": schema_from_example(example[0], key, known)}
        return {"type": "array", "items": known.get(key, {})}
    if example is None:
        return {}
    if isinstance(example, bool):
        return {"type": ["boolean", "null"]}
    if isinstance(example, int):
        is_id = key == "id" or key.endswith("_id")
        return {"type": ["integer" if is_id else "number", "null"]}
    if isinstance(example, float):
        return {"type": ["number", "null"]}
    return {"type": ["string", "null"]}


@pytest.fixture(scope="module")
def known_items(spec: dict[str, Any]) -> dict[str, Any]:
    """Item shapes for arrays the spec's examples leave empty."""

    def example(method: str, path: str) -> Any:
        kind, body = documented_body(response_entry(spec, method, path, 200))  # type: ignore[misc]
        assert kind == "example"
        return body

    return {
        "comments": schema_from_example(example("POST", "/tickets/{id}/comment")["comment"]),
        "ticket_timers": schema_from_example(example("POST", "/tickets/{id}/timer_entry")),
        "line_items": schema_from_example(example("POST", "/tickets/{id}/add_line_item")),
        "contacts": schema_from_example(example("GET", "/contacts")["contacts"][0]),
    }


def check(spec: dict[str, Any], known: dict[str, Any], method: str, path: str, r: httpx.Response, status: int,
          unwrap: str | None = None) -> None:  # fmt: skip
    assert r.status_code == status, (method, path, r.status_code, r.text[:300])
    body = r.json()
    doc = documented_body(response_entry(spec, method, path, status))
    if doc is None:
        return  # no schema or example: status + JSON only (see module docstring)
    kind, shape = doc
    if unwrap is not None:
        body = body[unwrap]
    if kind == "schema":
        from openapi_schema_validator import OAS30Validator

        OAS30Validator(nullable_properties(shape)).validate(body)
    else:
        jsonschema.Draft7Validator(schema_from_example(shape, known=known)).validate(body)


@pytest.fixture
def conform(spec: dict[str, Any], known_items: dict[str, Any]) -> Callable[..., None]:
    def run(method: str, path: str, r: httpx.Response, status: int = 200, unwrap: str | None = None) -> None:
        check(spec, known_items, method, path, r, status, unwrap)

    return run


async def test_ticket_endpoints(sb: Sandbox, client: httpx.AsyncClient, conform: Callable[..., None]) -> None:
    tid = sb.ticket_id(32160)
    cust = sb.ticket(32160)["customer_id"]
    conform("GET", "/tickets", await client.get("/tickets"))
    conform("GET", "/tickets", await client.get("/tickets", params={"status": "Not Closed", "all_comments": "true"}))
    conform("GET", "/tickets/{id}", await client.get(f"/tickets/{tid}"))
    conform("GET", "/tickets/{id}", await client.get(f"/tickets/{sb.ticket_id(32158)}"))
    conform("GET", "/tickets/settings", await client.get("/tickets/settings"))
    conform("GET", "/tickets/{id}/comments", await client.get(f"/tickets/{tid}/comments"))
    created = await client.post(
        "/tickets",
        json={"customer_id": cust, "subject": "New", "comments_attributes": [{"subject": "Initial", "body": "b"}]},
    )
    conform("POST", "/tickets", created)
    conform("POST", "/tickets", await client.post("/tickets", json={"subject": "x"}), 422)
    conform("PUT", "/tickets/{id}", await client.put(f"/tickets/{tid}", json={"priority": "1 High"}))
    conform("PUT", "/tickets/{id}", await client.put(f"/tickets/{tid}", json={"subject": ""}), 422)
    conform(
        "POST",
        "/tickets/{id}/comment",
        await client.post(f"/tickets/{tid}/comment", json={"subject": "s", "body": "b"}),
    )
    conform("POST", "/tickets/{id}/comment", await client.post(f"/tickets/{tid}/comment", json={}), 422)
    new_id = created.json()["ticket"]["id"]
    conform("DELETE", "/tickets/{id}", await client.delete(f"/tickets/{new_id}"))
    conform("DELETE", "/tickets/{id}", await client.delete(f"/tickets/{new_id}"), 404)


async def test_timer_and_line_item_endpoints(
    sb: Sandbox, client: httpx.AsyncClient, conform: Callable[..., None]
) -> None:
    tid = sb.ticket_id(32163)
    body = {"start_at": "2026-11-25T09:00:00Z", "end_at": "2026-11-25T10:00:00Z", "notes": "n", "product_id": 1190473}
    r = await client.post(f"/tickets/{tid}/timer_entry", json=body)
    conform("POST", "/tickets/{id}/timer_entry", r)
    timer_id = r.json()["id"]
    conform("POST", "/tickets/{id}/timer_entry", await client.post(f"/tickets/{tid}/timer_entry", json={}), 422)
    r = await client.put(f"/tickets/{tid}/update_timer_entry", json={"timer_entry_id": timer_id, "notes": "m"})
    conform("PUT", "/tickets/{id}/update_timer_entry", r)
    r = await client.post(f"/tickets/{tid}/charge_timer_entry", json={"timer_entry_id": timer_id})
    conform("POST", "/tickets/{id}/charge_timer_entry", r)
    conform("GET", "/ticket_timers", await client.get("/ticket_timers"))
    # Spec defect: path written without the leading slash.
    conform(
        "PATCH", "ticket_timers/{id}", await client.patch(f"/ticket_timers/{timer_id}", params={"billable": "true"})
    )
    conform("PATCH", "ticket_timers/{id}", await client.patch("/ticket_timers/1", params={"billable": "true"}), 404)
    r = await client.patch(f"/ticket_timers/{timer_id}", params={"billable": "x"})
    conform("PATCH", "ticket_timers/{id}", r, 422)
    r = await client.post(f"/tickets/{tid}/delete_timer_entry", json={"timer_entry_id": timer_id})
    conform("POST", "/tickets/{id}/delete_timer_entry", r)

    line = {"name": "Cable", "description": "Cat6", "quantity": 1, "price_retail": 15, "price_cost": 10}
    r = await client.post(f"/tickets/{tid}/add_line_item", json=line)
    conform("POST", "/tickets/{id}/add_line_item", r)
    line_id = r.json()["id"]
    conform("POST", "/tickets/{id}/add_line_item", await client.post(f"/tickets/{tid}/add_line_item", json={}), 422)
    r = await client.put(f"/tickets/{tid}/update_line_item", json={"ticket_line_item_id": line_id, "name": "C"})
    conform("PUT", "/tickets/{id}/update_line_item", r)
    r = await client.post(f"/tickets/{tid}/remove_line_item", json={"ticket_line_item_id": line_id})
    conform("POST", "/tickets/{id}/remove_line_item", r)


async def test_invoice_endpoints(
    sb: Sandbox, client: httpx.AsyncClient, conform: Callable[..., None], client_for: ClientFor
) -> None:
    ticket = sb.ticket(32160)
    conform("GET", "/invoices", await client.get("/invoices"))
    r = await client.post("/invoices", json={"ticket_id": ticket["id"], "customer_id": ticket["customer_id"]})
    conform("POST", "/invoices", r)
    inv_id = r.json()["invoice"]["id"]
    conform("GET", "/invoices/{id}", await client.get(f"/invoices/{inv_id}"), unwrap="invoice")
    conform("GET", "/invoices/{id}", await client.get("/invoices/1044"), unwrap="invoice")
    conform("PUT", "/invoices/{id}", await client.put(f"/invoices/{inv_id}", json={"note": "Thanks"}))
    r = await client.post(f"/invoices/{inv_id}/line_items", json={"product_id": 26117, "quantity": 1})
    conform("POST", "/invoices/{id}/line_items", r)
    r = await client.delete(f"/invoices/{inv_id}/line_items/{r.json()['id']}")
    conform("DELETE", "/invoices/{id}/line_items/{line_item_id}", r)
    conform("DELETE", "/invoices/{id}", await client.delete(f"/invoices/{inv_id}"))
    flat = Sandbox(invoice_detail_wrapped=False)
    async with client_for(flat) as c:
        conform("GET", "/invoices/{id}", await c.get("/invoices/1044"))


async def test_account_endpoints(sb: Sandbox, client: httpx.AsyncClient, conform: Callable[..., None]) -> None:
    conform("GET", "/me", await client.get("/me"))
    conform("GET", "/users", await client.get("/users"))
    conform("GET", "/users/{id}", await client.get(f"/users/{sb.me_user_id}"))
    conform("GET", "/settings", await client.get("/settings"))
    conform("GET", "/products", await client.get("/products"))
    conform("GET", "/products/{id}", await client.get("/products/1190473"))
    conform("GET", "/products/{id}", await client.get("/products/31000417"))
    # Spec defect: query is declared an integer; a name is what works.
    conform("GET", "/search", await client.get("/search", params={"query": "Parkinson"}))


async def test_customer_and_contact_endpoints(
    sb: Sandbox, client: httpx.AsyncClient, conform: Callable[..., None]
) -> None:
    cust = sb.ticket(32162)["customer_id"]
    conform("GET", "/customers", await client.get("/customers"))
    conform("GET", "/customers", await client.get("/customers", params={"query": "Len"}))
    conform("GET", "/customers/{id}", await client.get(f"/customers/{cust}"))
    conform("GET", "/customers/autocomplete", await client.get("/customers/autocomplete", params={"query": "Bur"}))
    r = await client.post("/customers", json={"business_name": "Acme", "firstname": "A", "lastname": "B"})
    conform("POST", "/customers", r)
    new_id = r.json()["customer"]["id"]
    conform("GET", "/customers/latest", await client.get("/customers/latest"))
    conform("POST", "/customers", await client.post("/customers", json={"business_name": "X", "email": "bad"}), 422)
    conform("PUT", "/customers/{id}", await client.put(f"/customers/{new_id}", json={"notes": "n"}))
    conform("PUT", "/customers/{id}", await client.put(f"/customers/{new_id}", json={"email": "bad"}), 422)
    conform("DELETE", "/customers/{id}", await client.delete(f"/customers/{new_id}"))

    conform("GET", "/contacts", await client.get("/contacts", params={"customer_id": cust}))
    r = await client.post("/contacts", json={"customer_id": cust, "name": "Tess", "email": "tess@example.com"})
    conform("POST", "/contacts", r)
    contact_id = r.json()["id"]
    conform("POST", "/contacts", await client.post("/contacts", json={"customer_id": 1, "name": "x"}), 404)
    conform("POST", "/contacts", await client.post("/contacts", json={"customer_id": cust, "email": "xxx"}), 422)
    conform("GET", "/contacts/{id}", await client.get(f"/contacts/{contact_id}"))
    conform("GET", "/contacts/{id}", await client.get("/contacts/1"), 404)
    conform("PUT", "/contacts/{id}", await client.put(f"/contacts/{contact_id}", json={"name": "Tess M"}))
    conform("PUT", "/contacts/{id}", await client.put(f"/contacts/{contact_id}", json={"notes": "no name"}), 422)
    conform("DELETE", "/contacts/{id}", await client.delete(f"/contacts/{contact_id}"))


async def test_permission_failure_body(sb: Sandbox, conform: Callable[..., None]) -> None:
    headers = {"Authorization": f"Bearer {sb.read_only_key}"}
    async with httpx.AsyncClient(transport=sb.transport(), base_url=sb.base_url, headers=headers) as c:
        cust = sb.ticket(32162)["customer_id"]
        conform("POST", "/contacts", await c.post("/contacts", json={"customer_id": cust, "name": "x"}), 401)


def test_derived_schemas_have_teeth(spec: dict[str, Any], known_items: dict[str, Any]) -> None:
    """The example-derived check rejects a missing key, a wrong type and a wrapper."""
    _, example = documented_body(response_entry(spec, "POST", "/tickets/{id}/timer_entry", 200))  # type: ignore[misc]
    validator = jsonschema.Draft7Validator(schema_from_example(example, known=known_items))
    good = dict(example)
    assert validator.is_valid(good)
    assert not validator.is_valid({k: v for k, v in good.items() if k != "recorded"})
    assert not validator.is_valid({**good, "id": "1"})
    assert not validator.is_valid({"timer": good})
    _, listing = documented_body(response_entry(spec, "GET", "/users", 200))  # type: ignore[misc]
    users = jsonschema.Draft7Validator(schema_from_example(listing))
    assert users.is_valid({"users": [[1, "A"]]}) and not users.is_valid({"users": [{"id": 1, "name": "A"}]})


def as_documented(r: httpx.Response, status: int) -> httpx.Response:
    """The same body under the status the spec documents (the sandbox answers 200 where the spec
    says 201: docs/syncro-facts.md#creates-answer-200)."""
    assert r.status_code == 200, r.text[:300]
    return httpx.Response(status, json=r.json())


async def test_appointment_endpoints(sb: Sandbox, client: httpx.AsyncClient, conform: Callable[..., None]) -> None:
    conform("GET", "/appointments", await client.get("/appointments"))
    conform("GET", "/appointments", await client.get("/appointments", params={"date_from": "2026-11-23", "mine": "1"}))
    body = {"summary": "Visit", "start_at": "2026-11-27T09:00:00-07:00", "end_at": "2026-11-27T10:00:00-07:00",
            "customer_id": sb.ticket(32166)["customer_id"], "ticket_id": sb.ticket_id(32166)}  # fmt: skip
    r = await client.post("/appointments", json=body)
    conform("POST", "/appointments", as_documented(r, 201), 201)
    conform("POST", "/appointments", await client.post("/appointments", json={"description": "x"}), 422)
    new_id = r.json()["appointment"]["id"]
    # Spec defect: the GET schema types customer.contacts as an object; every example has a list.
    detail = (await client.get(f"/appointments/{new_id}")).json()
    detail["appointment"]["customer"].pop("contacts")
    conform("GET", "/appointments/{id}", httpx.Response(200, json=detail), unwrap="appointment")
    conform("GET", "/appointments/{id}", await client.get("/appointments/1"), 404)
    r = await client.put(f"/appointments/{new_id}", json={"start_at": "2026-11-28T09:00:00-07:00"})
    conform("PUT", "/appointments/{id}", r)
    conform("PUT", "/appointments/{id}", await client.put(f"/appointments/{new_id}", json={"summary": ""}), 422)
    conform("DELETE", "/appointments/{id}", await client.delete(f"/appointments/{new_id}"))
    conform("DELETE", "/appointments/{id}", await client.delete(f"/appointments/{new_id}"), 404)


async def test_asset_and_rmm_endpoints(sb: Sandbox, client: httpx.AsyncClient, conform: Callable[..., None]) -> None:
    conform("GET", "/customer_assets", await client.get("/customer_assets"))
    conform("GET", "/customer_assets", await client.get("/customer_assets", params={"query": "7XK4P93"}))
    cust = sb.ticket(32162)["customer_id"]
    r = await client.post(
        "/customer_assets", json={"name": "PC", "asset_type_name": "Syncro Device", "customer_id": cust}
    )
    conform("POST", "/customer_assets", r)
    conform("POST", "/customer_assets", await client.post("/customer_assets", json={"name": "No type"}), 422)
    asset_id = r.json()["asset"]["id"]
    # GET/PUT /customer_assets/{id} are documented by a garbled schema (a "type" property whose
    # schema is the string "object"); status and JSON only, plus the POST example's item shape.
    one = await client.get(f"/customer_assets/{asset_id}")
    assert one.status_code == 200 and set(r.json()["asset"]) <= set(one.json()["asset"])
    conform("GET", "/customer_assets/{id}", await client.get("/customer_assets/1"), 404)
    r = await client.put(f"/customer_assets/{asset_id}", json={"name": "PC-2"})
    assert r.status_code == 200 and r.json()["asset"]["name"] == "PC-2"
    conform("PUT", "/customer_assets/{id}", await client.put(f"/customer_assets/{asset_id}", json={"name": ""}), 422)

    conform("GET", "/rmm_alerts", await client.get("/rmm_alerts"))
    conform("GET", "/rmm_alerts", await client.get("/rmm_alerts", params={"status": "all"}))
    r = await client.post("/rmm_alerts", json={"customer_id": cust, "asset_id": asset_id, "description": "d"})
    conform("POST", "/rmm_alerts", as_documented(r, 201), 201)
    alert_id = r.json()["alert"]["id"]
    conform("GET", "/rmm_alerts/{id}", await client.get(f"/rmm_alerts/{alert_id}"))
    conform("GET", "/rmm_alerts/{id}", await client.get("/rmm_alerts/1"), 404)
    r = await client.post(f"/rmm_alerts/{alert_id}/mute", params={"mute_for": "1-week"})
    conform("POST", "/rmm_alerts/{id}/mute", r)
    r = await client.post(f"/rmm_alerts/{alert_id}/mute", params={"mute_for": "soon"})
    conform("POST", "/rmm_alerts/{id}/mute", r, 422)
    conform("DELETE", "/rmm_alerts/{id}", await client.delete(f"/rmm_alerts/{alert_id}"))
    conform("DELETE", "/rmm_alerts/{id}", await client.delete("/rmm_alerts/1"), 404)


async def test_invoice_email_and_list_switch(
    sb: Sandbox, client: httpx.AsyncClient, conform: Callable[..., None], client_for: ClientFor
) -> None:
    conform("POST", "/invoices/{id}/email", await client.post("/invoices/1649572808/email"))
    conform("POST", "/invoices/{id}/email", await client.post("/invoices/1/email"), 404)
    # docs/syncro-facts.md#field-reports: the list without ticket_id is a deliberate departure from the spec's example.
    bare = Sandbox(invoice_list_has_ticket_id=False)
    async with client_for(bare) as c:
        rows = (await c.get("/invoices")).json()
    for row in rows["invoices"]:
        row["ticket_id"] = None
    conform("GET", "/invoices", httpx.Response(200, json=rows))


async def test_billing_switch_responses(client_for: ClientFor, conform: Callable[..., None]) -> None:
    sb = Sandbox(charge_uses_default_product=True, timer_entry_ignores_billable=True, labor_rounding=True)
    tid = sb.ticket_id(32163)
    body = {"start_at": "2026-11-25T09:00:00Z", "duration_minutes": 50, "product_id": 1190481, "billable": False}
    async with client_for(sb) as c:
        r = await c.post(f"/tickets/{tid}/timer_entry", json=body)
        conform("POST", "/tickets/{id}/timer_entry", r)
        r = await c.post(f"/tickets/{tid}/charge_timer_entry", json={"timer_entry_id": r.json()["id"]})
        conform("POST", "/tickets/{id}/charge_timer_entry", r)
        conform("GET", "/tickets/{id}", await c.get(f"/tickets/{tid}"))
        conform("GET", "/customers/{id}", await c.get("/customers/29140091"))
    history = Sandbox(seed_history=True)
    async with client_for(history) as c:
        conform("GET", "/ticket_timers", await c.get("/ticket_timers", params={"page": 2}))
        conform("GET", "/tickets", await c.get("/tickets", params={"status": "Not Closed"}))


def test_every_served_route_is_in_the_vendored_subset(spec: dict[str, Any]) -> None:
    """A new sandbox route needs its spec entry: run ``python scripts/vendor_openapi.py``."""
    import re

    from syncro_mcp.sandbox.app import build_api

    served = set()
    for route in build_api(Sandbox()).routes:
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
        served.update((m, path) for m in route.methods or () if m != "HEAD")
    undocumented = set(spec["x-vendored"]["not_in_spec"])
    missing = [
        f"{m} {p}" for m, p in sorted(served)
        if f"{m} {p}" not in undocumented and not any(m.lower() in spec["paths"].get(k, {}) for k in (p, p.lstrip("/")))
    ]
    assert not missing, f"not in tests/sandbox/data/openapi-subset.json (run scripts/vendor_openapi.py): {missing}"
    assert spec["x-vendored"]["source_sha256"] and spec["x-vendored"]["vendored_on"]


async def test_a_ticket_opens_alike_in_the_list_and_the_detail(
    sb: Sandbox, client: httpx.AsyncClient, spec: dict[str, Any]
) -> None:
    """Both views share their opening fields (``views._ticket_head``): the spec example's order, one
    ticket's values the same in both."""
    example = spec["paths"]["/tickets"]["get"]["responses"]["200"]["content"]["application/json"]["example"]
    head = list(example["tickets"][0])[:6]
    listed = (await client.get("/tickets", params={"number": 32160})).json()["tickets"][0]
    detail = (await client.get(f"/tickets/{sb.ticket_id(32160)}")).json()["ticket"]
    assert list(listed)[:6] == list(detail)[:6] == head
    assert {k: listed[k] for k in head} == {k: detail[k] for k in head}
    assert detail["customer_business_then_name"] == sb.state.customers[detail["customer_id"]]["business_name"]
