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
        invoice_copies_timers: POST /invoices with ticket_id also turns uncharged billable timers
            into labor lines (real behaviour unconfirmed; clients must cope with both).
        rate_limit_per_min: per-client rolling-minute limit (None disables).
        clock: monotonic seconds for the rate limiter and for ``late_write`` faults (the sandbox clock).
        now: wall clock for timestamps of new records (seed data never uses it).
        invoice_detail_wrapped: GET /invoices/{id} answers ``{"invoice": …}`` (True) or flat.
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
        now: Callable[[], datetime] = _utc_now,
        api_key: str = DEFAULT_API_KEY,
        read_only_key: str = DEFAULT_READ_ONLY_KEY,
        invoice_detail_wrapped: bool = True,
        hang_seconds: float = 120.0,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        autosave_path: str | Path | None = None,
        base_url: str = IN_PROCESS_BASE_URL,
        state: SandboxState | None = None,
    ) -> None:
        self.seeded = seed
        self.state: SandboxState = state if state is not None else (build_state() if seed else build_empty_state())
        self.invoice_copies_timers = invoice_copies_timers
        self.invoice_detail_wrapped = invoice_detail_wrapped
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

    # -- lifecycle -----------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the initial data; faults, request log and rate-limit window cleared."""
        self.state = build_state() if self.seeded else build_empty_state()
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
