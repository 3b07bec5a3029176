"""Static checks of the /syncro skill and the Claude Code plugin files (no network, no server)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SKILL = ROOT / "skill" / "SKILL.md"
PLUGIN_JSON = ROOT / ".claude-plugin" / "plugin.json"
MARKETPLACE_JSON = ROOT / ".claude-plugin" / "marketplace.json"
PYPROJECT = ROOT / "pyproject.toml"


def _live_tools() -> set[str]:
    """The names in the server's real tools/list (full mode), so the skill cannot drift from it."""
    import asyncio
    import tempfile

    from mcp import Client
    from pydantic import SecretStr
    from syncro_mcp.client import SyncroClient
    from syncro_mcp.server.app import build_app
    from syncro_mcp.server.settings import OPT_IN_TOOLSETS, TOOLSETS, Settings

    every = [*TOOLSETS, *OPT_IN_TOOLSETS]  # the opt-in toolsets' tools are real tools too

    async def names() -> set[str]:
        with tempfile.TemporaryDirectory() as tmp:
            async with SyncroClient(base_url="http://127.0.0.1:9/api/v1", api_key=SecretStr("unused")) as client:
                app = build_app(Settings(state_dir=Path(tmp), timezone="UTC", toolsets=every), client)
                async with Client(app.server, mode="legacy") as c:
                    return {t.name for t in (await c.list_tools()).tools}

    return asyncio.run(names())


KNOWN_TOOLS = _live_tools()

# Backticked snake_case words in SKILL.md that are the server, arguments or result fields, not tools.
NON_TOOL_WORDS = {"syncro", "needs_confirmation", "preview", "confirm_token", "minutes", "labor_type", "bill_again"}

# Claude Code names the tools mcp__<server>__<tool>; a plugin's server is "plugin:<plugin>:<server>".
TOOL_PREFIXES = ("mcp__syncro__", "mcp__plugin_syncro_syncro__")

SUBCOMMANDS = [
    "ticket N",
    "create <customer> <subject>",
    "update N <status>",
    "close N",
    "comment N <text>",
    "--time M --labor L",
    "bill N",
    "search <q>",
    "customers <q>",
]


def _split_skill() -> tuple[dict, str]:
    text = SKILL.read_text(encoding="utf-8")
    match = re.match(r"\A---\n(.*?)\n---\n(.*)\Z", text, re.DOTALL)
    assert match, "SKILL.md must start with a YAML frontmatter block delimited by ---"
    meta = yaml.safe_load(match.group(1))
    assert isinstance(meta, dict)
    return meta, match.group(2)


def _load_json(path: Path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_skill_frontmatter() -> None:
    meta, _ = _split_skill()
    assert meta["name"] == "syncro"
    description = meta["description"]
    assert isinstance(description, str)
    for word in ("SyncroMSP", "ticket", "comment", "bill", "time"):
        assert word.lower() in description.lower(), word
    hint = meta["argument-hint"]
    assert isinstance(hint, str)
    for sub in SUBCOMMANDS:
        assert sub in hint, sub
    allowed = meta["allowed-tools"]
    if isinstance(allowed, str):
        allowed = allowed.replace(",", " ").split()
    assert allowed, "allowed-tools must not be empty"
    for rule in allowed:
        assert rule.startswith(TOOL_PREFIXES), f"allowed-tools grants a non-syncro tool: {rule}"
        name = rule.split("__", 2)[2]
        assert name == "*" or name in KNOWN_TOOLS, rule
    assert {"mcp__syncro__*", "mcp__plugin_syncro_syncro__*"} <= set(allowed)


def test_skill_body_covers_every_subcommand() -> None:
    _, body = _split_skill()
    assert "$ARGUMENTS" in body
    assert "/syncro" in body
    for sub in SUBCOMMANDS:
        assert sub in body, sub
    assert len(body.encode()) < 6000, "keep the skill body concise"


def test_skill_names_only_known_tools() -> None:
    _, body = _split_skill()
    prefixed = set(re.findall(r"mcp__(?:syncro|plugin_syncro_syncro)__([a-z_]+)", body))
    assert prefixed <= KNOWN_TOOLS, prefixed - KNOWN_TOOLS
    named = set()
    for span in re.findall(r"`([^`\n]+)`", body):
        match = re.fullmatch(r"([a-z][a-z0-9_]*)(\(.*\))?", span)
        if match:
            named.add(match.group(1))
    unknown = named - KNOWN_TOOLS - NON_TOOL_WORDS
    assert not unknown, f"SKILL.md names tools the server does not have: {sorted(unknown)}"
    for core in (
        "list_tickets",
        "get_ticket",
        "add_comment",
        "bill_ticket",
        "close_ticket",
        "pending_writes",
        "resume_write",
        "write_session_log",
    ):
        assert core in named, core


@pytest.mark.parametrize("forbidden", ["curl", "api_key", "/api/v1", "product_id", "1190473", "26118"])
def test_skill_does_not_repeat_api_details(forbidden: str) -> None:
    assert forbidden not in SKILL.read_text(encoding="utf-8")


def test_plugin_json() -> None:
    plugin = _load_json(PLUGIN_JSON)
    assert plugin["name"] == "syncro"
    assert plugin["version"] == "0.1.0"
    assert plugin["description"]
    assert plugin["license"] == "MIT"
    assert plugin["author"]["name"]
    skills = plugin["skills"]
    for entry in [skills] if isinstance(skills, str) else skills:
        assert entry.startswith("./")
        assert (ROOT / entry / "SKILL.md").is_file(), entry
    assert isinstance(plugin["mcpServers"], dict), "declare the server inline (see test_no_root_mcp_json)"


def _plugin_server() -> dict:
    return _load_json(PLUGIN_JSON)["mcpServers"]["syncro"]


def test_plugin_server_runs_from_the_plugins_own_folder() -> None:
    """No pip install step: uvx builds and runs the server from the installed plugin's folder."""
    server = _plugin_server()
    assert server["command"] == "uvx"
    assert server["args"] == ["--from", "${CLAUDE_PLUGIN_ROOT}", "syncro-mcp", "serve"]
    scripts = re.search(r"^\[project\.scripts\]\n((?:.+\n)+)", PYPROJECT.read_text(encoding="utf-8"), re.MULTILINE)
    assert scripts and re.search(r"^syncro-mcp\s*=", scripts.group(1), re.MULTILINE), "the command uvx runs"


def test_plugin_server_passes_settings_through() -> None:
    """Only settings, each passed through with an empty default (an empty variable counts as unset)."""
    from syncro_mcp.server.settings import CONFIG_ENV, FIELDS, env_name

    env = _plugin_server()["env"]
    known = {env_name(f) for f in FIELDS} | {CONFIG_ENV}
    assert set(env) <= known, set(env) - known
    assert {"SYNCRO_SANDBOX", "SYNCRO_SUBDOMAIN", "SYNCRO_API_KEY", CONFIG_ENV} <= set(env)
    for var, value in env.items():
        assert value == "${" + var + ":-}", f"{var} must be passed through with an empty default"


def test_no_root_mcp_json() -> None:
    """Claude Code reads a root .mcp.json twice: as the plugin's server file and, inside the checkout, as
    the project-scope config. A `claude mcp add syncro` run in the checkout then reported
    "Conflicting scopes". The plugin declares its server in plugin.json instead."""
    assert not (ROOT / ".mcp.json").exists()


def test_marketplace_json() -> None:
    market = _load_json(MARKETPLACE_JSON)
    plugin = _load_json(PLUGIN_JSON)
    assert market["name"] == "syncro-mcp"
    assert market["owner"]["name"]
    [entry] = [p for p in market["plugins"] if p["name"] == plugin["name"]]
    assert (ROOT / entry["source"] / ".claude-plugin" / "plugin.json").resolve() == PLUGIN_JSON
    assert entry.get("version", plugin["version"]) == plugin["version"]


def test_license_is_mit() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert "2026 syncro-mcp developers" in text


def test_docs_name_the_command_claude_code_gives_the_skill() -> None:
    """Claude Code names a plugin's skill ``<plugin>:<skill>``: with this plugin installed, Claude Code
    2.1's session init lists ``syncro:syncro`` in its slash_commands (``/syncro`` alone is only a
    shorthand, taken by any other skill named syncro). README, SKILL.md and the demo say that name."""
    meta, body = _split_skill()
    command = f"/{_load_json(PLUGIN_JSON)['name']}:{meta['name']}"
    assert command == "/syncro:syncro"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    demo = (ROOT / "server" / "demo.py").read_text(encoding="utf-8")
    bare = re.compile(r"(?<![\w/.-])/syncro(?![\w:-])")
    for name, text in (("README.md", readme.replace("the short `/syncro`", "")), ("SKILL.md", body), ("demo", demo)):
        assert command in text, name
        assert not bare.search(text), f"{name} names the skill /syncro; Claude Code calls it {command}"
