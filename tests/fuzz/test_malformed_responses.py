"""Malformed answers from Syncro become clean tool errors that name the endpoint, or are tolerated.

Truncated JSON and HTML pages come from the sandbox's own fault injection; wrong types, missing and
extra keys from a wrapping transport that rewrites the sandbox's JSON (hypothesis picks the spots).
"""

from __future__ import annotations

import copy
import json
import logging
import random
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzz.rig import Captured, LiveServer, profile, text, unclean
from fuzz.strategies import JSON_ANY

# read tool, arguments, the GET it makes that we spoil (sandbox glob), and how the error names it
READS = [
    ("list_tickets", {}, "/tickets", "GET /tickets"),
    ("get_ticket", {"number": 32164}, "/tickets", "GET /tickets"),
    ("get_ticket", {"number": 32165}, "/tickets/*", "GET /tickets/"),
    ("search", {"query": "Burger"}, "/customers", "GET /customers"),
    ("list_customers", {}, "/customers", "GET /customers"),
    ("get_customer", {"customer": "Len's Auto Brokerage"}, "/customers", "GET /customers"),
    ("list_invoices", {}, "/invoices", "GET /invoices"),
    ("list_time_entries", {"number": 32166}, "/tickets/*", "GET /tickets/"),
    ("update_ticket", {"number": 32167, "status": "Nope"}, "/tickets/settings", "GET /tickets/settings"),
]


class Spoiler(httpx.AsyncBaseTransport):
    """Rewrites the JSON body of matching GETs with ``mutate`` (None: pass through)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.match: Any = None  # callable(path) -> bool
        self.mutate: Any = None  # callable(data) -> data

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        path = request.url.path.split("/api/v1", 1)[-1]
        if self.mutate is None or request.method != "GET" or not self.match(path):
            return response
        raw = await response.aread()
        try:
            data = json.loads(raw)
        except ValueError:
            return httpx.Response(response.status_code, headers=response.headers, content=raw)
        body = json.dumps(self.mutate(data)).encode()
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return httpx.Response(response.status_code, headers=headers, content=body)


def _glob(pattern: str):
    from syncro_mcp.sandbox.faults import compile_glob

    rx = compile_glob(pattern)
    return lambda path: bool(rx.match(path))


@pytest.fixture(scope="module")
def logs():
    cap = Captured()
    logging.getLogger().addHandler(cap)
    yield cap
    logging.getLogger().removeHandler(cap)


@pytest.fixture(scope="module")
def spoiled(logs):
    from syncro_mcp.sandbox import Sandbox

    sb = Sandbox(rate_limit_per_min=None)
    spoiler = Spoiler(sb.transport())
    server = LiveServer(sandbox=sb, client_kw={"transport": spoiler})
    server.spoiler = spoiler  # type: ignore[attr-defined]
    yield server
    server.close()


def _fresh(server: LiveServer) -> None:
    """Forget cached ids and account lists so every case makes its requests again."""
    resolver = server.env.app.runtime.resolver
    resolver._ids.clear()
    resolver._tickets.clear()
    resolver._cache.clear()
    server.sandbox.faults.clear()
    server.spoiler.mutate = None


def _assert_clean(result: Any, logs: Captured, logged: int, endpoint: str, must_fail: bool) -> None:
    assert unclean(result) is None, text(result)
    assert not [r for r in logs.records[logged:] if r.exc_info], logs.with_traceback()[-1][:2000]
    if must_fail:
        assert result.is_error, text(result)
    # an error about Syncro's answer names the endpoint; a spoiled value may instead surface as a
    # domain error ("No customer matches …"), which is fine as long as it is clean
    about_answer = must_fail or any(w in text(result) for w in ("Unexpected", "Expected", "not JSON", "shape"))
    if result.is_error and about_answer:
        assert endpoint in text(result), f"error does not name {endpoint}: {text(result)}"


@pytest.mark.parametrize("kind", ["malformed", "html"])
@pytest.mark.parametrize("tool, args, glob, endpoint", READS, ids=[f"{r[0]}:{r[2]}" for r in READS])
def test_truncated_json_and_html_pages_name_the_endpoint(spoiled, logs, kind, tool, args, glob, endpoint):
    _fresh(spoiled)
    spoiled.sandbox.faults.add(method="GET", path=glob, kind=kind, times=None)
    logged = len(logs.records)
    result = spoiled.call(tool, args)
    _assert_clean(result, logs, logged, endpoint, must_fail=True)


def _paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data[:3]):
            out += _paths(v, (*prefix, i))
    return out


def _mutator(kind: str, rnd: random.Random, junk: Any):
    def mutate(data: Any) -> Any:
        spots = [p for p in _paths(data) if p]
        if not spots:
            return copy.deepcopy(junk) if kind == "wrong_type" else data
        for _ in range(rnd.randint(1, 3)):
            path = rnd.choice(spots)
            parent = data
            for step in path[:-1]:
                parent = parent[step]
            last = path[-1]
            if kind == "wrong_type":
                parent[last] = copy.deepcopy(junk)
            elif kind == "missing" and isinstance(parent, dict):
                parent.pop(last, None)
            elif kind == "extra" and isinstance(parent, dict):
                parent[f"x_{rnd.randint(0, 999)}"] = copy.deepcopy(junk)
            spots = [p for p in _paths(data) if p] or [()]
            if spots == [()]:
                break
        return data

    return mutate


@pytest.mark.parametrize("kind", ["wrong_type", "missing", "extra"])
@pytest.mark.parametrize("tool, args, glob, endpoint", READS, ids=[f"{r[0]}:{r[2]}" for r in READS])
@profile(share=0.5)
@given(seed=st.integers(0, 2**32 - 1), junk=JSON_ANY)
def test_spoiled_fields_end_cleanly(spoiled, logs, kind, tool, args, glob, endpoint, seed, junk):
    _fresh(spoiled)
    spoiled.spoiler.match = _glob(glob)
    spoiled.spoiler.mutate = _mutator(kind, random.Random(seed), junk)
    logged = len(logs.records)
    result = spoiled.call(tool, args)
    _assert_clean(result, logs, logged, endpoint, must_fail=False)
    if kind == "extra" and tool != "update_ticket":
        assert not result.is_error, f"extra keys must be tolerated: {text(result)}"
