"""Hypothesis profiles for the fuzz tests.

``ci`` (default): few examples per test, no deadline (tool calls run on a background loop), and
derandomized so CI runs are reproducible. ``SYNCRO_FUZZ_PROFILE=deep`` explores far more.
"""

from hypothesis import HealthCheck, settings

_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}
settings.register_profile("ci", max_examples=30, derandomize=True, database=None, print_blob=True, **_COMMON)
settings.register_profile("deep", max_examples=400, **_COMMON)
