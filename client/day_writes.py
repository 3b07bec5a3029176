"""The technician's-day writes (issue 15): invoice email, appointments, a ticket from an RMM alert.

``POST /invoices/{id}/email`` sends a real email to the customer (docs/syncro-facts.md#invoices);
Syncro keeps no readable record of it. Appointments: ``POST /appointments`` and ``PUT
/appointments/{id}`` answer ``{"appointment": …}``; ``GET /appointments/{id}`` may be wrapped or
flat (both accepted); a PUT changes only the fields sent. ``GET /rmm_alerts/{id}`` answers
``{"rmm_alert": …}``. The models here hold only what these writes need.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from .http import HttpCore
from .models import DateTime, SyncroModel


class AppointmentRecord(SyncroModel):
    id: int
    summary: str | None = None
    description: str | None = None
    customer_id: int | None = None
    ticket_id: int | None = None
    user_id: int | None = None
    user_ids: list[int] = Field(default_factory=list)
    start_at: DateTime = None
    end_at: DateTime = None
    location: str | None = None


class AlertRecord(SyncroModel):
    id: int
    customer_id: int | None = None
    asset_id: int | None = None
    computer_name: str | None = None
    description: str | None = None
    status: str | None = None
    resolved: bool | None = None
    ticket_id: int | None = None
    ticket_number: int | None = None
    created_at: DateTime = None


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"times must be timezone-aware (got naive {value.isoformat()})")
        return value.isoformat()
    return value


class DayWritesMixin(HttpCore):
    async def email_invoice(self, invoice_id: int) -> None:
        """``POST /invoices/{id}/email``: Syncro emails the invoice to the customer (a real email)."""
        await self._request("POST", f"/invoices/{int(invoice_id)}/email", body={}, allow_empty=True)

    async def get_appointment(self, appointment_id: int) -> AppointmentRecord:
        path = f"/appointments/{int(appointment_id)}"
        return self._one(AppointmentRecord, await self._request("GET", path), "GET", path, "appointment")

    async def list_appointments_between(self, date_from: str, date_to: str, page: int = 1) -> list[AppointmentRecord]:
        """``GET /appointments?date_from=&date_to=`` (one page; the caller walks pages if it must)."""
        params = {"date_from": date_from, "date_to": date_to, "page": page}
        data = await self._request("GET", "/appointments", params=params)
        rows = data.get("appointments", []) if isinstance(data, dict) else data
        items = [r.get("appointment", r) if isinstance(r, dict) else r for r in rows or []]
        return [self._validate(AppointmentRecord, r, "GET", "/appointments") for r in items]

    async def create_appointment(self, fields: dict[str, Any]) -> AppointmentRecord:
        payload = {k: _iso(v) for k, v in fields.items()}
        data = await self._request("POST", "/appointments", body=payload)
        return self._one(AppointmentRecord, data, "POST", "/appointments", "appointment")

    async def update_appointment(self, appointment_id: int, fields: dict[str, Any]) -> AppointmentRecord:
        path = f"/appointments/{int(appointment_id)}"
        payload = {k: _iso(v) for k, v in fields.items()}
        return self._one(AppointmentRecord, await self._request("PUT", path, body=payload), "PUT", path, "appointment")

    async def get_rmm_alert(self, alert_id: int) -> AlertRecord:
        path = f"/rmm_alerts/{int(alert_id)}"
        return self._one(AlertRecord, await self._request("GET", path), "GET", path, "rmm_alert")
