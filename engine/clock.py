"""The one clock abstraction: wall time as epoch seconds and as a zoned datetime.

The journal, the confirmation tokens and the repeat window read ``time()``; previews and time
entries read ``now()``. Tests pin ``now`` (``Clock(zone, now=lambda: FIXED)``) or the epoch
(``Clock(wall=...)``); nothing else in the product keeps its own clock. (The client's
monotonic clock and sleep, for pacing and back-off, are a different thing and stay there.)
"""

from __future__ import annotations

import asyncio
import time as _time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo


class Clock:
    def __init__(
        self,
        zone: str | None = None,
        *,
        now: Callable[[], datetime] | None = None,
        wall: Callable[[], float] = _time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.zone = zone
        self._now = now
        self._wall = wall
        self.sleep = sleep
        """The engine's waits (looking again for a write whose answer was lost); tests pass a fake."""

    def time(self) -> float:
        """Seconds since the epoch (journal rows, token expiry, the repeat window)."""
        return self._wall()

    def now(self) -> datetime:
        """Now in the configured zone (the machine's when unset), to the second."""
        if self._now is not None:
            return self._now()
        tz = ZoneInfo(self.zone) if self.zone else None
        return datetime.fromtimestamp(self._wall(), timezone.utc).astimezone(tz).replace(microsecond=0)


def later(moment: datetime, delta: timedelta) -> datetime:
    """``moment + delta`` in elapsed time, shown in ``moment``'s zone. Python adds to a zoned
    datetime on the wall clock, so across a DST change a 2-hour span would come out 1 or 3 hours
    long; in UTC it is always 2 (naive moments are left to wall-clock arithmetic)."""
    if moment.tzinfo is None:
        return moment + delta
    return (moment.astimezone(timezone.utc) + delta).astimezone(moment.tzinfo)
