"""The canary key never shows up in exceptions (text, repr, chained tracebacks), in any
captured log record, or in repr(client), on every error path and for all three auth styles.
Each scenario also proves the key really was sent, so the canary is live."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr
from syncro_mcp.client import OutcomeUnknownError, SyncroClient, SyncroError

BASE = "https://acme.syncromsp.com/api/v1"
KEY = "CANARY-KEY-1234567890"
STYLES = ["bearer", "header", "query"]


def leaky_timeout(exc_type: type[httpx.TransportError]) -> Callable[[httpx.Request], httpx.Response]:
    """A transport failure whose message quotes the full URL (with ?api_key= in query style)
    and the Authorization header, the worst a transport could do."""

    def raise_it(request: httpx.Request) -> httpx.Response:
        raise exc_type(f"failed {request.url} auth={request.headers.get('Authorization')}", request=request)

    return raise_it


Op = Callable[[SyncroClient], Awaitable[Any]]


def comment(c: SyncroClient) -> Awaitable[Any]:
    return c.add_comment(5, subject="s", body="b")


SCENARIOS: dict[str, tuple[str, str, Any, Op]] = {
    # name: (method, path, respx mock kwargs, operation)
    "401": (
        "GET",
        "/me",
        {"return_value": httpx.Response(401, json={"error": "Not authorized"})},
        SyncroClient.me,
    ),
    "404": (
        "GET",
        "/tickets/5",
        {"return_value": httpx.Response(404, json={"message": "Not found"})},
        lambda c: c.get_ticket(5),
    ),
    "422-echoes-key": (
        "POST",
        "/tickets/5/comment",
        {
            "return_value": httpx.Response(
                422,
                json={"success": False, "message": [f"api_key {KEY} rejected"], "params": {"api_key": KEY}},
            )
        },
        comment,
    ),
    "429": ("GET", "/me", {"return_value": httpx.Response(429, text=f"slow down {KEY}")}, SyncroClient.me),
    "500-get": (
        "GET",
        "/me",
        {"return_value": httpx.Response(500, json={"error": f"boom {KEY}"})},
        SyncroClient.me,
    ),
    "500-post": (
        "POST",
        "/tickets/5/comment",
        {"return_value": httpx.Response(500, json={"error": KEY})},
        comment,
    ),
    "timeout-get": ("GET", "/me", {"side_effect": leaky_timeout(httpx.ReadTimeout)}, SyncroClient.me),
    "timeout-post": (
        "POST",
        "/tickets/5/comment",
        {"side_effect": leaky_timeout(httpx.ReadTimeout)},
        comment,
    ),
    "reset-post": ("POST", "/tickets/5/comment", {"side_effect": leaky_timeout(httpx.ReadError)}, comment),
    "connect-get": ("GET", "/me", {"side_effect": leaky_timeout(httpx.ConnectError)}, SyncroClient.me),
    "html-200": (
        "GET",
        "/me",
        {"return_value": httpx.Response(200, html=f"<html>?api_key={KEY}</html>")},
        SyncroClient.me,
    ),
    "html-200-post": (
        "POST",
        "/tickets/5/comment",
        {"return_value": httpx.Response(200, html=f"<p>{KEY}</p>")},
        comment,
    ),
    "malformed-200": (
        "GET",
        "/tickets/5",
        {"return_value": httpx.Response(200, content=f'{{"x": "{KEY}'.encode())},
        lambda c: c.get_ticket(5),
    ),
    "wrong-types": (
        "GET",
        "/tickets/5",
        {"return_value": httpx.Response(200, json={"ticket": {"id": KEY}})},
        lambda c: c.get_ticket(5),
    ),
    "not-found-number": (
        "GET",
        "/tickets",
        {"return_value": httpx.Response(200, json={"tickets": []})},
        lambda c: c.find_ticket_id(1),
    ),
}


def exception_texts(exc: BaseException) -> list[str]:
    texts = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    cause = getattr(exc, "cause", None)
    if cause is not None:
        texts += [str(cause), repr(cause), "".join(traceback.format_exception(cause))]
    return texts


def log_texts(records: list[logging.LogRecord]) -> list[str]:
    texts = []
    for rec in records:
        texts += [rec.getMessage(), repr(rec.args), rec.exc_text or ""]
        if rec.exc_info and rec.exc_info[1] is not None:
            texts.append("".join(traceback.format_exception(rec.exc_info[1])))
    return texts


def key_was_sent(request: httpx.Request, style: str) -> bool:
    if style == "bearer":
        return request.headers.get("Authorization") == f"Bearer {KEY}"
    if style == "header":
        return request.headers.get("Authorization") == KEY
    return request.url.params.get("api_key") == KEY and "Authorization" not in request.headers


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
async def test_key_never_leaks(style: str, scenario: str, clock: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    method, path, mock, op = SCENARIOS[scenario]
    router = respx.MockRouter(base_url=BASE, assert_all_called=False)
    route = router.route(method=method, path=path).mock(**mock)
    client = SyncroClient(
        BASE,
        SecretStr(KEY),
        auth_style=style,
        transport=httpx.MockTransport(router.async_handler),  # type: ignore[arg-type]
        clock=clock,
        sleep=clock.sleep,
        max_retries=1,
        retry_base_s=0.1,
        rate_limit_per_min=600,
    )
    try:
        with pytest.raises(SyncroError) as info:
            await op(client)
        assert route.call_count >= 1
        assert all(key_was_sent(call.request, style) for call in route.calls)
        texts = exception_texts(info.value) + log_texts(caplog.records) + [repr(client), str(client)]
        assert any(r.name == "syncro_mcp.client" and r.levelno == logging.DEBUG for r in caplog.records)
        for text in texts:
            assert KEY not in text
        # The error still names the endpoint, path without any query string.
        assert info.value.path == path and "?" not in info.value.path
    finally:
        await client.aclose()


@pytest.mark.parametrize("style", STYLES)
async def test_success_logs_and_httpx_logs_are_clean(style: str, clock: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    router = respx.MockRouter(base_url=BASE, assert_all_called=False)
    route = router.get("/tickets").mock(return_value=httpx.Response(200, json={"tickets": [], "meta": {}}))
    async with SyncroClient(
        BASE,
        SecretStr(KEY),
        auth_style=style,
        transport=httpx.MockTransport(router.async_handler),  # type: ignore[arg-type]
        clock=clock,
        sleep=clock.sleep,
    ) as client:
        await client.list_tickets(query="printer")
    assert key_was_sent(route.calls.last.request, style)
    ours = [r.getMessage() for r in caplog.records if r.name == "syncro_mcp.client"]
    assert ours and ours[0].startswith("GET /tickets -> 200 in ")
    assert "printer" not in ours[0]  # no query string in our log line
    httpx_lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert httpx_lines, "httpx logs each request at INFO; it must be captured to prove it is clean"
    for text in log_texts(caplog.records):
        assert KEY not in text


@pytest.mark.parametrize("style", STYLES)
def test_repr_of_client_and_secret(style: str) -> None:
    client = SyncroClient(BASE, KEY, auth_style=style)  # type: ignore[arg-type]
    assert KEY not in repr(client) and KEY not in str(client)
    assert KEY not in repr(vars(client).get("_key"))


async def test_outcome_unknown_cause_chain_is_clean(clock: Any) -> None:
    router = respx.MockRouter(base_url=BASE, assert_all_called=False)
    router.post("/tickets/5/comment").mock(side_effect=leaky_timeout(httpx.ReadTimeout))
    async with SyncroClient(
        BASE,
        SecretStr(KEY),
        auth_style="query",
        transport=httpx.MockTransport(router.async_handler),
        clock=clock,
        sleep=clock.sleep,
    ) as client:
        with pytest.raises(OutcomeUnknownError) as info:
            await comment(client)
    chain: list[BaseException] = []
    exc: BaseException | None = info.value
    while exc is not None and len(chain) < 10:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    assert len(chain) >= 2  # the cause is kept for debugging …
    for link in chain:  # … but no link in the chain quotes the key
        assert KEY not in str(link) and KEY not in repr(link)
