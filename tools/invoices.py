"""Invoices toolset: list, show, create from a ticket, add a line, delete."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated

from pydantic import Field
from syncro_mcp.client.models import Invoice, Product, TicketSummary

from . import formatting as fmt
from . import mapping
from .errors import InputError
from .models import InvoiceDetail, InvoiceList, WriteResult
from .params import Number
from .registry import Registrar
from .runtime import Runtime
from .tickets import ticket_label

InvoiceRef = Annotated[str, Field(min_length=1, max_length=40, description="Invoice number or id.")]


@dataclass
class InvoicePlan:
    preview: str
    invoice: Invoice | None = None
    ticket: TicketSummary | None = None
    product: Product | None = None
    quantity: Decimal | None = None
    price: Decimal | None = None


def register(reg: Registrar, rt: Runtime) -> None:
    client, resolver = rt.client, rt.resolver

    async def load_invoice(ref: str) -> Invoice:
        ref = ref.strip().lstrip("#")
        if not ref.isdigit():
            raise InputError(f'"{ref}" is not an invoice number or id (digits only).')
        return await client.get_invoice(ref)

    @reg.read("invoices", "Invoices", InvoiceList)
    async def list_invoices(ticket: Number | None = None, unpaid: bool | None = None):
        """Invoices, newest first; filter by ticket number or unpaid."""
        ticket_id = await resolver.ticket_id(ticket) if ticket else None
        page = await client.list_invoices(ticket_id=ticket_id, unpaid=unpaid or None)
        rows = sorted((mapping.invoice_row(i) for i in page.items), key=lambda r: r.id, reverse=True)
        result = InvoiceList(invoices=rows)
        heading = ", ".join(p for p in (ticket and f"ticket #{ticket}", unpaid and "unpaid") if p) or "latest"
        return result, fmt.invoice_list(result, heading)

    @reg.read("invoices", "Invoice", InvoiceDetail)
    async def get_invoice(id_or_number: InvoiceRef):
        """Invoice with its lines and totals."""
        result = mapping.invoice_detail(await load_invoice(id_or_number))
        return result, fmt.invoice_detail(result)

    async def plan_create(number: int) -> InvoicePlan:
        ticket = await resolver.ticket(number)
        if ticket.customer_id is None:
            raise InputError(f"Ticket #{number} has no customer; Syncro cannot invoice it.")
        return InvoicePlan(
            f"Create an invoice from {ticket_label(ticket)} (category {rt.config.invoice_category}); it takes the "
            "ticket's uncharged time and parts.",
            ticket=ticket,
        )

    @reg.write("invoices", "Create invoice", plan=plan_create)
    async def create_invoice(plan: InvoicePlan, number: Number) -> WriteResult:
        """Make an invoice from a ticket (its uncharged time and parts)."""
        assert plan.ticket is not None
        inv = await client.create_invoice(
            customer_id=plan.ticket.customer_id or 0,
            ticket_id=plan.ticket.id,
            category=rt.config.invoice_category,
        )
        row = mapping.invoice_row(inv)
        return WriteResult(
            status="done",
            message=f"Created invoice #{row.number or row.id} from #{number}.",
            number=number,
            invoice=row,
            steps=["POST invoice"],
        )

    async def product_for(ref: str) -> Product:
        text = ref.strip()
        if text.casefold() in resolver.labor_types:
            return await client.get_product(resolver.labor(text))
        if text.isdigit():
            return await client.get_product(int(text))
        matches = await client.list_products(query=text)
        exact = [p for p in matches if (p.name or "").casefold() == text.casefold()]
        if len(exact) == 1 or len(matches) == 1:
            return (exact or matches)[0]
        if not matches:
            raise InputError(
                f'No labor type or product matches "{ref}". Labor types: '
                f"{', '.join(sorted(resolver.labor_types))}."
            )
        listed = "; ".join(f"{p.name} (id {p.id})" for p in matches[:10])
        raise InputError(f'Product "{ref}" is ambiguous: {listed}. Use the product id.')

    async def plan_line(
        invoice: str, labor_type_or_product: str, quantity: float, price: float | None
    ) -> InvoicePlan:
        qty = Decimal(str(quantity))
        unit_given = None if price is None else Decimal(str(price))
        inv = await load_invoice(invoice)
        product = await product_for(labor_type_or_product)
        unit = unit_given if unit_given is not None else product.price_retail
        if unit is None:
            raise InputError(f"Product {product.name} has no price in Syncro; give price explicitly.")
        source = "given" if unit_given is not None else "catalogue price"
        return InvoicePlan(
            f"Add to invoice #{inv.number or inv.id} ({inv.customer_business_then_name or ''}):\n"
            f"  {qty} × {product.name} @ {fmt.money(unit)} ({source}) = {fmt.money(unit * qty)}",
            invoice=inv,
            product=product,
            quantity=qty,
            price=unit,
        )

    @reg.write("invoices", "Add invoice line", plan=plan_line)
    async def add_invoice_line_item(
        plan: InvoicePlan,
        invoice: InvoiceRef,
        labor_type_or_product: Annotated[
            str, Field(min_length=1, max_length=200, description="Labor type, product id or product name.")
        ],
        quantity: Annotated[float, Field(gt=0, le=10000)],
        price: Annotated[float | None, Field(ge=0, le=1000000, description="Unit price; default: catalogue.")] = None,
    ) -> WriteResult:
        """Add a line to an invoice (hours for labor)."""
        assert plan.invoice and plan.product and plan.quantity is not None and plan.price is not None
        li = await client.add_invoice_line_item(
            plan.invoice.id,
            item=plan.product.name or "",
            name=plan.product.description or plan.product.name or "",
            quantity=plan.quantity,
            price=plan.price,
            product_id=plan.product.id,
        )
        return WriteResult(
            status="done",
            message=f"Added {plan.quantity} × {plan.product.name} to invoice "
            f"#{plan.invoice.number or plan.invoice.id}.",
            invoice=mapping.invoice_row(plan.invoice),
            line_item_id=li.id,
            steps=["POST invoice line item"],
        )

    async def plan_delete(invoice: str) -> InvoicePlan:
        inv = await load_invoice(invoice)
        return InvoicePlan(
            f"DELETE invoice #{inv.number or inv.id} ({inv.customer_business_then_name or ''}, total "
            f"{fmt.money(inv.total)}). This cannot be undone.",
            invoice=inv,
        )

    @reg.write("invoices", "Delete invoice", plan=plan_delete, destructive=True)
    async def delete_invoice(plan: InvoicePlan, invoice: InvoiceRef) -> WriteResult:
        """Delete an invoice permanently."""
        assert plan.invoice is not None
        await client.delete_invoice(plan.invoice.id)
        return WriteResult(
            status="done",
            message=f"Deleted invoice #{plan.invoice.number or plan.invoice.id}.",
            steps=["DELETE invoice"],
        )
