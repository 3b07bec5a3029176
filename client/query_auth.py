"""``api_key`` query authentication, below httpx's own logging (imported with httpx, on the first request)."""

from __future__ import annotations

import httpx
from pydantic import SecretStr


class QueryKeyTransport(httpx.AsyncBaseTransport):
    """Adds ``api_key`` to the URL just before the wire, so nothing above sees it.

    httpx logs and attaches the request it handed to the transport; that request
    stays key-less, and responses/errors point at it.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, key: SecretStr) -> None:
        self._inner = inner
        self._key = key

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        keyed = httpx.Request(
            request.method,
            # api_key first: Syncro's help page reportedly wants it before other params.
            request.url.copy_with(
                params=[("api_key", self._key.get_secret_value()), *request.url.params.multi_items()]
            ),
            headers=request.headers,
            stream=request.stream,
            extensions=request.extensions,
        )
        return await self._inner.handle_async_request(keyed)

    async def aclose(self) -> None:
        await self._inner.aclose()
