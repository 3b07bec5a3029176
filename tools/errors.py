"""The one place where failures become MCP tool errors.

Tools raise ``InputError`` for bad input (the message names the problem and the fix) and let
``SyncroError`` from the client propagate; ``as_tool_error`` turns either into a ``ToolError``
(an ``isError`` result) with text a tech can act on. No traceback or key reaches the client.
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, ValidationError
from syncro_mcp.client.errors import (
    AuthError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitedError,
    ReadOnlyError,
    SyncroError,
    SyncroValidationError,
)
from syncro_mcp.engine.errors import InputError
from syncro_mcp.engine.journal import JournalError
from syncro_mcp.engine.steps import OutcomeStillUnknown

__all__ = ["InputError", "as_tool_error", "bad_arguments"]


def as_tool_error(exc: BaseException) -> ToolError:
    """Translate an exception into a ToolError whose text says what happened and what to do
    (plus the engine's ``journal_note``: what the journal did with a rejected write)."""
    err = _tool_error(exc)
    note = getattr(exc, "journal_note", None)
    return ToolError(f"{err} {note}") if note else err


def _tool_error(exc: BaseException) -> ToolError:
    if isinstance(exc, ToolError):
        return exc
    if isinstance(exc, (InputError, JournalError)):  # a journal that cannot be used says where it is and the fix
        return ToolError(str(exc))
    if isinstance(exc, AuthError):
        return ToolError(
            f"Syncro refused the request ({exc.status or 401}): {exc.detail} Check the API key and that its "
            "token has the permission for this action (run `syncro-mcp check` to see them)."
        )
    if isinstance(exc, NotFoundError):
        return ToolError(f"{exc.detail.rstrip('.')}. Check the number or name and try again.")
    if isinstance(exc, SyncroValidationError):
        return ToolError(f"Syncro rejected this ({exc.endpoint} → 422): {exc.detail}")
    if isinstance(exc, RateLimitedError):
        return ToolError(
            f"Syncro's rate limit (180 requests/minute) answered 429 to {exc.endpoint}; waited and gave up after "
            f"{exc.tries} tries. Wait a minute, then try again."
        )
    if isinstance(exc, OutcomeStillUnknown):
        return ToolError(f"Outcome unknown for {exc.endpoint}: {exc.detail}.")
    if isinstance(exc, OutcomeUnknownError):
        return ToolError(
            f"Syncro did not confirm {exc.endpoint}; it may or may not have been applied, and nothing was sent "
            "again. Do not simply repeat the call (it could write it twice): first check Syncro (get_ticket, "
            "get_invoice, list_invoices) for it; multi-step writes are tracked in pending_writes."
        )
    if isinstance(exc, ReadOnlyError):
        return ToolError("syncro-mcp is in read-only mode: writes are disabled.")
    if isinstance(exc, SyncroError):
        return ToolError(str(exc))
    return ToolError(f"Unexpected error: {type(exc).__name__}. See the server log (stderr) for details.")


def bad_arguments(exc: ValidationError, model: type[BaseModel]) -> str:
    """The arguments a call got wrong, one clause each, in the tech's words: which field, what it
    must be, what was given, and the field's own description where one is published (so a missing
    ``minutes`` says to ask the user). Replaces pydantic's report (type codes, a docs URL)."""
    clauses = [_clause(err, model) for err in exc.errors(include_url=False)]
    return f"Invalid arguments, nothing was sent: {'; '.join(clauses)}. Correct them and call again."


def _clause(err: Any, model: type[BaseModel]) -> str:
    loc = ".".join(str(part) for part in err["loc"]) or "arguments"
    field = model.model_fields.get(str(err["loc"][0])) if err["loc"] else None
    msg: str = err["msg"]
    if err["type"] == "missing":
        about = f" ({field.description.rstrip('.')})" if field is not None and field.description else ""
        return f"{loc} is required{about}"
    if err["type"] == "extra_forbidden":
        names = ", ".join(f.alias or name for name, f in model.model_fields.items() if name != "confirm_token")
        return f"{loc} is not an argument of this tool (its arguments: {names})"
    msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if msg.startswith("Input should"):
        msg = "should" + msg.removeprefix("Input should")
    else:
        msg = f": {msg[:1].lower()}{msg[1:]}" if msg[:1].isupper() and not msg[1:2].isupper() else f": {msg}"
    given = err.get("input")
    shown = "" if isinstance(given, dict) else f" (got {_short(given)})"
    sep = " " if msg.startswith("should") else ""
    return f"{loc}{sep}{msg}{shown}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
