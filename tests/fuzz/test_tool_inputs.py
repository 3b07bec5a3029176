"""Every tool, fuzzed from its input schema and beyond it: a result or a clean tool error, every time.

Never a traceback (in the result or logged), never a hang (each call has a hard timeout), and never
a write to Syncro without a valid confirm_token: the server runs with ``confirm_creates`` so every
write tool needs confirmation, and random tokens are never valid.
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzz.rig import ALL, Captured, LiveServer, list_tools, profile, text, unclean
from fuzz.strategies import NASTY_STRINGS, arguments

SCHEMAS = asyncio.run(list_tools(confirm_creates=True, toolsets=ALL))
NAMES = sorted(SCHEMAS)


@pytest.fixture(scope="module")
def logs():
    cap = Captured()
    root = logging.getLogger()
    root.addHandler(cap)
    yield cap
    root.removeHandler(cap)


def test_every_toolset_is_fuzzed():
    """The opt-in toolsets (schedule, assets) are fuzzed too, not only the default ones."""
    from syncro_mcp.server.settings import OPT_IN_TOOLSETS

    async def toolsets() -> set[str]:
        from syncro_mcp.testing import in_memory

        async with in_memory(toolsets=ALL) as env:
            return {i.toolset for i in env.app.registrar.registered.values() if i.name in SCHEMAS}

    assert set(OPT_IN_TOOLSETS) <= asyncio.run(toolsets())


@pytest.fixture(scope="module")
def confirming(logs):
    server = LiveServer(confirm_creates=True, toolsets=ALL)
    yield server
    server.close()




def check(server: LiveServer, logs: Captured, tool: str, args: dict) -> None:
    writes, logged = len(server.writes()), len(logs.records)
    result = server.call(tool, args)  # a hang raises TimeoutError here
    bad = unclean(result)
    assert bad is None, f"{tool}({args!r:.300}) leaked: {bad}"
    new = [logs.format(r) for r in logs.records[logged:] if r.exc_info]
    assert not new, f"{tool}({args!r:.300}) logged a traceback: {new[0][:2000]}"
    assert len(server.writes()) == writes, f"{tool}({args!r:.300}) wrote without confirmation: {server.writes()[-1]}"
    if not result.is_error and result.structured_content:
        assert result.structured_content.get("status") != "done" or tool == "write_session_log", text(result)


@pytest.mark.parametrize("tool", NAMES)
@profile()
@given(data=st.data())
def test_schema_valid_arguments(confirming, logs, tool, data):
    args = data.draw(arguments(SCHEMAS[tool]), label="args")
    check(confirming, logs, tool, args)


@pytest.mark.parametrize("tool", NAMES)
@profile()
@given(data=st.data())
def test_arguments_beyond_the_schema(confirming, logs, tool, data):
    args = data.draw(arguments(SCHEMAS[tool], wild=True), label="args")
    check(confirming, logs, tool, args)


@pytest.mark.parametrize("tool", ["resume_write", "abandon_write"])
def test_huge_journal_entry_id_is_a_clean_error(confirming, logs, tool):
    check(confirming, logs, tool, {"entry_id": 2**63})


@pytest.mark.parametrize(
    "tool, args",
    [
        ("add_comment", {"number": 32164, "body": "x", "minutes": 0, "labor_type": "remote"}),
        ("add_comment", {"number": 32164, "body": "x", "minutes": -30, "labor_type": "remote"}),
        ("add_comment", {"number": 32164, "body": "x", "minutes": 10**12, "labor_type": "remote"}),
        ("add_comment", {"number": 32164, "body": "x", "minutes": 30, "labor_type": "hourly"}),
        ("log_time", {"number": 32164, "minutes": 2**63, "labor_type": "remote", "notes": "x"}),
        ("bill_ticket", {"number": 32164, "minutes": 30, "labor_type": "unknown", "notes": "x"}),
        ("bill_ticket", {"number": 99_999, "minutes": 30, "labor_type": "remote", "notes": "x"}),
        ("get_ticket", {"number": 2**63}),
        ("get_ticket", {"number": -1}),
        ("create_ticket", {"customer": "a", "subject": "ambiguous customer"}),
        ("get_customer", {"customer": "a"}),
        ("list_tickets", {"customer": "e"}),
        ("get_invoice", {"id_or_number": "9" * 40}),
        ("search", {"query": "a" * 100_000}),
        ("add_comment", {"number": 32164, "body": "<script>alert(1)</script>", "confirm_token": "forged"}),
        ("resume_write", {"entry_id": 10**9}),
        # Unicode digits: "²".isdigit() is true, int("²") fails (found by the deep profile)
        ("get_customer", {"customer": "²"}),
        ("add_ticket_part", {"number": 32164, "product": "³", "quantity": 1}),
        ("add_invoice_line_item", {"invoice": "1044", "labor_type_or_product": "٣", "quantity": 1}),
        ("get_invoice", {"id_or_number": "²"}),
        # a number ≥ 2**63 reached the journal (SQLite INTEGER) before the ticket lookup (deep profile)
        ("add_ticket_part", {"number": 2**63, "product": "0", "quantity": 1.0}),
        ("bill_ticket", {"number": 2**63, "minutes": 30, "labor_type": "remote", "notes": "x"}),
    ],
)
def test_named_bad_inputs_are_clean_errors(confirming, logs, tool, args):
    check(confirming, logs, tool, args)
    assert confirming.call(tool, args).is_error


@pytest.fixture(scope="module")
def default():
    server = LiveServer(toolsets=ALL)
    yield server
    server.close()


@pytest.mark.parametrize("tool", ["create_ticket", "update_ticket", "create_customer"])
@profile()
@given(data=st.data())
def test_unconfirmed_creates_and_updates_end_cleanly(default, logs, tool, data):
    """Without confirm_creates these write at once: whatever gets through must still end cleanly."""
    args = data.draw(arguments(SCHEMAS[tool]), label="args")
    args.pop("confirm_token", None)
    logged = len(logs.records)
    result = default.call(tool, args)
    assert unclean(result) is None, text(result)
    assert not [r for r in logs.records[logged:] if r.exc_info]


BODIES = st.one_of(st.text(min_size=1, max_size=2_000), st.sampled_from([s for s in NASTY_STRINGS if s.strip()]))


@profile()
@given(body=BODIES, hidden=st.booleans())
def test_comment_bodies_are_sent_verbatim_after_confirmation(default, logs, body, hidden):
    """HTML, script, unicode: previewed, then posted exactly once and exactly as given (or refused cleanly)."""
    args = {"number": 32164, "body": body, "hidden": hidden}
    before = len(default.writes())
    first = default.call("add_comment", args)
    assert unclean(first) is None, text(first)
    if first.is_error:
        assert len(default.writes()) == before
        return
    sc = first.structured_content
    assert sc["status"] == "needs_confirmation" and len(default.writes()) == before
    done = default.call("add_comment", {**args, "confirm_token": sc["confirm_token"]})
    assert unclean(done) is None and done.structured_content["status"] == "done", text(done)
    new = default.writes()[before:]
    assert len(new) == 1 and new[0].path.endswith("/comment")
    assert new[0].body["body"] == body and new[0].body["hidden"] is hidden
