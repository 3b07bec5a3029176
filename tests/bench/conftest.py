"""Make the repository's ``bench/`` importable as ``bench`` and nothing else.

The repository root is deliberately not on the test path (it would make ``tools``, ``server``, …
importable a second time under their folder names), so this loads the one package the bench
tests need, by its path, under its one name.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"

if "bench" not in sys.modules:
    _spec = importlib.util.spec_from_file_location(
        "bench", BENCH / "__init__.py", submodule_search_locations=[str(BENCH)]
    )
    assert _spec is not None and _spec.loader is not None
    sys.modules["bench"] = _module = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_module)
