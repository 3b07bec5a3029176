"""Bench-only helpers. The in-memory stack itself is ``syncro_mcp.testing`` (shared with the tests)."""

from __future__ import annotations

import asyncio
import logging

QUIET_LOGGERS = ("httpx", "httpx2", "mcp", "syncro_mcp")  # httpx2: the MCP SDK's HTTP client


def quiet_logs() -> None:
    """The SDK may set INFO on import; the benchmarks print tables, not request lines."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


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
