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
