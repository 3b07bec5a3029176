"""Transport core for the Syncro client: auth, redaction, pacing, retries, status → error, JSON.

Everything that touches the wire goes through ``HttpCore._request`` so the safety
rules live in one place:

- the API key is sent but never logged, never put in an error, never returned
  (``query`` auth adds ``api_key`` inside a wrapping transport, below httpx's own
  logging, so even httpx's INFO line shows the key-less URL);
- every attempt takes a token from the shared limiter (``client/ratelimit.py``);
- 429 is retried for any method (Syncro did not apply the request); 5xx, timeouts and
  resets are retried only for GET. A write that may have reached Syncro and then
  failed (timeout, reset, 5xx, unreadable 2xx body) is never re-sent: it raises
  ``OutcomeUnknownError``. A connect failure (``httpx.ConnectError``/``ConnectTimeout``/
  ``PoolTimeout``: nothing was sent) is retried for writes too, because it cannot
  have been applied.
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, NoReturn, TypeVar
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, SecretStr, ValidationError
from syncro_mcp import __version__

from .errors import (
    AuthError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitedError,
    ReadOnlyError,
    ServerError,
    SyncroError,
    SyncroValidationError,
    TransportError,
    UnexpectedResponseError,
    extract_message,
)
from .models import Page
from .ratelimit import Clock, Limiter, Sleep, make_limiter

if TYPE_CHECKING:  # httpx is imported on the first request: the server's first tools/list needs none of it
    import httpx

logger = logging.getLogger("syncro_mcp.client")

AuthStyle = Literal["bearer", "header", "query"]
M = TypeVar("M", bound=BaseModel)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_MAX_RETRY_AFTER_S = 120.0
_REDACTED = "***"


def _httpx() -> Any:
    """The httpx module, imported on first use (it is loaded by then: the request went through it)."""
    import httpx

    return httpx


def _never_sent() -> tuple[type[BaseException], ...]:
    """Failures where httpx never handed the request to the server: safe to retry even for writes."""
    httpx = _httpx()
    return (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def _without_query(url: str) -> str:
    """``url`` without its query and fragment or a trailing slash; scheme and host lower-case."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, "", "")).rstrip("/")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, SecretStr):
        raise TypeError("refusing to serialise a secret into a request body")
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def encode_json(body: Any) -> bytes:
    """Flat JSON request body; datetimes as ISO 8601, Decimals as numbers."""
    return json.dumps(body, default=_json_default, separators=(",", ":")).encode()


def _raise(err: SyncroError, is_write: bool, unknown: str) -> NoReturn:
    """Raise ``err``; for a write (the change may already be applied) as ``OutcomeUnknownError``
    with the same endpoint and status, ``err`` as its cause: never re-sent, never a plain failure."""
    if is_write:
        raise OutcomeUnknownError(unknown, cause=err, method=err.method, path=err.path, status=err.status) from err
    raise err


def _parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date); None if absent/garbled."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - datetime.now(timezone.utc)).total_seconds()
    return min(max(0.0, seconds), _MAX_RETRY_AFTER_S)


def _describe_validation(exc: ValidationError) -> str:
    """Field locations and messages only: pydantic's str() would echo input values."""
    parts = []
    for err in exc.errors()[:3]:
        loc = ".".join(str(p) for p in err.get("loc", ())) or "body"
        parts.append(f"{loc}: {err.get('msg', 'invalid')}")
    more = len(exc.errors()) - 3
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")


@dataclass(frozen=True)
class WriteEvent:
    """One write to Syncro about to be sent (``phase`` "intent") or how it ended ("outcome"): for the
    audit log (never carries the key). ``ref`` pairs the two. An observer that raises on the intent
    stops the write before anything is sent."""

    method: str
    path: str
    body: Any
    status: int | None  # 200 for success (Syncro answers writes with 200), else the error's status
    response: Any
    error: str | None
    actor: str | None = None  # the technician whose key sent it (team mode), else None
    phase: Literal["intent", "outcome"] = "outcome"
    ref: str = ""


class HttpCore:
    """The shared transport all domain mixins build on. See the module docstring for the rules."""

    def __init__(
        self,
        base_url: str,
        api_key: SecretStr | str,
        *,
        auth_style: AuthStyle = "bearer",
        timeout_s: float = 30.0,
        connect_timeout_s: float = 10.0,
        rate_limit_per_min: float = 180,
        max_retries: int = 3,
        retry_base_s: float = 2.0,
        transport: httpx.AsyncBaseTransport | None = None,
        read_only: bool = False,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        write_observer: Callable[[WriteEvent], None] | None = None,
        rate_limit_url: str | None = None,
        rate_limit_key: str | None = None,
        limiter: Limiter | None = None,
        actor: str | None = None,
    ) -> None:
        self.write_observer = write_observer
        self.actor = actor
        if auth_style not in ("bearer", "header", "query"):
            raise ValueError(f"auth_style must be 'bearer', 'header' or 'query', not {auth_style!r}")
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self._key = api_key if isinstance(api_key, SecretStr) else SecretStr(api_key)
        if not self._key.get_secret_value():
            raise ValueError("api_key is empty")
        self.base_url = _without_query(base_url)
        self.auth_style: AuthStyle = auth_style
        self.read_only = read_only
        self.max_retries = max_retries
        self.retry_base_s = retry_base_s
        self._clock = clock
        self._sleep = sleep
        # In-process by default; rate_limit_url=redis://… shares one bucket per account across instances.
        # A limiter passed in is shared with other clients (one per technician) and closed by its owner.
        self._owns_limiter = limiter is None
        self.limiter: Limiter = limiter or make_limiter(
            rate_limit_url, base_url=self.base_url, rate_per_min=rate_limit_per_min, key=rate_limit_key,
            clock=clock, sleep=sleep,
        )

        headers = {"User-Agent": f"syncro-mcp/{__version__}", "Accept": "application/json"}
        secret = self._key.get_secret_value()
        if auth_style == "bearer":
            headers["Authorization"] = f"Bearer {secret}"
        elif auth_style == "header":
            headers["Authorization"] = secret
        self._transport = transport
        self._headers = headers
        self._timeouts = (timeout_s, min(connect_timeout_s, timeout_s))
        self._client: httpx.AsyncClient | None = None

    @property
    def key_identity(self) -> str:
        """A short hash naming the API key (never the key): what confirmation tokens are bound to."""
        return hashlib.sha256(self._key.get_secret_value().encode()).hexdigest()[:16]

    @property
    def _http(self) -> httpx.AsyncClient:
        """The httpx client, made on first use: its SSL context costs start-up time that the
        server's first ``tools/list`` does not need."""
        if self._client is None:
            import httpx

            inner = self._transport
            if self.auth_style == "query":
                from .query_auth import QueryKeyTransport

                # Our own wrapper means httpx no longer picks env proxies for us (query style only).
                inner = QueryKeyTransport(inner or httpx.AsyncHTTPTransport(), self._key)
            total, connect = self._timeouts
            self._client = httpx.AsyncClient(
                base_url=self.base_url + "/", headers=self._headers, transport=inner,
                timeout=httpx.Timeout(total, connect=connect), follow_redirects=False,
            )
        return self._client

    # -- lifecycle ---------------------------------------------------------------------------

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
        closer = getattr(self.limiter, "aclose", None) if self._owns_limiter else None
        if closer is not None:
            await closer()

    async def __aenter__(self) -> HttpCore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, auth_style={self.auth_style!r}, "
            f"read_only={self.read_only!r})"
        )

    # -- redaction ---------------------------------------------------------------------------

    def _redact(self, text: str) -> str:
        """Strip the key (and any ``api_key=`` value) from text that came from outside."""
        secret = self._key.get_secret_value()
        if secret:
            text = text.replace(secret, _REDACTED)
        return re.sub(r"(api_key=)[^&\s\"'<>]*", r"\1" + _REDACTED, text)

    # -- the one request path ----------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        allow_empty: bool = False,
    ) -> Any:
        """Send one logical request; tell ``write_observer`` how every write ended (the audit log)."""
        m = method.upper()
        if self.write_observer is None or m not in WRITE_METHODS or self.read_only:
            return await self._send(method, path, params, body, allow_empty)  # read-only: refused, nothing sent
        ref = os.urandom(6).hex()
        self.write_observer(WriteEvent(m, path, body, None, None, None, self.actor, "intent", ref))
        try:
            result = await self._send(method, path, params, body, allow_empty)
        except SyncroError as exc:
            self.write_observer(WriteEvent(m, path, body, exc.status, None, type(exc).__name__, self.actor, ref=ref))
            raise
        self.write_observer(WriteEvent(m, path, body, 200, result, None, self.actor, ref=ref))
        return result

    async def _send(
        self, method: str, path: str, params: Mapping[str, Any] | None, body: Any, allow_empty: bool
    ) -> Any:
        """Send one logical request (with bounded retries) and return decoded JSON.

        ``path`` is relative to the base URL and carries no query string; it is what
        errors and logs name. ``allow_empty`` accepts an empty 2xx body (→ None).
        """
        method = method.upper()
        is_write = method in WRITE_METHODS
        if is_write and self.read_only:
            raise ReadOnlyError("Refusing to write while read-only", method=method, path=path)
        query = {k: _query_value(v) for k, v in (params or {}).items() if v is not None}
        content = encode_json(body) if body is not None else None
        headers = {"Content-Type": "application/json"} if content is not None else None

        attempt = 0
        while True:
            await self.limiter.acquire()
            started = time.perf_counter()  # wall timing for logs; the injected clock paces
            failure: BaseException | None = None
            try:
                response = await self._http.request(
                    method, path.lstrip("/"), params=query or None, content=content, headers=headers
                )
            except (_httpx().RequestError, OSError, asyncio.TimeoutError) as exc:
                failure = exc
            if failure is not None:
                # Handled outside the except block so our errors carry no implicit __context__:
                # a transport exception's text may quote the keyed URL; ours is redacted.
                ms = (time.perf_counter() - started) * 1000
                name = type(failure).__name__
                never_sent = isinstance(failure, _never_sent())
                detail = self._redact(f"{name}: {failure}".rstrip(": "))
                failure = None
                logger.debug("%s %s failed after %.0f ms: %s", method, path, ms, name)
                err = TransportError(f"Request failed ({detail})", method=method, path=path)
                if (never_sent or not is_write) and attempt < self.max_retries:
                    attempt += 1
                    await self._backoff(method, path, attempt, None, name)
                    continue
                _raise(err, is_write and not never_sent, f"No reply to the write ({detail})")

            ms = (time.perf_counter() - started) * 1000
            status = response.status_code
            logger.debug("%s %s -> %s in %.0f ms", method, path, status, ms)

            if status == 429:
                if attempt < self.max_retries:
                    attempt += 1
                    retry_after = _parse_retry_after(response.headers.get("Retry-After"))
                    await self._backoff(method, path, attempt, retry_after, "429")
                    continue
                raise RateLimitedError(
                    self._message(response, "Too many requests"),
                    tries=attempt + 1,
                    method=method,
                    path=path,
                    status=status,
                )
            if status >= 500:
                err = ServerError(
                    self._message(response, f"Syncro server error (HTTP {status})"),
                    method=method,
                    path=path,
                    status=status,
                )
                if not is_write and attempt < self.max_retries:
                    attempt += 1
                    await self._backoff(method, path, attempt, None, str(status))
                    continue
                _raise(err, is_write, f"Syncro answered the write with HTTP {status}")
            if status >= 300:
                raise self._status_error(response, method, path)
            return self._decode(response, method, path, is_write=is_write, allow_empty=allow_empty)

    async def _backoff(self, method: str, path: str, attempt: int, retry_after: float | None, reason: str) -> None:
        delay = retry_after if retry_after is not None else self.retry_base_s * (2 ** (attempt - 1))
        logger.info("%s %s: %s, retry %d/%d in %.1f s", method, path, reason, attempt, self.max_retries, delay)
        if delay > 0:
            await self._sleep(delay)

    def _message(self, response: httpx.Response, default: str) -> str:
        """Syncro's own error text (any shape in docs/syncro-facts.md#errors), redacted; ``default`` if none."""
        try:
            data = json.loads(response.content) if response.content else None
        except ValueError:
            data = None
        text = extract_message(data) if isinstance(data, (dict, list)) else ""
        return self._redact(text) if text else default

    def _status_error(self, response: httpx.Response, method: str, path: str) -> SyncroError:
        status = response.status_code
        kw: dict[str, Any] = {"method": method, "path": path, "status": status}
        if status in (401, 403):
            return AuthError(self._message(response, "Not authorized"), **kw)
        if status == 404:
            return NotFoundError(self._message(response, "Not found"), **kw)
        if status == 422:
            return SyncroValidationError(self._message(response, "Syncro rejected the request"), **kw)
        if 300 <= status < 400:
            return UnexpectedResponseError(f"Unexpected redirect (HTTP {status}); check the Syncro base URL", **kw)
        if status == 400:
            return SyncroValidationError(self._message(response, "Bad request"), **kw)
        return SyncroError(self._message(response, f"Unexpected HTTP {status}"), **kw)

    def _decode(self, response: httpx.Response, method: str, path: str, *, is_write: bool, allow_empty: bool) -> Any:
        raw = response.content
        if not raw.strip():
            if allow_empty:
                return None
            self._unreadable("Syncro returned an empty body", method, path, response.status_code, is_write)
        try:
            return json.loads(raw)
        except ValueError:
            pass  # raised below, outside the handler, so the body is not chained into tracebacks
        kind = response.headers.get("Content-Type", "unknown content type").split(";")[0]
        self._unreadable(
            f"Syncro returned a body that is not JSON ({kind}, {len(raw)} bytes)",
            method,
            path,
            response.status_code,
            is_write,
        )

    def _unreadable(self, detail: str, method: str, path: str, status: int | None, is_write: bool) -> NoReturn:
        """Raise for a 2xx we cannot read: for a write the change may already be applied."""
        err = UnexpectedResponseError(detail, method=method, path=path, status=status)
        _raise(err, is_write, f"The write got an unreadable reply: {detail}")

    # -- typed decoding ----------------------------------------------------------------------

    def _one(self, model: type[M], data: Any, method: str, path: str, *wrappers: str) -> M:
        """Validate a single object, unwrapping ``{"<wrapper>": {...}}`` when Syncro wrapped it."""
        if isinstance(data, dict) and "id" not in data:
            for key in wrappers:
                if isinstance(data.get(key), dict):
                    data = data[key]
                    break
        return self._validate(model, data, method, path)

    def _validate(self, model: type[M], data: Any, method: str, path: str) -> M:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            # pydantic's own text echoes input values; keep only locations and messages.
            problem = _describe_validation(exc)
        # Raised outside the handler so the ValidationError is not chained into tracebacks.
        self._unreadable(
            self._redact(f"Unexpected {model.__name__} shape from Syncro: {problem}"),
            method,
            path,
            None,
            method in WRITE_METHODS,
        )

    def _list(self, model: type[M], data: Any, method: str, path: str, key: str) -> list[M]:
        """Validate ``{"<key>": [...]}`` (or a bare list) into a list of models."""
        items = data.get(key) if isinstance(data, dict) else data
        if items is None and isinstance(data, dict) and key not in data:
            self._unreadable(f"Expected a '{key}' list from Syncro", method, path, None, False)
        if items is None:
            items = []
        if not isinstance(items, list):
            self._unreadable(f"Expected '{key}' to be a list", method, path, None, False)
        return [self._validate(model, item, method, path) for item in items]

    def _page(self, model: type[M], data: Any, method: str, path: str, key: str, page: int) -> Page[M]:
        """A list plus ``meta`` (``total_pages``/``page``; absent on some endpoints)."""
        items = self._list(model, data, method, path, key)
        meta = data.get("meta") if isinstance(data, dict) else None
        meta = meta if isinstance(meta, dict) else {}
        return Page[model](  # type: ignore[valid-type]
            items=items,
            page=_int_or(meta.get("page"), page),
            total_pages=_int_or(meta.get("total_pages"), None),
            total_entries=_int_or(meta.get("total_entries"), None),
        )


def _int_or(value: Any, default: Any) -> Any:
    try:
        return int(value) if value is not None else default
    except (TypeError, ValueError):
        return default


def _query_value(value: Any) -> Any:
    """httpx encodes bools as "true"/"false"; datetimes need ISO 8601 by hand."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


__all__ = ["WRITE_METHODS", "AuthStyle", "HttpCore", "encode_json"]
