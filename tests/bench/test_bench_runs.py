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
