"""Suite-wide: the repository root off ``sys.path``; each test starts with the logging it found.

``python -m pytest`` (unlike ``pytest``) puts the working directory on ``sys.path``; from the
repository root that would make ``tools``, ``server``, … importable a second time under their
folder names (see tests/test_layout.py), so it is taken off again before any test imports.

``syncro-mcp`` subcommands called in-process (``main([...])``) configure logging for a real
run (stderr handler, ``httpx`` at WARNING); without this, a later test that captures ``httpx``
records would see none, depending on test order.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT]

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
