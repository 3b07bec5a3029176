"""The journaled operations as the engine builds them: comment (+ time), time, close, bill.

A tool resolves the tech's words (number → ticket, labor → product) and previews; the engine
turns the resolved values into a ``Job``: the journal's key (tool name, ticket, arguments) and
the ordered steps. ``Engine.check`` then settles resume/refusal before approval, and
``Engine.run`` sends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from syncro_mcp.client import SyncroClient
from syncro_mcp.client.models import TicketSummary

from .errors import InputError
from .journal import Entry
from .steps import Step
from .writes import CommentStep, InvoiceLineStep, InvoiceStep, StatusStep, TimerStep

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
    client: SyncroClient, ticket: TicketSummary, work: Work, end: datetime, category: str, status: str
) -> list[Step]:
    """comment → timer entry → invoice from the ticket → labor line check → status.

    Syncro's "Make Invoice" normally copies uncharged time; if it did not, the line is added at
    the catalogue price. The timer is never charged separately, so the time is never billed twice.
    """
    return [
        CommentStep(client, ticket, BILL_SUBJECT, work.notes, hidden=False, do_not_email=True),
        TimerStep(client, ticket, work.minutes, work.labor, work.product_id, work.notes, end),
        InvoiceStep(client, ticket, category),
        InvoiceLineStep(client, work.minutes, work.labor, work.product_id),
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
