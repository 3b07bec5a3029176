"""Regenerate the README's tool table from the server's live tools/list.

    python scripts/readme_tools.py          # rewrite the table between the markers
    python scripts/readme_tools.py --check  # exit 1 if the README is out of date

The table lives between ``<!-- tools:start -->`` and ``<!-- tools:end -->``.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from mcp import Client
from pydantic import SecretStr
from syncro_mcp.client import SyncroClient
from syncro_mcp.server.app import build_app
from syncro_mcp.server.settings import OPT_IN_TOOLSETS, TOOLSETS, Settings

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- tools:start -->", "<!-- tools:end -->"


async def _tools() -> list:
    with tempfile.TemporaryDirectory() as tmp:
        client = SyncroClient(base_url="http://127.0.0.1:9/api/v1", api_key=SecretStr("unused"))
        async with client:
            every = [*TOOLSETS, *OPT_IN_TOOLSETS]  # the opt-in toolsets' tools are listed too
            app = build_app(Settings(state_dir=Path(tmp), timezone="UTC", toolsets=every), client)
            async with Client(app.server, mode="legacy") as c:
                tools = (await c.list_tools()).tools
            return [(t, app.registrar.registered[t.name]) for t in tools]


def render_table() -> str:
    rows = [
        "| tool | toolset | what it does | kind |",
        "|---|---|---|---|",
    ]
    for tool, info in asyncio.run(_tools()):
        params = ", ".join(
            p if p in tool.input_schema.get("required", []) else f"{p}?"
            for p in tool.input_schema.get("properties", {})
            if p != "confirm_token"
        )
        kind = "read" if info.kind == "read" else ("write, confirmed" if info.confirmed else "write")
        if tool.annotations.destructive_hint:
            kind += ", destructive"
        toolset = "any" if info.toolset == "*" else info.toolset
        rows.append(f"| `{tool.name}({params})` | {toolset} | {tool.description} | {kind} |")
    return "\n".join(rows)


def updated(readme: str, table: str) -> str:
    head, _, rest = readme.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{table}\n{END}{tail}"


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    if START not in text or END not in text:
        print(f"README has no {START} … {END} markers", file=sys.stderr)
        return 1
    new = updated(text, render_table())
    if "--check" in argv:
        if new != text:
            print("README tool table is out of date: run python scripts/readme_tools.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
