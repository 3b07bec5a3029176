"""Retry rules: 429 retried for every method; 5xx/timeouts/resets retried only for GET;
a write whose outcome is unknown is sent exactly once and raises OutcomeUnknownError."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
import respx
from syncro_mcp.client import (
    OutcomeUnknownError,
    ServerError,
    SyncroValidationError,
    TransportError,
    UnexpectedResponseError,
)

TIMER = {"id": 77, "ticket_id": 5, "start_time": "2026-05-01T09:00:00.000Z", "recorded": False}
COMMENT = {"comment": {"id": 9, "ticket_id": 5, "subject": "s", "body": "b"}}
START = datetime(2026, 5, 1, 9, 0, tzinfo=timezone(timedelta(hours=-5)))


async def test_get_500_is_retried_then_succeeds(client: Any, router: respx.MockRouter, clock: Any) -> None:
    route = router.get("/me").mock(
        side_effect=[httpx.Response(500), httpx.Response(503), httpx.Response(200, json={"user_id": 1})]
    )
    me = await client.me()
    assert me.user_id == 1
    assert route.call_count == 3
    assert clock.backoffs() == [0.5, 1.0]  # exponential from retry_base_s


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("timed out"),
        httpx.ReadError("connection reset by peer"),
        httpx.RemoteProtocolError("eof"),
    ],
)
async def test_get_transport_failure_is_retried(client: Any, router: respx.MockRouter, failure: Exception) -> None:
    route = router.get("/tickets/5").mock(side_effect=[failure, httpx.Response(200, json={"ticket": {"id": 5}})])
    ticket = await client.get_ticket(5)
    assert ticket.id == 5
    assert route.call_count == 2


async def test_get_retries_are_bounded(make_client: Any, router: respx.MockRouter, clock: Any) -> None:
    client = make_client(max_retries=3)
    route = router.get("/me").mock(return_value=httpx.Response(500))
    with pytest.raises(ServerError):
        await client.me()
    assert route.call_count == 4
    assert clock.backoffs() == [0.5, 1.0, 2.0]


async def test_max_retries_zero_means_one_attempt(make_client: Any, router: respx.MockRouter) -> None:
    client = make_client(max_retries=0)
    route = router.get("/me").mock(return_value=httpx.Response(500))
    with pytest.raises(ServerError):
        await client.me()
    assert route.call_count == 1


async def test_post_500_is_outcome_unknown_after_one_request(client: Any, router: respx.MockRouter) -> None:
    route = router.post("/tickets/5/comment").mock(return_value=httpx.Response(500))
    with pytest.raises(OutcomeUnknownError) as info:
        await client.add_comment(5, subject="s", body="b")
    assert route.call_count == 1
    assert isinstance(info.value.cause, ServerError)
    assert (info.value.method, info.value.path, info.value.status) == ("POST", "/tickets/5/comment", 500)


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("timed out"),
        httpx.WriteTimeout("timed out"),
        httpx.ReadError("connection reset by peer"),
        httpx.RemoteProtocolError("server disconnected"),
        ConnectionResetError("reset"),
    ],
)
async def test_post_transport_failure_is_outcome_unknown(
    client: Any, router: respx.MockRouter, failure: Exception
) -> None:
    route = router.post("/tickets/5/timer_entry").mock(side_effect=failure)
    with pytest.raises(OutcomeUnknownError) as info:
        await client.add_timer_entry(5, start_at=START, end_at=START + timedelta(minutes=30), notes="n", product_id=1)
    assert route.call_count == 1
    assert isinstance(info.value.cause, TransportError)
    assert (info.value.method, info.value.path, info.value.status) == ("POST", "/tickets/5/timer_entry", None)


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, html="<html>login</html>"),
        httpx.Response(200, content=b'{"id": 77, "ticket', headers={"Content-Type": "application/json"}),
        httpx.Response(200, json={"id": "seventy-seven"}),
        httpx.Response(200, content=b""),
    ],
)
async def test_post_unreadable_2xx_is_outcome_unknown(
    client: Any, router: respx.MockRouter, response: httpx.Response
) -> None:
    route = router.post("/tickets/5/charge_timer_entry").mock(return_value=response)
    with pytest.raises(OutcomeUnknownError) as info:
        await client.charge_timer_entry(5, 77)
    assert route.call_count == 1
    assert isinstance(info.value.cause, UnexpectedResponseError)
    assert (info.value.method, info.value.path) == ("POST", "/tickets/5/charge_timer_entry")


async def test_put_503_and_delete_timeout_are_outcome_unknown(client: Any, router: respx.MockRouter) -> None:
    put = router.put("/tickets/5").mock(return_value=httpx.Response(503))
    delete = router.delete("/invoices/8").mock(side_effect=httpx.ReadTimeout("timed out"))
    with pytest.raises(OutcomeUnknownError):
        await client.update_ticket(5, {"status": "Resolved"})
    with pytest.raises(OutcomeUnknownError):
        await client.delete_invoice(8)
    assert (put.call_count, delete.call_count) == (1, 1)


async def test_post_429_is_retried_with_same_body(client: Any, router: respx.MockRouter, clock: Any) -> None:
    route = router.post("/tickets/5/comment").mock(side_effect=[httpx.Response(429), httpx.Response(200, json=COMMENT)])
    comment = await client.add_comment(5, subject="s", body="b")
    assert comment.id == 9
    assert route.call_count == 2
    first, second = (json.loads(call.request.content) for call in route.calls)
    assert first == second
    assert clock.backoffs() == [0.5]


async def test_429_honours_retry_after(client: Any, router: respx.MockRouter, clock: Any) -> None:
    route = router.get("/me").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(200, json={"user_id": 2}),
        ]
    )
    assert (await client.me()).user_id == 2
    assert route.call_count == 2
    assert clock.backoffs() == [7.0]


async def test_post_connect_error_is_retried_because_nothing_was_sent(client: Any, router: respx.MockRouter) -> None:
    # Documented choice: httpx.ConnectError means the request never left, so a write may be retried.
    route = router.post("/tickets/5/comment").mock(
        side_effect=[httpx.ConnectError("connection refused"), httpx.Response(200, json=COMMENT)]
    )
    assert (await client.add_comment(5, subject="s", body="b")).id == 9
    assert route.call_count == 2


async def test_post_connect_error_exhausted_is_transport_error_not_unknown(
    make_client: Any, router: respx.MockRouter
) -> None:
    client = make_client(max_retries=1)
    route = router.post("/tickets/5/comment").mock(side_effect=httpx.ConnectError("connection refused"))
    with pytest.raises(TransportError) as info:
        await client.add_comment(5, subject="s", body="b")
    assert not isinstance(info.value, OutcomeUnknownError)
    assert route.call_count == 2


async def test_post_4xx_is_not_outcome_unknown(client: Any, router: respx.MockRouter) -> None:
    route = router.post("/tickets/5/add_line_item").mock(
        return_value=httpx.Response(422, json={"errors": "Name can't be blank", "params": {}})
    )
    with pytest.raises(SyncroValidationError):
        await client.add_ticket_line_item(5, name="", description="d")
    assert route.call_count == 1


async def test_retry_after_http_date_and_cap(client: Any, router: respx.MockRouter, clock: Any) -> None:
    soon = datetime.now(timezone.utc) + timedelta(seconds=30)
    later = "86400"  # a day: capped so one call cannot hang the assistant
    route = router.get("/me").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": soon.strftime("%a, %d %b %Y %H:%M:%S GMT")}),
            httpx.Response(429, headers={"Retry-After": later}),
            httpx.Response(200, json={"user_id": 3}),
        ]
    )
    assert (await client.me()).user_id == 3
    assert route.call_count == 3
    first, second = clock.backoffs()
    assert 25 <= first <= 31
    assert second == 120.0


async def test_update_timer_entry_serialises_aware_datetimes(client: Any, router: respx.MockRouter) -> None:
    route = router.put("/tickets/5/update_timer_entry").mock(return_value=httpx.Response(200, json=TIMER))
    await client.update_timer_entry(5, 77, {"start_at": START, "duration_minutes": 15})
    assert json.loads(route.calls.last.request.content) == {
        "start_at": "2026-05-01T09:00:00-05:00",
        "duration_minutes": 15,
        "timer_entry_id": 77,
    }
