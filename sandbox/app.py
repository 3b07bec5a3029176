"""The ASGI front door: request log, rate limit, faults, auth, then the Syncro routes.

Order per request: log it → rate limit (a real 429 counts before anything else) → scripted
fault (network/proxy-level failures happen before the API sees the request, or after it has
applied a write) → key check → route → save state (standalone demo mode).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import account_api, assets_api, errors, invoices_api, schedule_api, tickets_api
from .auth import WRITE_METHODS, extract_key
from .faults import LATE_KINDS, POST_KINDS, PRE_KINDS
from .params import BadJSON
from .requestlog import LoggedRequest
from .timefmt import account_zone

if TYPE_CHECKING:
    from .sandbox import Sandbox

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

API_PREFIX = "/api/v1"
CONTROL_PREFIX = "/_sandbox"
#: Set by the in-process transport's scope wrapper; timeouts/resets are then signalled to it.
IN_PROCESS_KEY = "syncro_sandbox.in_process"
#: Response header the in-process transport turns into an httpx exception.
SIGNAL_HEADER = "x-sandbox-transport-fault"
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost", "testclient"})

log = logging.getLogger(__name__)

RATE_LIMITED_BODY = b"Retry later\n"
LOGIN_PAGE = b"""<!DOCTYPE html>
<html><head><title>Syncro | Log In</title></head>
<body><form action="/users/sign_in" method="post"><h1>Log in to Syncro</h1>
<input type="email" name="user[email]"><input type="password" name="user[password]">
<button type="submit">Log In</button></form></body></html>
"""


def _gateway_page(status: int, reason: str) -> bytes:
    return (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}"
        f"</h1></center>\r\n</body>\r\n</html>\r\n"
    ).encode()


class LateWrite:
    """A write held back by a ``late_write`` fault: it lands once the sandbox clock reaches ``due``."""

    def __init__(self, due: float, scope: Scope, raw: bytes, entry: LoggedRequest) -> None:
        self.due = due
        self.scope = scope
        self.raw = raw
        self.entry = entry


class Captured:
    """A response produced by the route layer, held back so a fault can spoil it."""

    def __init__(self) -> None:
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = b""

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.request":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        elif message["type"] == "http.disconnect":
            break
    return b"".join(chunks)


async def _send_simple(
    send: Send, status: int, body: bytes, content_type: str, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
    await send({"type": "http.response.body", "body": body})


async def _send_json(send: Send, status: int, payload: Any) -> None:
    await _send_simple(send, status, json.dumps(payload).encode(), "application/json; charset=utf-8")


def _parse_body(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


async def _http_exception(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    if status == 404:
        return errors.not_found()
    return errors.json({"message": getattr(exc, "detail", "Error")}, status)


async def _missing(request: Request, exc: Exception) -> Response:
    return errors.not_found()


async def _bad_json(request: Request, exc: Exception) -> Response:
    return errors.bad_request(f"Invalid JSON body: {exc}")


def build_api(sandbox: Sandbox) -> Starlette:
    """The Syncro routes, mounted with paths relative to /api/v1."""
    api = Starlette(
        routes=[
            *tickets_api.ROUTES,
            *invoices_api.ROUTES,
            *account_api.ROUTES,
            *schedule_api.ROUTES,
            *assets_api.ROUTES,
        ],
        exception_handlers={HTTPException: _http_exception, BadJSON: _bad_json, errors.Missing: _missing},
    )
    api.state.sandbox = sandbox
    return api


class SandboxApp:
    """The whole sandbox as one ASGI app: ``/api/v1/...`` plus loopback-only ``/_sandbox/...``."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.api = build_api(sandbox)
        self.control = build_control(sandbox)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        with account_zone(self.sandbox.zone):
            await self._dispatch(scope, receive, send)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            await self._control(scope, receive, send)
            return
        if not path.startswith(API_PREFIX + "/"):
            await _send_json(send, 404, {"message": "Not found"})
            return
        await self.land_due_writes()
        await self._api_request(scope, receive, send)

    async def _run_api(self, inner: Scope, raw: bytes) -> Captured:
        """Run one request through the Syncro routes and capture the response."""
        captured = Captured()
        body_sent = False

        async def replay() -> Message:
            nonlocal body_sent
            if body_sent:
                return {"type": "http.disconnect"}
            body_sent = True
            return {"type": "http.request", "body": raw, "more_body": False}

        await self.api(inner, replay, captured.send)
        return captured

    async def land_due_writes(self) -> int:
        """Apply every held ``late_write`` whose time has come (oldest first); how many landed.

        Called before each API request, so the sandbox clock is checked lazily: a write lands
        at the first request at or after send time + delay, ahead of that request.
        """
        sb = self.sandbox
        landed = 0
        while True:
            now = sb.clock()
            due = [w for w in sb.late_writes if w.due <= now]
            if not due:
                return landed
            w = min(due, key=lambda x: (x.due, x.entry.seq))
            sb.late_writes.remove(w)
            captured = await self._run_api(w.scope, w.raw)
            w.entry.applied = 200 <= captured.status < 300
            w.entry.extra["landed_status"] = captured.status
            if w.entry.applied:
                sb.autosave()
            landed += 1

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _control(self, scope: Scope, receive: Receive, send: Send) -> None:
        host = (scope.get("client") or ("unknown", 0))[0]
        if not scope.get(IN_PROCESS_KEY) and host not in LOOPBACK:
            await _send_json(send, 403, {"error": "sandbox control routes answer loopback clients only"})
            return
        await self.control(scope, receive, send)

    async def _api_request(self, scope: Scope, receive: Receive, send: Send) -> None:
        sb = self.sandbox
        in_process = bool(scope.get(IN_PROCESS_KEY))
        method: str = scope["method"].upper()
        api_path = scope["path"][len(API_PREFIX) :] or "/"
        query_string = scope.get("query_string", b"").decode("latin-1")
        raw = await _read_body(receive)
        host = (scope.get("client") or ("unknown", 0))[0]
        entry = sb.requests.record(
            LoggedRequest(
                seq=sb.requests.next_seq(),
                method=method,
                path=api_path,
                query={k: v for k, v in parse_qsl(query_string, keep_blank_values=True) if k != "api_key"},
                body=_parse_body(raw),
                client="in-process" if in_process else host,
            )
        )

        if not sb.limiter.admit("in-process" if in_process else host):
            entry.status = 429
            await _send_simple(send, 429, RATE_LIMITED_BODY, "text/plain; charset=utf-8")
            return

        rule = sb.faults.pick_rule(method, api_path)
        kind = rule.kind if rule is not None else None
        entry.fault = kind
        if kind in PRE_KINDS:
            await self._fail(kind, entry, send, in_process)
            return

        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        grant = sb.grant_for(extract_key(headers, query_string))
        if grant is None:
            entry.status = 401
            await _send_json(send, 401, {"error": errors.BAD_KEY})
            return
        if method in WRITE_METHODS and not grant.can_write:
            entry.status = 401
            await _send_json(send, 401, {"error": errors.NOT_AUTHORIZED})
            return

        inner = dict(scope)
        inner.update(path=api_path, raw_path=api_path.encode(), root_path="")
        inner["syncro.grant"] = grant

        if kind in LATE_KINDS:
            assert rule is not None and rule.delay is not None
            # The client gives up (timeout); the request is held and applied later (land_due_writes).
            sb.late_writes.append(LateWrite(sb.clock() + rule.delay, inner, raw, entry))
            entry.extra["late_by"] = rule.delay
            await self._fail("timeout", entry, send, in_process)
            return

        try:
            captured = await self._run_api(inner, raw)
        except Exception:
            entry.status = 500
            raise
        entry.applied = 200 <= captured.status < 300
        if entry.applied and method in WRITE_METHODS:
            sb.autosave()

        if kind in POST_KINDS:
            await self._fail(kind, entry, send, in_process, captured)
            return
        entry.status = captured.status
        await send({"type": "http.response.start", "status": captured.status, "headers": captured.headers})
        await send({"type": "http.response.body", "body": captured.body})

    async def _fail(
        self, kind: str, entry: LoggedRequest, send: Send, in_process: bool, captured: Captured | None = None
    ) -> None:
        """Answer with the scripted failure ``kind``."""
        base = kind.removeprefix("apply_then_")
        if base in ("timeout", "reset"):
            entry.status = None
            if in_process:
                await _send_simple(send, 599, b"", "text/plain", [(SIGNAL_HEADER.encode(), base.encode())])
            elif base == "timeout":
                await self.sandbox.sleep(self.sandbox.hang_seconds)
                await _send_simple(send, 504, _gateway_page(504, "Gateway Time-out"), "text/html")
            else:
                # Promise a body, send part of it, then return: uvicorn closes the connection, so the
                # client sees the server hang up mid-response.
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
                    }
                )
                await send({"type": "http.response.body", "body": b'{"', "more_body": True})
            return
        if base == "malformed":
            assert captured is not None
            cut = captured.body[: max(1, len(captured.body) // 2)]
            entry.status = 200
            await _send_simple(send, 200, cut, "application/json; charset=utf-8")
            return
        if base == "html":
            entry.status = 200
            await _send_simple(send, 200, LOGIN_PAGE, "text/html; charset=utf-8")
            return
        if base == "429":
            entry.status = 429
            await _send_simple(send, 429, RATE_LIMITED_BODY, "text/plain; charset=utf-8")
            return
        status = int(base)
        entry.status = status
        if status == 500:
            await _send_json(send, 500, {"status": 500, "error": "Internal Server Error"})
        else:
            reason = {502: "Bad Gateway", 503: "Service Temporarily Unavailable"}[status]
            await _send_simple(send, status, _gateway_page(status, reason), "text/html")


# -- control routes (standalone tests and demos drive the sandbox through these) ---------------
def build_control(sandbox: Sandbox) -> Starlette:
    async def get_requests(request: Request) -> Response:
        return errors.json({"requests": [r.to_json() for r in list(sandbox.requests)]})

    async def clear_requests(request: Request) -> Response:
        sandbox.requests.clear()
        return errors.json({"success": True})

    async def get_faults(request: Request) -> Response:
        return errors.json({"faults": [f.to_json() for f in sandbox.faults.rules]})

    async def add_fault(request: Request) -> Response:
        try:
            data = json.loads(await request.body() or b"{}")
            fault = sandbox.faults.add(
                method=str(data.get("method", "*")),
                path=str(data["path"]),
                kind=str(data["kind"]),
                call=int(data.get("call", 1)),
                times=None if data.get("times", 1) is None else int(data.get("times", 1)),
                delay=None if data.get("delay") is None else float(data["delay"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            return errors.json({"error": str(exc)}, 422)
        return errors.json({"fault": fault.to_json()})

    async def get_late_writes(request: Request) -> Response:
        now = sandbox.clock()
        return errors.json(
            {
                "late_writes": [
                    {"seq": w.entry.seq, "method": w.entry.method, "path": w.entry.path, "due_in": w.due - now}
                    for w in sandbox.late_writes
                ]
            }
        )

    async def land_late_writes(request: Request) -> Response:
        """Land the held writes that are due now (the same check every API request makes)."""
        return errors.json({"landed": await sandbox.app.land_due_writes()})

    async def clear_faults(request: Request) -> Response:
        sandbox.faults.clear()
        return errors.json({"success": True})

    async def reset(request: Request) -> Response:
        sandbox.reset()
        return errors.json({"success": True})

    async def info(request: Request) -> Response:
        return errors.json(
            {
                "api_key": sandbox.api_key,
                "read_only_key": sandbox.read_only_key,
                "rate_limit_per_min": sandbox.limiter.limit,
            }
        )

    return Starlette(
        routes=[
            Route(CONTROL_PREFIX + "/requests", get_requests, methods=["GET"]),
            Route(CONTROL_PREFIX + "/requests", clear_requests, methods=["DELETE"]),
            Route(CONTROL_PREFIX + "/faults", get_faults, methods=["GET"]),
            Route(CONTROL_PREFIX + "/faults", add_fault, methods=["POST"]),
            Route(CONTROL_PREFIX + "/faults", clear_faults, methods=["DELETE"]),
            Route(CONTROL_PREFIX + "/late_writes", get_late_writes, methods=["GET"]),
            Route(CONTROL_PREFIX + "/late_writes", land_late_writes, methods=["POST"]),
            Route(CONTROL_PREFIX + "/reset", reset, methods=["POST"]),
            Route(CONTROL_PREFIX + "/info", info, methods=["GET"]),
        ]
    )
