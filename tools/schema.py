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
