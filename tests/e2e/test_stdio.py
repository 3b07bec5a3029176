"""The installed ``syncro-mcp serve --sandbox`` as a real subprocess, over stdio."""

from __future__ import annotations

import os
import shutil
import sys

from mcp import StdioServerParameters
from mcp.client.session import ClientSession
from mcp.client.stdio import stdio_client


def server_params(tmp_path, *extra: str) -> StdioServerParameters:
    exe = shutil.which("syncro-mcp")
    command, args = (exe, []) if exe else (sys.executable, ["-m", "syncro_mcp"])
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCRO_")}
    env.update({"SYNCRO_STATE_DIR": str(tmp_path / "state"), "SYNCRO_SESSION_LOG_DIR": str(tmp_path / "clients")})
    return StdioServerParameters(command=command, args=[*args, "serve", "--sandbox", *extra], env=env)


async def test_stdio_session_lists_tools_and_works_a_ticket(tmp_path):
    async with stdio_client(server_params(tmp_path)) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        names = {t.name for t in (await session.list_tools()).tools}
        assert {"list_tickets", "get_ticket", "add_comment", "bill_ticket", "pending_writes"} <= names

        summary = await session.call_tool("list_tickets", {})
        assert not summary.is_error
        assert "#32164" in summary.content[0].text and "Jerry Burger" in summary.content[0].text

        preview = await session.call_tool(
            "add_comment", {"number": 32164, "body": "From e2e", "minutes": 15, "labor_type": "remote"}
        )
        token = preview.structured_content["confirm_token"]
        done = await session.call_tool(
            "add_comment",
            {"number": 32164, "body": "From e2e", "minutes": 15, "labor_type": "remote", "confirm_token": token},
        )
        assert done.structured_content["status"] == "done", done.content[0].text
        entries = await session.call_tool("list_time_entries", {"number": 32164})
        assert any(e["notes"] == "From e2e" and e["minutes"] == 15 for e in entries.structured_content["entries"])

    # The sandbox's writes outlive the run and stay apart from real Syncro's audit log (issue 11).
    kept = (tmp_path / "state" / "sandbox-audit.jsonl").read_text(encoding="utf-8")
    assert '"add_comment"' in kept and not (tmp_path / "state" / "audit.jsonl").exists()


async def test_read_only_over_stdio_has_no_write_tools(tmp_path):
    async with (
        stdio_client(server_params(tmp_path, "--read-only")) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        tools = (await session.list_tools()).tools
        assert tools and all(t.annotations.read_only_hint for t in tools)
        r = await session.call_tool("add_comment", {"number": 32164, "body": "x"})
        assert r.is_error
