"""The writes of the two other billing paths (issue 14; docs/syncro-facts.md#field-reports):

- ``charge_timer``: timer entry → ``ChargeStep`` (``charge_timer_entry`` turns it into a ticket
  line, with the account's default labor product whatever the timer's) → ``LineFixStep`` (read
  that line back; ``update_line_item`` to this bill's product and price when wrong) → invoice.
- ``line_item``: ``TicketLineStep`` (``add_line_item`` with name, description, hours, the live
  catalogue price, not taxable; no timer) → invoice.

Each is journaled before it is sent and verified by reading Syncro when its answer is lost:
charging twice would duplicate the line, so ``ChargeStep.find`` reads the timer's ``recorded``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from syncro_mcp.client import SyncroClient
from syncro_mcp.client.models import TicketLineItem, TicketSummary

from .steps import CLOCK_SLACK, Results, Step


class ChargeStep(Step):
    """POST charge_timer_entry for this bill's timer (from the ``timer`` step)."""

    def __init__(self, client: SyncroClient, ticket: TicketSummary) -> None:
        super().__init__("charge", f"POST charge_timer_entry on #{ticket.number} (the timer → a ticket line)",
                         {"charge": "timer"})
        self.client, self.ticket = client, ticket

    async def send(self, results: Results) -> dict[str, Any]:
        tid = results["timer"]["timer_id"]
        t = await self.client.charge_timer_entry(self.ticket.id, tid)
        return {"timer_id": tid, "ticket_line_item_id": t.ticket_line_item_id}

    async def find(self, results: Results, since: datetime) -> dict[str, Any] | None:
        tid = results["timer"]["timer_id"]
        for t in (await self.client.get_ticket(self.ticket.id)).ticket_timers:
            if t.id == tid and t.recorded:
                return {"timer_id": tid, "ticket_line_item_id": t.ticket_line_item_id}
        return None


class LineFixStep(Step):
    """Read the charged line back; PUT update_line_item to this bill's product and price when wrong.

    Setting the same values twice changes nothing, so a resend after a lost answer is harmless;
    ``find`` still reads first.
    """

    def __init__(self, client: SyncroClient, ticket: TicketSummary, product_id: int, name: str,
                 price: Decimal, quantity: Decimal | None = None) -> None:
        body: dict[str, Any] = {"product_id": product_id, "name": name, "price_retail": str(price)}
        if quantity is not None:  # a prepaid rule bills other hours than the timer's
            body["quantity"] = str(quantity)
        qty = f"{quantity} h " if quantity is not None else ""
        super().__init__("line_fix", f"Check the charged line is {qty}{name} at ${price} (PUT update_line_item if not)",
                         body)
        self.client, self.ticket = client, ticket

    def _right(self, li: TicketLineItem) -> bool:
        qty = self.body.get("quantity")
        return li.product_id == self.body["product_id"] and li.price_retail == Decimal(self.body["price_retail"]) \
            and (qty is None or li.quantity == Decimal(qty))

    async def _line(self, results: Results) -> TicketLineItem | None:
        line_id = results["charge"].get("ticket_line_item_id")
        detail = await self.client.get_ticket(self.ticket.id)
        return next((li for li in detail.line_items if li.id == line_id), None)

    async def send(self, results: Results) -> dict[str, Any]:
        li = await self._line(results)
        if li is None:
            raise RuntimeError("the charged timer's ticket line is not on the ticket; check the ticket in Syncro")
        patched = not self._right(li)
        if patched:
            li = await self.client.update_ticket_line_item(self.ticket.id, li.id, dict(self.body))
        return {"ticket_line_item_id": li.id, "patched": patched, "quantity": str(li.quantity)}

    async def find(self, results: Results, since: datetime) -> dict[str, Any] | None:
        li = await self._line(results)
        if li is None or not self._right(li):
            return None
        return {"ticket_line_item_id": li.id, "patched": True, "quantity": str(li.quantity)}


class TicketLineStep(Step):
    """POST add_line_item: a bill's labor or a part as a ticket line (name and description are required)."""

    key = "ticket_line_item_id"

    def __init__(self, client: SyncroClient, ticket: TicketSummary, product_id: int, name: str, description: str,
                 quantity: Decimal, price: Decimal, taxable: bool = False, unit: str = " h") -> None:
        body = {"product_id": product_id, "name": name, "description": description, "quantity": str(quantity),
                "price_retail": str(price), "taxable": taxable}
        super().__init__("line_item", f"POST add_line_item on #{ticket.number}: {quantity}{unit} {name} at ${price}",
                         body)
        self.client, self.ticket = client, ticket

    async def send(self, results: Results) -> dict[str, Any]:
        b = self.body
        li = await self.client.add_ticket_line_item(
            self.ticket.id, name=b["name"], description=b["description"], product_id=b["product_id"],
            quantity=Decimal(b["quantity"]), price_retail=Decimal(b["price_retail"]), taxable=bool(b["taxable"]),
        )
        return {"ticket_line_item_id": li.id}

    async def find(self, results: Results, since: datetime) -> dict[str, Any] | None:
        b = self.body
        for li in (await self.client.get_ticket(self.ticket.id)).line_items:
            if li.id in self.claimed:
                continue  # an identical line another journal entry added
            recent = li.created_at is None or li.created_at >= since - CLOCK_SLACK
            same = li.product_id == b["product_id"] and li.quantity == Decimal(b["quantity"]) \
                and (li.description or "").strip() == b["description"].strip()
            if recent and same:
                return {"ticket_line_item_id": li.id}
        return None


class FreeLineStep(Step):
    """No-charge labor (warranty): the bill's labor line on the invoice ends at $0.

    Reads the invoice; PUTs ``price: 0`` on the labor line (from ``invoice_line``) when Syncro
    copied it at the catalogue price. Setting $0 twice changes nothing; ``find`` reads first.
    """

    def __init__(self, client: SyncroClient) -> None:
        super().__init__("free_line", "Check the labor line on the invoice is $0 (no charge; PUT price 0 if not)",
                         {"price": "0"})
        self.client = client

    async def _price(self, results: Results) -> Decimal | None:
        inv = await self.client.get_invoice(results["invoice"]["invoice_id"])
        line_id = results["invoice_line"]["line_item_id"]
        return next((li.price for li in inv.line_items if li.id == line_id), None)

    async def send(self, results: Results) -> dict[str, Any]:
        price = await self._price(results)
        if price is not None and price != 0:
            await self.client.update_invoice_line_item(
                results["invoice"]["invoice_id"], results["invoice_line"]["line_item_id"], {"price": 0}
            )
        return {"line_item_id": results["invoice_line"]["line_item_id"], "patched": price != 0}

    async def find(self, results: Results, since: datetime) -> dict[str, Any] | None:
        if await self._price(results) == 0:
            return {"line_item_id": results["invoice_line"]["line_item_id"], "patched": True}
        return None
