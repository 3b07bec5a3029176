"""Hypothesis strategies for tool arguments, from each tool's published input schema and beyond it.

``valid`` follows the schema (types, bounds, required keys) with realistic and nasty values per
argument name; ``wild`` also sends wrong types, huge numbers and strings, missing required and
unknown keys. Nothing here knows a tool's semantics beyond its argument names.
"""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any

from hypothesis import strategies as st

NASTY_STRINGS = [
    "", " ", "\t\n", "\x00", "\u202egnp.exe", "Ω≈ç√∫˜µ≤≥÷", "🔥" * 40, "ｒｅｍｏｔｅ", "Ｊｅｒｒｙ",
    "<script>alert(1)</script>", "<img src=x onerror=alert(document.cookie)>", "</p><h1>big</h1>",
    "'; DROP TABLE tickets;--", "{{7*7}}", "${jndi:ldap://127.0.0.1/x}", "../../etc/passwd", "%s%n%x",
    "null", "None", "NaN", "-1", "0", "#32164", "32164", "1e309", "a" * 100_000, "\n" * 2_000,
    "x" * 5_000 + "<script>",
]
EXTREME_DATES = ["0001-01-01", "1969-12-31", "2101-01-01", "9999-12-31"]
HUGE_INTS = [0, -1, -(2**31), 2**31, 2**53 + 1, 2**63, -(2**63), 10**30]
SEED_NUMBERS = [32150, 32163, 32164, 32165, 32170, 32175]

JSON_ANY = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)

# realistic values by argument name (the schema's type still decides what is "valid")
BY_NAME: dict[str, list[Any]] = {
    "number": [*SEED_NUMBERS, 99_999, 1, 2**31, 2**53],
    "ticket": [*SEED_NUMBERS, 99_999],
    "minutes": [1, 15, 30, 90, 1440],
    "labor_type": ["remote", "Remote", " onsite ", "ONSITE", "travel", "nap", "hourly", "", "remote; onsite"],
    "customer": ["a", "Jerry Burger", "jerry", "Len's Auto Brokerage", "Nobody Atall", "", "1", "999999999999",
                 "<b>Jerry</b>"],
    "status": ["New", "in progress", "Closed", "Fixed", "Not Closed", "Invoiced", ""],
    "priority": ["2 Normal", "1 high", "Urgent!!"],
    "problem_type": ["Hardware", "software", "Nope"],
    "invoice": ["1", "abc", "-1", "0", "99999999999999999999", "1649573500"],
    "id_or_number": ["1", "abc", "-1", "0", "99999999999999999999", "1649573500"],
    "labor_type_or_product": ["travel", "remote", "26117", "Labor - Remote Business", "nope", "-5"],
    "entry_id": [1, 2, 999],
    "confirm_token": [None, "x", "0" * 64, ""],
    "email": ["vet@example.org", "not-an-email", ""],
    "assignee": ["Sam", "nobody", ""],
    "contact": ["Jim", "nobody", ""],
    "ticket_type": ["Remote", "nope"],
}


def _types(prop: dict[str, Any]) -> list[str]:
    t = prop.get("type")
    if isinstance(t, list):
        return t
    if isinstance(t, str):
        return [t]
    if "anyOf" in prop:
        return [x for sub in prop["anyOf"] for x in _types(sub)]
    return ["string"]


def _fits(value: Any, types: list[str], prop: dict[str, Any]) -> bool:
    if value is None:
        return "null" in types
    if isinstance(value, bool):
        return "boolean" in types
    if isinstance(value, int):
        if "integer" not in types and "number" not in types:
            return False
        lo, hi = prop.get("minimum"), prop.get("maximum")
        return (lo is None or value >= lo) and (hi is None or value <= hi)
    if isinstance(value, str):
        return "string" in types and prop.get("format") not in ("date", "date-time")
    return False


def value(name: str, prop: dict[str, Any], *, wild: bool) -> st.SearchStrategy[Any]:
    types = _types(prop)
    options: list[st.SearchStrategy[Any]] = []
    for t in types:
        if t == "integer":
            lo = prop.get("minimum")
            hi = prop.get("maximum", 10**12)
            options.append(st.integers(min_value=lo, max_value=hi))
        elif t == "number":
            lo = prop.get("minimum", prop.get("exclusiveMinimum"))
            hi = prop.get("maximum")
            options.append(st.floats(
                min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False,
                exclude_min="exclusiveMinimum" in prop,
            ))
        elif t == "string":
            if prop.get("format") == "date":
                options.append(st.dates().map(lambda d: d.isoformat()))
                options.append(st.sampled_from(EXTREME_DATES))
            elif prop.get("format") == "date-time":  # years 1 to 9999, naive or with an offset up to ±14 h
                offsets = st.none() | st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
                options.append(st.builds(lambda d, tz: d.replace(tzinfo=tz).isoformat(), st.datetimes(), offsets))
                options.append(st.sampled_from([f"{d}T23:59:00{z}" for d in EXTREME_DATES for z in ("", "-14:00")]))
            else:
                options.append(st.text(max_size=300))
                options.append(st.sampled_from([s for s in NASTY_STRINGS if s]))
        elif t == "boolean":
            options.append(st.booleans())
        elif t == "null":
            options.append(st.none())
    known = [v for v in BY_NAME.get(name, []) if wild or _fits(v, types, prop)]
    if known:
        options.append(st.sampled_from(known))
    if wild:
        options += [st.sampled_from(HUGE_INTS), st.sampled_from(NASTY_STRINGS), JSON_ANY,
                    st.floats(allow_nan=False, allow_infinity=False)]
    return st.one_of(options)


def arguments(schema: dict[str, Any], *, wild: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    props: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    fixed = {k: value(k, p, wild=wild) for k, p in props.items() if k in required}
    optional = {k: value(k, p, wild=wild) for k, p in props.items() if k not in required}
    base = st.fixed_dictionaries(fixed, optional=optional)
    if not wild:
        return base

    def spoil(args: dict[str, Any], drop: list[str], extra: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in args.items() if k not in drop}
        out.update({k: v for k, v in extra.items() if k not in props})
        return out

    return st.builds(
        spoil,
        base,
        st.lists(st.sampled_from(sorted(required)), max_size=1) if required else st.just([]),
        st.dictionaries(st.text(min_size=1, max_size=12), JSON_ANY, max_size=2),
    )
