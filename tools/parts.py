"""add_ticket_part: a catalogue product as a ticket line item (a part), confirmed and journaled.

Ticket lines do not fill from the catalogue: Syncro answers 422 without ``name`` and
``description`` (docs/syncro-facts.md#field-reports), so both come from the product. The part
then goes on the ticket's next invoice, and bill_ticket's preview lists it.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Annotated

from pydantic import Field
from syncro_mcp.client.errors import NotFoundError
from syncro_mcp.client.models import Product
from syncro_mcp.engine.bill_writes import TicketLineStep
from syncro_mcp.engine.journal import Entry
from syncro_mcp.engine.plans import Job
from syncro_mcp.engine.runner import resume_note
from syncro_mcp.engine.steps import RunReport

from . import formatting as fmt
from .declare import JournaledPlan, Progress, Toolset, WriteArgs, WriteTool
from .errors import InputError
from .formatting import ticket_label
from .models import WriteResult
from .params import Again, Name, Number
from .resolver import digits
from .runtime import Runtime


class AddPartArgs(WriteArgs):
    number: Number
    product: Annotated[Name, Field(description="Id or words of its name (must match one product).")]
    quantity: Annotated[float, Field(gt=0, le=10000)]
    price: Annotated[float | None, Field(ge=0, le=1000000, description="Default: catalogue price.")] = None
    again: Again = False


async def find_product(rt: Runtime, text: str) -> Product:
    """The one product ``text`` names (an id, an exact name, or the only search hit); else an error."""
    return await rt.resolver.kept(("product", text.strip()), partial(_find_product, rt, text.strip()))


async def _find_product(rt: Runtime, text: str) -> Product:
    if digits(text):
        try:
            return await rt.client.get_product(int(text))
        except NotFoundError:
            raise InputError(f"No product with id {text} in Syncro's catalogue.") from None
    found = await rt.client.list_products(query=text)
    exact = [p for p in found if (p.name or "").casefold() == text.casefold()]
    if len(exact) == 1 or len(found) == 1:
        return (exact or found)[0]
    if not found:
        raise InputError(f'No product in Syncro\'s catalogue matches "{text}". Give other words or the product id.')
    shown = "; ".join(f"{p.name} (id {p.id}, {fmt.money(p.price_retail)})" for p in found[:10])
    raise InputError(f'"{text}" matches {len(found)} products: {shown}. Give the product id.')


async def plan_add_ticket_part(rt: Runtime, a: AddPartArgs) -> JournaledPlan:
    ticket = await rt.resolver.ticket(a.number)  # an unknown number (even ≥ 2**63) is refused before the journal
    resume = await rt.engine.check("add_ticket_part", a.number, a.journal_key(), allow_repeat=a.again)
    p = await find_product(rt, a.product)
    qty = Decimal(str(a.quantity))
    price = Decimal(str(a.price)) if a.price is not None else p.price_retail
    if price is None:
        raise InputError(f"{p.name} (id {p.id}) has no price in Syncro's catalogue: give price (never guessed).")
    name = p.name or f"product {p.id}"
    step = TicketLineStep(rt.client, ticket, p.id, name, p.description or name, qty, price,
                          taxable=bool(p.taxable), unit=" ×")
    job = Job("add_ticket_part", a.number, a.journal_key(), [step], resume, allow_repeat=a.again)
    amount = (qty * price).quantize(Decimal("0.01"))
    preview = (
        f"Add a part to {ticket_label(ticket)}\n"
        f"  {qty} × {name} (product {p.id}) at {fmt.money(price)}"
        f"{'' if a.price is None else ' (price given, catalogue ' + fmt.money(p.price_retail) + ')'}"
        f" = {fmt.money(amount)}{', taxable' if p.taxable else ''}\n"
        "  It goes on the ticket's next invoice (bill_ticket's preview lists it)."
    )
    return JournaledPlan(preview + resume_note(job), ticket, job)


def part_done(rt: Runtime, plan: JournaledPlan, report: RunReport, entry: Entry) -> WriteResult:
    rt.resolver.forget(plan.ticket.number or 0)
    return WriteResult(
        status="done", message=f"Added to #{plan.ticket.number}: {plan.job.steps[0].describe.split(': ', 1)[1]}.",
        number=plan.ticket.number, line_item_id=report.results["line_item"]["ticket_line_item_id"],
        steps=report.lines, journal_entry=entry.id,
    )


async def add_ticket_part(rt: Runtime, a: AddPartArgs, plan: JournaledPlan, progress: Progress | None) -> WriteResult:
    """Add a catalogue product to a ticket (billed on its next invoice)."""
    return part_done(rt, plan, *await rt.engine.run(plan.job, progress))


ADD_TICKET_PART = WriteTool(
    "add_ticket_part", Toolset.BILLING, "Add part", AddPartArgs, plan_add_ticket_part, add_ticket_part
)

TOOLS = (ADD_TICKET_PART,)
