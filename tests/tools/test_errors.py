"""The one translation point: every Syncro error becomes a tool error that says what to do."""

from __future__ import annotations

import pytest
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
