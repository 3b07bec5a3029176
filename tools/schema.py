"""Compact the published input schemas: every byte of tools/list is paid in every conversation.

Pydantic's schemas repeat a ``title`` per property and wrap each optional value in
``anyOf: [{...}, {"type": "null"}]`` with ``default: null``. The compact form keeps the
types, null, numeric bounds, real defaults and descriptions; string length limits are still
enforced by the tool's model but not published.
Arguments are still validated by the tool's pydantic model, not by this published copy.
"""

from __future__ import annotations

from typing import Any

# Enforced by the tool's pydantic model; not worth publishing in every conversation.
DROPPED = frozenset({"title", "minLength", "maxLength"})


def compact(schema: Any) -> Any:
    if isinstance(schema, list):
        return [compact(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: compact(v) for k, v in schema.items() if k not in DROPPED}
    variants = out.get("anyOf")
    if isinstance(variants, list) and len(variants) == 2 and {"type": "null"} in variants:
        other = next(v for v in variants if v != {"type": "null"})
        if isinstance(other.get("type"), str) and "anyOf" not in other and "$ref" not in other:
            merged = {**other, **{k: v for k, v in out.items() if k != "anyOf"}}
            merged["type"] = [other["type"], "null"]
            out = merged
    if "default" in out and out["default"] is None:
        del out["default"]
    return out


def shallow(schema: dict[str, Any]) -> dict[str, Any]:
    """The published output schema: the top level only (field names, JSON types, required).

    Claude Code never sends ``outputSchema`` to the model, and a full pydantic schema (nested
    ``$defs``, descriptions) was 83 % of tools/list. A client still learns that the tool returns
    structured content and which fields it holds; the server still validates every result
    against the full model before sending it.
    """
    props = {name: {"type": _json_type(p, schema.get("$defs", {}))} for name, p in schema.get("properties", {}).items()}
    out: dict[str, Any] = {"type": "object", "properties": props}
    if schema.get("required"):
        out["required"] = schema["required"]
    return out


def _json_type(prop: dict[str, Any], defs: dict[str, Any]) -> str | list[str]:
    if "$ref" in prop:
        return defs.get(prop["$ref"].rsplit("/", 1)[-1], {}).get("type", "object")
    if "type" in prop:
        return prop["type"]
    types: list[str] = []
    for variant in prop.get("anyOf", []):
        t = _json_type(variant, defs)
        for one in t if isinstance(t, list) else [t]:
            if one not in types:
                types.append(one)
    return types[0] if len(types) == 1 else types
