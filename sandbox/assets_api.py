"""Customer assets and RMM alerts (spec paths; docs/syncro-facts.md#pagination, #errors).

* ``GET /customer_assets`` lists under the key ``assets`` (not ``customer_assets``), with
  ``customer_id``, ``asset_type_id``, ``snmp_enabled`` and ``query`` filters. ``query`` matches
  the asset's name, serial, type and its customer's name. ``meta`` carries ``total_entries``
  and 50 per page (docs/syncro-facts.md#pagination, live; the spec's text says 25 and its example has no meta).
* Single assets answer ``{"asset": …}`` (POST's example). GET/PUT are documented only by a
  garbled schema; the sandbox wraps them like POST.
* ``GET /rmm_alerts?status=active|resolved|all`` (default active), ``meta {total_pages, page}``;
  ``GET /rmm_alerts/{id}`` → ``{"rmm_alert": …}``; ``POST /rmm_alerts`` → ``{"success": true,
  "alert": …}`` with 200, not the spec's 201 (docs/syncro-facts.md#creates-answer-200); ``DELETE``
  clears (resolves) the alert
  and answers ``{"success": "true"}`` (a string, as the spec shows); ``POST /rmm_alerts/{id}/mute``
  takes ``mute_for`` and answers 422 ``{"errors": {"mute_for": […]}}`` for other values (docs/syncro-facts.md#errors,
  live). Muting records ``_muted_until``; muted alerts stay listed (unverified either way).
* The spec has no endpoint that makes a ticket from an alert (nor a PUT on alerts), so an
  alert's ``ticket_id`` is only ever what the seed gave it; POST ignores a ``ticket_id``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import account, errors, views
from .params import as_bool, as_int, body, page_of, paginate, query, sandbox_of
from .records import new_asset, new_rmm_alert
from .state import Record, SandboxState
from .timefmt import fmt, parse


# -- assets ----------------------------------------------------------------------------------
def _asset_matches(st: SandboxState, a: Record, needle: str) -> bool:
    needle = needle.strip().lower()
    cust = st.customers.get(a.get("customer_id"))
    haystack = [a.get("name"), a.get("asset_serial"), a.get("asset_type")]
    if cust:
        haystack += [views.business_then_name(cust), views.fullname(cust)]
    return any(needle in (h or "").lower() for h in haystack)


async def list_assets(request: Request) -> Response:
    st = sandbox_of(request).state
    q = query(request)
    items = sorted(st.assets.values(), key=lambda a: a["id"])
    if "customer_id" in q:
        wanted = as_int(q["customer_id"])
        items = [a for a in items if a.get("customer_id") == wanted]
    if "asset_type_id" in q:
        wanted = as_int(q["asset_type_id"])
        items = [a for a in items if a.get("_asset_type_id") == wanted]
    if as_bool(q.get("snmp_enabled")):
        items = [a for a in items if a.get("snmp_enabled")]
    if q.get("query"):
        items = [a for a in items if _asset_matches(st, a, q["query"])]
    page = page_of(request)
    per_page = account.ASSETS_PER_PAGE
    page_items, total_pages = paginate(items, page, per_page)
    return errors.json(
        {
            "assets": [views.asset(st, a) for a in page_items],
            "meta": {"total_pages": total_pages, "total_entries": len(items), "per_page": per_page, "page": page},
        }
    )


def _asset_type(data: dict[str, Any]) -> dict[str, object] | None:
    wanted_id = as_int(data.get("asset_type_id"))
    wanted_name = str(data.get("asset_type_name") or "").strip().lower()
    for at in account.ASSET_TYPES:
        if at["id"] == wanted_id or (wanted_name and str(at["name"]).lower() == wanted_name):
            return at
    return None


async def get_asset(request: Request) -> Response:
    st = sandbox_of(request).state
    a = errors.found(st.assets.get(int(request.path_params["id"])))
    return errors.json({"asset": views.asset(st, a)})


async def create_asset(request: Request) -> Response:
    sb = sandbox_of(request)
    st = sb.state
    data = await body(request)
    at = _asset_type(data)
    problems = []
    if at is None:
        problems += ["Asset type can't be blank", "Name You must have an asset type first, please go create one"]
    if not str(data.get("name") or "").strip():
        problems.append("Name can't be blank")
    if problems:
        return errors.success_false(problems, params=data)
    assert at is not None
    fields = dict(data)
    fields["customer_id"] = as_int(data.get("customer_id"))
    if fields["customer_id"] is not None and fields["customer_id"] not in st.customers:
        return errors.success_false(["Customer must exist"], params=data)
    a = st.insert(
        "assets",
        new_asset(fields, asset_type=str(at["name"]), asset_type_id=int(at["id"]), at=sb.now()),  # type: ignore[call-overload]
    )
    return errors.json({"asset": views.asset(st, a)})


async def update_asset(request: Request) -> Response:
    sb = sandbox_of(request)
    st = sb.state
    a = errors.found(st.assets.get(int(request.path_params["id"])))
    data = await body(request)
    if "name" in data and not str(data.get("name") or "").strip():
        return errors.success_false(["Name can't be blank"])
    if "asset_type_id" in data or "asset_type_name" in data:
        at = _asset_type(data)
        if at is None:
            return errors.success_false(["Asset type can't be blank"])
        a["asset_type"], a["_asset_type_id"] = at["name"], at["id"]
    for key in ("name", "asset_serial"):
        if key in data:
            a[key] = data[key]
    if "customer_id" in data and as_int(data["customer_id"]) in st.customers:
        a["customer_id"] = as_int(data["customer_id"])
    if isinstance(data.get("properties"), dict):
        a["properties"] = {**(a.get("properties") or {}), **data["properties"]}
    a["updated_at"] = fmt(sb.now())
    return errors.json({"asset": views.asset(st, a)})


# -- RMM alerts --------------------------------------------------------------------------------
async def list_rmm_alerts(request: Request) -> Response:
    """Newest first; ``status`` active (default) | resolved | all."""
    sb = sandbox_of(request)
    st = sb.state
    status = (query(request).get("status") or "active").strip().lower()
    items = sorted(st.rmm_alerts.values(), key=lambda a: (parse(a["created_at"]), a["id"]), reverse=True)
    if status == "active":
        items = [a for a in items if not a["resolved"]]
    elif status == "resolved":
        items = [a for a in items if a["resolved"]]
    page = page_of(request)
    page_items, total_pages = paginate(items, page, account.PAGE_SIZE)
    return errors.json(
        {"rmm_alerts": [views.rmm_alert(st, a) for a in page_items], "meta": {"total_pages": total_pages, "page": page}}
    )


async def get_rmm_alert(request: Request) -> Response:
    st = sandbox_of(request).state
    a = errors.found(st.rmm_alerts.get(int(request.path_params["id"])))
    return errors.json({"rmm_alert": views.rmm_alert(st, a)})


async def create_rmm_alert(request: Request) -> Response:
    sb = sandbox_of(request)
    st = sb.state
    data = await body(request)
    fields = dict(data)
    for key in ("customer_id", "asset_id"):
        fields[key] = as_int(data.get(key))
    if fields["customer_id"] is not None and fields["customer_id"] not in st.customers:
        return errors.success_false(["Customer must exist"], params=data)
    asset = st.assets.get(fields["asset_id"]) if fields["asset_id"] else None
    if asset is not None:
        fields["computer_name"] = asset["name"]
        fields["customer_id"] = fields["customer_id"] or asset.get("customer_id")
    fields["resolved"] = bool(as_bool(data.get("resolved")))
    fields.pop("ticket_id", None)
    a = st.insert("rmm_alerts", new_rmm_alert(fields, at=sb.now()))
    # 200, not 201: docs/syncro-facts.md#creates-answer-200
    return errors.json({"success": True, "alert": views.rmm_alert(st, a)})


async def clear_rmm_alert(request: Request) -> Response:
    sb = sandbox_of(request)
    a = errors.found(sb.state.rmm_alerts.get(int(request.path_params["id"])))
    a["resolved"] = True
    a["updated_at"] = fmt(sb.now())
    return errors.json({"success": "true"})


async def mute_rmm_alert(request: Request) -> Response:
    sb = sandbox_of(request)
    a = errors.found(sb.state.rmm_alerts.get(int(request.path_params["id"])))
    data = await body(request)
    mute_for = str(data.get("mute_for") or "")
    if mute_for not in account.MUTE_FOR_HOURS:
        valid = ", ".join(account.MUTE_FOR_HOURS)
        return errors.json({"errors": {"mute_for": [f"must be one of: {valid}"]}}, 422)
    hours = account.MUTE_FOR_HOURS[mute_for]
    now = sb.now()
    a["_muted_until"] = "forever" if hours is None else fmt(now + timedelta(hours=hours))
    a["updated_at"] = fmt(now)
    return errors.json({"success": "true"})


ROUTES = [
    Route("/customer_assets", list_assets, methods=["GET"]),
    Route("/customer_assets", create_asset, methods=["POST"]),
    Route("/customer_assets/{id:int}", get_asset, methods=["GET"]),
    Route("/customer_assets/{id:int}", update_asset, methods=["PUT"]),
    Route("/rmm_alerts", list_rmm_alerts, methods=["GET"]),
    Route("/rmm_alerts", create_rmm_alert, methods=["POST"]),
    Route("/rmm_alerts/{id:int}", get_rmm_alert, methods=["GET"]),
    Route("/rmm_alerts/{id:int}", clear_rmm_alert, methods=["DELETE"]),
    Route("/rmm_alerts/{id:int}/mute", mute_rmm_alert, methods=["POST"]),
]
