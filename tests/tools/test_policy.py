"""Tool policy: annotations, confirmation, read-only mode, toolsets, and a tools/list snapshot.

Regenerate the snapshot deliberately with ``SYNCRO_UPDATE_SNAPSHOT=1 pytest tests/tools/test_policy.py``.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from support.harness import harness

SNAPSHOT = Path(__file__).parent / "snapshots" / "tools_list.json"

# name: (read only, destructive, confirmed by default)
POLICY = {
    "list_tickets": (True, False, False),
    "get_ticket": (True, False, False),
    "search": (True, False, False),
    "list_time_entries": (True, False, False),
    "list_labor_types": (True, False, False),
    "my_time": (True, False, False),
    "unbilled_work": (True, False, False),
    "list_customers": (True, False, False),
    "get_customer": (True, False, False),
    "customer_history": (True, False, False),
    "list_invoices": (True, False, False),
    "get_invoice": (True, False, False),
    "pending_writes": (True, False, False),
    "create_ticket": (False, False, False),
    "update_ticket": (False, False, False),
    "create_customer": (False, False, False),
    "write_session_log": (False, False, False),
    "close_ticket": (False, False, True),
    "add_comment": (False, False, True),
    "log_time": (False, False, True),
    "bill_ticket": (False, False, True),
    "add_ticket_part": (False, False, True),
    "create_invoice": (False, False, True),
    "add_invoice_line_item": (False, False, True),
    "resume_write": (False, False, True),
    "abandon_write": (False, False, True),
    "delete_ticket": (False, True, True),
    "delete_invoice": (False, True, True),
    "update_time_entry": (False, False, True),
    "delete_time_entry": (False, True, True),
    "email_invoice": (False, False, True),
}
READS = {n for n, (ro, _, _) in POLICY.items() if ro}


async def tools_list(tmp_path, mode: str = "legacy", **settings):
    async with harness(tmp_path, **settings) as h, Client(h.app.server, mode=mode) as c:
        return (await c.list_tools()).tools, h.app.registrar.registered


async def test_every_tool_follows_the_policy(tmp_path):
    tools, registered = await tools_list(tmp_path)
    assert {t.name for t in tools} == set(POLICY)
    for t in tools:
        ro, destructive, confirmed = POLICY[t.name]
        a = t.annotations
        assert a is not None and a.title, t.name
        assert a.read_only_hint is ro and a.destructive_hint is destructive, t.name
        assert a.idempotent_hint is not None and a.open_world_hint is not None, t.name
        assert t.output_schema and t.output_schema.get("type") == "object", t.name
        assert t.description, t.name
        assert registered[t.name].confirmed is confirmed, t.name
        assert ("confirm_token" in t.input_schema["properties"]) is confirmed, t.name


async def test_create_and_update_can_be_made_to_confirm(tmp_path):
    _, registered = await tools_list(tmp_path, confirm_creates=True)
    assert all(registered[n].confirmed for n in ("create_ticket", "update_ticket", "create_customer"))


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_read_only_mode_lists_only_read_tools(tmp_path, mode):
    tools, _ = await tools_list(tmp_path, mode=mode, read_only=True)
    assert {t.name for t in tools} == READS


async def test_read_only_mode_refuses_writes_by_name(tmp_path):
    async with harness(tmp_path, read_only=True) as h, Client(h.app.server, mode="legacy") as c:
        r = await c.call_tool("bill_ticket", {"number": 32164, "minutes": 30, "labor_type": "remote", "notes": "x"})
        assert r.is_error
        assert await h.client.me()  # reads still work
    assert [q for q in h.sandbox.requests if q.method != "GET"] == []


@pytest.mark.parametrize(
    "toolsets, expected",
    [
        (
            ["billing"],
            {"bill_ticket", "add_ticket_part", "unbilled_work", "pending_writes", "resume_write", "abandon_write"},
        ),
        (
            ["customers"],
            {"list_customers", "get_customer", "customer_history", "create_customer", "pending_writes", "resume_write",
             "abandon_write"},
        ),
        (
            ["time", "invoices"],
            {
                "log_time",
                "update_time_entry",
                "delete_time_entry",
                "list_time_entries",
                "list_labor_types",
                "my_time",
                "list_invoices",
                "get_invoice",
                "create_invoice",
                "add_invoice_line_item",
                "delete_invoice",
                "email_invoice",
                "pending_writes",
                "resume_write",
                "abandon_write",
            },
        ),
    ],
)
async def test_toolsets_choose_the_groups(tmp_path, toolsets, expected):
    tools, _ = await tools_list(tmp_path, toolsets=toolsets)
    assert {t.name for t in tools} == expected


#: JSON Schema keywords the snapshot compares; anything else (``title``, ``pattern``, ``examples``, …)
#: is dropped. ``pattern`` is out because the only patterns in tools/list are pydantic's own for
#: Decimal-as-string, which pydantic 2.14 stopped emitting (2.13 had them); titles of properties
#: are generated from the field names, which the snapshot already holds.
SCHEMA_KEYS = frozenset({
    "type", "properties", "required", "items", "additionalProperties", "anyOf", "oneOf", "allOf",
    "$ref", "$defs", "enum", "const", "default", "format", "description",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "minItems", "maxItems",
})


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def normalize_schema(schema: Any) -> Any:
    """What a client relies on: names, required, JSON types, enums, bounds, defaults, descriptions,
    nested structure. Alternatives (``anyOf``…), ``required``, ``type`` lists and ``enum`` are
    compared as sets, since their order carries no meaning."""
    if isinstance(schema, list):
        return [normalize_schema(v) for v in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key not in SCHEMA_KEYS:
            continue
        if key in ("properties", "$defs"):
            value = {name: normalize_schema(sub) for name, sub in value.items()}
        elif key in ("anyOf", "oneOf", "allOf"):
            value = sorted((normalize_schema(sub) for sub in value), key=_canonical)
        elif key in ("required", "enum") or (key == "type" and isinstance(value, list)):
            value = sorted(value, key=_canonical)
        elif key in ("items", "additionalProperties"):
            value = normalize_schema(value)
        out[key] = value
    return _merge_null_branch(out)


def _merge_null_branch(schema: dict[str, Any]) -> dict[str, Any]:
    """``anyOf: [{type: X, …}, {type: null}]`` is ``{type: [X, null], …}``. Python 3.10's
    ``get_type_hints`` wraps a parameter defaulting to None in one more Optional, so a schema
    that 3.11 sends flat arrives there wrapped in such an ``anyOf``."""
    branches = schema.get("anyOf")
    if not (isinstance(branches, list) and len(branches) == 2 and {"type": "null"} in branches):
        return schema
    other = branches[0] if branches[1] == {"type": "null"} else branches[1]
    if not isinstance(other, dict) or "type" not in other:
        return schema
    types = other["type"] if isinstance(other["type"], list) else [other["type"]]
    merged = {**other, **{k: v for k, v in schema.items() if k != "anyOf"}}
    merged["type"] = sorted({*types, "null"})
    return merged


def snapshot_of(tools: list[Any]) -> dict[str, Any]:
    return {
        t.name: {
            "title": t.annotations.title,
            "description": t.description,
            "annotations": t.annotations.model_dump(mode="json", exclude_none=True, by_alias=True),
            "inputSchema": normalize_schema(t.input_schema),
            "outputSchema": normalize_schema(t.output_schema),
        }
        for t in sorted(tools, key=lambda t: t.name)
    }


async def test_tools_list_matches_the_snapshot(tmp_path):
    tools, _ = await tools_list(tmp_path)
    current = snapshot_of(tools)
    if os.environ.get("SYNCRO_UPDATE_SNAPSHOT") == "1" or not SNAPSHOT.exists():
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        if os.environ.get("CI"):
            pytest.fail("snapshot was missing (or regenerated) in CI")
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert json.loads(json.dumps(current, sort_keys=True)) == expected, (
        "tools/list changed; if deliberate, regenerate with SYNCRO_UPDATE_SNAPSHOT=1"
    )


DECIMAL_2_13 = {"anyOf": [{"type": "number"}, {"type": "string", "pattern": "^(?!^[-+.]*$)[+-]?0*\\d*\\.?\\d*$"}]}
DECIMAL_2_14 = {"anyOf": [{"type": "string"}, {"type": "number"}]}


def test_the_snapshot_ignores_what_pydantic_releases_vary():
    """pydantic 2.13 → 2.14 dropped the pattern on Decimal strings; order of alternatives, titles."""
    old = {"type": "object", "title": "A", "required": ["b", "a"],
           "properties": {"a": {**DECIMAL_2_13, "title": "A"}, "b": {"type": ["integer", "null"]}}}
    new = {"type": "object", "required": ["a", "b"],
           "properties": {"a": DECIMAL_2_14, "b": {"type": ["null", "integer"], "title": "Bee"}}}
    assert normalize_schema(old) == normalize_schema(new)


def test_the_snapshot_is_the_same_on_python_3_10():
    """add_invoice_line_item's price, as tools/list sends it on Python 3.11 and on 3.10."""
    bound = {"description": "Unit price; default: catalogue.", "maximum": 1000000, "minimum": 0}
    py311 = {**bound, "type": ["number", "null"]}
    py310 = {"anyOf": [{**bound, "type": ["number", "null"]}, {"type": "null"}]}
    assert normalize_schema(py310) == normalize_schema(py311)
    assert normalize_schema({"anyOf": [{"type": "integer"}, {"type": "null"}]}) == {"type": ["integer", "null"]}
    # not merged: a null branch beside a $ref, or beside two alternatives
    ref = {"anyOf": [{"$ref": "#/$defs/A"}, {"type": "null"}]}
    assert normalize_schema(ref) == ref
    assert len(normalize_schema({"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}]})["anyOf"]) == 3


def _log_time_input(tools: list[Any]) -> dict[str, Any]:
    return next(t for t in tools if t.name == "log_time").input_schema


def _rename(s: dict[str, Any]) -> None:
    s["properties"]["minutes_spent"] = s["properties"].pop("minutes")
    s["required"] = ["minutes_spent" if r == "minutes" else r for r in s.get("required", [])]


def _new_required(s: dict[str, Any]) -> None:
    s["properties"]["approver"] = {"type": "string"}
    s["required"] = [*s.get("required", []), "approver"]


def _retype(s: dict[str, Any]) -> None:
    s["properties"]["minutes"] = {"type": "string"}


def _optional(s: dict[str, Any]) -> None:
    s["required"] = [r for r in s["required"] if r != "minutes"]


def _describe(s: dict[str, Any]) -> None:
    s["properties"]["minutes"]["description"] = "something else"


def _bound(s: dict[str, Any]) -> None:
    s["properties"]["minutes"].pop("minimum", None) or s["properties"]["minutes"].update(minimum=-1)


@pytest.mark.parametrize("change", [_rename, _new_required, _retype, _optional, _describe, _bound])
async def test_the_snapshot_catches_a_real_schema_change(tmp_path, change):
    """Each change applied to the real log_time schema makes the committed snapshot fail."""
    tools, _ = await tools_list(tmp_path)
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert snapshot_of(tools) == expected  # unchanged: equal
    changed = copy.deepcopy(_log_time_input(tools))
    assert "minutes" in changed["properties"] and "minutes" in changed["required"]
    change(changed)
    assert normalize_schema(changed) != expected["log_time"]["inputSchema"], change.__name__


def test_the_snapshot_catches_a_changed_enum_or_nested_type():
    row = {"type": "object", "properties": {"kind": {"enum": ["a", "b"]}, "n": {"type": "integer"}}}
    base = {"$defs": {"Row": row}, "type": "object",
            "properties": {"rows": {"type": "array", "items": {"$ref": "#/$defs/Row"}}}}
    enum = copy.deepcopy(base)
    enum["$defs"]["Row"]["properties"]["kind"]["enum"].append("c")
    nested = copy.deepcopy(base)
    nested["$defs"]["Row"]["properties"]["n"]["type"] = "number"
    items = copy.deepcopy(base)
    items["properties"]["rows"]["items"] = {"type": "string"}
    for other in (enum, nested, items):
        assert normalize_schema(other) != normalize_schema(base)
