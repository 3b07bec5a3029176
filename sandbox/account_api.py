"""Account-level endpoints: /me, users, settings, customers, contacts, products, search."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import account, errors, views
from .auth import permissions
from .params import as_bool, as_int, body, grant_of, page_of, paginate, query, sandbox_of
from .records import CONTACT_FIELDS, CUSTOMER_FIELDS, new_contact, new_customer, prepay_str
from .state import Record, SandboxState
from .timefmt import fmt

if TYPE_CHECKING:
    from .sandbox import Sandbox

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# -- identity --------------------------------------------------------------------------------
async def me(request: Request) -> Response:
    """Flat (not wrapped in ``user``)."""
    st = sandbox_of(request).state
    grant = grant_of(request)
    u = st.users[grant.user_id]
    return errors.json(
        {
            "user_token": grant.token,
            "user_email": u["email"],
            "user_name": u["full_name"],
            "user_id": u["id"],
            "admin": u["admin"] and grant.can_write,
            "can_use_app": True,
            "two_factor_required": False,
            "subdomain": account.SUBDOMAIN,
            "default_location": None,
            "enable_multi_locations": False,
            "locations_allowed": [],
            "permissions": permissions(grant),
        }
    )


async def list_users(request: Request) -> Response:
    """``[id, name]`` pairs, not objects."""
    st = sandbox_of(request).state
    return errors.json({"users": [[u["id"], u["full_name"]] for u in sorted(st.users.values(), key=lambda u: u["id"])]})


async def get_user(request: Request) -> Response:
    u = errors.found(sandbox_of(request).state.users.get(int(request.path_params["id"])))
    return errors.json({"user": views.user(u)})


def time_offset(sb: Sandbox) -> str:
    """The account zone's UTC offset now, as "-07:00"."""
    text = sb.now().astimezone(sb.zone).strftime("%z")
    return f"{text[:3]}:{text[3:]}"


async def settings(request: Request) -> Response:
    sb = sandbox_of(request)
    return errors.json(
        {
            "customers": {"required_fields": None, "customer_fields": [], "customer_field_answers": []},
            "assets": {
                "asset_types": [dict(at) for at in account.ASSET_TYPES],
                "asset_type_fields": [],
                "asset_type_field_answers": [],
            },
            "locale": {
                "iso_code": "en",
                "currency_symbol": "$",
                "date_format": "mm-dd-yy",
                "time_format": "hh:mm tt",
                "time_zone": sb.time_zone,
                "time_offset": time_offset(sb),
            },
            "ticket": {
                "ticket_types": [dict(tt) for tt in account.TICKET_TYPES],
                "ticket_type_fields": [],
                "ticket_type_field_answers": [],
                "problem_types": list(account.PROBLEM_TYPES),
                "priorities": list(account.PRIORITIES),
            },
            "business_hours_enabled": True,
            "business_hours": [
                {"day": day, "start": "08:00", "end": "17:00", "closed": day in ("Sunday", "Saturday")}
                for day in ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
            ],
            "default_holiday_calendar": "USA",
            "msp_addon": None,
        }
    )


# -- customers -------------------------------------------------------------------------------
def _customer_matches(c: Record, needle: str) -> bool:
    needle = needle.strip().lower()
    fields = [
        c.get("firstname"),
        c.get("lastname"),
        views.fullname(c),
        c.get("business_name"),
        c.get("email"),
        c.get("phone"),
        c.get("mobile"),
    ]
    return any(needle in (f or "").lower() for f in fields)


def _like(value: Any, needle: str) -> bool:
    return needle.strip().lower() in (value or "").lower()


def _customer_list(st: SandboxState, q: dict[str, str]) -> list[Record]:
    items = list(st.customers.values())
    if not as_bool(q.get("include_disabled")):
        items = [c for c in items if not c.get("disabled")]
    if q.get("query"):
        items = [c for c in items if _customer_matches(c, q["query"])]
    for key in ("firstname", "lastname", "business_name", "email"):
        if q.get(key):
            items = [c for c in items if _like(c.get(key), q[key])]
    return sorted(items, key=lambda c: (views.business_then_name(c).lower(), c["id"]))


async def list_customers(request: Request) -> Response:
    st = sandbox_of(request).state
    items = _customer_list(st, query(request))
    page = page_of(request)
    per_page = account.CUSTOMERS_PER_PAGE
    page_items, total_pages = paginate(items, page, per_page)
    return errors.json(
        {
            "customers": [views.customer(st, c) for c in page_items],
            "meta": {"total_pages": total_pages, "total_entries": len(items), "per_page": per_page, "page": page},
        }
    )


async def autocomplete_customers(request: Request) -> Response:
    st = sandbox_of(request).state
    items = _customer_list(st, {"query": query(request).get("query", "")})[:25]
    return errors.json({"customers": [views.customer(st, c) for c in items]})


async def latest_customer(request: Request) -> Response:
    st = sandbox_of(request).state
    if not st.customers:
        return errors.not_found()
    c = max(st.customers.values(), key=lambda r: (r["created_at"], r["id"]))
    return errors.json({"customer": views.customer(st, c)})


async def get_customer(request: Request) -> Response:
    st = sandbox_of(request).state
    c = errors.found(st.customers.get(int(request.path_params["id"])))
    return errors.json({"customer": views.customer(st, c)})


def _customer_errors(data: dict[str, Any], *, creating: bool) -> list[str]:
    problems = []
    if creating and not any(str(data.get(k) or "").strip() for k in ("business_name", "firstname", "lastname")):
        problems.append("Last name or business name required")
    email = data.get("email")
    if email not in (None, "") and not EMAIL_RE.match(str(email)):
        problems += ["Email is not an email", f'Email Only able to parse up to "{email}"']
    return problems


async def create_customer(request: Request) -> Response:
    sb = sandbox_of(request)
    st = sb.state
    data = await body(request)
    problems = _customer_errors(data, creating=True)
    if problems:
        return errors.success_false(problems, params=data)
    now = sb.now()
    new_id = st.next_ids["customers"]
    c = st.insert("customers", new_customer(data, at=now, portal_key=f"sbx{new_id:x}"))
    return errors.json({"customer": views.customer(st, c)})


async def update_customer(request: Request) -> Response:
    sb = sandbox_of(request)
    st = sb.state
    c = errors.found(st.customers.get(int(request.path_params["id"])))
    data = await body(request)
    problems = _customer_errors(data, creating=False)
    if problems:
        return errors.success_false(problems)
    for key in (*CUSTOMER_FIELDS, "get_sms", "opt_out", "no_email", "properties"):
        if key in data:
            c[key] = data[key]
    if "prepay_hours" in data:
        c["prepay_hours"] = prepay_str(data["prepay_hours"])
    c["updated_at"] = fmt(sb.now())
    return errors.json({"customer": views.customer(st, c)})


async def delete_customer(request: Request) -> Response:
    st = sandbox_of(request).state
    c = errors.found(st.customers.get(int(request.path_params["id"])))
    for ct in st.children("contacts", "customer_id", c["id"]):
        del st.contacts[ct["id"]]
    del st.customers[c["id"]]
    return errors.json({"message": "Customer was deleted from the system."})


# -- contacts (flat responses) -----------------------------------------------------------------
async def list_contacts(request: Request) -> Response:
    st = sandbox_of(request).state
    q = query(request)
    items = sorted(st.contacts.values(), key=lambda r: r["id"])
    if "customer_id" in q:
        wanted = as_int(q["customer_id"])
        items = [r for r in items if r.get("customer_id") == wanted]
    page = page_of(request)
    per_page = account.CONTACTS_PER_PAGE
    page_items, total_pages = paginate(items, page, per_page)
    return errors.json(
        {
            "contacts": [views.contact(r) for r in page_items],
            "meta": {"total_pages": total_pages, "total_entries": len(items), "per_page": per_page, "page": page},
        }
    )


def _contact_record_preview(data: dict[str, Any], base: Record | None, customer_id: int | None) -> Record:
    preview: Record = dict(base) if base else {"id": None, "created_at": None, "updated_at": None}
    for key in CONTACT_FIELDS:
        if key in data or base is None:
            preview[key] = data.get(key, preview.get(key))
    preview.setdefault("latitude", None)
    preview.setdefault("longitude", None)
    preview.update(customer_id=customer_id, account_id=1)
    preview.setdefault("vendor_id", None)
    preview.setdefault("properties", {})
    preview.setdefault("opt_out", False)
    preview.setdefault("extension", None)
    return preview


async def create_contact(request: Request) -> Response:
    sb = sandbox_of(request)
    st = sb.state
    data = await body(request)
    customer_id = as_int(data.get("customer_id"))
    if customer_id is None:
        return errors.record_errors(_contact_record_preview(data, None, None), "Customer can't be blank")
    if customer_id not in st.customers:
        return errors.not_found()
    email = data.get("email")
    if email not in (None, "") and not EMAIL_RE.match(str(email)):
        preview = _contact_record_preview(data, None, customer_id)
        preview.update(processed_phone=None, processed_mobile=None)
        return errors.record_errors(preview, "Email is not an email")
    ct = st.insert("contacts", new_contact(data, customer_id=customer_id, at=sb.now()))
    return errors.json(views.contact(ct))


async def get_contact(request: Request) -> Response:
    ct = errors.found(sandbox_of(request).state.contacts.get(int(request.path_params["id"])))
    return errors.json(views.contact(ct))


async def update_contact(request: Request) -> Response:
    sb = sandbox_of(request)
    st = sb.state
    ct = errors.found(st.contacts.get(int(request.path_params["id"])))
    data = await body(request)
    if not str(data.get("name") or "").strip():
        return errors.record_errors(views.contact(ct), "Name can't be blank")
    email = data.get("email")
    if email not in (None, "") and not EMAIL_RE.match(str(email)):
        return errors.record_errors(views.contact(ct), "Email is not an email")
    if "customer_id" in data:
        cid = as_int(data["customer_id"])
        if cid not in st.customers:
            return errors.record_errors(views.contact(ct), "Customer can't be blank")
        ct["customer_id"] = cid
    for key in CONTACT_FIELDS:
        if key in data:
            ct[key] = data[key]
    if data.get("title"):
        ct["properties"] = {**(ct.get("properties") or {}), "title": data["title"]}
    ct["updated_at"] = fmt(sb.now())
    return errors.json(views.contact(ct))


async def delete_contact(request: Request) -> Response:
    st = sandbox_of(request).state
    ct = errors.found(st.contacts.get(int(request.path_params["id"])))
    del st.contacts[ct["id"]]
    return errors.json({"success": True})


# -- products --------------------------------------------------------------------------------
async def list_products(request: Request) -> Response:
    """No ``meta`` in the spec's example; 25 per page."""
    st = sandbox_of(request).state
    q = query(request)
    items = sorted(st.products.values(), key=lambda p: (p["name"].lower(), p["id"]))
    if q.get("query"):
        needle = q["query"].lower()
        items = [
            p
            for p in items
            if needle in p["name"].lower()
            or needle in (p.get("description") or "").lower()
            or any(needle in (s.get("sku") or "").lower() for s in p.get("product_skus") or [])
        ]
    if q.get("name"):
        items = [p for p in items if q["name"].lower() in p["name"].lower()]
    if q.get("sku"):
        items = [p for p in items if any(s.get("sku") == q["sku"] for s in p.get("product_skus") or [])]
    ids = [as_int(v) for k, v in request.query_params.multi_items() if k in ("id", "id[]")]
    if ids:
        items = [p for p in items if p["id"] in ids]
    page_items, _ = paginate(items, page_of(request), account.PAGE_SIZE)
    return errors.json({"products": [views.product(p) for p in page_items]})


async def get_product(request: Request) -> Response:
    p = errors.found(sandbox_of(request).state.products.get(int(request.path_params["id"])))
    return errors.json({"product": views.product(p)})


# -- search ----------------------------------------------------------------------------------
def _hit(kind: str, index: str, rec_id: int, source: dict[str, Any]) -> dict[str, Any]:
    return {"table": {"_id": rec_id, "_type": kind, "_index": index, "_source": {"table": source}}}


async def search(request: Request) -> Response:
    """Global search in the spec's elasticsearch-ish shape: customers, tickets, invoices."""
    st = sandbox_of(request).state
    needle = (query(request).get("query") or "").strip()
    results: list[dict[str, Any]] = []
    if needle:
        for c in _customer_list(st, {"query": needle}):
            results.append(
                _hit(
                    "customer",
                    "customers",
                    c["id"],
                    {
                        "firstname": c.get("firstname"),
                        "lastname": c.get("lastname"),
                        "email": c.get("email"),
                        "business_name": c.get("business_name"),
                        "phones": [],
                    },
                )
            )
        low = needle.lower().lstrip("#")
        for t in sorted(st.tickets.values(), key=lambda r: r["number"], reverse=True):
            cust = st.customers.get(t["customer_id"])
            if low in t["subject"].lower() or low == str(t["number"]):
                results.append(
                    _hit(
                        "ticket",
                        "tickets",
                        t["id"],
                        {
                            "number": t["number"],
                            "subject": t["subject"],
                            "status": t["status"],
                            "customer_business_then_name": views.business_then_name(cust) if cust else None,
                        },
                    )
                )
        for inv in st.invoices.values():
            if low == inv["number"]:
                results.append(_hit("invoice", "invoices", inv["id"], {"number": inv["number"], "total": inv["total"]}))
    return errors.json({"quick_result": None, "results": results[:50], "error": None})


ROUTES = [
    Route("/me", me, methods=["GET"]),
    Route("/users", list_users, methods=["GET"]),
    Route("/users/{id:int}", get_user, methods=["GET"]),
    Route("/settings", settings, methods=["GET"]),
    Route("/customers", list_customers, methods=["GET"]),
    Route("/customers", create_customer, methods=["POST"]),
    Route("/customers/autocomplete", autocomplete_customers, methods=["GET"]),
    Route("/customers/latest", latest_customer, methods=["GET"]),
    Route("/customers/{id:int}", get_customer, methods=["GET"]),
    Route("/customers/{id:int}", update_customer, methods=["PUT"]),
    Route("/customers/{id:int}", delete_customer, methods=["DELETE"]),
    Route("/contacts", list_contacts, methods=["GET"]),
    Route("/contacts", create_contact, methods=["POST"]),
    Route("/contacts/{id:int}", get_contact, methods=["GET"]),
    Route("/contacts/{id:int}", update_contact, methods=["PUT"]),
    Route("/contacts/{id:int}", delete_contact, methods=["DELETE"]),
    Route("/products", list_products, methods=["GET"]),
    Route("/products/{id:int}", get_product, methods=["GET"]),
    Route("/search", search, methods=["GET"]),
]
