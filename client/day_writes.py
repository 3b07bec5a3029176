"""The technician's-day writes (issue 15): invoice email, appointments, a ticket from an RMM alert.

``POST /invoices/{id}/email`` sends a real email to the customer (docs/syncro-facts.md#invoices);
Syncro keeps no readable record of it. Appointments: ``POST /appointments`` and ``PUT
/appointments/{id}`` answer ``{"appointment": …}``; ``GET /appointments/{id}`` may be wrapped or
flat (both accepted); a PUT changes only the fields sent. ``GET /rmm_alerts/{id}`` answers
``{"rmm_alert": …}``. The models are the read modules' (``schedule.Appointment``, ``assets.RmmAlert``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .assets import RmmAlert
from .http import HttpCore
from .schedule import Appointment


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

    async def get_appointment(self, appointment_id: int) -> Appointment:
        path = f"/appointments/{int(appointment_id)}"
        return self._one(Appointment, await self._request("GET", path), "GET", path, "appointment")

    async def create_appointment(self, fields: dict[str, Any]) -> Appointment:
        payload = {k: _iso(v) for k, v in fields.items()}
        data = await self._request("POST", "/appointments", body=payload)
        return self._one(Appointment, data, "POST", "/appointments", "appointment")

    async def update_appointment(self, appointment_id: int, fields: dict[str, Any]) -> Appointment:
        path = f"/appointments/{int(appointment_id)}"
        payload = {k: _iso(v) for k, v in fields.items()}
        return self._one(Appointment, await self._request("PUT", path, body=payload), "PUT", path, "appointment")

    async def get_rmm_alert(self, alert_id: int) -> RmmAlert:
        path = f"/rmm_alerts/{int(alert_id)}"
        return self._one(RmmAlert, await self._request("GET", path), "GET", path, "rmm_alert")
