"""Shared set-up for the benchmarks (and the tests that reuse them): sandbox → client → app, in memory."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from syncro_mcp.client import SyncroClient
from syncro_mcp.sandbox import Sandbox
from syncro_mcp.server.app import App, build_app
from syncro_mcp.server.settings import Settings

QUIET_LOGGERS = ("httpx", "mcp", "syncro_mcp")


def quiet_logs() -> None:
    """The SDK may set INFO on import; the benchmarks print tables, not request lines."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


FIXED_NOW = datetime(2026, 11, 25, 15, 0, tzinfo=timezone.utc)


class FakeClock:
    """Monotonic seconds that only move when someone sleeps: compresses rate-limit waits to nothing."""

    def __init__(self, start: float = 1000.0) -> None:
        self.t = start
        self.slept = 0.0

    def __call__(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.t += seconds
            self.slept += seconds
        await asyncio.sleep(0)


def bench_settings(folder: Path, **over: Any) -> Settings:
    return Settings(state_dir=folder / "state", session_log_dir=folder / "clients", timezone="UTC", **over)


@dataclass
class Env:
    sandbox: Sandbox
    client: SyncroClient
    app: App

    @property
    def server(self) -> Any:
        return self.app.server


@asynccontextmanager
async def in_memory(
    folder: Path | None = None,
    *,
    sandbox: Sandbox | None = None,
    api_key: str | None = None,
    client_kw: dict[str, Any] | None = None,
    **settings: Any,
) -> AsyncIterator[Env]:
    """The whole stack without sockets; the caller gets the sandbox to read its request log."""
    sb = sandbox or Sandbox(rate_limit_per_min=None)
    # No client pacing unless asked: these figures are about requests, not about waiting.
    kw: dict[str, Any] = {"retry_base_s": 0, "rate_limit_per_min": 10**6, "read_only": settings.get("read_only", False)}
    kw.update(client_kw or {})
    kw["transport"] = kw.get("transport") or sb.transport()  # a test may wrap the sandbox's transport
    with tempfile.TemporaryDirectory(prefix="syncro-bench-") as tmp:
        base = folder or Path(tmp)
        async with SyncroClient(
            base_url=sb.base_url, api_key=SecretStr(api_key or sb.api_key), **kw
        ) as client:
            app = build_app(bench_settings(base, **settings), client, clock=lambda: FIXED_NOW)
            yield Env(sb, client, app)
