"""Invoices and invoice line items (docs/syncro-facts.md#invoices).

``GET /invoices/{id}`` accepts an id or an invoice number and its reply may be wrapped
(``{"invoice": …}``) or flat; both are accepted. Invoice ``number`` is a string.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .http import HttpCore
from .models import Invoice, InvoiceLineItem, Page


class InvoicesMixin(HttpCore):
    async def list_invoices(
        self,
        *,
        ticket_id: int | None = None,
        paid: bool | None = None,
        unpaid: bool | None = None,
        page: int = 1,
    ) -> Page[Invoice]:
        """``GET /invoices`` (Syncro has no customer filter)."""
        params = {"ticket_id": ticket_id, "paid": paid, "unpaid": unpaid, "page": page}
        data = await self._request("GET", "/invoices", params=params)
        return self._page(Invoice, data, "GET", "/invoices", "invoices", page)

    async def get_invoice(self, id_or_number: int | str) -> Invoice:
        """``GET /invoices/{id}``; Syncro also accepts the invoice number here."""
        ref = str(id_or_number).strip()
        if not ref or "/" in ref or "?" in ref:
            raise ValueError(f"not an invoice id or number: {id_or_number!r}")
        path = f"/invoices/{ref}"
        data = await self._request("GET", path)
        return self._one(Invoice, data, "GET", path, "invoice")

    async def create_invoice(
        self,
        *,
        customer_id: int,
        ticket_id: int | None = None,
        category: str | None = None,
        date: date | datetime | str | None = None,
        note: str | None = None,
    ) -> Invoice:
        """``POST /invoices``. Line items sent here are ignored by Syncro; add them afterwards."""
        payload: dict[str, Any] = {"customer_id": customer_id}
        optional = {"ticket_id": ticket_id, "category": category, "date": date, "note": note}
        payload.update({k: v for k, v in optional.items() if v is not None})
        data = await self._request("POST", "/invoices", body=payload)
        return self._one(Invoice, data, "POST", "/invoices", "invoice")

    async def add_invoice_line_item(
        self,
        invoice_id: int,
        *,
        item: str,
        name: str,
        quantity: Decimal | float | int,
        price: Decimal | float | int,
        product_id: int | None = None,
        cost: Decimal | float | int | None = None,
        taxable: bool | None = None,
    ) -> InvoiceLineItem:
        """``POST /invoices/{id}/line_items`` (reply undocumented: flat or wrapped accepted)."""
        path = f"/invoices/{int(invoice_id)}/line_items"
        payload: dict[str, Any] = {"item": item, "name": name, "quantity": quantity, "price": price}
        optional = {"product_id": product_id, "cost": cost, "taxable": taxable}
        payload.update({k: v for k, v in optional.items() if v is not None})
        data = await self._request("POST", path, body=payload)
        return self._one(InvoiceLineItem, data, "POST", path, "line_item", "invoice_line_item")

    async def update_invoice_line_item(
        self, invoice_id: int, line_item_id: int, fields: dict[str, Any]
    ) -> InvoiceLineItem:
        """``PUT /invoices/{id}/line_items/{line_item_id}`` (e.g. ``price``: a warranty line at $0)."""
        path = f"/invoices/{int(invoice_id)}/line_items/{int(line_item_id)}"
        data = await self._request("PUT", path, body=dict(fields))
        return self._one(InvoiceLineItem, data, "PUT", path, "line_item", "invoice_line_item")

    async def delete_invoice(self, invoice_id: int) -> None:
        """``DELETE /invoices/{id}``. Syncro answers 200 even when nothing was deleted."""
        await self._request("DELETE", f"/invoices/{int(invoice_id)}", allow_empty=True)
