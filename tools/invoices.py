"""Invoices toolset: list, show, create from a ticket, add a line, delete."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Annotated

from pydantic import Field
from syncro_mcp.client.models import Invoice, Product, TicketSummary

from . import formatting as fmt
from . import mapping
from .declare import Args, Progress, ReadTool, Toolset, WriteArgs, WriteTool
from .errors import InputError
from .formatting import ticket_label
from .links import web_base
from .models import InvoiceDetail, InvoiceList, WriteResult
from .params import Again, NotBool, Number, TicketArgs
from .resolver import digits
from .runtime import Runtime

InvoiceRef = Annotated[str, Field(min_length=1, max_length=40, description="Number or id.")]


@dataclass
class InvoicePlan:
    preview: str
    invoice: Invoice | None = None
    ticket: TicketSummary | None = None
    product: Product | None = None
    quantity: Decimal | None = None
    price: Decimal | None = None


async def load_invoice(rt: Runtime, ref: str) -> Invoice:
    ref = ref.strip().lstrip("#")
    if not digits(ref):
        raise InputError(f'"{ref}" is not an invoice number or id (digits only).')
    return await rt.resolver.kept(("invoice", ref), partial(rt.client.get_invoice, ref))


class ListInvoicesArgs(Args):
    ticket: Number | None = None
    unpaid: bool | None = None


async def list_invoices(rt: Runtime, a: ListInvoicesArgs) -> tuple[InvoiceList, str]:
    """Invoices, newest first."""
    ticket_id = await rt.resolver.ticket_id(a.ticket) if a.ticket else None
    page = await rt.client.list_invoices(ticket_id=ticket_id, unpaid=a.unpaid or None)
    base = web_base(rt.settings)
    rows = sorted((mapping.invoice_row(i, base) for i in page.items), key=lambda r: r.id, reverse=True)
    result = InvoiceList(invoices=rows)
    heading = ", ".join(p for p in (a.ticket and f"ticket #{a.ticket}", a.unpaid and "unpaid") if p) or "latest"
    return result, fmt.invoice_list(result, heading)


class GetInvoiceArgs(Args):
    id_or_number: InvoiceRef


async def get_invoice(rt: Runtime, a: GetInvoiceArgs) -> tuple[InvoiceDetail, str]:
    """Invoice with its lines and totals."""
    result = mapping.invoice_detail(await load_invoice(rt, a.id_or_number), web_base(rt.settings))
    return result, fmt.invoice_detail(result)


class CreateInvoiceArgs(TicketArgs):
    again: Again = False


async def plan_create_invoice(rt: Runtime, a: CreateInvoiceArgs) -> InvoicePlan:
    ticket = await rt.resolver.ticket(a.number)
    if ticket.customer_id is None:
        raise InputError(f"Ticket #{a.number} has no customer; Syncro cannot invoice it.")
    return InvoicePlan(
        f"Create an invoice from {ticket_label(ticket)} (category {rt.settings.invoice_category}); it takes the "
        "ticket's uncharged time and parts.",
        ticket=ticket,
    )


async def create_invoice(
    rt: Runtime, a: CreateInvoiceArgs, plan: InvoicePlan, progress: Progress | None
) -> WriteResult:
    """Invoice a ticket's uncharged time and parts."""
    assert plan.ticket is not None
    inv = await rt.client.create_invoice(
        customer_id=plan.ticket.customer_id or 0, ticket_id=plan.ticket.id, category=rt.settings.invoice_category
    )
    row = mapping.invoice_row(inv, web_base(rt.settings))
    return WriteResult(
        status="done", message=f"Created invoice #{row.number or row.id} from #{a.number}.", number=a.number,
        invoice=row, steps=["POST invoice"],
    )


async def product_for(rt: Runtime, ref: str) -> Product:
    """A labor type (the resolver's one labor lookup), a product id, or a product name."""
    return await rt.resolver.kept(("product_for", ref.strip()), partial(_product_for, rt, ref))


async def _product_for(rt: Runtime, ref: str) -> Product:
    text = ref.strip()
    if rt.resolver.is_labor(text):
        return await rt.client.get_product(rt.resolver.labor(text))
    if digits(text):
        return await rt.client.get_product(int(text))
    matches = await rt.client.list_products(query=text)
    exact = [p for p in matches if (p.name or "").casefold() == text.casefold()]
    if len(exact) == 1 or len(matches) == 1:
        return (exact or matches)[0]
    if not matches:
        raise InputError(
            f'No labor type or product matches "{ref}". Labor types: {", ".join(sorted(rt.resolver.labor_types))}.'
        )
    listed = "; ".join(f"{p.name} (id {p.id})" for p in matches[:10])
    raise InputError(f'Product "{ref}" is ambiguous: {listed}. Use the product id.')


class AddLineArgs(WriteArgs):
    invoice: InvoiceRef
    labor_type_or_product: Annotated[
        str, Field(min_length=1, max_length=200, description="Labor type, product id or product name.")
    ]
    quantity: Annotated[float, Field(ge=0.01, le=10000), NotBool]  # hours to the cent: 1e-9 is a typo, not work
    price: Annotated[float | None, Field(ge=0, le=1000000, description="Default: catalogue price.")] = None
    again: Again = False


async def plan_add_line(rt: Runtime, a: AddLineArgs) -> InvoicePlan:
    qty = Decimal(str(a.quantity))
    unit_given = None if a.price is None else Decimal(str(a.price))
    inv = await load_invoice(rt, a.invoice)
    product = await product_for(rt, a.labor_type_or_product)
    unit = unit_given if unit_given is not None else product.price_retail
    if unit is None:
        raise InputError(f"Product {product.name} has no price in Syncro; give price explicitly.")
    source = "given" if unit_given is not None else "catalogue price"
    return InvoicePlan(
        f"Add to invoice #{inv.number or inv.id} ({inv.customer_business_then_name or ''}):\n"
        f"  {qty} × {product.name} @ {fmt.money(unit)} ({source}) = {fmt.money(unit * qty)}",
        invoice=inv, product=product, quantity=qty, price=unit,
    )


async def add_invoice_line_item(
    rt: Runtime, a: AddLineArgs, plan: InvoicePlan, progress: Progress | None
) -> WriteResult:
    """Add a line to an invoice (hours for labor)."""
    assert plan.invoice and plan.product and plan.quantity is not None and plan.price is not None
    li = await rt.client.add_invoice_line_item(
        plan.invoice.id, item=plan.product.name or "", name=plan.product.description or plan.product.name or "",
        quantity=plan.quantity, price=plan.price, product_id=plan.product.id,
    )
    return WriteResult(
        status="done",
        message=f"Added {plan.quantity} × {plan.product.name} to invoice #{plan.invoice.number or plan.invoice.id}.",
        invoice=mapping.invoice_row(plan.invoice, web_base(rt.settings)), line_item_id=li.id,
        steps=["POST invoice line item"],
    )


class InvoiceArgs(WriteArgs):
    invoice: InvoiceRef


async def plan_delete_invoice(rt: Runtime, a: InvoiceArgs) -> InvoicePlan:
    inv = await load_invoice(rt, a.invoice)
    return InvoicePlan(
        f"DELETE invoice #{inv.number or inv.id} ({inv.customer_business_then_name or ''}, total "
        f"{fmt.money(inv.total)}). This cannot be undone.",
        invoice=inv,
    )


async def delete_invoice(rt: Runtime, a: InvoiceArgs, plan: InvoicePlan, progress: Progress | None) -> WriteResult:
    """Delete an invoice permanently."""
    assert plan.invoice is not None
    await rt.client.delete_invoice(plan.invoice.id)
    return WriteResult(
        status="done", message=f"Deleted invoice #{plan.invoice.number or plan.invoice.id}.", steps=["DELETE invoice"]
    )


LIST_INVOICES = ReadTool("list_invoices", Toolset.INVOICES, "Invoices", ListInvoicesArgs, InvoiceList, list_invoices)
GET_INVOICE = ReadTool(
    "get_invoice", Toolset.INVOICES, "Invoice", GetInvoiceArgs, InvoiceDetail, get_invoice, untrusted="lines[].name"
)
CREATE_INVOICE = WriteTool(
    "create_invoice", Toolset.INVOICES, "Create invoice", CreateInvoiceArgs, plan_create_invoice, create_invoice
)
ADD_INVOICE_LINE_ITEM = WriteTool(
    "add_invoice_line_item", Toolset.INVOICES, "Add invoice line", AddLineArgs, plan_add_line, add_invoice_line_item
)
DELETE_INVOICE = WriteTool(
    "delete_invoice", Toolset.INVOICES, "Delete invoice", InvoiceArgs, plan_delete_invoice, delete_invoice,
    destructive=True,
)

TOOLS = (LIST_INVOICES, GET_INVOICE, CREATE_INVOICE, ADD_INVOICE_LINE_ITEM, DELETE_INVOICE)
