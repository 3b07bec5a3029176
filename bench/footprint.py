"""Context footprint: what the tool list and typical tool outputs cost the model, in bytes and ≈tokens.

Sizes are UTF-8 bytes of compact JSON (``separators=(",", ":")``, ``ensure_ascii=False``).
Tokens are approximated as characters / 4 (no tokenizer is used: stated in the output).

- **tools/list, full**: the whole ``tools/list`` result as the server sends it (names, titles,
  descriptions, input and output schemas, annotations).
- **tools/list, model-visible**: per tool only ``name`` + ``description`` + ``inputSchema``, as a
  JSON array: what clients typically put into the model's context (the figure other Syncro MCP
  servers were measured with: 21 tools → 11,201 bytes; 170 tools → 71,650 bytes).
- **outputs**: a 25-ticket list and a ticket detail, as the text content the model reads and as
  ``structuredContent``, against the raw Syncro JSON of the very requests the tool made.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from mcp import Client
from syncro_mcp.server.settings import TOOLSETS
from syncro_mcp.testing import BUDGETS, in_memory
from syncro_mcp.testing import tools_list as listed_tools

from .calls import COMMANDS

TARGET_VISIBLE_BYTES = BUDGETS["visible_default"]  # default toolsets (issue 15)
TARGET_ALL_VISIBLE_BYTES = BUDGETS["visible_all"]  # every toolset on, the opt-in ones too (issue 15)
TARGET_WIRE_BYTES = BUDGETS["wire_all"]  # the whole tools/list result, every toolset on (issue 12)
TARGET_LIST_RATIO = 0.15
OTHER_SERVERS = ({"tools": 21, "visible_bytes": 11_201}, {"tools": 170, "visible_bytes": 71_650})


def compact(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def size(text: str) -> dict[str, int]:
    return {"bytes": len(text.encode("utf-8")), "tokens": round(len(text) / 4)}


async def tools_list(**settings: Any) -> dict[str, Any]:
    listed = await listed_tools(**settings)
    tools = listed.tools
    return {
        "tools": len(tools),
        "names": [t.name for t in tools],
        "full": {"bytes": listed.wire_bytes, "tokens": round(listed.wire_bytes / 4)},
        "visible": {"bytes": listed.visible_bytes, "tokens": round(listed.visible_bytes / 4)},
        "per_tool_visible_bytes": listed.per_tool_visible_bytes(),
        "with_annotations": sum(t.annotations is not None for t in tools),
        "with_output_schema": sum(bool(t.output_schema) for t in tools),
    }


async def _raw_bytes(env: Any, since: int) -> int:
    """Replay the GETs the tool just made, byte for byte, and add up Syncro's raw JSON answers."""
    total = 0
    async with httpx.AsyncClient(
        base_url=env.sandbox.base_url + "/", transport=env.sandbox.transport(),
        headers={"Authorization": f"Bearer {env.sandbox.api_key}"},
    ) as raw:
        for q in list(env.sandbox.requests)[since:]:
            if q.method == "GET":
                total += len((await raw.get(q.path.lstrip("/"), params=q.query)).content)
    return total


async def _output(env: Any, c: Client, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    since = len(env.sandbox.requests)
    r = await c.call_tool(tool, args)
    assert not r.is_error, r.content
    text = "\n".join(getattr(b, "text", "") for b in r.content)
    structured = compact(r.structured_content)
    made = [f"GET {q.path}" for q in list(env.sandbox.requests)[since:]]
    raw = await _raw_bytes(env, since)
    out = {
        "tool": tool,
        "args": args,
        "requests": made,
        "raw_json_bytes": raw,
        "text": size(text),
        "structured": size(structured),
        "text_plus_structured": size(text + structured),
    }
    out["text_ratio"] = out["text"]["bytes"] / raw
    out["structured_ratio"] = out["structured"]["bytes"] / raw
    out["both_ratio"] = out["text_plus_structured"]["bytes"] / raw
    return out


async def outputs() -> dict[str, Any]:
    async with in_memory() as env:
        # the seed has 19 open tickets: open 6 more so the list is the 25
        customers = (await env.client.list_customers()).items
        for i in range(6):
            cust = customers[i % len(customers)]
            await env.client.create_ticket({"customer_id": cust.id, "subject": f"Bench ticket {i + 1}",
                                            "problem_type": "Other", "status": "New"})
        async with Client(env.server, mode="legacy") as c:
            listing = await _output(env, c, "list_tickets", {"limit": 25})
            await c.call_tool("get_ticket", {"number": 32165})  # number→id cached: time only the detail
            detail = await _output(env, c, "get_ticket", {"number": 32165})
    return {"ticket_list_25": listing, "ticket_detail": detail}


async def run() -> dict[str, Any]:
    modes: dict[str, Any] = {
        "full": await tools_list(), "all toolsets": await tools_list(toolsets=["all"]),
        "read-only": await tools_list(read_only=True),
    }
    for ts in TOOLSETS:
        modes[f"toolset {ts}"] = await tools_list(toolsets=[ts])
    full = modes["full"]
    missing = sorted({c.tool for c in COMMANDS} - set(modes["all toolsets"]["names"]))  # opt-in ones too
    return {
        "token_estimate": "tokens ≈ characters / 4 (no tokenizer)",
        "tools_list": modes,
        "covers_every_seed_command": not missing,
        "missing_seed_tools": missing,
        "targets": {
            "visible_bytes_max": TARGET_VISIBLE_BYTES,
            "visible_ok": full["visible"]["bytes"] <= TARGET_VISIBLE_BYTES,
            "all_visible_bytes_max": TARGET_ALL_VISIBLE_BYTES,
            "all_visible_ok": modes["all toolsets"]["visible"]["bytes"] <= TARGET_ALL_VISIBLE_BYTES,
            "wire_bytes_max": TARGET_WIRE_BYTES,
            "wire_ok": modes["all toolsets"]["full"]["bytes"] <= TARGET_WIRE_BYTES,
            "annotations_on_every_tool": full["with_annotations"] == full["tools"],
            "output_schema_on_every_tool": full["with_output_schema"] == full["tools"],
            "list_ratio_max": TARGET_LIST_RATIO,
        },
        "other_servers": OTHER_SERVERS,
        "outputs": await outputs(),
    }


def table(result: dict[str, Any]) -> str:
    from .table import render

    rows = []
    for mode, m in result["tools_list"].items():
        rows.append([
            mode, m["tools"], f"{m['full']['bytes']:,}", f"{m['full']['tokens']:,}",
            f"{m['visible']['bytes']:,}", f"{m['visible']['tokens']:,}",
            f"{m['with_annotations']}/{m['tools']}", f"{m['with_output_schema']}/{m['tools']}",
        ])
    for other in result["other_servers"]:
        rows.append([f"other Syncro MCP ({other['tools']} tools)", other["tools"], "-", "-",
                     f"{other['visible_bytes']:,}", f"{round(other['visible_bytes'] / 4):,}", "-", "-"])
    t = result["targets"]
    full, every = result["tools_list"]["full"], result["tools_list"]["all toolsets"]

    def ok(good: bool) -> str:
        return "met" if good else "NOT met"

    lines = [
        render(["tools/list", "tools", "wire B", "wire ≈tok", "visible B", "visible ≈tok", "annotations",
                "outputSchema"], rows),
        "full = the default toolsets; wire = the whole tools/list result as sent; visible = name + description + "
        "inputSchema per tool (what Claude Code sends the model), compact JSON array; ≈tok = characters / 4 "
        "(no tokenizer).",
        f"model-visible: default toolsets {full['visible']['bytes']:,} B (target ≤ {t['visible_bytes_max']:,}: "
        f"{ok(t['visible_ok'])}); every toolset {every['visible']['bytes']:,} B (target ≤ "
        f"{t['all_visible_bytes_max']:,}: {ok(t['all_visible_ok'])})",
        f"tools/list over the wire: default toolsets {full['full']['bytes']:,} B; every toolset "
        f"{every['full']['bytes']:,} B (target ≤ {t['wire_bytes_max']:,}: {ok(t['wire_ok'])})",
        f"every seed command covered: "
        f"{'yes' if result['covers_every_seed_command'] else 'NO ' + ', '.join(result['missing_seed_tools'])}; "
        f"annotations on every tool: {'yes' if t['annotations_on_every_tool'] else 'NO'}; "
        f"outputSchema on every tool: {'yes' if t['output_schema_on_every_tool'] else 'NO'} "
        "(a write tool's: its envelope only)",
        "",
    ]
    orows = []
    for name, o in result["outputs"].items():
        orows.append([
            name, o["tool"], f"{o['raw_json_bytes']:,}", f"{o['text']['bytes']:,} ({o['text_ratio']:.1%})",
            f"{o['structured']['bytes']:,} ({o['structured_ratio']:.1%})",
            f"{o['text_plus_structured']['bytes']:,} ({o['both_ratio']:.1%})", f"{o['text']['tokens']:,}",
        ])
    lines.append(render(["output", "tool", "raw Syncro JSON B", "text B (of raw)", "structured B (of raw)",
                         "text+structured B", "text ≈tok"], orows))
    lst = result["outputs"]["ticket_list_25"]
    lines.append(
        f"target: list output ≤ {t['list_ratio_max']:.0%} of raw JSON → text {lst['text_ratio']:.1%}, "
        f"text+structured {lst['both_ratio']:.1%}. Raw = Syncro's answers to the same GETs the tool made."
    )
    return "\n".join(lines)
