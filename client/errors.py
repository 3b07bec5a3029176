"""Typed errors for Syncro API failures.

One home for turning Syncro's heterogeneous error bodies into a human message
(docs/syncro-facts.md#errors) and for the error hierarchy the tools translate, once, into tool errors.
Messages never contain the API key: paths are stored without a query string.
"""

from __future__ import annotations

from typing import Any


class SyncroError(Exception):
    """Base for every failure talking to Syncro.

    ``method``/``path`` name the endpoint (path has no query string, so never a key),
    ``status`` is the HTTP status when there was one, ``detail`` is Syncro's own message.
    """

    hint = ""

    def __init__(
        self,
        detail: str,
        *,
        method: str = "",
        path: str = "",
        status: int | None = None,
    ) -> None:
        self.detail = detail
        self.method = method
        self.path = path
        self.status = status
        super().__init__(str(self))

    @property
    def endpoint(self) -> str:
        return f"{self.method} {self.path}".strip()

    def __str__(self) -> str:
        where = f" ({self.endpoint}{f' → {self.status}' if self.status else ''})" if self.endpoint else ""
        hint = f" {self.hint}" if self.hint else ""
        return f"{self.detail.rstrip('. ')}{where}.{hint}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.detail!r}, method={self.method!r}, path={self.path!r}, "
            f"status={self.status!r})"
        )


class AuthError(SyncroError):
    """401/403: the key is wrong, expired, or lacks a permission."""

    hint = "Check the API key and that its token has the permission this action needs (Admin → API Tokens)."


class NotFoundError(SyncroError):
    """404: the ticket, customer, invoice … does not exist (or is not visible to this key)."""


class SyncroValidationError(SyncroError):
    """422: Syncro rejected the request; ``detail`` is Syncro's own message."""


class RateLimitedError(SyncroError):
    """429 still returned after the client's bounded retries (``tries`` requests in all)."""

    hint = "Syncro allows 180 requests per minute; wait a minute and try again."

    def __init__(self, detail: str, *, tries: int = 1, **kw: Any) -> None:
        self.tries = tries
        super().__init__(detail, **kw)


class ServerError(SyncroError):
    """5xx from Syncro (for a GET: after retries)."""

    hint = "Syncro had a problem; try again shortly."


class TransportError(SyncroError):
    """Timeout, connection reset or DNS failure (for a GET: after retries)."""

    hint = "Check the network and the Syncro subdomain/base URL."


class UnexpectedResponseError(SyncroError):
    """A body that is not the JSON we expect: HTML from a proxy/login page, truncated JSON, wrong types."""


class OutcomeUnknownError(SyncroError):
    """A write (POST/PUT/PATCH/DELETE) may or may not have been applied.

    Raised instead of blindly re-sending after a timeout, reset, 5xx or unreadable
    response to a write. The caller resolves it by reading Syncro's state.
    ``cause`` is the underlying error.
    """

    hint = "The write may have been applied; check Syncro before retrying it."

    def __init__(self, detail: str, *, cause: BaseException | None = None, **kw: Any) -> None:
        self.cause = cause
        super().__init__(detail, **kw)


class ReadOnlyError(SyncroError):
    """The client is in read-only mode and refused a write (defence in depth)."""

    hint = "syncro-mcp is running read-only; unset read_only to allow writes."


def extract_message(body: Any) -> str:
    """Human message from any of Syncro's documented error shapes (docs/syncro-facts.md#errors).

    Checks ``errors`` (string, list, or field→list object), then ``error`` (string or
    list), then ``message`` (string or list), then a bare ``{field: [msgs]}`` object.
    """
    if isinstance(body, str):
        return body.strip()
    if isinstance(body, list):
        return "; ".join(extract_message(b) for b in body if b not in (None, ""))
    if not isinstance(body, dict):
        return "" if body is None else str(body)
    for key in ("errors", "error", "message"):
        if key in body and body[key] not in (None, "", [], {}):
            return _flatten(body[key])
    fields = {k: v for k, v in body.items() if k not in ("params", "record", "success")}
    if fields and all(isinstance(v, list) for v in fields.values()):
        return _flatten(fields)
    return ""


def _flatten(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        return "; ".join(_flatten(v) for v in value if v not in (None, ""))
    if isinstance(value, dict):
        parts = []
        for field, msgs in value.items():
            text = _flatten(msgs)
            parts.append(f"{field} {text}" if text else str(field))
        return "; ".join(parts)
    return str(value)
