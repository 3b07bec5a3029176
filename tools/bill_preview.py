"""The bill's invoice, before and after: every line "Make Invoice" will carry, and the check after.

Syncro's "Make Invoice" (POST /invoices with the ticket id) copies the ticket's line items (parts,
charged time) and its uncharged billable timers (docs/syncro-facts.md#invoices), so the preview
lists all of them with the catalogue's unit price, not only this bill's labor. After the write
the invoice is read back and compared with the preview: differences are reported first.
Time and lines already on an invoice are read from Syncro (``tools/billed.py``: whoever billed
them), so they are never shown as uncharged nor swept in again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from syncro_mcp.client.errors import SyncroError
from syncro_mcp.client.models import Invoice, Product, Ticket, TicketLineItem, TicketTimer
from syncro_mcp.engine.plans import Work
from syncro_mcp.engine.steps import CLOCK_SLACK
from syncro_mcp.engine.writes import Swept, hours

from . import formatting as fmt
from .billed import Billed, billed_on
from .mapping import timer_minutes
from .models import BillLine
from .runtime import Runtime

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Own:
    """What a resumed bill already made in Syncro (``Engine.made``: its journal's results, and a record
    found for a step whose answer was lost): its timer, its ticket lines, its invoice. Never the
    ticket's "other" time in its own preview; what its invoice swept in is shown as it was before."""

    timers: frozenset[int] = frozenset()
    lines: frozenset[int] = frozenset()
    invoices: frozenset[int] = frozenset()

    @classmethod
    def of(cls, results: dict[str, dict[str, Any]]) -> Own:
        return cls(_ids(results, "timer_id"), _ids(results, "ticket_line_item_id"), _ids(results, "invoice_id"))


def _ids(results: dict[str, dict[str, Any]], key: str) -> frozenset[int]:
    return frozenset(int(r[key]) for r in results.values() if r.get(key))


@dataclass
class BillPreview:
    """What the invoice will hold: its lines, the total before tax, the prepaid block."""

    lines: list[BillLine]
    total: Decimal
    prepay_hours: Decimal | None = None
    swept_timers: list[int] = field(default_factory=list)
    """Ids of the other uncharged timers "Make Invoice" copies along with this bill's."""
    warnings: list[str] = field(default_factory=list)
    labor_name: str = ""
    """The catalogue's name of this bill's labor product (the line's name in the line_item path)."""
    product_names: dict[int, str] = field(default_factory=dict)
    """The catalogue's names of the products on the preview's time lines."""

    @property
    def labor(self) -> BillLine:
        return next(li for li in self.lines if li.kind == "labor")

    def swept(self) -> tuple[Swept, ...]:
        """The other uncharged timers' lines (product, hours, price, item), to add when Syncro's
        "Make Invoice" does not copy them; an unpriced one is not added (a price is never guessed)."""
        timers = [li for li in self.lines if li.kind == "timer"]  # in the order of swept_timers
        return tuple((li.product_id, li.quantity, li.price, self.product_names.get(li.product_id, li.item), tid)
                     for li, tid in zip(timers, self.swept_timers, strict=True)
                     if li.product_id is not None and li.price is not None)

    def parts(self) -> tuple[tuple[int | None, Decimal], ...]:
        return tuple((li.product_id, li.quantity) for li in self.lines if li.kind == "part")


def amount(qty: Decimal, price: Decimal | None) -> Decimal | None:
    return None if price is None else (qty * price).quantize(CENT)


#: How much of another timer's notes its preview line shows: enough to recognise it, one short line.
NOTE_WIDTH = 40


def _timer_line(t: TicketTimer, p: Product | None, names: dict[int, str], kind: str = "timer") -> BillLine:
    qty = hours(timer_minutes(t))
    name = names.get(t.product_id or 0) or (p.name if p else None) or f"product {t.product_id}"
    price = p.price_retail if p else None
    note = fmt.clip(fmt.one_line(t.notes), NOTE_WIDTH) if t.notes and t.notes.strip() else None
    return BillLine(kind=kind, item=f"{name} labor ({fmt.duration(timer_minutes(t))})", product_id=t.product_id,
                    quantity=qty, price=price, amount=amount(qty, price), taxable=bool(p and p.taxable),
                    started=fmt.local_day(t.start_time), note=note)


def _part_line(li: TicketLineItem) -> BillLine:
    qty = li.quantity if li.quantity is not None else Decimal(1)
    return BillLine(kind="part", item=li.name or li.description or f"line {li.id}", product_id=li.product_id,
                    quantity=qty, price=li.price_retail, amount=amount(qty, li.price_retail), taxable=bool(li.taxable))


def before_bill(detail: Ticket, billed: Billed, own: Own) -> tuple[list[TicketTimer], list[TicketLineItem]]:
    """The ticket's other uncharged timers and its parts as they were before this bill: its own records
    left out, and what its own invoice swept in (timers Make Invoice charged, lines it copied) put back."""
    ours = {str(i.number or i.id) for i in billed.invoices if i.id in own.invoices}
    before = Billed({k: v for k, v in billed.timers.items() if v not in ours},
                    {k: v for k, v in billed.lines.items() if v not in ours})
    on_ours = {lid for lid, label in billed.lines.items() if label in ours}
    made = min((i.created_at for i in billed.invoices if i.id in own.invoices and i.created_at), default=None)
    charged_by_ours = {li.id for li in detail.line_items if li.id in on_ours and made is not None
                       and li.created_at is not None and li.created_at >= made - CLOCK_SLACK}
    own_lines = own.lines | {t.ticket_line_item_id for t in detail.ticket_timers
                             if t.id in own.timers and t.ticket_line_item_id}
    others = [t for t in detail.ticket_timers
              if t.id not in own.timers and t.product_id is not None and t.billable is not False
              and t.id not in before.timers and (not t.recorded or t.ticket_line_item_id in charged_by_ours)]
    parts = [li for li in detail.line_items
             if li.id not in own_lines and li.id not in charged_by_ours and li.id not in before.lines
             and (not li.converted or li.id in on_ours)]
    return others, parts


async def preview_invoice(rt: Runtime, detail: Ticket, work: Work, number: int, free: bool = False,
                          own: Own = Own()) -> BillPreview:
    """Every line the invoice from ``detail`` will carry once this bill's labor is on the ticket
    (``free``: no charge, the labor line at $0; ``own``: what this bill already made, when it resumes)."""
    unread: list[str] = []
    try:
        billed = await billed_on(rt.client, detail, force=bool(own.invoices))
    except SyncroError as exc:
        if own == Own():
            raise
        # resuming: the journal already names this bill's records; the invoice is checked after the write
        billed, unread = Billed(), [f"could not read the ticket's invoices ({exc}); the invoice is compared "
                                    "with this preview after the write"]
    others, parts = before_bill(detail, billed, own)
    pids = sorted({work.product_id, *(t.product_id for t in others if t.product_id is not None)})
    products = {p: await rt.resolver.product(p) for p in pids}  # one catalogue read serves them all
    names = rt.resolver.labor_names()
    mine = products[work.product_id]
    qty = hours(work.minutes)
    price = Decimal(0) if free else (mine.price_retail if mine else None)
    item = f"{work.labor} labor ({fmt.duration(work.minutes)}), this bill" + (", no charge" if free else "")
    labor = BillLine(kind="labor", item=item,
                     product_id=work.product_id, quantity=qty, price=price, amount=amount(qty, price),
                     taxable=bool(mine and mine.taxable))
    timers = [_timer_line(t, products.get(t.product_id or 0), names) for t in others]
    lines = [*(_part_line(li) for li in parts), *timers, labor]
    total = sum((li.amount or Decimal(0) for li in lines), Decimal(0))
    customer = detail.customer
    if customer is None and detail.customer_id is not None:  # the detail nests the customer; read it if not
        customer = await rt.client.get_customer(detail.customer_id)
    prepay = customer.prepay_hours if customer is not None else None
    warnings = [*unread, *(f"{li.item}: no catalogue price" for li in lines if li.price is None)]
    name = (mine.name if mine else None) or work.labor
    warnings += prepaid_warning(work, name, prepay)
    catalogue = {pid: p.name for pid, p in products.items() if p is not None and p.name}
    return BillPreview(lines, total, prepay, [t.id for t in others], warnings, name, catalogue)


AFTER_HOURS = ("emergency", "after hours", "after-hours")


def prepaid_warning(work: Work, product_name: str, prepay: Decimal | None) -> list[str]:
    """Emergency labor for a prepaid customer: Syncro draws the block down by hours, not dollars
    (docs/syncro-facts.md#field-reports), so the account's own rule must decide how it bills."""
    words = f"{work.labor} {product_name}".casefold()
    if prepay is None or prepay <= 0 or not any(w in words for w in AFTER_HOURS):
        return []
    return [f"emergency labor for a prepaid customer ({prepay} h left): Syncro draws the block down by "
            "hours, not dollars. No substitution rule is applied; check the account's policy (e.g. some "
            "bill onsite at 1.5× the hours instead) before approving."]


def _recognise(li: BillLine) -> str:
    """Another timer's day and note, so the technician knows which entry the invoice sweeps in."""
    bits = [str(li.started) if li.started else "", f'"{li.note}"' if li.note else ""]
    return f" [{' '.join(b for b in bits if b)}]" if any(bits) else ""


def preview_text(p: BillPreview) -> list[str]:
    """The invoice as the preview shows it: one row per line, the total, prepaid hours, warnings."""
    rows = [f"     {li.item}{_recognise(li)}: {li.quantity} × {fmt.money(li.price)} = {fmt.money(li.amount)}"
            + (" (taxable)" if li.taxable else "") for li in p.lines]
    out = ["  The invoice will carry:", *rows, f"     Total {fmt.money(p.total)}"
           + (" before tax" if any(li.taxable for li in p.lines) else "")]
    if p.prepay_hours is not None:
        out.append(f"  Customer's prepaid hours: {p.prepay_hours} (Syncro draws labor hours from the block)")
    out += [f"  Warning: {w}" for w in p.warnings]
    return out


def invoice_lines(inv: Invoice, preview: BillPreview | None = None) -> list[BillLine]:
    """The invoice's lines as BillLines; ``kind`` as the preview named the product (else part)."""
    kinds: dict[int | None, str] = {li.product_id: li.kind for li in (preview.lines if preview else [])}
    out = []
    for li in inv.line_items:
        qty = li.quantity if li.quantity is not None else Decimal(0)
        kind = kinds.get(li.product_id, "part")
        out.append(BillLine(kind=kind, item=li.item or li.name or f"line {li.id}", product_id=li.product_id,
                            quantity=qty, price=li.price, amount=amount(qty, li.price), taxable=bool(li.taxable)))
    return out


def differences(p: BillPreview, inv: Invoice) -> list[str]:
    """How Syncro's invoice differs from the preview (lines matched by product and quantity)."""
    left = invoice_lines(inv)
    diffs: list[str] = []
    for want in p.lines:
        same = [g for g in left if g.product_id == want.product_id]
        exact = [g for g in same if g.quantity == want.quantity and g.price == want.price]
        got = (exact or same or [None])[0]
        if got is None:
            diffs.append(f"missing from the invoice: {want.item} ({want.quantity} × {fmt.money(want.price)})")
            continue
        left.remove(got)
        if got.quantity != want.quantity or got.price != want.price:
            diffs.append(f"{want.item}: Syncro billed {got.quantity} × {fmt.money(got.price)} "
                         f"where the preview said {want.quantity} × {fmt.money(want.price)}")
    diffs += [f"not in the preview: {g.item} ({g.quantity} × {fmt.money(g.price)})" for g in left]
    subtotal = inv.subtotal if inv.subtotal is not None else inv.total
    if subtotal is not None and subtotal != p.total:
        diffs.append(f"total before tax {fmt.money(subtotal)} where the preview said {fmt.money(p.total)}")
    return diffs
