"""What tools/list costs in every conversation stays within its budgets (issues 12 and 15).

Measured on the real tools/list through the in-memory MCP client, as ``bench/footprint.py``
prints it: the model-visible list (name + description + inputSchema per tool, compact JSON) with
the default toolsets and with every toolset on, and the whole result over the wire.
"""

from __future__ import annotations

from syncro_mcp.server.settings import OPT_IN_TOOLSETS, TOOLSETS
from syncro_mcp.testing import BUDGETS, tools_list


async def test_default_toolsets_fit_the_model_visible_budget():
    listed = await tools_list()
    assert listed.visible_bytes <= BUDGETS["visible_default"], listed.per_tool_visible_bytes()


async def test_every_toolset_fits_the_model_visible_and_wire_budgets():
    listed = await tools_list(toolsets=["all"])
    default = await tools_list()
    assert {t.name for t in listed.tools} > {t.name for t in default.tools}  # "all" has the opt-in tools too
    assert listed.visible_bytes <= BUDGETS["visible_all"], listed.per_tool_visible_bytes()
    assert listed.wire_bytes <= BUDGETS["wire_all"]


async def test_all_means_every_toolset_including_the_opt_in_ones():
    named = await tools_list(toolsets=[*TOOLSETS, *OPT_IN_TOOLSETS])
    every = await tools_list(toolsets=["all"])
    assert [t.name for t in every.tools] == [t.name for t in named.tools]
    assert {"schedule_appointment", "ticket_from_alert"} <= {t.name for t in every.tools}


def test_the_measure_counts_what_the_model_sees():
    """A description or schema byte more is a visible byte more; the title and outputSchema are not visible."""
    from types import SimpleNamespace

    from syncro_mcp.testing import ToolsList

    tool = SimpleNamespace(name="t", description="d", input_schema={"type": "object"}, title="T", output_schema={})
    longer = SimpleNamespace(**{**vars(tool), "description": "dd"})
    titled = SimpleNamespace(**{**vars(tool), "title": "A much longer title", "output_schema": {"type": "object"}})
    size = ToolsList([tool], 0).visible_bytes
    assert size == len(b'[{"name":"t","description":"d","inputSchema":{"type":"object"}}]')
    assert ToolsList([longer], 0).visible_bytes == size + 1
    assert ToolsList([titled], 0).visible_bytes == size


async def test_a_token_comes_with_how_to_use_it():
    """confirm_token's schema has no description (it would cost every conversation ×14 tools): the
    needs_confirmation result says when and how to use it, structured (what Claude Code shows) and as text."""
    from mcp import Client
    from syncro_mcp.testing import in_memory

    async with in_memory() as env, Client(env.server, mode="legacy") as c:
        tools = {t.name: t for t in (await c.list_tools()).tools}
        r = await c.call_tool("log_time", {"number": 32164, "minutes": 30, "labor_type": "remote", "notes": "x"})
    assert tools["log_time"].input_schema["properties"]["confirm_token"] == {"type": "string"}
    out = r.structured_content
    assert out["status"] == "needs_confirmation" and out["confirm_token"]
    assert "after an explicit yes" in out["message"] and "confirm_token" in out["message"]
    assert f'confirm_token="{out["confirm_token"]}"' in r.content[0].text
    assert [q for q in env.sandbox.requests if q.method != "GET"] == []
