"""Compact the published input schemas: every byte of tools/list is paid in every conversation.

Pydantic's schemas repeat a ``title`` per property and wrap each optional value in
``anyOf: [{...}, {"type": "null"}]`` with ``default: null``. The compact form keeps the
types, real bounds (e.g. ``limit`` ≤ 100), real defaults and descriptions, and leaves out what
says nothing to the model: titles, string length limits, ``null`` on an optional argument
(leaving it out means the same), ``additionalProperties: false`` (the model refuses an unknown
argument and names the tool's arguments), ``default: false`` on a flag (off unless set), natural floors
(ids and counts are positive, prices not negative) and typo guards (minutes ≤ a day, a quantity
≤ 10,000, a journal row id ≤ 2**63 − 1). Arguments are still validated by the tool's pydantic
model (it accepts an explicit null, enforces every limit), not by this published copy.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo

# Enforced by the tool's pydantic model; not worth publishing in every conversation.
DROPPED = frozenset({"title", "minLength", "maxLength"})
_GUARD = 1_000  # a bound this big guards against typos; the tech's real values are far inside it


def compact(schema: Any) -> Any:
    """Pydantic's JSON schema of an argument model, compacted (the module docstring says how)."""
    if isinstance(schema, list):
        return [compact(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: compact(v) for k, v in schema.items() if k not in DROPPED and not _unpublished_bound(k, v)}
    variants = out.get("anyOf")
    if isinstance(variants, list) and len(variants) == 2 and {"type": "null"} in variants:
        other = next(v for v in variants if v != {"type": "null"})
        if isinstance(other.get("type"), str) and "anyOf" not in other and "$ref" not in other:
            merged = {**other, **{k: v for k, v in out.items() if k != "anyOf"}}
            merged["type"] = [other["type"], "null"]
            out = merged
    if out.get("additionalProperties") is False:
        del out["additionalProperties"]  # unknown arguments are refused by the model, which names the real ones
    if "default" in out and out["default"] is None:
        del out["default"]
    if out.get("default") is False and out.get("type") == "boolean":
        del out["default"]
    if isinstance(out.get("properties"), dict):
        required = set(out.get("required", ()))
        out["properties"] = {k: v if k in required else _not_null(v) for k, v in out["properties"].items()}
    return out


def _unpublished_bound(key: str, value: Any) -> bool:
    """A bound the model needs no telling: a natural floor (``minimum`` 0 or 1, ``exclusiveMinimum``
    0: ids, counts, prices) or a typo guard (1,000 or more: a day's minutes, a quantity, a price, a journal row id)."""
    if key not in ("minimum", "maximum", "exclusiveMinimum") or isinstance(value, bool):
        return False
    if not isinstance(value, (int, float)):
        return False
    natural = value == 0 if key == "exclusiveMinimum" else key == "minimum" and value in (0, 1)
    return natural or abs(value) >= _GUARD


def _not_null(prop: dict[str, Any]) -> dict[str, Any]:
    """An optional argument without a default: leaving it out is its null, so ``null`` is not published."""
    types = prop.get("type")
    if "default" in prop or not isinstance(types, list) or "null" not in types:
        return prop
    rest = [t for t in types if t != "null"]
    return {**prop, "type": rest[0] if len(rest) == 1 else rest}


def shallow(model: type[BaseModel], only: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The published output schema: the top level only (field names, JSON types, required).

    Claude Code never sends ``outputSchema`` to the model, and a full pydantic schema (nested
    ``$defs``, descriptions) was 83 % of tools/list. A client still learns that the tool returns
    structured content and which fields it holds; the server still validates every result
    against the full model before sending it. Read from the model's fields, without generating
    a JSON schema (that was most of the start-up time spent registering tools). ``only``: just
    those fields (a write's envelope, ``registry.WRITE_ENVELOPE``).
    """
    fields = {k: f for k, f in model.model_fields.items() if only is None or k in only}
    props = {name: {"type": _json_type(f.annotation)} for name, f in fields.items()}
    required = [name for name, f in fields.items() if f.is_required()]
    return {"type": "object", "properties": props, **({"required": required} if required else {})}


_SCALARS: tuple[tuple[type, str | list[str]], ...] = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (Decimal, ["number", "string"]),
    (str, "string"),
    (datetime, "string"),
    (date, "string"),
)


def _json_type(annotation: Any) -> str | list[str]:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _json_type(get_args(annotation)[0])
    if origin in (Union, UnionType):
        types: list[str] = []
        for arg in get_args(annotation):
            t = "null" if arg is type(None) else _json_type(arg)
            types += [x for x in (t if isinstance(t, list) else [t]) if x not in types]
        return types[0] if len(types) == 1 else types
    if origin is Literal:
        return "string"
    if origin in (list, tuple, set, frozenset):
        return "array"
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel) or origin is dict:
            return "object"
        for py, js in _SCALARS:
            if issubclass(annotation, py):
                return js
    return "object"


_BOUNDS = ((at.Ge, "ge", "minimum"), (at.Le, "le", "maximum"), (at.Gt, "gt", "exclusiveMinimum"),
           (at.Lt, "lt", "exclusiveMaximum"))


def fields_schema(model: type[BaseModel]) -> dict[str, Any]:
    """A tool's published input schema, read from its argument model's fields.

    The same as ``compact(model.model_json_schema())`` for the types arguments use (scalars,
    dates, optionals; bounds, descriptions, real defaults; no titles or string lengths), which
    ``tests/tools/test_policy.py``'s snapshot checks, at a fraction of the start-up cost.
    """
    props = {f.alias or name: _field_schema(f) for name, f in model.model_fields.items()}
    required = [f.alias or name for name, f in model.model_fields.items() if f.is_required()]
    props = {k: v if k in required else _not_null(v) for k, v in props.items()}
    return {"properties": props, **({"required": required} if required else {}), "type": "object"}


def _field_schema(f: FieldInfo) -> dict[str, Any]:
    out: dict[str, Any] = {"type": _json_type(f.annotation)}
    metadata, descriptions = list(f.metadata), [f.description]
    for arg in get_args(f.annotation):  # an Optional's inner Annotated[...] carries its own constraints
        if get_origin(arg) is Annotated:
            for extra in get_args(arg)[1:]:
                metadata += extra.metadata if isinstance(extra, FieldInfo) else [extra]
                descriptions.append(getattr(extra, "description", None))
    if date in _leaves(f.annotation):
        out["format"] = "date"
    elif datetime in _leaves(f.annotation):
        out["format"] = "date-time"
    if get_origin(f.annotation) is Literal:
        out["enum"] = list(get_args(f.annotation))
    for m in metadata:
        out.update({key: getattr(m, attr) for kind, attr, key in _BOUNDS
                    if isinstance(m, kind) and not _unpublished_bound(key, getattr(m, attr))})
    description = next((d for d in descriptions if d), None)
    if description:
        out["description"] = description
    if not f.is_required() and f.default is not None and not (f.default is False and out["type"] == "boolean"):
        out["default"] = f.default
    return out


def _leaves(annotation: Any) -> list[Any]:
    if get_origin(annotation) in (Union, UnionType, Annotated):
        args = get_args(annotation)
        return [leaf for a in (args[:1] if get_origin(annotation) is Annotated else args) for leaf in _leaves(a)]
    return [annotation]
