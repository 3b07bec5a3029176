"""With ``CI`` set, a skipped test fails the run (tests/conftest.py), unless marked ``platform_skip``."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CONFTEST = Path(__file__).resolve().parent / "conftest.py"

TESTS = '''
import pytest

def test_passes():
    pass

def test_needs_a_file():
    pytest.skip("spec file not found")

@pytest.fixture
def service():
    pytest.skip("no database")

def test_needs_a_service(service):
    pass

@pytest.mark.platform_skip
@pytest.mark.skipif(True, reason="Windows only")
def test_windows_only():
    pass

@pytest.mark.xfail(reason="known bug", strict=True)
def test_known_bug():
    assert False
'''

MODULE_SKIP = '''
import pytest

pytest.importorskip("a_module_nobody_has")

def test_never_collected():
    pass
'''


def run_pytest(folder: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", "--rootdir", str(folder),
         "-c", os.devnull, str(folder)],
        capture_output=True, text=True, env=env, cwd=folder, timeout=120,
    )  # fmt: skip


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copy(CONFTEST, tmp_path / "conftest.py")
    (tmp_path / "test_sample.py").write_text(TESTS, encoding="utf-8")
    return tmp_path


def test_skips_fail_with_ci_set(folder: Path) -> None:
    proc = run_pytest(folder, "true")
    out = proc.stdout
    assert proc.returncode == 1, out
    assert "FAILED test_sample.py::test_needs_a_file" in out and "spec file not found" in out
    assert "test_needs_a_service" in out and "no database" in out
    assert "SKIPPED" in out and "Windows only" in out  # the platform_skip one stays skipped
    assert "1 failed, 1 passed, 1 skipped, 1 xfailed, 1 error" in out, out  # a skip in a fixture: an error


def test_skips_stay_skips_without_ci(folder: Path) -> None:
    proc = run_pytest(folder, None)
    assert proc.returncode == 0, proc.stdout
    assert "1 passed, 3 skipped, 1 xfailed" in proc.stdout, proc.stdout


@pytest.mark.parametrize(
    "ci, strict",
    [(None, False), ("", False), ("0", False), ("false", False), ("no", False), (" False ", False), ("true", True),
     ("1", True), ("yes", True)],
)
def test_which_ci_values_make_skips_fail(monkeypatch: pytest.MonkeyPatch, ci: str | None, strict: bool) -> None:
    """The hooks ask ``skips_fail()`` alone, so a run per value (as for unset CI above) adds nothing."""
    spec = importlib.util.spec_from_file_location("ci_conftest_copy", CONFTEST)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    assert module.skips_fail() is strict


def test_a_module_level_skip_fails_with_ci_set(folder: Path) -> None:
    (folder / "test_sample.py").unlink()
    (folder / "test_module.py").write_text(MODULE_SKIP, encoding="utf-8")
    proc = run_pytest(folder, "1")
    assert proc.returncode != 0 and "a_module_nobody_has" in proc.stdout, proc.stdout
