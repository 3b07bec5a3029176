"""Bench-only helpers. The in-memory stack itself is ``syncro_mcp.testing`` (shared with the tests)."""

from __future__ import annotations

import logging

from syncro_mcp.testing import FakeClock

__all__ = ["FakeClock", "quiet_logs"]

QUIET_LOGGERS = ("httpx", "httpx2", "mcp", "syncro_mcp")  # httpx2: the MCP SDK's HTTP client


def quiet_logs() -> None:
    """The SDK may set INFO on import; the benchmarks print tables, not request lines."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
