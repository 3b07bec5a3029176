"""``SyncroClient``: the transport core plus one mixin per Syncro domain."""

from __future__ import annotations

from .account import AccountMixin
from .assets import AssetsMixin
from .catalog import CatalogMixin
from .customers import CustomersMixin
from .day_writes import DayWritesMixin
from .invoices import InvoicesMixin
from .schedule import ScheduleMixin
from .tickets import TicketsMixin
from .timers import TimersMixin
from .timesheet import TimesheetMixin


class SyncroClient(
    AccountMixin, TicketsMixin, TimesheetMixin, TimersMixin, CustomersMixin, InvoicesMixin, CatalogMixin,
    ScheduleMixin, AssetsMixin, DayWritesMixin,
):
    """Async Syncro REST client. Construct once, share, ``async with`` or ``await aclose()``."""

    async def __aenter__(self) -> SyncroClient:
        return self
