"""The journaled operations as the engine builds them: comment (+ time), time, close, bill.

A tool resolves the tech's words (number → ticket, labor → product) and previews; the engine
turns the resolved values into a ``Job``: the journal's key (tool name, ticket, arguments) and
the ordered steps. ``Engine.check`` then settles resume/refusal before approval, and
``Engine.run`` sends.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from syncro_mcp.client import SyncroClient
from syncro_mcp.client.models import TicketSummary

from .bill_writes import ChargeStep, FreeLineStep, LineFixStep, TicketLineStep
from .errors import InputError
from .journal import Entry
from .steps import Step
from .writes import CommentStep, InvoiceLineStep, InvoiceStep, StatusStep, Swept, TimerStep, hours

BILL_SUBJECT = "Resolution"
INVOICED = "Invoiced"


@dataclass(frozen=True)
class Work:
    """Time to log, resolved: minutes, labor name (casefolded), its product, the notes."""

    minutes: int
    labor: str
    product_id: int
    notes: str


@dataclass
class Job:
    """A journaled write ready to run: what the journal keys it by, and what it sends."""

    op: str
    ticket: int
    args: dict[str, Any]
    steps: list[Step]
    resume: Entry | None = field(default=None)
    """The unfinished entry this call continues (from ``Engine.check``)."""
    allow_repeat: bool = False
    """The call asked for a second identical write inside the repeat window (``bill_again``)."""
    refusal: Callable[[Entry], InputError] | None = None
    """The refusal of a repeat (default: ``Engine.repeated``), checked before approval and again
    right before the first write."""
    witness: int | None = None
    """The ticket's internal id when Syncro is the shared witness (``engine.witness``): right before
    the first write, a ticket already holding an identical record from within the repeat window,
    whoever made it, refuses the write (comments, time entries, bills, a close's resolution)."""


def comment_steps(
    client: SyncroClient, ticket: TicketSummary, subject: str, body: str, hidden: bool, do_not_email: bool,
    work: Work | None, end: datetime,
) -> list[Step]:
    """Comment then (with time) a timer entry: the seed's two-call pattern."""
    steps: list[Step] = [CommentStep(client, ticket, subject, body, hidden, do_not_email)]
    if work is not None:
        steps.append(TimerStep(client, ticket, work.minutes, work.labor, work.product_id, work.notes, end))
    return steps


def time_steps(
    client: SyncroClient, ticket: TicketSummary, work: Work, end: datetime, user_id: int | None = None
) -> list[Step]:
    """One timer entry ending at ``end``; ``user_id``: on behalf of that technician (default: the key's user)."""
    return [TimerStep(client, ticket, work.minutes, work.labor, work.product_id, work.notes, end, user_id)]


def close_steps(client: SyncroClient, ticket: TicketSummary, status: str, resolution: str | None) -> list[Step]:
    """An optional public, not-emailed Resolution comment, then the close status."""
    steps: list[Step] = []
    if resolution:
        steps.append(CommentStep(client, ticket, "Resolution", resolution, hidden=False, do_not_email=True))
    steps.append(StatusStep(client, ticket, status))
    return steps


def bill_steps(
    client: SyncroClient, ticket: TicketSummary, work: Work, end: datetime, category: str, status: str,
    labor: Labor | None = None,
) -> list[Step]:
    """comment → timer entry → invoice from the ticket → labor line check → status.

    Syncro's "Make Invoice" normally copies uncharged time; if it did not, the line is added at
    the catalogue price. The timer is never charged separately, so the time is never billed twice.
    ``labor``: what the preview put on the invoice besides this bill's time (``InvoiceLineStep``).
    """
    return [
        CommentStep(client, ticket, BILL_SUBJECT, work.notes, hidden=False, do_not_email=True),
        TimerStep(client, ticket, work.minutes, work.labor, work.product_id, work.notes, end),
        InvoiceStep(client, ticket, category),
        line_check(client, work, labor),
        StatusStep(client, ticket, status),
    ]


def line_check(client: SyncroClient, work: Work, labor: Labor | None) -> InvoiceLineStep:
    """The invoice check for ``work``'s line and the rest the preview showed (``labor``)."""
    if labor is None:
        return InvoiceLineStep(client, work.minutes, work.labor, work.product_id)
    return InvoiceLineStep(client, work.minutes, work.labor, work.product_id, list(labor.timers),
                           list(labor.swept), list(labor.parts))


BILLING_MODES = ("make_invoice", "charge_timer", "line_item")

_RULE = re.compile(r"^\s*(?P<labor>\S(?:.*?\S)?)\s*[x×*]\s*(?P<factor>\d+(?:\.\d+)?)\s*$")


def parse_labor_rule(rule: str) -> tuple[str, float] | None:
    """``"onsite x1.5"`` → ("onsite", 1.5); None when it does not read that way (factor > 0)."""
    m = _RULE.match(str(rule))
    if m is None or float(m["factor"]) <= 0:
        return None
    return " ".join(m["labor"].split()).lower(), float(m["factor"])



@dataclass(frozen=True)
class Labor:
    """This bill's labor line as the catalogue prices it: name (the product's), unit price, hours."""

    name: str
    price: Decimal
    timers: tuple[int, ...] = ()
    """The other uncharged timers "Make Invoice" sweeps in."""
    swept: tuple[Swept, ...] = ()
    """Their lines as the preview priced them (added if Syncro's "Make Invoice" did not copy them)."""
    parts: tuple[tuple[int | None, Decimal], ...] = ()
    """The ticket lines the invoice carries as they are (product, quantity)."""
    free: bool = False
    """No charge (warranty): the labor line ends at $0, checked on the invoice (``FreeLineStep``)."""
    ruled: Work | None = None
    """The line's labor and hours when a prepaid rule bills other than the timer records (the timer
    keeps the real time; its charged line is set to these with update_line_item)."""


def bill_steps_for(
    mode: str, client: SyncroClient, ticket: TicketSummary, work: Work, end: datetime, category: str, status: str,
    labor: Labor,
) -> list[Step]:
    """The bill's steps for the account's billing path (``billing_mode``):

    - ``make_invoice``: ``bill_steps`` (timer entry; "Make Invoice" copies it);
    - ``charge_timer``: timer entry → charge_timer_entry → the charged line's product/price fixed →
      invoice (Syncro's time tracking stays right);
    - ``line_item``: add_line_item (product, hours, catalogue price, not taxable) → invoice (no timer).
    Every path ends with the labor check on the invoice (never a second line) and the status. A
    prepaid rule (``labor.ruled``) in a timer path charges the timer and sets its line (as
    ``charge_timer`` does), so "Make Invoice" copies the ruled line.
    """
    if mode == "make_invoice" and labor.ruled is not None:
        mode = "charge_timer"
    line = labor.ruled or work
    if mode == "make_invoice":
        steps = bill_steps(client, ticket, work, end, category, status, labor)
        return [*steps[:-1], FreeLineStep(client), steps[-1]] if labor.free else steps
    comment = CommentStep(client, ticket, BILL_SUBJECT, work.notes, hidden=False, do_not_email=True)
    if mode == "charge_timer":
        middle: list[Step] = [
            TimerStep(client, ticket, work.minutes, work.labor, work.product_id, work.notes, end),
            ChargeStep(client, ticket),
            LineFixStep(client, ticket, line.product_id, labor.name, labor.price,
                        hours(line.minutes) if labor.ruled is not None else None),
        ]
    elif mode == "line_item":
        middle = [TicketLineStep(client, ticket, line.product_id, labor.name, work.notes, hours(line.minutes),
                                 labor.price)]
    else:
        raise InputError(f"Unknown billing_mode '{mode}': use one of {', '.join(BILLING_MODES)}.")
    return [
        comment, *middle,
        InvoiceStep(client, ticket, category),
        line_check(client, line, labor),
        *([FreeLineStep(client)] if labor.free else []),
        StatusStep(client, ticket, status),
    ]


def repeated_bill(previous: Entry, number: int, now: float) -> InputError:
    """The refusal of a second identical bill inside the repeat window, naming the first invoice."""
    inv = next((s.result for s in previous.steps if s.name == "invoice"), {})
    ago = max(0, int((now - previous.updated) // 60))
    return InputError(
        f"#{number} was already billed with exactly these arguments {ago} min ago (invoice "
        f"#{inv.get('invoice_number') or inv.get('invoice_id')}, journal entry {previous.id}). "
        "Nothing was sent. If the user really wants a second bill, call again with bill_again=true."
    )
