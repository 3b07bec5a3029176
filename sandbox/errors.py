"""Syncro's error bodies, one constructor per documented shape (docs/syncro-facts.md#errors).

Syncro has no common error envelope; each endpoint family answers in its own shape, and the
sandbox reproduces each exactly so clients are tested against all of them.
"""

from __future__ import annotations

from typing import Any, TypeVar

from starlette.responses import JSONResponse, Response

NOT_AUTHORIZED = "Not authorized. Please ask account admin to update your group permissions."
BAD_KEY = "Unauthorized - invalid or missing API key"


def json(body: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status)


def not_found() -> Response:
    """404 used by tickets, contacts and timers: ``{"message": "Not found"}``."""
    return json({"message": "Not found"}, 404)


class Missing(Exception):
    """The record a request names does not exist; the API app answers ``not_found()``."""


R = TypeVar("R")


def found(record: R | None) -> R:
    """``record``, or raise Missing: one 404 path instead of a check in every handler."""
    if record is None:
        raise Missing
    return record


def permission_denied() -> Response:
    """401 for a key that lacks a permission (the contacts endpoints document this body)."""
    return json({"error": NOT_AUTHORIZED}, 401)


def bad_key() -> Response:
    """401 for a missing or unknown key; Syncro does not document this body."""
    return json({"error": BAD_KEY}, 401)


def success_false(messages: list[str], params: dict[str, Any] | None = None) -> Response:
    """422 for ticket update, comment, customers, products: success/message(/params)."""
    body: dict[str, Any] = {"success": False, "message": messages}
    if params is not None:
        body["params"] = params
    return json(body, 422)


def error_string(message: str, status: int = 422) -> Response:
    """422 for ticket create and timer_entry: ``{"error": "..."}``."""
    return json({"error": message}, status)


def errors_string(message: str, params: dict[str, Any] | None = None) -> Response:
    """422 for add_line_item: ``{"errors": "A, B", "params": {}}``."""
    return json({"errors": message, "params": params if params is not None else {}}, 422)


def errors_list(messages: list[str]) -> Response:
    """422 for PATCH ticket_timers: ``{"errors": ["..."]}``."""
    return json({"errors": messages}, 422)


def record_errors(record: dict[str, Any], message: str) -> Response:
    """422 for contacts: the rejected record plus a single error string."""
    return json({"record": record, "errors": message}, 422)


def bad_request(message: str) -> Response:
    return json({"error": message}, 400)
