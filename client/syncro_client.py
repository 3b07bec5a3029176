"""``SyncroClient``: the transport core plus one mixin per Syncro domain."""

from __future__ import annotations

from .account import AccountMixin
from .catalog import CatalogMixin
from .customers import CustomersMixin
from .day_writes import DayWritesMixin
from .invoices import InvoicesMixin
from .tickets import TicketsMixin
from .timers import TimersMixin


class SyncroClient(
    AccountMixin, TicketsMixin, TimersMixin, CustomersMixin, InvoicesMixin, CatalogMixin, DayWritesMixin
):
    """Async Syncro REST client. Construct once, share, ``async with`` or ``await aclose()``."""

    async def __aenter__(self) -> SyncroClient:
        return self
