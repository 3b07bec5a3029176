"""An unconfigured server, in memory: the same tools and prompts as a configured one, and every tool
call and resource read answered with the setup help (the stdio run is in tests/e2e/test_plugin_serve.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from syncro_mcp.server.serving import open_app
from syncro_mcp.server.settings import NotConfiguredError, Settings


def _help(settings: Settings) -> str:
    with pytest.raises(NotConfiguredError) as exc:
        settings.require_syncro()
    return str(exc.value)


async def _listing(app) -> tuple[list[str], list[str]]:
    async with Client(app.server, mode="legacy") as c:
        tools = sorted(t.name for t in (await c.list_tools()).tools)
        prompts = sorted(p.name for p in (await c.list_prompts()).prompts)
    return tools, prompts


async def test_unconfigured_app_lists_what_the_sandbox_app_lists(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path, timezone="UTC")
    async with open_app(settings, sandbox=False, setup_help=_help(settings)) as app:
        unconfigured = await _listing(app)
    async with open_app(settings, sandbox=True) as app:
        sandbox = await _listing(app)
    assert unconfigured == sandbox
    assert "list_tickets" in unconfigured[0] and "daily_review" in unconfigured[1]


async def test_unconfigured_app_answers_tools_and_resources_with_the_help(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path, timezone="UTC", subdomain="acme")
    text = _help(settings)
    assert "no Syncro account configured" not in text and "no Syncro API key configured" in text
    async with open_app(settings, sandbox=False, setup_help=text) as app, Client(app.server, mode="legacy") as c:
        for name, args in (("list_tickets", {}), ("get_ticket", {"number": 32164}), ("pending_writes", {})):
            r = await c.call_tool(name, args)
            assert r.is_error and r.content[0].text == text, name
        with pytest.raises(MCPError) as exc:
            await c.read_resource("syncro://tickets/32164")
        assert str(exc.value) == text
        prompt = await c.get_prompt("daily_review")
        assert "list_tickets" in prompt.messages[0].content.text
