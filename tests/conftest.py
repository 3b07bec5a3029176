"""Suite-wide: every test starts with the logging configuration the previous one found.

``syncro-mcp`` subcommands called in-process (``main([...])``) configure logging for a real
run (stderr handler, ``httpx`` at WARNING); without this, a later test that captures ``httpx``
records would see none, depending on test order.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

WATCHED = ("", "httpx", "httpcore", "mcp", "syncro_mcp", "syncro_mcp.client")


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    saved = {}
    for name in WATCHED:
        lg = logging.getLogger(name)
        saved[name] = (lg.level, list(lg.handlers), list(lg.filters), lg.propagate, lg.disabled)
    yield
    for name, (level, handlers, filters, propagate, disabled) in saved.items():
        lg = logging.getLogger(name)
        lg.setLevel(level)
        lg.handlers[:] = handlers
        lg.filters[:] = filters
        lg.propagate = propagate
        lg.disabled = disabled
