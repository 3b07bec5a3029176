"""Every documented Syncro error shape (docs/syncro-facts.md#errors) → the right error type and Syncro's message."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx
from syncro_mcp.client import (
    AuthError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    SyncroError,
    SyncroValidationError,
    TransportError,
    UnexpectedResponseError,
)

NOT_AUTHORIZED = "Not authorized. Please ask account admin to update your group permissions."


@pytest.mark.parametrize(
    ("status", "body", "error_type", "message"),
    [
        (401, {"error": NOT_AUTHORIZED}, AuthError, NOT_AUTHORIZED),
        (401, None, AuthError, "Not authorized"),
        (403, {"message": "insufficient permissions"}, AuthError, "insufficient permissions"),
        (404, {"message": "Not found"}, NotFoundError, "Not found"),
        (404, {"error": "Asset not found"}, NotFoundError, "Asset not found"),
        (404, None, NotFoundError, "Not found"),
        (400, {"error": "bad param"}, SyncroValidationError, "bad param"),
        (418, {"error": "teapot"}, SyncroError, "teapot"),
    ],
)
async def test_status_maps_to_error(
    client: Any, router: respx.MockRouter, status: int, body: Any, error_type: type, message: str
) -> None:
    router.get("/tickets/5").mock(
        return_value=httpx.Response(status, json=body) if body is not None else httpx.Response(status)
    )
    with pytest.raises(error_type) as info:
        await client.get_ticket(5)
    err = info.value
    assert type(err) is error_type
    assert err.detail == message
    assert (err.method, err.path, err.status) == ("GET", "/tickets/5", status)
    assert message.rstrip(".") in str(err)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"error": "Customer required field"}, "Customer required field"),
        (
            {"success": False, "message": ["Subject can't be blank", "Body can't be blank"], "params": {}},
            "Subject can't be blank; Body can't be blank",
        ),
        (
            {"success": False, "message": ["Subject can't be blank"]},
            "Subject can't be blank",
        ),
        (
            {"errors": "Name can't be blank, Description can't be blank", "params": {}},
            "Name can't be blank, Description can't be blank",
        ),
        (
            {"record": {"name": "x", "email": "nope"}, "errors": "Email is not an email"},
            "Email is not an email",
        ),
        ({"errors": ["billable must be true or false"]}, "billable must be true or false"),
        (
            {"customer_id": ["can't be blank"], "name": ["is too short"]},
            "customer_id can't be blank; name is too short",
        ),
        ({"errors": {"mute_for": ["is not included in the list"]}}, "mute_for is not included in the list"),
        ({"error": "no implicit conversion of nil into String"}, "no implicit conversion of nil into String"),
    ],
)
async def test_422_shapes_on_a_write(client: Any, router: respx.MockRouter, body: Any, message: str) -> None:
    route = router.post("/tickets/7/comment").mock(return_value=httpx.Response(422, json=body))
    with pytest.raises(SyncroValidationError) as info:
        await client.add_comment(7, subject="s", body="b")
    err = info.value
    assert err.detail == message
    assert (err.method, err.path, err.status) == ("POST", "/tickets/7/comment", 422)
    # A 422 means Syncro refused the write: it is not "outcome unknown" and not retried.
    assert route.call_count == 1


async def test_422_without_any_message_still_says_rejected(client: Any, router: respx.MockRouter) -> None:
    router.post("/tickets").mock(return_value=httpx.Response(422, json={"success": False}))
    with pytest.raises(SyncroValidationError) as info:
        await client.create_ticket({"subject": "x"})
    assert info.value.detail == "Syncro rejected the request"


async def test_429_after_retries_is_rate_limited(make_client: Any, router: respx.MockRouter) -> None:
    client = make_client(max_retries=2)
    route = router.get("/me").mock(return_value=httpx.Response(429, text="Too Many"))
    with pytest.raises(RateLimitedError) as info:
        await client.me()
    assert route.call_count == 3 == info.value.tries
    assert (info.value.method, info.value.path, info.value.status) == ("GET", "/me", 429)


async def test_get_5xx_after_retries_is_server_error(make_client: Any, router: respx.MockRouter) -> None:
    client = make_client(max_retries=1)
    route = router.get("/customers/3").mock(return_value=httpx.Response(502, text="<html>Bad gateway</html>"))
    with pytest.raises(ServerError) as info:
        await client.get_customer(3)
    assert route.call_count == 2
    assert info.value.status == 502
    assert info.value.detail == "Syncro server error (HTTP 502)"


async def test_get_timeout_after_retries_is_transport_error(make_client: Any, router: respx.MockRouter) -> None:
    client = make_client(max_retries=2)
    route = router.get("/me").mock(side_effect=httpx.ReadTimeout("timed out"))
    with pytest.raises(TransportError) as info:
        await client.me()
    assert route.call_count == 3
    assert "ReadTimeout" in info.value.detail
    assert (info.value.method, info.value.path, info.value.status) == ("GET", "/me", None)


@pytest.mark.parametrize(
    ("response", "fragment"),
    [
        (httpx.Response(200, html="<html><body>Please log in</body></html>"), "not JSON (text/html"),
        (
            httpx.Response(200, content=b'{"ticket": {"id": 5, "subj', headers={"Content-Type": "application/json"}),
            "not JSON (application/json",
        ),
        (httpx.Response(200, content=b""), "empty body"),
        (httpx.Response(200, json={"ticket": {"id": "not-a-number"}}), "Unexpected Ticket shape"),
        (httpx.Response(200, json={"ticket": {"subject": "no id"}}), "Unexpected Ticket shape"),
        (httpx.Response(302, headers={"Location": "https://acme.syncromsp.com/login"}), "redirect"),
    ],
)
async def test_unreadable_get_is_unexpected_response(
    client: Any, router: respx.MockRouter, response: httpx.Response, fragment: str
) -> None:
    route = router.get("/tickets/5").mock(return_value=response)
    with pytest.raises(UnexpectedResponseError) as info:
        await client.get_ticket(5)
    assert fragment in info.value.detail
    # Names the endpoint, and is not retried (it is not a 5xx or transport failure).
    assert "GET /tickets/5" in str(info.value)
    assert route.call_count == 1


async def test_list_without_its_key_is_unexpected(client: Any, router: respx.MockRouter) -> None:
    router.get("/tickets").mock(return_value=httpx.Response(200, json={"error": "weird"}))
    with pytest.raises(UnexpectedResponseError, match="'tickets' list"):
        await client.list_tickets()


async def test_validation_error_text_does_not_echo_values(client: Any, router: respx.MockRouter) -> None:
    router.get("/tickets/5").mock(return_value=httpx.Response(200, json={"ticket": {"id": "SECRET-LOOKING-VALUE"}}))
    with pytest.raises(UnexpectedResponseError) as info:
        await client.get_ticket(5)
    assert "id:" in info.value.detail
    assert "SECRET-LOOKING-VALUE" not in str(info.value)
