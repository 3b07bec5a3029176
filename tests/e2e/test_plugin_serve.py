"""``syncro-mcp serve`` as the Claude Code plugin starts it: a real subprocess over stdio, with only
environment settings (the plugin passes no flags).

- ``SYNCRO_SANDBOX=1``: demo data, no account needed.
- nothing set at all: the server still starts and lists its tools, and every tool answers with
  the setup help (the text ``syncro-mcp check`` prints) instead of a bare connection failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from mcp import StdioServerParameters
from mcp.client.session import ClientSession
from mcp.client.stdio import stdio_client


def _command() -> tuple[str, list[str]]:
    exe = shutil.which("syncro-mcp")
    return (exe, []) if exe else (sys.executable, ["-m", "syncro_mcp"])


def _command_line() -> list[str]:
    command, args = _command()
    return [command, *args]


def clean_env(tmp_path, **settings: str) -> dict[str, str]:
    """The caller's environment minus every SYNCRO_* and with no user config file or state."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCRO_")}
    env.update(
        {
            "HOME": str(tmp_path / "home"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_STATE_HOME": str(tmp_path / "state"),
            "SYNCRO_SESSION_LOG_DIR": str(tmp_path / "clients"),
        }
    )
    env.update(settings)
    return env


def params(env: dict[str, str]) -> StdioServerParameters:
    command, args = _command()
    return StdioServerParameters(command=command, args=[*args, "serve"], env=env)


def placeholder(schema: dict) -> dict:
    """Arguments of the right type for every required parameter (validation is not what is tested)."""
    samples = {"integer": 32164, "number": 1.5, "boolean": False, "string": "x", "array": [], "object": {}}
    out = {}
    for name in schema.get("required", []):
        prop = schema.get("properties", {}).get(name, {})
        kind = prop.get("type") or next((o.get("type") for o in prop.get("anyOf", []) if o.get("type")), "string")
        out[name] = samples.get(kind, "x")
    return out


async def test_sandbox_setting_serves_demo_data(tmp_path):
    env = clean_env(tmp_path, SYNCRO_SANDBOX="1")
    async with stdio_client(params(env)) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        names = {t.name for t in (await session.list_tools()).tools}
        assert {"list_tickets", "get_ticket", "add_comment", "bill_ticket"} <= names
        r = await session.call_tool("get_ticket", {"number": 32164})
        assert not r.is_error, r.content[0].text
        assert "#32164" in r.content[0].text


async def test_unconfigured_serve_answers_every_tool_with_the_setup_help(tmp_path):
    env = clean_env(tmp_path)
    check = subprocess.run([*_command_line(), "check"], capture_output=True, text=True, env=env, timeout=60)
    assert check.returncode == 2
    help_text = check.stderr.strip()
    assert "no Syncro account configured" in help_text and "no Syncro API key configured" in help_text
    assert "SYNCRO_SANDBOX=1" in help_text

    async with stdio_client(params(env)) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        tools = (await session.list_tools()).tools
        assert len(tools) > 20, [t.name for t in tools]
        for tool in tools:
            for args in ({}, placeholder(tool.input_schema)):
                r = await session.call_tool(tool.name, args)
                assert r.is_error, tool.name
                assert r.content[0].text.strip() == help_text, tool.name


@pytest.mark.parametrize("value", ["0", ""])
def test_sandbox_off_still_needs_an_account_for_check(tmp_path, value):
    env = clean_env(tmp_path, SYNCRO_SANDBOX=value)
    proc = subprocess.run([*_command_line(), "check"], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "no Syncro account configured" in proc.stderr
