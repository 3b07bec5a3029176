"""Walking pages: by meta.total_pages, stopping at an empty page, and never past max_pages."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx
from syncro_mcp.client import Page, walk_pages


def tickets_page(request: httpx.Request, total_pages: int | None, per_page: int = 2) -> httpx.Response:
    page = int(request.url.params.get("page", "1"))
    items = [{"id": page * 100 + i, "number": page * 10 + i} for i in range(per_page)]
    body: dict[str, Any] = {"tickets": items}
    if total_pages is not None:
        body["meta"] = {"total_pages": total_pages, "page": page}
    return httpx.Response(200, json=body)


async def test_iter_tickets_walks_to_total_pages(client: Any, router: respx.MockRouter) -> None:
    route = router.get("/tickets").mock(side_effect=lambda r: tickets_page(r, total_pages=3))
    tickets = await client.iter_tickets(status="Not Closed", max_pages=10)
    assert route.call_count == 3
    assert [t.id for t in tickets] == [100, 101, 200, 201, 300, 301]
    assert [c.request.url.params["page"] for c in route.calls] == ["1", "2", "3"]
    assert all(c.request.url.params["status"] == "Not Closed" for c in route.calls)


async def test_iter_tickets_stops_at_max_pages(client: Any, router: respx.MockRouter) -> None:
    route = router.get("/tickets").mock(side_effect=lambda r: tickets_page(r, total_pages=50))
    tickets = await client.iter_tickets(max_pages=2)
    assert route.call_count == 2
    assert len(tickets) == 4


async def test_default_bound_is_four_pages(client: Any, router: respx.MockRouter) -> None:
    route = router.get("/tickets").mock(side_effect=lambda r: tickets_page(r, total_pages=50))
    await client.iter_tickets()
    assert route.call_count == 4


async def test_walk_stops_at_empty_page_without_meta(client: Any, router: respx.MockRouter) -> None:
    def contacts(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        items = [{"id": page}] if page <= 2 else []
        return httpx.Response(200, json={"contacts": items})

    route = router.get("/contacts").mock(side_effect=contacts)
    got = await client.list_contacts(9, max_pages=10)
    assert [c.id for c in got] == [1, 2]
    assert route.call_count == 3


async def test_walk_pages_rejects_zero_bound() -> None:
    async def fetch(page: int) -> Page[int]:
        raise AssertionError("must not fetch")

    with pytest.raises(ValueError):
        await walk_pages(fetch, max_pages=0)


def test_page_has_more() -> None:
    assert Page[int](items=[1], page=1, total_pages=2).has_more
    assert not Page[int](items=[1], page=2, total_pages=2).has_more
    assert Page[int](items=[1], page=1).has_more
    assert not Page[int](items=[], page=1).has_more
