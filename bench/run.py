"""Run every benchmark, print its table, write ``bench/results.json``.

``python -m bench`` (or ``python bench/run.py``) from the repository root; ``--only calls,footprint``
runs a subset; ``--quick`` runs every section with small samples (a smoke run for CI: a few
seconds, figures not representative, no JSON unless ``--out``). Everything talks to the sandbox
on this machine (in memory, or on 127.0.0.1); nothing leaves it.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata as md
import json
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # python bench/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "bench"

from bench import calls, footprint, overhead, ratelimit, startup, team
from bench.env import quiet_logs

RESULTS = Path(__file__).resolve().parent / "results.json"
# --quick: every code path of every section, with small samples.
QUICK: dict[str, dict[str, Any]] = {
    "overhead": {"n": 20, "cold_runs": 1},
    "ratelimit": {"n": 40},
    "startup": {"cold_runs": 1, "registration_runs": 2, "first_runs": 1},
    "team": {"n": 24, "bills": 1},
}
#: title, run, table; a title's ``{fields}`` are filled from the section's result (the figures it really ran).
SECTIONS = {
    "calls": ("Calls per command", calls.run, calls.table),
    "footprint": ("Context footprint", footprint.run, footprint.table),
    "overhead": ("Overhead (stdio MCP vs bare client, loopback)", overhead.run, overhead.table),
    "ratelimit": ("Rate limit ({tool_calls} concurrent mixed reads, {limit_per_min}/min)", ratelimit.run,
                  ratelimit.table),
    "startup": ("Start-up and result size (issue 12)", startup.run, startup.table),
    "team": ("A team on one IP ({reads} concurrent reads, 1 vs 2 HTTP servers, {limit_per_min}/min, real time)",
             team.run, team.table),
}


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "mcp": md.version("mcp"),
        "syncro_mcp": md.version("syncro-mcp"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", help=f"comma list of: {', '.join(SECTIONS)}")
    parser.add_argument("--quick", action="store_true", help="small samples: a smoke run of every section")
    parser.add_argument("--out", type=Path, help="JSON summary (default bench/results.json; none with --quick)")
    args = parser.parse_args(argv)
    out = args.out or (None if args.quick else RESULTS)
    chosen = [s.strip() for s in args.only.split(",")] if args.only else list(SECTIONS)
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)}")
    quiet_logs()
    summary: dict[str, Any] = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "sections": {},
    }
    m = summary["machine"]
    print(f"syncro-mcp {m['syncro_mcp']} · mcp {m['mcp']} · Python {m['python']} · {m['cpu']} × {m['cpus']} · "
          f"{m['platform']}\n")
    started = time.perf_counter()
    for key in chosen:
        title, run, table = SECTIONS[key]
        t0 = time.perf_counter()
        result = asyncio.run(run(**(QUICK.get(key, {}) if args.quick else {})))
        result["seconds"] = round(time.perf_counter() - t0, 2)
        summary["sections"][key] = result
        print(f"== {title.format(**result)} ({result['seconds']:.1f} s)")
        print(table(result))
        print()
    summary["seconds"] = round(time.perf_counter() - started, 2)
    if args.quick:
        summary["quick"] = QUICK
    if out is not None:
        out.write_text(json.dumps(summary, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    print(f"total {summary['seconds']:.1f} s" + (f"; JSON summary: {out}" if out else "")
          + ("  (--quick: small samples, figures not representative)" if args.quick else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
