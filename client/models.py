"""Typed views of Syncro's JSON (docs/syncro-facts.md#tickets to #products-users).

Attribute names are Syncro's own field names so nothing is lost in translation.
Every field except ``id`` is optional: Syncro omits and nulls fields freely, and a
missing optional field must never make a whole ticket unreadable. Unknown fields
are ignored. Quirks handled here, once:

- ids are plain ``int`` (Python ints are unbounded; ids above 2^31 are real);
- money and quantities are ``Decimal`` whether Syncro sends ``"0.0"`` or ``0.01``;
- invoice ``number`` is a string (ticket ``number`` is an int);
- ``GET /users`` returns ``[id, name]`` pairs; ``/tickets/settings`` returns ``{id, name}``;
- datetimes are parsed generically (``Z``, offsets, milliseconds, date-only); ``""`` → None.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _datetime_in(value: Any) -> Any:
    value = _blank_to_none(value)
    if isinstance(value, str):
        # "2019-11-05 07:40:54 UTC" (Rails default to_s) → ISO 8601 with an offset.
        value = re.sub(r"\s*UTC$", "+00:00", value.strip())
    return value


def _str_in(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, Decimal)):
        return str(value)
    return value


def _decimal_in(value: Any) -> Any:
    value = _blank_to_none(value)
    if isinstance(value, float):
        # repr() keeps 0.01 as Decimal("0.01") instead of its binary expansion.
        return Decimal(repr(value))
    return value


DateTime = Annotated[datetime | None, BeforeValidator(_datetime_in)]
"""A Syncro timestamp; ``None`` when absent or blank."""

Money = Annotated[Decimal | None, BeforeValidator(_decimal_in)]
"""Money or quantity: Syncro sends decimal strings ("0.0") or JSON numbers."""

Str = Annotated[str | None, BeforeValidator(_str_in)]
"""A string field Syncro sometimes sends as a number (invoice ``number``)."""


class SyncroModel(BaseModel):
    """Base: ignore Syncro's many extra/undocumented fields, keep ours typed."""

    # defer_build: each model's validator is built when Syncro's first answer needs it, not at start-up.
    model_config = ConfigDict(extra="ignore", populate_by_name=True, coerce_numbers_to_str=True, defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _null_collections_to_empty(cls, data: Any) -> Any:
        """Syncro sends ``null`` for empty lists/objects at times; use the field's empty default."""
        if not isinstance(data, dict):
            return data
        nulls = [
            k
            for k, v in data.items()
            if v is None and k in cls.model_fields and cls.model_fields[k].default_factory is not None
        ]
        return {k: v for k, v in data.items() if k not in nulls} if nulls else data


class User(SyncroModel):
    """A technician. ``GET /users`` sends ``[id, name]`` pairs; other endpoints objects."""

    id: int
    full_name: str | None = None
    email: str | None = None
    group: str | None = None
    admin: bool | None = None
    color: str | None = None
    created_at: DateTime = None
    updated_at: DateTime = None

    @model_validator(mode="before")
    @classmethod
    def _accept_pair_or_name(cls, data: Any) -> Any:
        if isinstance(data, (list, tuple)):
            if len(data) != 2:
                raise ValueError("user pair must be [id, name]")
            return {"id": data[0], "full_name": data[1]}
        if isinstance(data, dict) and data.get("full_name") is None and data.get("name") is not None:
            return {**data, "full_name": data["name"]}
        return data

    @property
    def name(self) -> str:
        """Display name whichever shape Syncro used."""
        return self.full_name or self.email or f"user {self.id}"


class Me(SyncroModel):
    """``GET /me`` (flat). ``user_token`` is deliberately not kept: it is a credential."""

    user_id: int
    user_email: str | None = None
    user_name: str | None = None
    admin: bool | None = None
    can_use_app: bool | None = None
    two_factor_required: bool | None = None
    subdomain: str | None = None
    default_location: Any = None
    enable_multi_locations: bool | None = None
    locations_allowed: list[Any] = Field(default_factory=list)
    permissions: dict[str, dict[str, bool | None]] = Field(default_factory=dict)

    def can(self, area: str, action: str) -> bool:
        """True when ``permissions[area][action]`` is true (admins are not special-cased)."""
        return bool(self.permissions.get(area, {}).get(action))


class Contact(SyncroModel):
    id: int
    name: str | None = None
    customer_id: int | None = None
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    extension: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    notes: str | None = None
    opt_out: bool | None = None
    vendor_id: int | None = None
    account_id: int | None = None
    properties: dict[str, Any] = Field(default_factory=dict)
    created_at: DateTime = None
    updated_at: DateTime = None


class Customer(SyncroModel):
    id: int
    firstname: str | None = None
    lastname: str | None = None
    fullname: str | None = None
    business_name: str | None = None
    business_then_name: str | None = None
    business_and_full_name: str | None = None
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    address: str | None = None
    address_2: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    notes: str | None = None
    disabled: bool | None = None
    no_email: bool | None = None
    opt_out: bool | None = None
    get_sms: bool | None = None
    location_id: int | None = None
    location_name: str | None = None
    tax_rate_id: int | None = None
    invoice_term_id: int | None = None
    prepay_hours: Money = None
    """A prepaid block of hours (docs/syncro-facts.md#field-reports); null when the customer has none."""
    notification_email: str | None = None
    invoice_cc_emails: str | None = None
    pdf_url: str | None = None
    online_profile_url: str | None = None
    properties: dict[str, Any] | None = None
    contacts: list[Contact] = Field(default_factory=list)
    prepay_hours: Money = None
    """Prepaid hours left (docs/syncro-facts.md#field-reports: a prepaid block)."""
    created_at: DateTime = None
    updated_at: DateTime = None

    @property
    def display_name(self) -> str:
        """Business name, else full name: what Syncro shows in lists."""
        return (
            self.business_then_name
            or self.business_name
            or self.fullname
            or " ".join(p for p in (self.firstname, self.lastname) if p)
            or f"customer {self.id}"
        )


class Comment(SyncroModel):
    id: int
    ticket_id: int | None = None
    subject: str | None = None
    body: str | None = None
    tech: str | None = None
    hidden: bool | None = None
    user_id: int | None = None
    is_rich_text: bool | None = None
    user: User | None = None
    created_at: DateTime = None
    updated_at: DateTime = None


class TicketTimer(SyncroModel):
    """A time entry. Responses say ``start_time``/``end_time`` (requests say ``start_at``/``end_at``);
    ``active_duration`` is seconds."""

    id: int
    ticket_id: int | None = None
    user_id: int | None = None
    product_id: int | None = None
    start_time: DateTime = None
    end_time: DateTime = None
    active_duration: int | None = None
    billable_time: int | None = None
    billable: bool | None = None
    billable_override: Any = None
    recorded: bool | None = None
    notes: str | None = None
    comment_id: int | None = None
    ticket_line_item_id: int | None = None
    toggl_id: Any = None
    created_at: DateTime = None
    updated_at: DateTime = None


class TicketLineItem(SyncroModel):
    """A part/product line on a ticket (``quantity`` arrives as a string such as "1.0")."""

    id: int
    ticket_id: int | None = None
    user_id: int | None = None
    product_id: int | None = None
    item_id: int | None = None
    name: str | None = None
    description: str | None = None
    quantity: Money = None
    price_cost: Money = None
    price_retail: Money = None
    cost_cents: int | None = None
    retail_cents: int | None = None
    old_price: Money = None
    taxable: bool | None = None
    product_category: str | None = None
    upc_code: str | None = None
    line_discount_percent: Money = None
    discount_dollars: Money = None
    position: int | None = None
    converted: bool | None = None
    estimate_line_item_id: int | None = None
    original_ticket_line_item_id: int | None = None
    created_at: DateTime = None
    updated_at: DateTime = None


class TicketSummary(SyncroModel):
    """A ticket as ``GET /tickets`` lists it. ``id`` is the database id, ``number`` the human one."""

    id: int
    number: int | None = None
    subject: str | None = None
    status: str | None = None
    priority: str | None = None
    problem_type: str | None = None
    customer_id: int | None = None
    customer_business_then_name: str | None = None
    contact_id: int | None = None
    contact_fullname: str | None = None
    user_id: int | None = None
    user: User | None = None
    location_id: int | None = None
    location_name: str | None = None
    ticket_type_id: int | None = None
    ticket_type_name: str | None = None
    due_date: DateTime = None
    start_at: DateTime = None
    end_at: DateTime = None
    resolved_at: DateTime = None
    created_at: DateTime = None
    updated_at: DateTime = None
    properties: dict[str, Any] | None = None
    tag_list: list[str] = Field(default_factory=list)
    billing_status: str | None = None
    customer_reply: bool | None = None
    total_formatted_billable_time: str | None = None
    pdf_url: str | None = None
    comments: list[Comment] = Field(default_factory=list)


class Ticket(TicketSummary):
    """``GET /tickets/{id}`` detail: the thread, time entries, line items and linked records."""

    ticket_timers: list[TicketTimer] = Field(default_factory=list)
    line_items: list[TicketLineItem] = Field(default_factory=list)
    customer: Customer | None = None
    contact: Contact | None = None
    asset_ids: list[int] = Field(default_factory=list)
    attachments: list[Any] = Field(default_factory=list)


class InvoiceLineItem(SyncroModel):
    id: int
    invoice_id: int | None = None
    product_id: int | None = None
    item: str | None = None
    name: str | None = None
    quantity: Money = None
    cost: Money = None
    price: Money = None
    taxable: bool | None = None
    discount_percent: Money = None
    discount_dollars: Money = None
    position: int | None = None
    created_at: DateTime = None
    updated_at: DateTime = None


class Invoice(SyncroModel):
    """An invoice; ``number`` is a string in Syncro (unlike tickets). Money is ``Decimal``."""

    id: int
    number: Str = None
    customer_id: int | None = None
    customer_business_then_name: str | None = None
    ticket_id: int | None = None
    contact_id: int | None = None
    location_id: int | None = None
    user_id: int | None = None
    date: DateTime = None
    due_date: DateTime = None
    subtotal: Money = None
    tax: Money = None
    total: Money = None
    hardwarecost: Money = None
    balance_due: Money = None
    is_paid: bool | None = None
    verified_paid: bool | None = None
    tech_marked_paid: bool | None = None
    po_number: Str = None
    note: str | None = None
    pdf_url: str | None = None
    line_items: list[InvoiceLineItem] = Field(default_factory=list)
    customer: Customer | None = None
    created_at: DateTime = None
    updated_at: DateTime = None


class Product(SyncroModel):
    """A catalogue product. Labour is an ordinary product (nothing marks it as labour)."""

    id: int
    name: str | None = None
    description: str | None = None
    price_cost: Money = None
    price_retail: Money = None
    price_wholesale: Money = None
    quantity: Money = None
    taxable: bool | None = None
    disabled: bool | None = None
    product_category: str | None = None
    category_path: str | None = None
    upc_code: str | None = None
    notes: str | None = None
    maintain_stock: bool | None = None


class TicketSettings(SyncroModel):
    """``GET /tickets/settings``: statuses, default labour product, users as ``{id, name}``."""

    ticket_status_list: list[str] = Field(default_factory=list)
    default_labor_product_id: int | None = None
    ticket_timer_charge_by_default: bool | None = None
    users: list[User] = Field(default_factory=list)
    ticket_types: list[Any] = Field(default_factory=list)
    saved_searches: list[Any] = Field(default_factory=list)
    appointment_types: list[Any] = Field(default_factory=list)
    require_ticket_type: bool | None = None
    require_outtake_form_with_ticket: bool | None = None


class TicketOptions(SyncroModel):
    """``GET /settings`` → ``ticket``: problem types and priorities (free text per account)."""

    problem_types: list[str] = Field(default_factory=list)
    priorities: list[str] = Field(default_factory=list)
    ticket_types: list[Any] = Field(default_factory=list)


class Locale(SyncroModel):
    iso_code: str | None = None
    currency_symbol: str | None = None
    date_format: str | None = None
    time_format: str | None = None
    time_zone: str | None = None
    time_offset: str | None = None


class AccountSettings(SyncroModel):
    """``GET /settings``: the parts we use (ticket options, locale, business hours)."""

    ticket: TicketOptions = Field(default_factory=TicketOptions)
    locale: Locale = Field(default_factory=Locale)
    business_hours_enabled: bool | None = None
    business_hours: list[Any] = Field(default_factory=list)


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list endpoint. ``total_pages`` is None when Syncro sent no ``meta``."""

    items: list[T] = Field(default_factory=list)
    page: int = 1
    total_pages: int | None = None
    total_entries: int | None = None

    @property
    def has_more(self) -> bool:
        """Whether another page may exist (unknown total → only if this page had items)."""
        if self.total_pages is None:
            return bool(self.items)
        return self.page < self.total_pages


__all__ = [
    "AccountSettings",
    "Comment",
    "Contact",
    "Customer",
    "Invoice",
    "InvoiceLineItem",
    "Locale",
    "Me",
    "Page",
    "Product",
    "Ticket",
    "TicketLineItem",
    "TicketOptions",
    "TicketSettings",
    "TicketSummary",
    "TicketTimer",
    "User",
]
