"""What every tool needs, built once per server: the client, the resolver, settings, a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from syncro_mcp.client import SyncroClient

from .journal import Journal
from .resolver import Resolver


@dataclass
class ToolConfig:
    """The settings the tools use (a plain view, so tools do not depend on the loader)."""

    labor_types: dict[str, int]
    close_status: str = "Resolved"
    invoice_category: str = "Standard"
    session_log_dir: Path = Path("clients")
    timezone: str | None = None
    bill_dedupe_window_min: int = 60


@dataclass
class Runtime:
    client: SyncroClient
    config: ToolConfig
    resolver: Resolver = field(init=False)
    clock: Callable[[], datetime] | None = None
    journal: Journal | None = None
    operations: dict[str, Any] = field(default_factory=dict)
    """Journaled operations by name (see ``tools.writes.Operation``), for resume_write."""

    def __post_init__(self) -> None:
        self.resolver = Resolver(self.client, self.config.labor_types)

    def now(self) -> datetime:
        """Now in the configured time zone (machine's local when unset), to the second."""
        if self.clock is not None:
            return self.clock()
        tz = ZoneInfo(self.config.timezone) if self.config.timezone else None
        now = datetime.now(timezone.utc).astimezone(tz)
        return now.replace(microsecond=0)
