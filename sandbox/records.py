"""Record factories shared by the seed and the write endpoints.

Each factory returns a record with every stored wire field present (defaults as Syncro sets
them), so seeded and API-created records are indistinguishable.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from .money import cents, dec_str, to_decimal
from .state import Record
from .timefmt import fmt

CUSTOMER_FIELDS = (
    "firstname",
    "lastname",
    "business_name",
    "email",
    "phone",
    "mobile",
    "address",
    "address_2",
    "city",
    "state",
    "zip",
    "notes",
    "referred_by",
    "ref_customer_id",
    "tax_rate_id",
    "notification_email",
    "invoice_cc_emails",
    "invoice_term_id",
)

CONTACT_FIELDS = ("name", "address1", "address2", "city", "state", "zip", "email", "phone", "mobile", "notes")


def new_user(*, id: int, full_name: str, email: str, group: str, admin: bool, color: str, at: datetime) -> Record:
    return {
        "id": id,
        "email": email,
        "full_name": full_name,
        "created_at": fmt(at),
        "updated_at": fmt(at),
        "group": group,
        "admin": admin,
        "color": color,
    }


def new_customer(fields: dict[str, Any], *, at: datetime, portal_key: str) -> Record:
    rec: Record = {k: fields.get(k) for k in CUSTOMER_FIELDS}
    rec.update(
        created_at=fmt(at),
        updated_at=fmt(at),
        pdf_url=None,
        latitude=None,
        longitude=None,
        get_sms=bool(fields.get("get_sms", False)),
        opt_out=bool(fields.get("opt_out", False)),
        disabled=False,
        no_email=bool(fields.get("no_email", False)),
        location_name=None,
        location_id=None,
        properties=dict(fields.get("properties") or {}),
        online_profile_url=f"https://sandbox.syncromsp.invalid/my_profile/v2/index?portal_key={portal_key}",
    )
    if fields.get("prepay_hours") not in (None, ""):
        # docs/syncro-facts.md#field-reports: a prepaid block lives in the customer's ``prepay_hours``.
        # Its wire type is not
        # documented; the sandbox renders a decimal string ("10.0") like Syncro's other decimals,
        # and only on customers that have a block, so older customer payloads are unchanged.
        rec["prepay_hours"] = prepay_str(fields["prepay_hours"])
    return rec


def prepay_str(value: Any) -> str:
    return dec_str(to_decimal(value, Decimal(0)) or Decimal(0))


def new_contact(fields: dict[str, Any], *, customer_id: int, at: datetime) -> Record:
    rec: Record = {k: fields.get(k) for k in CONTACT_FIELDS}
    props = dict(fields.get("properties") or {})
    if fields.get("title"):
        props["title"] = fields["title"]  # Syncro stores title as a custom property
    rec.update(
        latitude=None,
        longitude=None,
        customer_id=customer_id,
        account_id=1,
        created_at=fmt(at),
        updated_at=fmt(at),
        vendor_id=None,
        properties=props,
        opt_out=bool(fields.get("opt_out", False)),
        extension=fields.get("extension"),
    )
    return rec


def new_ticket(fields: dict[str, Any], *, number: int, at: datetime) -> Record:
    return {
        "number": number,
        "subject": fields["subject"],
        "created_at": fmt(at),
        "updated_at": fmt(at),
        "customer_id": fields["customer_id"],
        "contact_id": fields.get("contact_id"),
        "due_date": fields.get("due_date"),
        "start_at": fields.get("start_at"),
        "end_at": fields.get("end_at"),
        "location_id": fields.get("location_id"),
        "problem_type": fields.get("problem_type"),
        "status": fields.get("status") or "New",
        "properties": dict(fields.get("properties") or {}),
        "user_id": fields.get("user_id"),
        "priority": fields.get("priority"),
        "resolved_at": fields.get("resolved_at"),
        "tag_list": list(fields.get("tag_list") or []),
        "ticket_type_id": fields.get("ticket_type_id"),
        "asset_ids": list(fields.get("asset_ids") or []),
        "signature_name": fields.get("signature_name"),
        "sla_id": fields.get("sla_id"),
        "_creator": fields.get("_creator"),
    }


def new_comment(
    *, ticket_id: int, subject: str, body: str, hidden: bool, tech: str | None, user_id: int | None, at: datetime
) -> Record:
    return {
        "created_at": fmt(at),
        "updated_at": fmt(at),
        "ticket_id": ticket_id,
        "subject": subject,
        "body": body,
        "tech": tech,
        "hidden": hidden,
        "user_id": user_id,
    }


def new_timer(
    *,
    ticket_id: int,
    user_id: int | None,
    start: datetime,
    end: datetime | None,
    billable: bool,
    notes: str | None,
    product_id: int | None,
    at: datetime,
) -> Record:
    seconds = int((end - start).total_seconds()) if end is not None else None
    return {
        "ticket_id": ticket_id,
        "user_id": user_id,
        "start_time": fmt(start),
        "end_time": fmt(end),
        "recorded": False,
        "created_at": fmt(at),
        "updated_at": fmt(at),
        "billable": billable,
        "notes": notes,
        "toggl_id": None,
        "product_id": product_id,
        "comment_id": None,
        "ticket_line_item_id": None,
        "active_duration": seconds,
        "billable_time": (seconds or 0) if billable else 0,
        "billable_override": None,
        "_invoice_id": None,
    }


def new_ticket_line_item(
    *,
    ticket_id: int,
    user_id: int | None,
    product_id: int | None,
    name: str,
    description: str,
    quantity: Decimal,
    price_cost: Decimal | None,
    price_retail: Decimal | None,
    taxable: bool,
    upc_code: str | None,
    product_category: str | None,
    position: int,
    at: datetime,
) -> Record:
    return {
        "ticket_id": ticket_id,
        "user_id": user_id,
        "product_id": product_id,
        "name": name,
        "description": description,
        "quantity": dec_str(quantity),
        "product_category": product_category,
        "upc_code": upc_code,
        "taxable": taxable,
        "cost_cents": cents(price_cost) if price_cost is not None else None,
        "retail_cents": cents(price_retail) if price_retail is not None else 0,
        "created_at": fmt(at),
        "updated_at": fmt(at),
        "converted": False,
        "item_id": None,
        "position": position,
        "estimate_line_item_id": None,
        "old_price": None,
        "line_discount_percent": None,
        "discount_dollars": None,
        "original_ticket_line_item_id": None,
        "_invoice_id": None,
    }


def new_invoice(
    *,
    number: str,
    customer_id: int,
    ticket_id: int | None,
    date: datetime,
    due_date: datetime,
    user_id: int | None,
    at: datetime,
    fields: dict[str, Any],
) -> Record:
    return {
        "customer_id": customer_id,
        "number": number,
        "created_at": fmt(at),
        "updated_at": fmt(at),
        "date": fmt(date),
        "due_date": fmt(due_date),
        "subtotal": "0.0",
        "total": "0.0",
        "tax": "0.0",
        "verified_paid": False,
        "tech_marked_paid": False,
        "ticket_id": ticket_id,
        "is_paid": False,
        "location_id": fields.get("location_id"),
        "po_number": fields.get("po_number"),
        "contact_id": fields.get("contact_id"),
        "note": fields.get("note"),
        "hardwarecost": fields.get("hardwarecost"),
        "user_id": user_id,
        "date_received": None,
        "_category": fields.get("category"),
    }


def new_invoice_line_item(
    *,
    invoice_id: int,
    item: str | None,
    name: str | None,
    cost: Decimal,
    price: Decimal,
    quantity: Decimal,
    product_id: int | None,
    taxable: bool,
    position: int,
    at: datetime,
) -> Record:
    return {
        "created_at": fmt(at),
        "updated_at": fmt(at),
        "invoice_id": invoice_id,
        "item": item,
        "name": name,
        "cost": dec_str(cost),
        "price": dec_str(price),
        "quantity": dec_str(quantity),
        "product_id": product_id,
        "taxable": taxable,
        "discount_percent": None,
        "position": position,
        "invoice_bundle_id": None,
        "discount_dollars": None,
    }


def new_product(
    *,
    id: int,
    name: str,
    description: str,
    price_retail: str,
    price_cost: str,
    taxable: bool,
    category: str,
    sku: str | None = None,
) -> Record:
    retail = Decimal(price_retail)
    cost = Decimal(price_cost)
    return {
        "id": id,
        "price_cost": float(cost),
        "price_retail": float(retail),
        "condition": None,
        "description": description,
        "maintain_stock": not category.startswith("Labor"),
        "name": name,
        "quantity": 0 if category.startswith("Labor") else 12,
        "warranty": None,
        "sort_order": None,
        "reorder_at": None,
        "disabled": False,
        "taxable": taxable,
        "product_category": category,
        "category_path": category,
        "upc_code": None,
        "discount_percent": None,
        "warranty_template_id": None,
        "qb_item_id": None,
        "desired_stock_level": None,
        "price_wholesale": 0,
        "notes": None,
        "tax_rate_id": None,
        "physical_location": None,
        "serialized": False,
        "vendor_ids": [],
        "product_skus": [{"id": id + 7, "vendor_name": "Ingram Micro", "sku": sku}] if sku else [],
        "long_description": None,
        "location_quantities": [],
        "photos": [],
    }


def new_appointment(fields: dict[str, Any], *, start: datetime, end: datetime, at: datetime) -> Record:
    """An appointment; ``duration`` is in hours, as in the spec's example (4 for 01:28–05:28)."""
    user_ids = [int(u) for u in fields.get("user_ids") or [] if str(u).strip().lstrip("-").isdigit()]
    return {
        "summary": fields["summary"],
        "description": fields.get("description"),
        "customer_id": fields.get("customer_id"),
        "created_at": fmt(at),
        "updated_at": fmt(at),
        "start_at": fmt(start),
        "end_at": fmt(end),
        "location": fields.get("location"),
        "ticket_id": fields.get("ticket_id"),
        "appointment_location_type": fields.get("appointment_location_type"),
        "all_day": fields.get("all_day"),
        "do_not_email": "1" if fields.get("do_not_email") else "0",
        "user_id": fields.get("user_id"),
        "user_ids": user_ids,
        "appointment_type_id": fields.get("appointment_type_id"),
        "email_customer": bool(fields.get("email_customer", False)),
    }


def new_asset(fields: dict[str, Any], *, asset_type: str, asset_type_id: int, at: datetime) -> Record:
    return {
        "name": fields["name"],
        "customer_id": fields.get("customer_id"),
        "contact_id": fields.get("contact_id"),
        "created_at": fmt(at),
        "updated_at": fmt(at),
        "properties": dict(fields.get("properties") or {}),
        "asset_type": asset_type,
        "asset_serial": fields.get("asset_serial"),
        "external_rmm_link": None,
        "snmp_enabled": fields.get("snmp_enabled"),
        "_asset_type_id": asset_type_id,
    }


def new_rmm_alert(fields: dict[str, Any], *, at: datetime) -> Record:
    return {
        "customer_id": fields.get("customer_id"),
        "asset_id": fields.get("asset_id"),
        "computer_name": fields.get("computer_name"),
        "properties": dict(fields.get("properties") or {}),
        "resolved": bool(fields.get("resolved", False)),
        "check_id": fields.get("check_id"),
        "status": fields.get("status"),
        "formatted_output": fields.get("formatted_output"),
        "description": fields.get("description"),
        "created_at": fmt(at),
        "updated_at": fmt(at),
        "ticket_id": fields.get("ticket_id"),
        "_muted_until": None,
    }
