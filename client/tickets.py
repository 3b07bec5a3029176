"""Tickets, their comments and their part/product line items (docs/syncro-facts.md#tickets).

Ticket paths take the internal database ``id``; humans use the ticket ``number``.
``find_ticket_id`` is the one place that turns a number into an id.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from .errors import NotFoundError
from .http import HttpCore
from .models import Comment, Page, Ticket, TicketLineItem, TicketSummary
from .pagination import walk_pages_complete


class TicketsMixin(HttpCore):
    async def list_tickets(
        self,
        *,
        status: str | None = None,
        customer_id: int | None = None,
        number: int | str | None = None,
        query: str | None = None,
        user_id: int | None = None,
        mine: bool | None = None,
        contact_id: int | None = None,
        since_updated_at: datetime | str | None = None,
        page: int = 1,
    ) -> Page[TicketSummary]:
        """One page of ``GET /tickets``; every filter is optional and sent only when set."""
        params = {
            "status": status,
            "customer_id": customer_id,
            "number": None if number is None else str(number),
            "query": query,
            "user_id": user_id,
            "mine": mine,
            "contact_id": contact_id,
            "since_updated_at": since_updated_at,
            "page": page,
        }
        data = await self._request("GET", "/tickets", params=params)
        return self._page(TicketSummary, data, "GET", "/tickets", "tickets", page)

    async def iter_tickets(self, **filters: Any) -> list[TicketSummary]:
        """Walk ``GET /tickets`` pages (bounded by ``max_pages``) and return all items."""
        return (await self.walk_tickets(**filters))[0]

    async def walk_tickets(
        self,
        *,
        status: str | None = None,
        customer_id: int | None = None,
        query: str | None = None,
        user_id: int | None = None,
        mine: bool | None = None,
        contact_id: int | None = None,
        since_updated_at: datetime | str | None = None,
        max_pages: int = 4,
    ) -> tuple[list[TicketSummary], bool]:
        """``iter_tickets``, and whether every page was read (False: ``max_pages`` stopped the walk)."""

        async def fetch(page: int) -> Page[TicketSummary]:
            return await self.list_tickets(
                status=status,
                customer_id=customer_id,
                query=query,
                user_id=user_id,
                mine=mine,
                contact_id=contact_id,
                since_updated_at=since_updated_at,
                page=page,
            )

        return await walk_pages_complete(fetch, max_pages=max_pages)

    async def find_ticket(self, number: int) -> TicketSummary:
        """The ticket whose human ``number`` equals ``number`` (the list may include others)."""
        page = await self.list_tickets(number=number)
        for ticket in page.items:
            if ticket.number is not None and int(ticket.number) == int(number):
                return ticket
        raise NotFoundError(f"Ticket #{number} not found", method="GET", path="/tickets")

    async def find_ticket_id(self, number: int) -> int:
        """Ticket number → internal id (``GET /tickets?number=N``)."""
        return (await self.find_ticket(number)).id

    async def get_ticket(self, ticket_id: int) -> Ticket:
        path = f"/tickets/{int(ticket_id)}"
        data = await self._request("GET", path)
        return self._one(Ticket, data, "GET", path, "ticket")

    async def create_ticket(self, fields: dict[str, Any]) -> Ticket:
        """``POST /tickets`` with a flat body (``customer_id`` and ``subject`` needed in practice)."""
        data = await self._request("POST", "/tickets", body=dict(fields))
        return self._one(Ticket, data, "POST", "/tickets", "ticket")

    async def update_ticket(self, ticket_id: int, fields: dict[str, Any]) -> Ticket:
        """``PUT /tickets/{id}``: send only the fields to change."""
        path = f"/tickets/{int(ticket_id)}"
        data = await self._request("PUT", path, body=dict(fields))
        return self._one(Ticket, data, "PUT", path, "ticket")

    async def delete_ticket(self, ticket_id: int) -> None:
        await self._request("DELETE", f"/tickets/{int(ticket_id)}", allow_empty=True)

    async def list_comments(self, ticket_id: int, *, per_page: int = 10, page: int = 1) -> list[Comment]:
        """``GET /tickets/{id}/comments`` (newest first); the list endpoint truncates threads."""
        path = f"/tickets/{int(ticket_id)}/comments"
        data = await self._request("GET", path, params={"per_page": per_page, "page": page})
        return self._list(Comment, data, "GET", path, "comments")

    async def comments_page(self, ticket_id: int, *, per_page: int, page: int) -> Page[Comment]:
        """One page of ``GET /tickets/{id}/comments`` with its ``meta``: Syncro may page by fewer than
        ``per_page`` (its cap is undocumented), so ``total_pages``, not a short page, ends a walk."""
        path = f"/tickets/{int(ticket_id)}/comments"
        data = await self._request("GET", path, params={"per_page": per_page, "page": page})
        return self._page(Comment, data, "GET", path, "comments", page)

    async def add_comment(
        self,
        ticket_id: int,
        *,
        subject: str,
        body: str,
        hidden: bool = False,
        do_not_email: bool = False,
    ) -> Comment:
        """``POST /tickets/{id}/comment``. Never sends time fields: time goes through timer entries."""
        path = f"/tickets/{int(ticket_id)}/comment"
        payload = {"subject": subject, "body": body, "hidden": hidden, "do_not_email": do_not_email}
        data = await self._request("POST", path, body=payload)
        return self._one(Comment, data, "POST", path, "comment")

    async def add_ticket_line_item(
        self,
        ticket_id: int,
        *,
        name: str,
        description: str,
        product_id: int | None = None,
        quantity: Decimal | float | int = 1,
        price_retail: Decimal | float | None = None,
        price_cost: Decimal | float | None = None,
        taxable: bool | None = None,
    ) -> TicketLineItem:
        """``POST /tickets/{id}/add_line_item`` (flat reply). ``name`` and ``description`` are
        both required by Syncro even with a ``product_id``."""
        path = f"/tickets/{int(ticket_id)}/add_line_item"
        payload: dict[str, Any] = {"name": name, "description": description, "quantity": quantity}
        optional = {
            "product_id": product_id,
            "price_retail": price_retail,
            "price_cost": price_cost,
            "taxable": taxable,
        }
        payload.update({k: v for k, v in optional.items() if v is not None})
        data = await self._request("POST", path, body=payload)
        return self._one(TicketLineItem, data, "POST", path, "ticket_line_item", "line_item")

    async def update_ticket_line_item(
        self, ticket_id: int, line_item_id: int, fields: dict[str, Any]
    ) -> TicketLineItem:
        """``PUT /tickets/{id}/update_line_item`` (``ticket_line_item_id`` in the body): e.g. the product
        and price of a line ``charge_timer_entry`` made with the account's default labor product."""
        path = f"/tickets/{int(ticket_id)}/update_line_item"
        data = await self._request("PUT", path, body={"ticket_line_item_id": line_item_id, **fields})
        return self._one(TicketLineItem, data, "PUT", path, "ticket_line_item", "line_item")
