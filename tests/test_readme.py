"""The README stays true: its tool table matches tools/list and every setting is documented."""

from __future__ import annotations

import runpy
from pathlib import Path

from syncro_mcp.server.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_tool_table_matches_tools_list():
    script = runpy.run_path(str(ROOT / "scripts" / "readme_tools.py"))
    assert script["updated"](README, script["render_table"]()) == README, "run python scripts/readme_tools.py"


def test_every_setting_is_documented():
    missing = [f for f in Settings.model_fields if f"`{f}`" not in README]
    assert not missing, f"settings missing from the README's configuration reference: {missing}"


def test_first_lines_hold_the_two_commands():
    head = "\n".join(README.splitlines()[:12])
    assert "syncro-mcp demo" in head and "pytest" in head
