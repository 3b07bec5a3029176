"""``Sandbox``: the embedded fake Syncro account that tests, demos and ``serve --sandbox`` use."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .app import LateWrite, SandboxApp
from .auth import KeyGrant
from .faults import FaultPlan
from .ratelimit import RollingWindowLimiter
from .requestlog import LoggedRequest, RequestLog
from .seed import ME_USER_ID, build_empty_state, build_state
from .state import Record, SandboxState
from .timefmt import DEFAULT_TIME_ZONE, account_zone, zone_for
from .transport import SandboxTransport

DEFAULT_API_KEY = "sandbox-key"
DEFAULT_READ_ONLY_KEY = "sandbox-read-only-key"
IN_PROCESS_BASE_URL = "http://sandbox.invalid/api/v1"


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Sandbox:
    """A stateful fake Syncro account.

    Args:
        seed: load the deterministic demo data; False gives users and products only.
        seed_history: with ``seed``, also the older tickets 32144–32149 (stale, overdue, due today)
            and timers of three technicians over eight weeks, across the 2026-11-01 US DST change
            (issue 15). Off by default: tool tests count the default seed's open tickets.
        invoice_copies_timers: POST /invoices with ticket_id also turns uncharged billable timers
            into labor lines (real behaviour unconfirmed; clients must cope with both).
        rate_limit_per_min: per-client rolling-minute limit (None disables).
        charge_uses_default_product: charge_timer_entry makes the line with the account's default
            labour product whatever the timer's product (docs/syncro-facts.md#field-reports, real
            behaviour); default False:
            the line follows the timer's product.
        timer_entry_ignores_billable: ``billable: false`` on timer_entry is silently ignored
            (docs/syncro-facts.md#field-reports, real behaviour); default False: it is honoured.
        labor_rounding: charged and invoiced timer hours round up to the product's increment
            (``_round_minutes`` on the product; the seed's product 1190481 rounds to 15 min).
        invoice_list_has_ticket_id: GET /invoices rows carry ``ticket_id`` (spec example, default)
            or not (docs/syncro-facts.md#field-reports field report; use GET /invoices/{id} or ``?ticket_id=``).
        clock: monotonic seconds for the rate limiter and for ``late_write`` faults (the sandbox clock).
        now: wall clock for timestamps of new records (seed data never uses it).
        invoice_detail_wrapped: GET /invoices/{id} answers ``{"invoice": …}`` (True) or flat.
        appointment_detail_wrapped: GET /appointments/{id} answers ``{"appointment": …}`` (True)
            or flat (the spec documents a flat schema there; POST/PUT are wrapped).
        time_zone: the account's IANA zone. The default "America/Phoenix" (no DST) renders every
            time at -07:00 as before; a zone with DST (e.g. "America/Denver") moves offsets across
            the US DST dates, in the seed too (see seed_history's timers on 2026-11-01).
        hang_seconds / sleep: how the standalone server stalls on a scripted "timeout".
        autosave_path: save state after every successful write (standalone demo mode).
    """

    def __init__(
        self,
        seed: bool = True,
        invoice_copies_timers: bool = True,
        rate_limit_per_min: int | None = 180,
        clock: Callable[[], float] = time.monotonic,
        *,
        seed_history: bool = False,
        charge_uses_default_product: bool = False,
        timer_entry_ignores_billable: bool = False,
        labor_rounding: bool = False,
        invoice_list_has_ticket_id: bool = True,
        time_zone: str = DEFAULT_TIME_ZONE,
        now: Callable[[], datetime] = _utc_now,
        api_key: str = DEFAULT_API_KEY,
        read_only_key: str = DEFAULT_READ_ONLY_KEY,
        invoice_detail_wrapped: bool = True,
        appointment_detail_wrapped: bool = True,
        hang_seconds: float = 120.0,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        autosave_path: str | Path | None = None,
        base_url: str = IN_PROCESS_BASE_URL,
        state: SandboxState | None = None,
    ) -> None:
        self.seeded = seed
        self.seed_history = seed_history
        self.time_zone = time_zone
        self.zone = zone_for(time_zone)
        self.state: SandboxState = state if state is not None else self._initial_state()
        self.invoice_copies_timers = invoice_copies_timers
        self.charge_uses_default_product = charge_uses_default_product
        self.timer_entry_ignores_billable = timer_entry_ignores_billable
        self.labor_rounding = labor_rounding
        self.invoice_list_has_ticket_id = invoice_list_has_ticket_id
        self.invoice_detail_wrapped = invoice_detail_wrapped
        self.appointment_detail_wrapped = appointment_detail_wrapped
        self.api_key = api_key
        self.read_only_key = read_only_key
        self.base_url = base_url
        self.hang_seconds = hang_seconds
        self.sleep = sleep
        self.autosave_path = Path(autosave_path) if autosave_path else None
        self._now = now
        self.clock = clock
        #: Writes held by ``late_write`` faults, not yet landed (not saved with the state).
        self.late_writes: list[LateWrite] = []
        self.limiter = RollingWindowLimiter(rate_limit_per_min, clock)
        self.faults = FaultPlan()
        self.requests = RequestLog()
        self._save_lock = threading.Lock()
        self.app = SandboxApp(self)

    # -- identity ----------------------------------------------------------------------------
    def grant_for(self, key: str | None) -> KeyGrant | None:
        """Which user and permissions a key carries; None for unknown keys."""
        if key is None:
            return None
        if key == self.api_key:
            return KeyGrant(user_id=ME_USER_ID, can_write=True, token="5f0c2a8e-sandbox-full-access")
        if key == self.read_only_key:
            return KeyGrant(user_id=ME_USER_ID, can_write=False, token="9b7d1e44-sandbox-read-only")
        return None

    @property
    def me_user_id(self) -> int:
        return ME_USER_ID

    def now(self) -> datetime:
        return self._now()

    # -- clients -----------------------------------------------------------------------------
    def transport(self) -> SandboxTransport:
        """An httpx async transport straight into the app (applies scripted faults)."""
        return SandboxTransport(self)

    async def land_late_writes(self) -> int:
        """Apply held ``late_write`` requests that are due by ``clock`` now (also done lazily
        before every API request); returns how many landed."""
        with account_zone(self.zone):
            return await self.app.land_due_writes()

    # -- request log ---------------------------------------------------------------------------
    def requests_for(self, method: str = "*", path: str = "**") -> list[LoggedRequest]:
        """Logged requests matching a method and a path glob (``*`` = one segment)."""
        return self.requests.matching(method, path)

    def clear_requests(self) -> None:
        self.requests.clear()

    # -- lookups for tests -----------------------------------------------------------------------
    def ticket(self, number: int) -> Record:
        """The stored ticket with this number (KeyError if none)."""
        t = self.state.ticket_by_number(number)
        if t is None:
            raise KeyError(f"no ticket #{number}")
        return t

    def ticket_id(self, number: int) -> int:
        return int(self.ticket(number)["id"])

    def _initial_state(self) -> SandboxState:
        with account_zone(self.zone):
            return build_state(history=self.seed_history) if self.seeded else build_empty_state()

    # -- lifecycle -----------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the initial data; faults, request log and rate-limit window cleared."""
        self.state = self._initial_state()
        self.faults.clear()
        self.late_writes.clear()
        self.requests.clear()
        self.limiter.reset()
        self.autosave()

    def save(self, path: str | Path | None = None) -> None:
        target = path or self.autosave_path
        if target is None:
            raise ValueError("no path given and no autosave_path configured")
        with self._save_lock:
            self.state.save(target)

    def autosave(self) -> None:
        if self.autosave_path is not None:
            self.save(self.autosave_path)

    @classmethod
    def load(cls, path: str | Path, **kwargs: Any) -> Sandbox:
        """A sandbox whose data comes from a file written by ``save``."""
        return cls(state=SandboxState.load(path), **kwargs)
