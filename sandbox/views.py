"""Render stored records into the exact JSON Syncro returns for each endpoint.

Stored records hold the persistent fields; views add the computed ones (names, nested
objects, the many always-null keys the spec's examples carry) so every response has the
spec example's full key set.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from . import account
from .money import dec_str, dollars_number, money, to_decimal
from .state import Record, SandboxState
from .timefmt import parse_stored

JSON = dict[str, Any]


def public(record: Record) -> JSON:
    """Drop sandbox bookkeeping keys (leading underscore)."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


# -- people ----------------------------------------------------------------------------------
def user(u: Record | None) -> JSON | None:
    if u is None:
        return None
    keys = ("id", "email", "full_name", "created_at", "updated_at", "group", "admin", "color")
    return {k: u.get(k) for k in keys}


def fullname(c: Record) -> str:
    return " ".join(p for p in (c.get("firstname"), c.get("lastname")) if p)


def business_then_name(c: Record) -> str:
    return c.get("business_name") or fullname(c)


def contact(ct: Record) -> JSON:
    return public(ct)


def customer(st: SandboxState, c: Record, *, with_contacts: bool = True) -> JSON:
    body = public(c)
    name = fullname(c)
    business = c.get("business_name")
    body["fullname"] = name
    body["business_then_name"] = business or name
    body["business_and_full_name"] = f"{business} - {name}" if business and name else (business or name)
    if with_contacts:
        body["contacts"] = [contact(ct) for ct in _sorted(st.children("contacts", "customer_id", c["id"]))]
    return body


def product(p: Record) -> JSON:
    return public(p)


# -- tickets ---------------------------------------------------------------------------------
def comment(st: SandboxState, cm: Record, *, detailed: bool = False) -> JSON:
    body = {
        k: cm.get(k)
        for k in ("id", "created_at", "updated_at", "ticket_id", "subject", "body", "tech", "hidden", "user_id")
    }
    if detailed:
        body["is_rich_text"] = False
        body["user"] = user(st.users.get(cm["user_id"])) if cm.get("user_id") else None
    return body


def timer(t: Record) -> JSON:
    return public(t)


def ticket_line_item(li: Record) -> JSON:
    body = public(li)
    body["price_cost"] = dollars_number(Decimal(li["cost_cents"] or 0) / 100)
    body["price_retail"] = dollars_number(Decimal(li["retail_cents"] or 0) / 100)
    return body


def comments_newest_first(st: SandboxState, ticket_id: int) -> list[Record]:
    return sorted(
        st.children("comments", "ticket_id", ticket_id),
        key=lambda c: (parse_stored(c["created_at"]), c["id"]),
        reverse=True,
    )


def formatted_billable_time(st: SandboxState, ticket_id: int) -> str | None:
    """Human-readable total of billable timer time, e.g. "1h 30m"; null when none."""
    seconds = sum(
        t.get("active_duration") or 0 for t in st.children("timers", "ticket_id", ticket_id) if t.get("billable")
    )
    if not seconds:
        return None
    hours, rem = divmod(int(seconds) // 60, 60)
    return f"{hours}h {rem}m" if hours else f"{rem}m"


def _ticket_type(ticket_type_id: int | None) -> JSON | None:
    return next((dict(tt) for tt in account.TICKET_TYPES if tt["id"] == ticket_type_id), None)


def _contact_name(st: SandboxState, contact_id: int | None) -> str | None:
    ct = st.contacts.get(contact_id) if contact_id else None
    return ct["name"] if ct else None


def _ticket_head(t: Record, cust: Record | None) -> JSON:
    """The fields a ticket's list entry and its detail open with, in Syncro's order."""
    return {
        "id": t["id"],
        "number": t["number"],
        "subject": t["subject"],
        "created_at": t["created_at"],
        "customer_id": t["customer_id"],
        "customer_business_then_name": business_then_name(cust) if cust else None,
    }


def ticket_summary(st: SandboxState, t: Record, *, all_comments: bool = False) -> JSON:
    """One entry of GET /tickets (docs/syncro-facts.md#tickets)."""
    cust = st.customers.get(t["customer_id"])
    tt = _ticket_type(t.get("ticket_type_id"))
    newest_first = comments_newest_first(st, t["id"])
    # all_comments defaults to false since 2026-03-11: the list carries only the first comment.
    shown = newest_first if all_comments else newest_first[-1:]
    return {
        **_ticket_head(t, cust),
        "due_date": t.get("due_date"),
        "resolved_at": t.get("resolved_at"),
        "start_at": t.get("start_at"),
        "end_at": t.get("end_at"),
        "location_id": t.get("location_id"),
        "location_name": None,
        "problem_type": t.get("problem_type"),
        "status": t["status"],
        "ticket_type_id": t.get("ticket_type_id"),
        "ticket_type_name": tt["name"] if tt else None,
        "properties": t.get("properties") or {},
        "user_id": t.get("user_id"),
        "updated_at": t["updated_at"],
        "pdf_url": None,
        "priority": t.get("priority"),
        "billing_status": None,
        "tag_list": list(t.get("tag_list") or []),
        "sla_name": None,
        "creator_name_or_email": t.get("_creator"),
        "contact_fullname": _contact_name(st, t.get("contact_id")),
        "contract_name": None,
        "address_id": None,
        "parent": False,
        "parent_id": None,
        "child": False,
        "recurring": False,
        "customer_reply": bool(t.get("customer_reply")),  # docs/syncro-facts.md#tickets
        "total_formatted_billable_time": formatted_billable_time(st, t["id"]),
        "contact_id": t.get("contact_id"),
        "sla_breached": False,
        "sla_breaching_soon": False,
        "contract_id": None,
        "sla_id": t.get("sla_id"),
        "customer_tag_list": [],
        "resolution_time": None,
        "response_time": None,
        "customer_icons": [],
        "comments": [comment(st, c) for c in shown],
        "user": user(st.users.get(t["user_id"])) if t.get("user_id") else None,
    }


def ticket_detail(st: SandboxState, t: Record) -> JSON:
    """GET /tickets/{id} (TicketDetail): nested customer, contact, user, timers, line items."""
    cust = st.customers.get(t["customer_id"])
    ct = st.contacts.get(t["contact_id"]) if t.get("contact_id") else None
    timers = sorted(st.children("timers", "ticket_id", t["id"]), key=lambda r: (r["start_time"], r["id"]))
    lines = sorted(st.children("ticket_line_items", "ticket_id", t["id"]), key=lambda r: (r["position"], r["id"]))
    tt = _ticket_type(t.get("ticket_type_id"))
    if tt is not None:
        tt.update(
            account_id=1,
            created_at=None,
            updated_at=None,
            intake_terms=None,
            skip_intake=False,
            outtake_terms=None,
            skip_outtake=False,
            ticket_fields=[],
        )
    return {
        **_ticket_head(t, cust),
        "contact_id": t.get("contact_id"),
        "due_date": t.get("due_date"),
        "start_at": t.get("start_at"),
        "end_at": t.get("end_at"),
        "location_id": t.get("location_id"),
        "problem_type": t.get("problem_type"),
        "status": t["status"],
        "properties": t.get("properties") or {},
        "user_id": t.get("user_id"),
        "updated_at": t["updated_at"],
        "pdf_url": None,
        "intake_form_html": None,
        "signature_name": t.get("signature_name"),
        "signature_date": None,
        "asset_ids": list(t.get("asset_ids") or []),
        "priority": t.get("priority"),
        "resolved_at": t.get("resolved_at"),
        "outtake_form_name": None,
        "outtake_form_date": None,
        "outtake_form_html": None,
        "total_formatted_billable_time": formatted_billable_time(st, t["id"]),
        "comments": [comment(st, c) for c in comments_newest_first(st, t["id"])],
        "attachments": [],
        "ticket_timers": [timer(r) for r in timers],
        "line_items": [ticket_line_item(r) for r in lines],
        "worksheet_results": [],
        "assets": [],
        "appointments": [],
        "ticket_fields": [],
        "ticket_answers": [],
        "tag_list": list(t.get("tag_list") or []),
        "customer": customer(st, cust) if cust else None,
        "contact": contact(ct) if ct else None,
        "user": user(st.users.get(t["user_id"])) if t.get("user_id") else None,
        "ticket_type": tt,
        "address": None,
    }


# -- invoices --------------------------------------------------------------------------------
def invoice_line_item(li: Record) -> JSON:
    return public(li)


def recalculate_invoice(st: SandboxState, inv: Record) -> None:
    """Recompute subtotal/tax/total (decimal strings) from the invoice's lines."""
    subtotal = Decimal(0)
    taxable = Decimal(0)
    for li in st.children("invoice_line_items", "invoice_id", inv["id"]):
        price = to_decimal(li.get("price"), Decimal(0)) or Decimal(0)
        qty = to_decimal(li.get("quantity"), Decimal(0)) or Decimal(0)
        line = price * qty
        discount = to_decimal(li.get("discount_percent"), None)
        if discount:
            line -= line * discount / 100
        dollars_off = to_decimal(li.get("discount_dollars"), None)
        if dollars_off:
            line -= dollars_off
        line = money(line)
        subtotal += line
        if li.get("taxable"):
            taxable += line
    tax = money(taxable * account.TAX_RATE)
    inv["subtotal"] = dec_str(money(subtotal))
    inv["tax"] = dec_str(tax)
    inv["total"] = dec_str(money(subtotal) + tax)


def invoice(st: SandboxState, inv: Record) -> JSON:
    cust = st.customers.get(inv["customer_id"])
    return {
        "id": inv["id"],
        "customer_id": inv["customer_id"],
        "customer_business_then_name": business_then_name(cust) if cust else None,
        "number": inv["number"],
        "created_at": inv["created_at"],
        "updated_at": inv["updated_at"],
        "date": inv["date"],
        "due_date": inv["due_date"],
        "subtotal": inv["subtotal"],
        "total": inv["total"],
        "tax": inv["tax"],
        "verified_paid": inv["verified_paid"],
        "tech_marked_paid": inv["tech_marked_paid"],
        "ticket_id": inv.get("ticket_id"),
        "pdf_url": None,
        "is_paid": inv["is_paid"],
        "location_id": inv.get("location_id"),
        "po_number": inv.get("po_number"),
        "contact_id": inv.get("contact_id"),
        "note": inv.get("note"),
        "hardwarecost": inv.get("hardwarecost"),
        "user_id": inv.get("user_id"),
    }


def invoice_detail(st: SandboxState, inv: Record) -> JSON:
    body = invoice(st, inv)
    cust = st.customers.get(inv["customer_id"])
    lines = sorted(st.children("invoice_line_items", "invoice_id", inv["id"]), key=lambda r: (r["position"], r["id"]))
    body["date_received"] = inv.get("date_received")
    body["customer"] = customer(st, cust) if cust else None
    body["line_items"] = [invoice_line_item(li) for li in lines]
    body["payments"] = []
    return body


def _sorted(records: list[Record]) -> list[Record]:
    return sorted(records, key=lambda r: r["id"])


# -- schedule, assets, RMM -----------------------------------------------------------------------
def start_at_label(value: str | None) -> str | None:
    """``"Sun 10-20-19 06:28 PM"``: the start in the account's zone, as the spec example shows."""
    dt = parse_stored(value)
    return dt.strftime("%a %m-%d-%y %I:%M %p") if dt is not None else None


def appointment(st: SandboxState, a: Record) -> JSON:
    body = public(a)
    start, end = parse_stored(a["start_at"]), parse_stored(a["end_at"])
    hours = Decimal(int((end - start).total_seconds())) / 3600 if start and end else Decimal(0)
    body["duration"] = int(hours) if hours == hours.to_integral_value() else float(round(hours, 2))
    body["start_at_label"] = start_at_label(a["start_at"])
    t = st.tickets.get(a["ticket_id"]) if a.get("ticket_id") else None
    body["ticket"] = (
        {"id": t["id"], "number": t["number"], "subject": t["subject"], "status": t["status"]} if t else None
    )
    cust = st.customers.get(a["customer_id"]) if a.get("customer_id") else None
    body["customer"] = customer(st, cust) if cust else None
    return body


def rmm_store(a: Record) -> JSON:
    """The asset's RMM blob as the spec example shows it (no agent: every trigger "false")."""
    triggers = (
        "bsod_triggered",
        "time_triggered",
        "no_av_triggered",
        "defrag_triggered",
        "firewall_triggered",
        "app_crash_triggered",
        "low_hd_space_triggered",
        "smart_failure_triggered",
        "device_manager_triggered",
        "agent_offline_triggered",
    )
    return {
        "id": a["id"] + 1000,
        "asset_id": a["id"],
        "account_id": 1,
        "triggers": {k: "false" for k in triggers},
        "windows_updates": {},
        "emsisoft": {},
        "general": {},
        "created_at": a["created_at"],
        "updated_at": a["created_at"],
        "override_alert_agent_offline_mins": None,
        "override_alert_agent_rearm_after_mins": None,
        "override_low_hd_threshold": None,
        "override_autoresolve_offline_alert": None,
    }


def asset(st: SandboxState, a: Record) -> JSON:
    body = public(a)
    cust = st.customers.get(a["customer_id"]) if a.get("customer_id") else None
    body["customer"] = customer(st, cust, with_contacts=False) if cust else None
    body["rmm_links"] = []
    body["rmm_store"] = rmm_store(a)
    body["address"] = None
    body["has_live_chat"] = False
    return body


def rmm_alert(st: SandboxState, a: Record) -> JSON:
    body = public(a)
    t = st.tickets.get(a["ticket_id"]) if a.get("ticket_id") else None
    body["account_id"] = 1
    body["ticket_number"] = t["number"] if t else None
    body["ticket_status"] = t["status"] if t else None
    return body
