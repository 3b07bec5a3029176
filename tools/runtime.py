"""What every tool needs, built once per server: settings, client, resolver, engine, clock."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from syncro_mcp.client import SyncroClient
from syncro_mcp.engine.clock import Clock
from syncro_mcp.engine.journal import Journal
from syncro_mcp.engine.runner import Engine

from .resolver import Resolver


class ToolSettings(Protocol):
    """The settings the tools read. The server's one ``Settings`` object is passed as is:
    no copy, no second set of defaults."""

    @property
    def labor_types(self) -> dict[str, int]: ...
    @property
    def close_status(self) -> str: ...
    @property
    def invoice_category(self) -> str: ...
    @property
    def billing_mode(self) -> str: ...
    @property
    def prepaid_labor_rules(self) -> dict[str, str]: ...
    @property
    def session_log_dir(self) -> Path: ...
    @property
    def week_start(self) -> str: ...
    def labor_product_id(self, name: str) -> int: ...


@dataclass
class Runtime:
    settings: ToolSettings
    client: SyncroClient
    engine: Engine
    clock: Clock
    tools: Mapping[str, Any] = field(default_factory=dict)
    """Every tool declaration by name (``resume_write`` replays an entry through its tool)."""
    resolver: Resolver = field(init=False)

    def __post_init__(self) -> None:
        self.resolver = Resolver(self.client, self.settings)

    @property
    def journal(self) -> Journal:
        return self.engine.journal

    @journal.setter
    def journal(self, journal: Journal) -> None:
        self.engine.journal = journal

    def now(self) -> datetime:
        """Now in the configured time zone, to the second."""
        return self.clock.now()
