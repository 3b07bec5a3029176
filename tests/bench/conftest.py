"""Puts the repository root on sys.path so these tests can import ``bench`` (bare ``pytest`` does not)."""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.append(ROOT)
