"""The technician's-day writes as journaled steps: invoice email, appointment create/move, a
ticket from an RMM alert. Each knows how to find its own write in Syncro when the answer was lost;
the invoice email cannot be read back, so its ``find`` stops the run instead of re-sending.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from syncro_mcp.client import SyncroClient
from syncro_mcp.client.schedule import Appointment

from .clock import later
from .errors import InputError
from .steps import CLOCK_SLACK, Results, Step


def _near(a: datetime | None, iso: str) -> bool:
    return a is not None and abs((a - datetime.fromisoformat(iso)).total_seconds()) < 60


class EmailInvoiceStep(Step):
    """POST /invoices/{id}/email: a real email to the customer. Syncro keeps no readable record of
    it, so a lost answer is never re-sent: ``find`` stops the run and says what to check."""

    def __init__(self, client: SyncroClient, invoice_id: int, label: str) -> None:
        super().__init__("invoice_email", f"POST email of invoice {label}", {"invoice_id": invoice_id})
        self.client, self.label = client, label

    async def send(self, results: Results) -> dict[str, Any]:
        await self.client.email_invoice(self.body["invoice_id"])
        return {"invoice_id": self.body["invoice_id"], "emailed": True}

    async def find(self, results: Results, since: datetime) -> dict[str, Any] | None:
        raise InputError(
            f"Syncro's answer to emailing invoice {self.label} was lost; the email may have gone out. Syncro keeps "
            "no record the API can read, so it was NOT sent again: check the invoice in Syncro (or ask the "
            "customer) before emailing it again, then abandon_write this entry."
        )


class AppointmentStep(Step):
    """POST /appointments; found by ticket and start time among that day's appointments."""

    key = "appointment_id"

    def __init__(self, client: SyncroClient, body: dict[str, Any], describe: str) -> None:
        super().__init__("appointment", describe, body)
        self.client = client

    async def send(self, results: Results) -> dict[str, Any]:
        a = await self.client.create_appointment(self.body)
        return {"appointment_id": a.id}

    async def find(self, results: Results, since: datetime) -> dict[str, Any] | None:
        day = datetime.fromisoformat(self.body["start_at"]).date().isoformat()
        appointments, _ = await self.client.list_appointments(date_from=day, date_to=day)  # every page
        for a in appointments:
            if a.id in self.claimed:
                continue
            if a.ticket_id == self.body["ticket_id"] and _near(a.start_at, self.body["start_at"]):
                return {"appointment_id": a.id}
        return None


def moved(a: Appointment, start: datetime) -> tuple[datetime, datetime]:
    """The appointment's new start and end: the same length (elapsed, across a DST change too)."""
    assert a.start_at is not None and a.end_at is not None
    return start, later(start, a.end_at - a.start_at)


class MoveAppointmentStep(Step):
    """PUT /appointments/{id} with explicit start and end (the length kept); found when it holds them."""

    def __init__(self, client: SyncroClient, appointment_id: int, start: datetime, end: datetime) -> None:
        body = {"start_at": start.isoformat(), "end_at": end.isoformat()}
        super().__init__("appointment_move", f"PUT appointment {appointment_id}: {body['start_at']}", body)
        self.client, self.appointment_id = client, appointment_id

    async def send(self, results: Results) -> dict[str, Any]:
        await self.client.update_appointment(self.appointment_id, self.body)
        return {"appointment_id": self.appointment_id, **self.body}

    async def find(self, results: Results, since: datetime) -> dict[str, Any] | None:
        a = await self.client.get_appointment(self.appointment_id)
        if _near(a.start_at, self.body["start_at"]) and _near(a.end_at, self.body["end_at"]):
            return {"appointment_id": self.appointment_id, **self.body}
        return None


class AlertTicketStep(Step):
    """POST /tickets for the alert's customer with the asset linked (``asset_ids``) and the alert
    quoted in a hidden first comment; found by customer, subject and creation time."""

    key = "ticket_id"

    def __init__(self, client: SyncroClient, fields: dict[str, Any], describe: str) -> None:
        super().__init__("ticket", describe, fields)
        self.client = client

    async def send(self, results: Results) -> dict[str, Any]:
        t = await self.client.create_ticket(self.body)
        return {"ticket_id": t.id, "number": t.number}

    async def find(self, results: Results, since: datetime) -> dict[str, Any] | None:
        page = await self.client.list_tickets(customer_id=self.body["customer_id"])
        for t in page.items:
            fresh = t.created_at is None or t.created_at >= since - CLOCK_SLACK
            if t.id not in self.claimed and fresh and (t.subject or "").strip() == self.body["subject"].strip():
                return {"ticket_id": t.id, "number": t.number}
        return None
