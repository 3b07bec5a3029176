"""Benchmarks for syncro-mcp: figures, not timed tests (``python -m bench``; see bench/README.md)."""
