"""Appointments: GET/POST /appointments, GET/PUT/DELETE /appointments/{id} (spec; docs/syncro-facts.md#field-reports).

Spec shapes followed: list items are each wrapped, ``{"appointments": [{"appointment": {…}}]}``;
POST and PUT answer ``{"appointment": …}``; the 422 carries ``success``, ``error`` and
``message`` (one comma-joined string) and ``params``. Where the spec and docs/syncro-facts.md differ:

* POST is documented as **201**; docs/syncro-facts.md#creates-answer-200 says creates answer 200,
  so the sandbox answers 200.
* GET /appointments/{id} is documented only by a schema without a wrapper key (like GET
  /invoices/{id}, docs/syncro-facts.md#invoices "handle both"): wrapped by default, flat with
  ``Sandbox(appointment_detail_wrapped=False)``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import account, errors, views
from .params import as_bool, as_int, body, grant_of, page_of, paginate, query, sandbox_of
from .records import new_appointment
from .state import Record
from .timefmt import TimeParseError, fmt, parse, parse_stored

APPOINTMENT_WRITABLE = (
    "summary",
    "description",
    "customer_id",
    "ticket_id",
    "location",
    "all_day",
    "do_not_email",
    "user_id",
    "user_ids",
    "appointment_type_id",
    "email_customer",
)


def _invalid(messages: list[str], params: dict[str, Any]) -> Response:
    text = ",".join(messages)
    return errors.json({"success": False, "error": text, "message": text, "params": params}, 422)


Span = tuple[datetime | None, datetime | None]


def _times(data: dict[str, Any], start: datetime | None, end: datetime | None) -> Span:
    """start_at/end_at from the body; ``appointment_duration`` (minutes) fills a missing end_at.

    On update, a new start_at without end_at or duration moves the end with it (the length is
    kept). Unverified against Syncro; it keeps a moved appointment valid (end after start).
    """
    old_start = start
    if data.get("start_at"):
        start = parse(data["start_at"])
    if data.get("end_at"):
        end = parse(data["end_at"])
    elif start is not None and as_int(data.get("appointment_duration")):
        end = start + timedelta(minutes=as_int(data["appointment_duration"]) or 0)
    elif end is not None and old_start is not None and start is not None:
        end = end + (start - old_start)
    return start, end


def _ints(fields: dict[str, Any]) -> None:
    for key in ("customer_id", "ticket_id", "user_id", "appointment_type_id"):
        if key in fields:
            fields[key] = as_int(fields[key])
    for key in ("all_day", "email_customer", "do_not_email"):
        if key in fields:
            fields[key] = as_bool(fields[key])


async def list_appointments(request: Request) -> Response:
    """date_from / date_to: appointments starting after / before the date (spec); mine; page."""
    sb = sandbox_of(request)
    st = sb.state
    q = query(request)
    items = sorted(st.appointments.values(), key=lambda a: (parse(a["start_at"]), a["id"]))
    # Unverified how Syncro bounds these; the sandbox takes a date-only date_to as the whole day
    # (Rails' usual beginning_of_day..end_of_day), so date_from=D&date_to=D is the day D.
    for key, after in (("date_from", True), ("date_to", False)):
        if q.get(key):
            try:
                bound = parse(q[key])
            except TimeParseError:
                continue
            if not after and len(q[key].strip()) == 10:
                bound += timedelta(days=1)
            items = [a for a in items if (parse(a["start_at"]) >= bound) == after]
    if as_bool(q.get("mine")):
        me = grant_of(request).user_id
        items = [a for a in items if a.get("user_id") == me or me in (a.get("user_ids") or [])]
    page = page_of(request)
    page_items, total_pages = paginate(items, page, account.PAGE_SIZE)
    return errors.json(
        {
            "appointments": [{"appointment": views.appointment(st, a)} for a in page_items],
            # The spec's example has no meta; the sandbox adds the tickets-style one so pages can be walked.
            "meta": {"total_pages": total_pages, "page": page},
        }
    )


def _appointment(request: Request) -> Record:
    st = sandbox_of(request).state
    return errors.found(st.appointments.get(int(request.path_params["id"])))


async def get_appointment(request: Request) -> Response:
    sb = sandbox_of(request)
    out = views.appointment(sb.state, _appointment(request))
    return errors.json({"appointment": out} if sb.appointment_detail_wrapped else out)


async def create_appointment(request: Request) -> Response:
    sb = sandbox_of(request)
    st = sb.state
    data = await body(request)
    try:
        start, end = _times(data, None, None)
    except TimeParseError:
        start, end = None, None
    problems = []
    if not str(data.get("summary") or "").strip():
        problems.append("Summary can't be blank")
    if start is None:
        problems.append("Start at can't be blank")
    if end is None:
        problems.append("End at can't be blank")
    if problems:
        return _invalid(problems, data)
    assert start is not None and end is not None
    if "customer_id" in data and as_int(data["customer_id"]) not in st.customers:
        return _invalid(["Customer must exist"], data)
    fields = {k: data[k] for k in APPOINTMENT_WRITABLE if k in data}
    _ints(fields)
    if fields.get("ticket_id") and not fields.get("customer_id"):
        t = st.tickets.get(fields["ticket_id"])
        fields["customer_id"] = t["customer_id"] if t else None
    fields.setdefault("user_id", grant_of(request).user_id)
    a = st.insert("appointments", new_appointment(fields, start=start, end=end, at=sb.now()))
    # 200, not the spec's 201: docs/syncro-facts.md#creates-answer-200
    return errors.json({"appointment": views.appointment(st, a)})


async def update_appointment(request: Request) -> Response:
    """Only the fields sent change (start_at is "required" in the spec but not enforced, as PUT
    /tickets is partial in practice, docs/syncro-facts.md#tickets)."""
    sb = sandbox_of(request)
    st = sb.state
    a = _appointment(request)
    data = await body(request)
    if "summary" in data and not str(data.get("summary") or "").strip():
        return _invalid(["Summary can't be blank"], data)
    try:
        start, end = _times(data, parse_stored(a["start_at"]), parse_stored(a["end_at"]))
    except TimeParseError:
        return _invalid(["Start at can't be blank"], data)
    if start is not None and end is not None and end < start:
        return _invalid(["End at must be after start at"], data)
    fields = {k: data[k] for k in APPOINTMENT_WRITABLE if k in data}
    _ints(fields)
    if "do_not_email" in fields:
        fields["do_not_email"] = "1" if fields["do_not_email"] else "0"
    a.update(fields)
    a["start_at"], a["end_at"] = fmt(start), fmt(end)
    a["updated_at"] = fmt(sb.now())
    return errors.json({"appointment": views.appointment(st, a)})


async def delete_appointment(request: Request) -> Response:
    """200 with no documented body; the sandbox answers ``{"success": true}``."""
    st = sandbox_of(request).state
    a = _appointment(request)
    del st.appointments[a["id"]]
    return errors.json({"success": True})


ROUTES = [
    Route("/appointments", list_appointments, methods=["GET"]),
    Route("/appointments", create_appointment, methods=["POST"]),
    Route("/appointments/{id:int}", get_appointment, methods=["GET"]),
    Route("/appointments/{id:int}", update_appointment, methods=["PUT"]),
    Route("/appointments/{id:int}", delete_appointment, methods=["DELETE"]),
]
