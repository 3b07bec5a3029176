"""``syncro-mcp demo`` is the README's first command: it must run and tell the story."""

from __future__ import annotations

import re

from syncro_mcp.server.cli import main


def test_demo_shows_a_techs_morning(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("SYNCRO_STATE_DIR", str(tmp_path))
    for var in ("SYNCRO_SUBDOMAIN", "SYNCRO_API_KEY", "SYNCRO_MCP_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^\s+#32164 New\s+Jerry Burger\s+Own cloud thing again  \(due 2026-11-12\)$", out, re.M)
    assert "Nothing has been written" in out and "confirm_token=" in out
    assert "confirmation dialog shown to the tech" in out
    comment_post = re.search(r"→ POST /tickets/\d+/comment\s+\{([^}]*)\}", out.split("30 minutes of remote")[1])
    assert comment_post and "minutes" not in comment_post.group(1) and "product_id" not in comment_post.group(1)
    assert re.search(r"→ POST /tickets/\d+/timer_entry .*product_id=1190473", out)
    assert re.search(r"Billed #32170: invoice #\d+ .*status Invoiced\.", out)
    # the preview is the invoice: its lines and total, then the invoice number and the same total from Syncro
    assert re.search(r'│\s+remote labor \(1h 15m\) \[2026-11-16 "Data migration to new laptop"\]: 1\.25 × \$125\.00 '
                     r"= \$156\.25", out)
    assert re.search(r"│\s+Total \$268\.75", out)
    assert re.search(r"Billed #32170: invoice #\d+ \(\$268\.75\), status Invoiced\.", out)
    assert "Ticket #32170 is now: Invoiced" in out
    assert "claude mcp add syncro -- syncro-mcp serve --sandbox" in out
