"""Ticket endpoints: tickets, comments, timers, ticket line items, ticket settings."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import account, billing, errors, views
from .money import cents, dec_str, to_decimal
from .params import as_bool, as_int, body, grant_of, page_of, paginate, query, sandbox_of
from .records import new_comment, new_ticket, new_ticket_line_item, new_timer
from .state import Record, SandboxState
from .timefmt import TimeParseError, fmt, parse, parse_stored

TICKET_WRITABLE = (
    "subject",
    "customer_id",
    "contact_id",
    "user_id",
    "ticket_type_id",
    "due_date",
    "start_at",
    "end_at",
    "location_id",
    "problem_type",
    "status",
    "priority",
    "sla_id",
    "tag_list",
    "properties",
    "asset_ids",
    "signature_name",
)
IGNORED_COMMENT_FIELDS = ("minutes_spent", "product_id", "bill_time_now")


def _ticket(st: SandboxState, request: Request) -> Record | None:
    return st.tickets.get(int(request.path_params["id"]))


def _newest_first(tickets: list[Record]) -> list[Record]:
    return sorted(tickets, key=lambda t: (parse_stored(t["created_at"]), t["id"]), reverse=True)


def _matches_query(st: SandboxState, t: Record, text: str) -> bool:
    needle = text.strip().lower().lstrip("#")
    if not needle:
        return True
    cust = st.customers.get(t["customer_id"])
    haystack = [t["subject"], str(t["number"])]
    if cust:
        haystack += [views.business_then_name(cust), views.fullname(cust), cust.get("email") or ""]
    return any(needle in (h or "").lower() for h in haystack)


# -- tickets ---------------------------------------------------------------------------------
async def list_tickets(request: Request) -> Response:
    sb = sandbox_of(request)
    st = sb.state
    q = query(request)
    items = list(st.tickets.values())
    status = q.get("status")
    if status:
        if status == "Not Closed":
            items = [t for t in items if t["status"] not in account.CLOSED_STATUSES]
        else:
            items = [t for t in items if t["status"] == status]
    for key in ("customer_id", "contact_id", "user_id"):
        if key in q:
            wanted = as_int(q[key])
            items = [t for t in items if t.get(key) == wanted]
    if q.get("number"):
        items = [t for t in items if str(t["number"]) == q["number"].strip().lstrip("#")]
    if as_bool(q.get("mine")):
        me = grant_of(request).user_id
        items = [t for t in items if t.get("user_id") == me]
    if q.get("query"):
        items = [t for t in items if _matches_query(st, t, q["query"])]
    for key, field in (
        ("created_after", "created_at"),
        ("since_updated_at", "updated_at"),
        ("resolved_after", "resolved_at"),
    ):
        if q.get(key):
            try:
                bound = parse(q[key])
            except TimeParseError:
                continue
            items = [t for t in items if t.get(field) and parse(t[field]) > bound]
    page_items, total_pages = paginate(_newest_first(items), page_of(request), account.PAGE_SIZE)
    all_comments = bool(as_bool(q.get("all_comments")))
    return errors.json(
        {
            "tickets": [views.ticket_summary(st, t, all_comments=all_comments) for t in page_items],
            "meta": {"total_pages": total_pages, "page": page_of(request)},
        }
    )


async def get_ticket(request: Request) -> Response:
    st = sandbox_of(request).state
    t = errors.found(_ticket(st, request))
    return errors.json({"ticket": views.ticket_detail(st, t)})


def _status_error(status: Any) -> Response | None:
    if status is None or status in account.TICKET_STATUSES:
        return None
    valid = ", ".join(account.TICKET_STATUSES)
    return errors.success_false([f"Status is not valid. '{status}' is not one of: {valid}"])


def _normalise_times(fields: dict[str, Any]) -> None:
    for key in ("due_date", "start_at", "end_at"):
        if fields.get(key):
            try:
                fields[key] = fmt(parse(fields[key]))
            except TimeParseError:
                fields[key] = None


async def create_ticket(request: Request) -> Response:
    sb = sandbox_of(request)
    st = sb.state
    data = await body(request)
    customer_id = as_int(data.get("customer_id"))
    if customer_id is None or customer_id not in st.customers:
        return errors.error_string("Customer required field")
    if not str(data.get("subject") or "").strip():
        return errors.success_false(["Subject can't be blank"])
    bad = _status_error(data.get("status"))
    if bad is not None:
        return bad
    now = sb.now()
    fields = {k: data[k] for k in TICKET_WRITABLE if k in data}
    fields["customer_id"] = customer_id
    for key in ("contact_id", "user_id", "ticket_type_id", "location_id", "sla_id"):
        if key in fields:
            fields[key] = as_int(fields[key])
    _normalise_times(fields)
    me = st.users.get(grant_of(request).user_id)
    fields["_creator"] = me["email"] if me else None
    number = as_int(data.get("number")) or st.take_ticket_number()
    t = st.insert("tickets", new_ticket(fields, number=number, at=now))
    if t["status"] in account.RESOLVING_STATUSES:
        t["resolved_at"] = fmt(now)
    # comments_attributes carries the initial description; API-made comments have no user/tech.
    for attrs in data.get("comments_attributes") or []:
        if not isinstance(attrs, dict):
            continue
        st.insert(
            "comments",
            new_comment(
                ticket_id=t["id"],
                subject=str(attrs.get("subject") or "Initial Issue"),
                body=str(attrs.get("body") or ""),
                hidden=bool(as_bool(attrs.get("hidden"))),
                tech=attrs.get("tech"),
                user_id=None,
                at=now,
            ),
        )
    return errors.json({"ticket": views.ticket_detail(st, t)})


async def update_ticket(request: Request) -> Response:
    sb = sandbox_of(request)
    st = sb.state
    t = errors.found(_ticket(st, request))
    data = await body(request)
    if "subject" in data and not str(data.get("subject") or "").strip():
        return errors.success_false(["Subject can't be blank"])
    bad = _status_error(data.get("status"))
    if bad is not None:
        return bad
    if "customer_id" in data and as_int(data["customer_id"]) not in st.customers:
        return errors.success_false(["Customer can't be blank"])
    fields = {k: data[k] for k in TICKET_WRITABLE if k in data}
    for key in ("customer_id", "contact_id", "user_id", "ticket_type_id", "location_id", "sla_id"):
        if key in fields:
            fields[key] = as_int(fields[key])
    _normalise_times(fields)
    now = sb.now()
    old_status = t["status"]
    t.update(fields)
    if t["status"] != old_status:
        t["resolved_at"] = fmt(now) if t["status"] in account.RESOLVING_STATUSES else t.get("resolved_at")
    t["updated_at"] = fmt(now)
    return errors.json({"ticket": views.ticket_detail(st, t)})


async def delete_ticket(request: Request) -> Response:
    st = sandbox_of(request).state
    t = errors.found(_ticket(st, request))
    for table in ("comments", "timers", "ticket_line_items"):
        for rec in st.children(table, "ticket_id", t["id"]):
            del st.tables[table][rec["id"]]
    del st.tickets[t["id"]]
    return errors.json({"message": "Ticket was successfully deleted. "})


async def ticket_settings(request: Request) -> Response:
    st = sandbox_of(request).state
    return errors.json(
        {
            "ticket_status_list": list(account.TICKET_STATUSES),
            "default_labor_product_id": account.DEFAULT_LABOR_PRODUCT_ID,
            "ticket_timer_charge_by_default": False,
            "saved_searches": [],
            "ticket_types": [dict(tt) for tt in account.TICKET_TYPES],
            "ticket_type_fields": [],
            "ticket_type_field_answers": [],
            "appointment_types": [],
            "users": [
                {"id": u["id"], "name": u["full_name"]} for u in sorted(st.users.values(), key=lambda u: u["id"])
            ],
            "dashboard_settings": None,
            "worksheet_templates": [],
            "require_ticket_type": False,
            "require_intake_form_with_ticket": False,
            "require_outtake_form_with_ticket": False,
            "ticket_workflow_default_id": None,
        }
    )


# -- comments --------------------------------------------------------------------------------
async def list_comments(request: Request) -> Response:
    st = sandbox_of(request).state
    t = errors.found(_ticket(st, request))
    q = query(request)
    per_page = as_int(q.get("per_page")) or account.COMMENTS_PER_PAGE
    per_page = max(1, min(per_page, 100))
    sort_by = q.get("sort_by") if q.get("sort_by") in ("created_at", "updated_at") else "created_at"
    descending = (q.get("sort_direction") or "DESC").upper() != "ASC"
    items = sorted(
        st.children("comments", "ticket_id", t["id"]),
        key=lambda c: (parse(c[sort_by]), c["id"]),
        reverse=descending,
    )
    for key, field, after in (
        ("created_after", "created_at", True),
        ("created_before", "created_at", False),
        ("updated_after", "updated_at", True),
        ("updated_before", "updated_at", False),
    ):
        if q.get(key):
            try:
                bound = parse(q[key])
            except TimeParseError:
                continue
            items = [c for c in items if (parse(c[field]) > bound) == after]
    page = page_of(request)
    page_items, total_pages = paginate(items, page, per_page)
    return errors.json(
        {
            "comments": [views.comment(st, c, detailed=True) for c in page_items],
            "meta": {"total_pages": total_pages, "page": page, "per_page": per_page},
        }
    )


async def add_comment(request: Request) -> Response:
    sb = sandbox_of(request)
    st = sb.state
    t = errors.found(_ticket(st, request))
    data = await body(request)
    missing = []
    if not str(data.get("body") or "").strip():
        missing.append("Body can't be blank")
    if not str(data.get("subject") or "").strip():
        missing.append("Subject can't be blank")
    if missing:
        return errors.success_false(missing)
    # minutes_spent / product_id / bill_time_now are accepted and silently dropped, as Syncro does.
    for key in IGNORED_COMMENT_FIELDS:
        data.pop(key, None)
    now = sb.now()
    me = st.users.get(grant_of(request).user_id)
    cm = st.insert(
        "comments",
        new_comment(
            ticket_id=t["id"],
            subject=str(data["subject"]),
            body=str(data["body"]),
            hidden=bool(as_bool(data.get("hidden"))),
            tech=data.get("tech") or (me["full_name"] if me else None),
            user_id=me["id"] if me else None,
            at=now,
        ),
    )
    t["updated_at"] = fmt(now)
    return errors.json({"comment": views.comment(st, cm)})


# -- timers ----------------------------------------------------------------------------------
def _timer_on(st: SandboxState, t: Record, timer_id: Any) -> Record | None:
    tm = st.timers.get(as_int(timer_id) or -1)
    return tm if tm is not None and tm["ticket_id"] == t["id"] else None


def _line_on(st: SandboxState, t: Record, line_id: Any) -> Record | None:
    li = st.ticket_line_items.get(as_int(line_id) or -1)
    return li if li is not None and li["ticket_id"] == t["id"] else None


async def add_timer_entry(request: Request) -> Response:
    sb = sandbox_of(request)
    st = sb.state
    t = errors.found(_ticket(st, request))
    data = await body(request)
    if data.get("start_at") in (None, ""):
        return errors.error_string("no implicit conversion of nil into String")
    try:
        start = parse(data["start_at"])
        end: datetime | None = parse(data["end_at"]) if data.get("end_at") else None
    except TimeParseError as exc:
        return errors.error_string(str(exc))
    minutes = as_int(data.get("duration_minutes"))
    if end is None and minutes is not None:
        end = start + timedelta(minutes=minutes)
    product_id = as_int(data.get("product_id")) or account.DEFAULT_LABOR_PRODUCT_ID
    # docs/syncro-facts.md#field-reports: real Syncro silently ignores billable=false here
    # (Sandbox(timer_entry_ignores_billable=True)).
    billable = None if sb.timer_entry_ignores_billable else as_bool(data.get("billable"))
    now = sb.now()
    tm = st.insert(
        "timers",
        new_timer(
            ticket_id=t["id"],
            user_id=as_int(data.get("user_id")) or grant_of(request).user_id,
            start=start,
            end=end,
            billable=True if billable is None else billable,
            notes=data.get("notes"),
            product_id=product_id,
            at=now,
        ),
    )
    t["updated_at"] = fmt(now)
    return errors.json(views.timer(tm))


async def update_timer_entry(request: Request) -> Response:
    sb = sandbox_of(request)
    st = sb.state
    t = errors.found(_ticket(st, request))
    data = await body(request)
    tm = errors.found(_timer_on(st, t, data.get("timer_entry_id")))
    try:
        start = parse(data["start_at"]) if data.get("start_at") else parse_stored(tm["start_time"])
        end = parse(data["end_at"]) if data.get("end_at") else parse_stored(tm["end_time"])
    except TimeParseError as exc:
        return errors.error_string(str(exc))
    # Observed quirk: duration_minutes is accepted but does not move end_time/active_duration.
    tm["start_time"], tm["end_time"] = fmt(start), fmt(end)
    if start is not None and end is not None:
        tm["active_duration"] = int((end - start).total_seconds())
    for key in ("notes",):
        if key in data:
            tm[key] = data[key]
    for key in ("product_id", "user_id"):
        if key in data and as_int(data[key]) is not None:
            tm[key] = as_int(data[key])
    if "billable" in data and as_bool(data["billable"]) is not None:
        tm["billable"] = as_bool(data["billable"])
    tm["billable_time"] = (tm["active_duration"] or 0) if tm["billable"] else 0
    tm["updated_at"] = fmt(sb.now())
    return errors.json(views.timer(tm))


async def delete_timer_entry(request: Request) -> Response:
    st = sandbox_of(request).state
    t = errors.found(_ticket(st, request))
    data = await body(request)
    tm = errors.found(_timer_on(st, t, data.get("timer_entry_id")))
    del st.timers[tm["id"]]
    return errors.json({"success": True})


async def charge_timer_entry(request: Request) -> Response:
    sb = sandbox_of(request)
    st = sb.state
    t = errors.found(_ticket(st, request))
    data = await body(request)
    tm = errors.found(_timer_on(st, t, data.get("timer_entry_id")))
    billing.charge_timer(
        st, tm, now=sb.now(), default_product=sb.charge_uses_default_product, rounding=sb.labor_rounding
    )
    return errors.json(views.timer(tm))


async def list_ticket_timers(request: Request) -> Response:
    """Oldest first, no ticket/user filter (a ``ticket_id`` param is ignored, as the spec has none)."""
    st = sandbox_of(request).state
    q = query(request)
    items = sorted(st.timers.values(), key=lambda r: (parse(r["created_at"]), r["id"]))
    for key, after in (("created_at_gt", True), ("created_at_lt", False)):
        if q.get(key):
            try:
                bound = parse(q[key])
            except TimeParseError:
                continue
            items = [r for r in items if (parse(r["created_at"]) > bound) == after]
    page = page_of(request)
    page_items, total_pages = paginate(items, page, account.PAGE_SIZE)
    return errors.json(
        {"ticket_timers": [views.timer(r) for r in page_items], "meta": {"total_pages": total_pages, "page": page}}
    )


async def patch_ticket_timer(request: Request) -> Response:
    sb = sandbox_of(request)
    st = sb.state
    tm = errors.found(st.timers.get(int(request.path_params["id"])))
    data = await body(request)
    billable = as_bool(data.get("billable")) if data.get("billable") not in (None, "") else None
    if billable is None:
        return errors.errors_list(["billable must be true or false"])
    tm["billable"] = billable
    tm["billable_time"] = (tm["active_duration"] or 0) if billable else 0
    tm["updated_at"] = fmt(sb.now())
    out = views.timer(tm)
    out["since_updated_at"] = tm["updated_at"]
    return errors.json({"ticket_timer": out})


# -- ticket line items -----------------------------------------------------------------------
def _line_fields(data: dict[str, Any], li: Record) -> None:
    for key in ("name", "description", "upc_code"):
        if key in data:
            li[key] = data[key]
    if "product_id" in data:
        li["product_id"] = as_int(data["product_id"])
    if "quantity" in data:
        li["quantity"] = dec_str(to_decimal(data["quantity"], Decimal(1)) or Decimal(1))
    if "price_cost" in data:
        li["cost_cents"] = cents(to_decimal(data["price_cost"], Decimal(0)))
    if "price_retail" in data:
        li["retail_cents"] = cents(to_decimal(data["price_retail"], Decimal(0)))
    if "taxable" in data and as_bool(data["taxable"]) is not None:
        li["taxable"] = as_bool(data["taxable"])


async def add_line_item(request: Request) -> Response:
    """Ticket lines do NOT fill from the catalogue: name and description are always required."""
    sb = sandbox_of(request)
    st = sb.state
    t = errors.found(_ticket(st, request))
    data = await body(request)
    missing = [
        f"{label} can't be blank"
        for key, label in (("name", "Name"), ("description", "Description"))
        if not str(data.get(key) or "").strip()
    ]
    if missing:
        return errors.errors_string(", ".join(missing))
    now = sb.now()
    li = new_ticket_line_item(
        ticket_id=t["id"],
        user_id=grant_of(request).user_id,
        product_id=as_int(data.get("product_id")),
        name=str(data["name"]),
        description=str(data["description"]),
        quantity=to_decimal(data.get("quantity"), Decimal(1)) or Decimal(1),
        price_cost=to_decimal(data.get("price_cost")),
        price_retail=to_decimal(data.get("price_retail"), Decimal(0)),
        taxable=bool(as_bool(data.get("taxable"))) if data.get("taxable") is not None else True,
        upc_code=data.get("upc_code"),
        product_category=None,
        position=billing.next_position(st.children("ticket_line_items", "ticket_id", t["id"])),
        at=now,
    )
    st.insert("ticket_line_items", li)
    t["updated_at"] = fmt(now)
    return errors.json(views.ticket_line_item(li))


async def update_line_item(request: Request) -> Response:
    sb = sandbox_of(request)
    st = sb.state
    t = errors.found(_ticket(st, request))
    data = await body(request)
    li = errors.found(_line_on(st, t, data.get("ticket_line_item_id")))
    _line_fields(data, li)
    li["updated_at"] = fmt(sb.now())
    return errors.json({"ticket_line_item": views.ticket_line_item(li)})


async def remove_line_item(request: Request) -> Response:
    st = sandbox_of(request).state
    t = errors.found(_ticket(st, request))
    data = await body(request)
    li = errors.found(_line_on(st, t, data.get("ticket_line_item_id")))
    del st.ticket_line_items[li["id"]]
    return errors.json({"success": True, "message": ""})


ROUTES = [
    Route("/tickets", list_tickets, methods=["GET"]),
    Route("/tickets", create_ticket, methods=["POST"]),
    Route("/tickets/settings", ticket_settings, methods=["GET"]),
    Route("/tickets/{id:int}", get_ticket, methods=["GET"]),
    Route("/tickets/{id:int}", update_ticket, methods=["PUT", "PATCH"]),
    Route("/tickets/{id:int}", delete_ticket, methods=["DELETE"]),
    Route("/tickets/{id:int}/comments", list_comments, methods=["GET"]),
    Route("/tickets/{id:int}/comment", add_comment, methods=["POST"]),
    Route("/tickets/{id:int}/timer_entry", add_timer_entry, methods=["POST"]),
    Route("/tickets/{id:int}/update_timer_entry", update_timer_entry, methods=["PUT"]),
    Route("/tickets/{id:int}/delete_timer_entry", delete_timer_entry, methods=["POST"]),
    Route("/tickets/{id:int}/charge_timer_entry", charge_timer_entry, methods=["POST"]),
    Route("/tickets/{id:int}/add_line_item", add_line_item, methods=["POST"]),
    Route("/tickets/{id:int}/update_line_item", update_line_item, methods=["PUT"]),
    Route("/tickets/{id:int}/remove_line_item", remove_line_item, methods=["POST"]),
    Route("/ticket_timers", list_ticket_timers, methods=["GET"]),
    Route("/ticket_timers/{id:int}", patch_ticket_timer, methods=["PATCH"]),
]
