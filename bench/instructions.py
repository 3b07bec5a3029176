"""Cold start in instructions: the steadiest figure on a shared machine (``python -m bench.instructions``).

Each server (ours: ``syncro-mcp serve`` with a dummy account; the same SDK's minimal server) runs
under ``valgrind --tool=callgrind`` from spawn to exit, answering ``initialize`` and one
``tools/list`` on stdio; callgrind counts the instructions it executed. Load on the machine changes
the time an instruction takes, not how many there are: two runs differ by < 0.1 %. About 25 s
per run (valgrind is ≈ 50× slower). Not part of ``python -m bench``; needs valgrind.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.startup import MINIMAL_SERVER, TARGETS

HELLO = [
    {"jsonrpc": "2.0", "id": 1, "method": "initialize",
     "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}},
    {"jsonrpc": "2.0", "method": "notifications/initialized"},
    {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
]


def run_once(python: str, args: list[str], env: dict[str, str], valgrind: bool) -> int | None:
    """Spawn, say hello, read the tools/list answer, close stdin; the instruction count (valgrind) or None."""
    cmd = [python, *args]
    if valgrind:
        cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                         text=True)
    assert p.stdin is not None and p.stdout is not None and p.stderr is not None
    for message in HELLO:
        p.stdin.write(json.dumps(message) + "\n")
        p.stdin.flush()
    answers = 0
    while answers < 2:  # initialize's and tools/list's
        line = p.stdout.readline()
        if not line:
            raise RuntimeError(f"{args}: exited early: {p.stderr.read()[-2000:]}")
        answers += '"id":' in line
    p.stdin.close()
    err = p.stderr.read()
    p.wait()
    found = re.search(r"Collected : (\d+)", err)
    return int(found.group(1)) if found else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="runs per server (default 1: counts barely vary)")
    parser.add_argument("--python", default=sys.executable,
                        help="the interpreter whose syncro-mcp (and SDK) to measure, e.g. another build's venv")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="syncro-bench-") as tmp:
        minimal = Path(tmp) / "minimal_server.py"
        minimal.write_text(MINIMAL_SERVER, encoding="utf-8")
        env = {**os.environ, "SYNCRO_SUBDOMAIN": "acme", "SYNCRO_API_KEY": "T0123-bench", "SYNCRO_TIMEZONE": "UTC",
               "SYNCRO_STATE_DIR": str(Path(tmp) / "state")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: compiled bytecode
        servers = {"sdk": [str(minimal)], "ours": ["-m", "syncro_mcp", "serve"]}
        counts: dict[str, list[int]] = {}
        for key, server in servers.items():
            run_once(args.python, server, env, valgrind=False)  # warm-up: bytecode and the state files exist
            counts[key] = [n for n in (run_once(args.python, server, env, valgrind=True) for _ in range(args.runs))
                           if n]
    result: dict[str, Any] = {k: min(v) for k, v in counts.items()}
    result["ratio"] = result["ours"] / result["sdk"]
    print(f"cold start to first tools/list, instructions (callgrind): ours {result['ours']:,}, SDK minimal server "
          f"{result['sdk']:,} → {result['ratio']:.3f}× (target ≤ {TARGETS['cold_ratio']}×: "
          f"{'met' if result['ratio'] <= TARGETS['cold_ratio'] else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
