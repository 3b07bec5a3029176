"""One module, one name: the packages import only as ``syncro_mcp.<package>``.

On disk the packages sit at the repository top level (``server/``, ``tools/``, …) and setuptools
``package-dir`` maps them into ``syncro_mcp``. If the repository root were on ``sys.path``
(pytest ``pythonpath = ["."]`` did that), ``import tools.registry`` would load a second copy of
``syncro_mcp.tools.registry``, with its own module state, and ``isinstance`` checks across the two
copies would fail. These tests fail if that hazard comes back.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

import pytest
import syncro_mcp

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"server": "app", "tools": "registry", "client": "http", "sandbox": "app"}


@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_a_package_folder_does_not_import_under_its_folder_name(folder: str) -> None:
    # ``tests/tools`` etc. may resolve as empty namespace packages (``tests`` is on the path), so
    # the proof is that no module of the repository's folder can be reached by that name.
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(f"{folder}.{FOLDERS[folder]}")
    spec = importlib.util.find_spec(folder)
    if spec is not None:
        assert spec.origin is None, f"{folder} imports as a regular module: {spec.origin}"
        assert str(ROOT / folder) not in [str(p) for p in spec.submodule_search_locations or []]


def test_the_repository_root_is_not_on_sys_path() -> None:
    """Not from pyproject's ``pythonpath``, nor from ``python -m pytest`` (tests/conftest.py drops it)."""
    assert ROOT.resolve() not in {Path(p or ".").resolve() for p in sys.path}


def test_no_top_level_folder_shadows_the_installed_package() -> None:
    """From the repository root, ``import syncro_mcp`` must find the package, not a folder of that name."""
    leftover = ROOT / "syncro_mcp"
    assert not leftover.exists(), (
        f"{leftover} exists: the package's own modules moved to package/; a leftover folder (even one"
        " holding only __pycache__) shadows the installed syncro_mcp when Python runs from the root. rm -r it."
    )
    assert Path(syncro_mcp.__file__).name == "__init__.py"
    assert importlib.import_module("syncro_mcp.tools.registry").__name__ == "syncro_mcp.tools.registry"
