"""Suite-wide: no skips in CI; the repository root off ``sys.path``; each test starts with the logging it found.

With ``CI`` set (``.ci/run`` sets it), a skipped test fails: a test that needs a file or a
service must get it from the repository, or nobody who clones it runs that test. Only a test
marked ``platform_skip`` (it cannot run on this platform) may still be skipped.

``python -m pytest`` (unlike ``pytest``) puts the working directory on ``sys.path``; from the
repository root that would make ``tools``, ``server``, … importable a second time under their
folder names (see tests/test_layout.py), so it is taken off again before any test imports.

``syncro-mcp`` subcommands called in-process (``main([...])``) configure logging for a real
run (stderr handler, ``httpx`` at WARNING); without this, a later test that captures ``httpx``
records would see none, depending on test order.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT]

STRICT_MESSAGE = (
    "skipped with CI set ({reason}). What a test needs must ship in the repository; "
    "only a test marked platform_skip (cannot run on this platform) may be skipped."
)


def skips_fail() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "platform_skip: may be skipped in CI (cannot run on this platform)")


def _reason(longrepr: object) -> str:
    return str(longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else longrepr)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = (yield).get_result()
    if report.skipped and not hasattr(report, "wasxfail") and skips_fail() and not item.get_closest_marker(
        "platform_skip"
    ):
        report.outcome = "failed"
        report.longrepr = STRICT_MESSAGE.format(reason=_reason(report.longrepr))


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):  # type: ignore[no-untyped-def]
    report = (yield).get_result()
    if report.skipped and skips_fail():  # a whole module skipped (pytest.skip(allow_module_level=True), importorskip)
        report.outcome = "failed"
        report.longrepr = STRICT_MESSAGE.format(reason=_reason(report.longrepr))


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
