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

Temporary folders (``tmp_path``) live in memory (``/dev/shm``, a tmpfs) when there is one: the
journal's SQLite commits and the audit file's appends then cost no disk flush, which was most of
the fault matrices' time. Same code, same files; ``--basetemp`` (or ``SYNCRO_TEST_DISK_TMP=1``)
keeps them on disk. The folder is removed when the run ends.

The suite runs on two pytest-xdist workers (``addopts``: ``-n 2 --dist loadfile``): every test
has its own tmp_path, free ports, PostgreSQL schema and Redis key, so none depends on another.
A test file stays on one worker, so a module-scoped fixture (server processes, a shared app)
is built once, not once per worker.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
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


MEMORY_TMP = Path("/dev/shm")
MEMORY_TMP_MIN_FREE = 2 * 1024**3  # the suite writes far less; leave room for everyone else
_MEMORY_BASETEMP = pytest.StashKey[Path]()


def _memory_basetemp() -> Path | None:
    """A fresh folder on a tmpfs, or None (no tmpfs, too full, asked not to)."""
    if os.environ.get("SYNCRO_TEST_DISK_TMP") or not MEMORY_TMP.is_dir() or not os.access(MEMORY_TMP, os.W_OK):
        return None
    try:
        if shutil.disk_usage(MEMORY_TMP).free < MEMORY_TMP_MIN_FREE:
            return None
        return Path(tempfile.mkdtemp(prefix="syncro-mcp-pytest-", dir=MEMORY_TMP))
    except OSError:
        return None


@pytest.hookimpl(tryfirst=True)  # before pytest's own tmpdir plugin reads --basetemp
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "platform_skip: may be skipped in CI (cannot run on this platform)")
    # The controller (or a plain run) chooses; pytest-xdist workers get a folder inside the controller's.
    if config.option.basetemp is None and not hasattr(config, "workerinput"):
        folder = _memory_basetemp()
        if folder is not None:
            config.option.basetemp = str(folder)
            config.stash[_MEMORY_BASETEMP] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_MEMORY_BASETEMP, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


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
