"""The one translation point: every Syncro error becomes a tool error that says what to do."""

from __future__ import annotations

import pytest
from support.harness import call, harness, text
from syncro_mcp.client import errors as e
from syncro_mcp.tools.errors import InputError, as_tool_error

KW = {"method": "POST", "path": "/tickets/5/comment"}


@pytest.mark.parametrize(
    "exc, needles",
    [
        (e.AuthError("Not authorized. Please ask account admin", status=401, **KW), ["401", "syncro-mcp check"]),
        (e.NotFoundError("Ticket #5 not found", status=404, **KW), ["Ticket #5 not found", "Check the number"]),
        (
            e.SyncroValidationError("Subject can't be blank", status=422, **KW),
            ["POST /tickets/5/comment → 422", "Subject can't be blank"],
        ),
        (
            e.RateLimitedError("Retry later", tries=4, status=429, **KW),
            ["180 requests/minute", "after 4 tries", "Wait"],
        ),
        (e.OutcomeUnknownError("No reply", **KW), ["may or may not have been applied", "pending_writes"]),
        (e.ReadOnlyError("refused", **KW), ["read-only"]),
        (e.ServerError("Internal Server Error", status=500, method="GET", path="/tickets"), ["500", "try again"]),
        (InputError('Unknown labor type "nap".'), ["Unknown labor type"]),
        (KeyError("secret internals"), ["Unexpected error: KeyError", "stderr"]),
    ],
)
def test_errors_name_the_problem_and_the_fix(exc, needles):
    text = str(as_tool_error(exc))
    for needle in needles:
        assert needle in text
    assert "Traceback" not in text and "secret internals" not in text


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
@pytest.mark.parametrize(
    "tool, args, needles",
    [
        ("bill_ticket", {"number": 32160, "minutes": 0, "labor_type": "remote", "notes": "x"},
         ["minutes should be greater than or equal to 1 (got 0)"]),
        ("bill_ticket", {"number": 32160, "minutes": 45.5, "labor_type": "remote", "notes": "x"},
         ["minutes should be a valid integer", "(got 45.5)"]),
        ("log_time", {"number": 32164, "labor_type": "remote", "notes": "x"}, ["minutes is required ("]),
        ("get_ticket", {"number": "1e23"}, ["number", "(got '1e23')"]),
    ],
)
async def test_bad_arguments_are_told_in_the_techs_words(tmp_path, mode, tool, args, needles):
    """The SDK's argument validation reaches the model as one readable line per field (what it must
    be, what was given, the field's description when missing), not pydantic's report with type
    codes and a docs URL; nothing is sent to Syncro."""
    async with harness(tmp_path) as hh:
        before = len(hh.sandbox.requests.writes())
        result = await call(hh.server, tool, args, mode=mode)
    said = text(result)
    assert result.is_error
    assert said.startswith(f"Error executing tool {tool}: Invalid arguments, nothing was sent:"), said
    for needle in needles:
        assert needle in said, said
    assert "errors.pydantic.dev" not in said and "type=" not in said and "validation error for" not in said
    assert len(hh.sandbox.requests.writes()) == before


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_an_argument_the_tool_does_not_have_is_refused_not_ignored(tmp_path, mode):
    """An agent that says ``public=false`` (the tool's flag is ``hidden``) must not get a public,
    emailed comment: unknown arguments were silently dropped, now they are refused before any
    preview, naming the tool's real arguments."""
    async with harness(tmp_path) as hh:
        before = len(hh.sandbox.requests.writes())
        result = await call(hh.server, "add_comment", {"number": 32164, "body": "Rebooted", "public": False}, mode=mode)
        said = text(result)
        assert result.is_error
        assert "public is not an argument of this tool" in said and "hidden" in said, said
        assert len(hh.sandbox.requests.writes()) == before
