"""Hypothesis profiles for the fuzz tests, and the repository root on sys.path (for ``bench``).

``ci`` (default): few examples per test, no deadline (tool calls run on a background loop), and
derandomized so CI runs are reproducible. ``SYNCRO_FUZZ_PROFILE=deep`` explores far more.
"""

import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.append(ROOT)

_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}
settings.register_profile("ci", max_examples=30, derandomize=True, database=None, print_blob=True, **_COMMON)
settings.register_profile("deep", max_examples=400, **_COMMON)
