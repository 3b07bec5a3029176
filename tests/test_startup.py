"""Start-up does only what the first tools/list needs (issue 12): no httpx (nor its SSL context),
no yaml, no sandbox until a request, a config file or ``--sandbox`` asks for them.

Timing lives in ``bench/startup.py``; this checks what is loaded, in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import asyncio, json, sys
from syncro_mcp.server.settings import load_settings
from syncro_mcp.server.serving import open_app

async def main():
    async with open_app(load_settings(), sandbox=False) as app:
        await app.server.list_tools()

asyncio.run(main())
print(json.dumps(sorted(m for m in ("httpx", "yaml", "syncro_mcp.sandbox") if m in sys.modules)))
"""


def test_the_first_tools_list_loads_no_http_client_yaml_or_sandbox(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SYNCRO_MCP_CONFIG"}
    env.update({"SYNCRO_SUBDOMAIN": "acme", "SYNCRO_API_KEY": "T0123-test", "SYNCRO_TIMEZONE": "UTC",
                "SYNCRO_STATE_DIR": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")})  # no config file
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_collection_is_paused_for_the_start_up_and_back_on_after(monkeypatch):
    """``serve`` pauses the cyclic collector while it starts; ``serving.started`` freezes what the
    start-up made (later collections skip it) and turns collection back on; a failed start turns it on too."""
    import gc

    from syncro_mcp.server import cli, serving

    seen: list[bool] = []

    async def fake_serve(settings, **kw):
        seen.append(gc.isenabled())
        serving.started()
        seen.append(gc.isenabled())

    monkeypatch.setattr(serving, "serve", fake_serve)
    monkeypatch.setenv("SYNCRO_SANDBOX", "1")
    try:
        assert cli.main(["serve"]) == 0
        assert seen == [False, True] and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    monkeypatch.setenv("SYNCRO_SANDBOX", "0")
    monkeypatch.setenv("SYNCRO_TOOLSETS", "nonsense")  # a ConfigError before anything starts
    assert cli.main(["serve"]) != 0
    assert gc.isenabled()
