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
