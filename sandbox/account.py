"""The sandbox account's configuration: what GET /tickets/settings and GET /settings report.

These are the seed's values (computerguru's status list and labor products), not the spec's
defaults, because the product is built against that account.
"""

from __future__ import annotations

from decimal import Decimal

SUBDOMAIN = "sandbox"

TICKET_STATUSES: tuple[str, ...] = (
    "New",
    "In Progress",
    "Waiting on Customer",
    "Waiting on Vendor",
    "Scheduled",
    "Resolved",
    "Invoiced",
    "Closed",
)

#: Statuses hidden by the pseudo-status "Not Closed". Syncro's built-in closing status is
#: "Resolved" (it sets resolved_at); this account adds a custom "Closed". "Invoiced" stays
#: visible: the seed's open-tickets display example lists an Invoiced ticket.
CLOSED_STATUSES: frozenset[str] = frozenset({"Resolved", "Closed"})

#: Statuses that stamp ``resolved_at`` when a ticket enters them.
RESOLVING_STATUSES: frozenset[str] = frozenset({"Resolved", "Closed"})

PRIORITIES: tuple[str, ...] = ("", "0 Urgent", "1 High", "2 Normal", "3 Low")
PROBLEM_TYPES: tuple[str, ...] = (
    "Remote Support",
    "Onsite",
    "Email",
    "Network",
    "Hardware",
    "Software",
    "Virus",
    "Other",
)

TICKET_TYPES: tuple[dict[str, object], ...] = (
    {"id": 61201, "name": "Support", "disabled": False},
    {"id": 61202, "name": "Project", "disabled": False},
)

DEFAULT_LABOR_PRODUCT_ID = 1190473

#: Sales tax on taxable (non-labor) items.
TAX_RATE = Decimal("0.061")

PAGE_SIZE = 25
CUSTOMERS_PER_PAGE = 25
CONTACTS_PER_PAGE = 50
COMMENTS_PER_PAGE = 10

#: Asset types of the account (GET /settings → assets.asset_types); POST /customer_assets needs one.
ASSET_TYPES: tuple[dict[str, object], ...] = (
    {"id": 71101, "name": "Syncro Device"},
    {"id": 71102, "name": "Network Device"},
    {"id": 71103, "name": "Printer"},
)

#: docs/syncro-facts.md#pagination: a live tenant paged /customer_assets at 50 (the spec's text says 25).
ASSETS_PER_PAGE = 50

#: POST /rmm_alerts/{id}/mute?mute_for= accepted values (spec), with their length in hours
#: (None = forever).
MUTE_FOR_HOURS: dict[str, int | None] = {
    "1-hour": 1,
    "1-day": 24,
    "2-days": 48,
    "1-week": 168,
    "2-weeks": 336,
    "1-month": 720,
    "forever": None,
}
