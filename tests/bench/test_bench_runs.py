"""``python -m bench`` itself runs (it once crashed on an import nobody ran): the footprint section,
in-process, through the same ``main`` as the command line. CI runs every section with ``--quick``."""

from __future__ import annotations

import json

from bench.run import main


def test_bench_main_runs_a_section_and_writes_its_summary(tmp_path, capsys) -> None:
    out = tmp_path / "r.json"
    assert main(["--quick", "--only", "footprint", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "== Context footprint" in printed and "total " in printed
    footprint = json.loads(out.read_text(encoding="utf-8"))["sections"]["footprint"]
    modes = footprint["tools_list"]
    assert modes["full"]["tools"] > modes["read-only"]["tools"] > 0
    assert any(m.startswith("toolset ") for m in modes)
    assert footprint["covers_every_seed_command"], footprint["missing_seed_tools"]


def test_a_section_title_gives_the_figures_it_really_ran(capsys) -> None:
    """``--quick`` runs the rate-limit section with 40 calls, not the full run's 300: the title says 40."""
    from bench.run import QUICK

    assert main(["--quick", "--only", "ratelimit", "--out", "/dev/null"]) == 0
    printed = capsys.readouterr().out
    assert f"== Rate limit ({QUICK['ratelimit']['n']} concurrent mixed reads, 180/min)" in printed


def test_the_first_registration_is_timed_in_wall_and_cpu_time() -> None:
    """A loaded machine stretches the wall time of the first ``build_app`` several-fold; the CPU time
    it prints beside it is the figure to compare (bench/startup.py)."""
    from bench import startup

    first = startup.first_registration(runs=1)
    assert set(first) == {"wall_ms", "cpu_ms"} and 0 < first["cpu_ms"] < 2_000 and first["wall_ms"] > 0
    result = {"sizes": {k: {"structured": 2, "text": 1, "ratio": 2.0} for k in ("list", "detail")}
              | {"tools_list_bytes": 1}, "registration_ms": 1.0, "first_registration": first,
              "targets": startup.TARGETS,
              "cold_start": {"cpu": {"ours_ms": 1, "minimal_ms": 1, "ratio": 1.0},
                             "wall": {"ours_ms": 1, "minimal_ms": 1, "ratio": 1.0}, "runs": 1}}
    assert f"{first['cpu_ms']:.1f} ms CPU" in startup.table(result)
