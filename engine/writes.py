"""Syncro's writes as journaled steps: comment, timer entry, status, invoice, invoice labor line.

Each step carries the exact request body (journaled before it is sent) and knows how to find
its own record in Syncro when the answer was lost (see ``engine.steps``). Facts they rely on:
docs/syncro-facts.md#comments (time fields on a comment are ignored), #timer-entries
(``start_at``/``end_at``, flat answer), #invoices (an invoice from a ticket copies its uncharged time).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from syncro_mcp.client import SyncroClient
from syncro_mcp.client.models import Invoice, InvoiceLineItem, Ticket, TicketSummary, TicketTimer

from .steps import CLOCK_SLACK, Results, Step
from .witness import recent, same_text


def visibility(hidden: bool, do_not_email: bool) -> str:
    if hidden:
        return "hidden (tech-only note, not emailed)"
    return "public, NOT emailed" if do_not_email else "public, emailed to the customer"


def start_of(end: datetime, minutes: int) -> datetime:
    """``minutes`` before ``end``, computed in UTC and rendered back in ``end``'s zone: correct
    across daylight-saving changes (zoned arithmetic is wall-clock arithmetic in Python)."""
    if end.tzinfo is None:
        return end - timedelta(minutes=minutes)
    return (end.astimezone(timezone.utc) - timedelta(minutes=minutes)).astimezone(end.tzinfo)


def hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.01"))


class CommentStep(Step):
    """POST the comment: never any time fields (Syncro ignores them; time is a timer entry)."""

    key = "comment_id"
    witnessed = True

    def __init__(self, client: SyncroClient, ticket: TicketSummary, subject: str, body: str, hidden: bool,
                 do_not_email: bool) -> None:
        payload = {"subject": subject, "body": body, "hidden": hidden, "do_not_email": do_not_email}
        super().__init__("comment", f"POST comment on #{ticket.number} ({visibility(hidden, do_not_email)})", payload)
        self.client, self.ticket = client, ticket

    async def send(self, results: Results) -> dict[str, Any]:
        c = await self.client.add_comment(self.ticket.id, **self.body)
        return {"comment_id": c.id}

    async def find(self, results: Results, since: datetime) -> dict[str, Any] | None:
        """Newest first, page after page, back to the send time (newer comments may have pushed
        ours off the first page). Syncro's ``total_pages`` ends the walk, not a page shorter than
        asked: Syncro may page by fewer (its cap is undocumented), and a walk that stopped early
        would leave a comment it holds "outcome unknown", inviting a second one."""
        floor = since - CLOCK_SLACK
        for page in range(1, 21):
            got = await self.client.comments_page(self.ticket.id, per_page=25, page=page)
            comments = got.items
            for c in comments:
                if c.id in self.claimed:
                    continue  # an earlier identical comment another journal entry posted
                fresh = c.created_at is None or c.created_at >= floor
                same = (c.body or "").strip() == self.body["body"].strip() and c.subject == self.body["subject"]
                if fresh and same:
                    return {"comment_id": c.id}
            if not got.has_more or any(c.created_at is not None and c.created_at < floor for c in comments):
                return None
        return None

    def seen_in(self, detail: Ticket, floor: datetime) -> str | None:
        b = self.body
        for c in detail.comments:
            same = same_text(c.body, b["body"]) and (c.subject or "").strip().casefold() == b["subject"].casefold()
            seen_as = c.hidden is None or bool(c.hidden) == b["hidden"]  # a public reply is not a private note
            if same and seen_as and recent(c.created_at, floor):
                return f"comment {c.id} “{c.subject}” ({c.tech or 'someone'}, {c.created_at:%Y-%m-%d %H:%M} UTC)"
        return None


class TimerStep(Step):
    """A billable timer entry ending at ``end``: ``start_at`` = end − minutes.

    The body holds the wire form (ISO strings, so the journal can store and replay it); the
    datetimes are computed once, here, and parsed back once in ``send``.
    """

    key = "timer_id"
    witnessed = True

    def __init__(self, client: SyncroClient, ticket: TicketSummary, minutes: int, labor: str, product_id: int,
                 notes: str, end: datetime, user_id: int | None = None) -> None:
        payload: dict[str, Any] = {
            "start_at": start_of(end, minutes).isoformat(),
            "end_at": end.isoformat(),
            "notes": notes,
            "billable": True,
            "product_id": product_id,
        }
        if user_id is not None:
            payload["user_id"] = user_id  # logged on behalf of another technician
        super().__init__("timer", f"POST timer entry: {minutes} min {labor} on #{ticket.number}", payload)
        self.client, self.ticket = client, ticket

    def _found(self) -> dict[str, Any]:
        return {"start_at": self.body["start_at"], "end_at": self.body["end_at"]}

    async def send(self, results: Results) -> dict[str, Any]:
        b = self.body
        t = await self.client.add_timer_entry(
            self.ticket.id, start_at=datetime.fromisoformat(b["start_at"]), end_at=datetime.fromisoformat(b["end_at"]),
            notes=b["notes"], product_id=b["product_id"], billable=b["billable"], user_id=b.get("user_id"),
        )
        return {"timer_id": t.id, **self._found()}

    async def find(self, results: Results, since: datetime) -> dict[str, Any] | None:
        b = self.body
        start = datetime.fromisoformat(b["start_at"])
        for t in (await self.client.get_ticket(self.ticket.id)).ticket_timers:
            if t.id in self.claimed:
                continue  # an identical entry another journal entry logged (a second bill)
            same_start = t.start_time is not None and abs((t.start_time - start).total_seconds()) < 60
            same_user = b.get("user_id") is None or t.user_id == b["user_id"]
            same_what = t.product_id == b["product_id"] and (t.notes or "").strip() == b["notes"].strip()
            if same_start and same_user and same_what:
                return {"timer_id": t.id, **self._found()}
        return None

    def seen_in(self, detail: Ticket, floor: datetime) -> str | None:
        """The same product, length (to the minute) and notes, whoever logged it and whenever it started."""
        b = self.body
        span = datetime.fromisoformat(b["end_at"]) - datetime.fromisoformat(b["start_at"])
        minutes = round(span.total_seconds() / 60)
        for t in detail.ticket_timers:
            length = t.active_duration / 60 if t.active_duration else _span(t)
            same = t.product_id == b["product_id"] and abs(length - minutes) < 1 and same_text(t.notes, b["notes"])
            if same and recent(t.created_at, floor):
                return f"time entry {t.id} ({minutes} min, product {t.product_id}, user {t.user_id}, logged " \
                    f"{t.created_at:%Y-%m-%d %H:%M} UTC)"
        return None


def _span(t: TicketTimer) -> float:
    """A time entry's length in minutes from its start and end (-1 when either is missing)."""
    if t.start_time is None or t.end_time is None:
        return -1.0
    return (t.end_time - t.start_time).total_seconds() / 60


class StatusStep(Step):
    def __init__(self, client: SyncroClient, ticket: TicketSummary, status: str) -> None:
        super().__init__("status", f"PUT status {status} on #{ticket.number}", {"status": status})
        self.client, self.ticket, self.status = client, ticket, status

    async def send(self, results: Results) -> dict[str, Any]:
        t = await self.client.update_ticket(self.ticket.id, self.body)
        return {"status": t.status or self.status}

    async def find(self, results: Results, since: datetime) -> dict[str, Any] | None:
        t = await self.client.get_ticket(self.ticket.id)
        return {"status": t.status} if (t.status or "").casefold() == self.status.casefold() else None


class InvoiceStep(Step):
    """POST an invoice from the ticket (Syncro copies the ticket's uncharged time and parts)."""

    key = "invoice_id"

    def __init__(self, client: SyncroClient, ticket: TicketSummary, category: str) -> None:
        body = {"customer_id": ticket.customer_id, "ticket_id": ticket.id, "category": category}
        super().__init__("invoice", f"POST invoice from #{ticket.number} ({category})", body)
        self.client, self.ticket = client, ticket

    async def send(self, results: Results) -> dict[str, Any]:
        inv = await self.client.create_invoice(**self.body)
        return {"invoice_id": inv.id, "invoice_number": inv.number}

    async def find(self, results: Results, since: datetime) -> dict[str, Any] | None:
        """The invoice this step made: on the ticket, not another entry's, and created no earlier
        than this bill's own timer entry (both times on Syncro's clock, so no skew): an older
        invoice on the ticket is never adopted. Reads past the first page, back to that time."""
        floor = await self._timer_created(results) or since - CLOCK_SLACK
        fresh: list[Invoice] = []
        for page_no in range(1, 6):
            page = await self.client.list_invoices(ticket_id=self.ticket.id, page=page_no)
            fresh += [
                i
                for i in page.items
                if i.ticket_id == self.ticket.id
                and i.id not in self.claimed  # an earlier bill's invoice is not this bill's
                and (i.created_at is None or i.created_at >= floor)
            ]
            older = any(i.created_at is not None and i.created_at < floor for i in page.items)
            if older or not page.items or page_no >= (page.total_pages or 1):
                break
        if not fresh:
            return None
        inv = max(fresh, key=lambda i: i.id)
        return {"invoice_id": inv.id, "invoice_number": inv.number}

    async def _timer_created(self, results: Results) -> datetime | None:
        timer_id = results.get("timer", {}).get("timer_id")
        if timer_id is None:
            return None
        for t in (await self.client.get_ticket(self.ticket.id)).ticket_timers:
            if t.id == timer_id:
                return t.created_at
        return None


Wanted = tuple[int | None, Decimal, bool]
"""An invoice line a bill expects: product, hours (or quantity), and whether Syncro may have rounded it."""
Swept = tuple[int, Decimal, Decimal, str, int]
"""Another uncharged timer the bill's invoice carries: product, hours, unit price, item name, timer id."""


def assign(invoice: Invoice, wanted: list[Wanted]) -> list[InvoiceLineItem | None]:
    """The invoice line carrying each wanted line, each line claimed once: the same product and
    quantity (±0.01) first; then, for a line Syncro may round (docs/syncro-facts.md#invoices: labor
    is rounded per product), the nearest line of its product left, so a rounded copy is never taken
    for a missing line and billed a second time. None: not on the invoice."""
    left = [li for li in invoice.line_items if li.quantity is not None]
    got: list[InvoiceLineItem | None] = [None] * len(wanted)
    for exact in (True, False):
        for i, (pid, qty, loose) in enumerate(wanted):
            if got[i] is not None or not (exact or loose):
                continue
            same = [li for li in left if li.product_id == pid
                    and (not exact or abs((li.quantity or Decimal(0)) - qty) <= Decimal("0.01"))]
            if same:
                got[i] = min(same, key=lambda li, q=qty: abs((li.quantity or Decimal(0)) - q))
                left.remove(got[i])
    return got


class InvoiceLineStep(Step):
    """Make sure the invoice carries this bill's labor line and the other uncharged time the preview
    showed on it (``swept``); add what Syncro's "Make Invoice" did not copy, at the preview's price
    (the catalogue's for this bill's labor), never a second line. ``parts``: the ticket lines the
    invoice carries as they are (claimed first, never added). Each add is preceded by a read of the
    invoice, so a re-send after a lost answer adds only what is still missing.
    """

    def __init__(self, client: SyncroClient, minutes: int, labor: str, product_id: int,
                 timers: list[int] | None = None, swept: list[Swept] | None = None,
                 parts: list[tuple[int | None, Decimal]] | None = None) -> None:
        qty = hours(minutes)
        body: dict[str, Any] = {"product_id": product_id, "quantity": str(qty)}
        if timers or swept or parts:
            body.update(timers=list(timers or []), swept=[[p, str(q), str(c), n, t] for p, q, c, n, t in swept or []],
                        parts=[[p, str(q)] for p, q in parts or []])
        super().__init__("invoice_line", f"Check invoice has {qty} h {labor} labor (add it if missing)", body)
        self.client, self.labor, self.product_id, self.qty = client, labor, product_id, qty
        self.seen: Invoice | None = None
        """The invoice as this step last read it, when it needed no line added (the final invoice)."""

    def _swept(self, results: Results) -> list[list[Any]]:
        """The other timers' lines, less this run's own timer: a resumed bill's preview may have seen
        it on the ticket as "other" time (the dead run logged it), and it is the labor line already."""
        own = results.get("timer", {}).get("timer_id")
        return [s for s in self.body.get("swept", []) if own is None or s[4] != own]

    def _missing(self, invoice: Invoice, results: Results) -> tuple[InvoiceLineItem | None, list[list[Any]]]:
        """This bill's labor line (None: missing) and the swept lines the invoice lacks."""
        parts, swept = self.body.get("parts", []), self._swept(results)
        got = assign(invoice, [*((p, Decimal(q), False) for p, q in parts), (self.product_id, self.qty, True),
                               *((s[0], Decimal(s[1]), True) for s in swept)])
        n = len(parts)
        return got[n], [s for s, li in zip(swept, got[n + 1:], strict=True) if li is None]

    def _result(self, li: InvoiceLineItem | None, line_id: int, added: bool, extra: list[int]) -> dict[str, Any]:
        qty = li.quantity if li is not None and li.quantity is not None else self.qty
        return {"line_item_id": line_id, "added": added, "quantity": str(qty),
                "timers": self.body.get("timers", []), "swept_added": extra}

    async def send(self, results: Results) -> dict[str, Any]:
        inv_id = results["invoice"]["invoice_id"]
        invoice = await self.client.get_invoice(inv_id)
        labor, missing = self._missing(invoice, results)
        extra = [(await self._add(inv_id, s[0], Decimal(s[1]), Decimal(s[2]), s[3])).id for s in missing]
        if labor is not None:
            if not extra:
                self.seen = invoice
            found = self._result(labor, labor.id, False, extra)
            return {**found, "total": str(invoice.total) if invoice.total and not extra else None}
        product = await self.client.get_product(self.product_id)
        price = product.price_retail if product.price_retail is not None else Decimal(0)
        li = await self._add(inv_id, self.product_id, self.qty, price, product.name, product.description)
        return self._result(None, li.id, True, extra)

    async def _add(self, inv_id: int, product_id: int, qty: Decimal, price: Decimal, item: str | None = None,
                   name: str | None = None) -> InvoiceLineItem:
        return await self.client.add_invoice_line_item(
            inv_id, item=item or self.labor, name=name or item or self.labor, quantity=qty, price=price,
            product_id=product_id,
        )

    async def find(self, results: Results, since: datetime) -> dict[str, Any] | None:
        invoice = await self.client.get_invoice(results["invoice"]["invoice_id"])
        labor, missing = self._missing(invoice, results)
        if labor is None or missing:
            return None
        self.seen = invoice
        return self._result(labor, labor.id, True, [])
