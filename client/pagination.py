"""Walking Syncro's 1-based pages with a caller-chosen bound.

Syncro lists carry ``meta.total_pages`` on most endpoints but not all (products has
no ``meta``); a walk stops at the last page, at the first empty page, or at
``max_pages``, whichever comes first, so a runaway list can never exhaust the rate limit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from .models import Page

T = TypeVar("T")


async def walk_pages(fetch: Callable[[int], Awaitable[Page[T]]], *, max_pages: int, start_page: int = 1) -> list[T]:
    """Fetch pages ``start_page, start_page + 1, …`` and concatenate their items."""
    return (await walk_pages_complete(fetch, max_pages=max_pages, start_page=start_page))[0]


async def walk_pages_complete(
    fetch: Callable[[int], Awaitable[Page[T]]], *, max_pages: int, start_page: int = 1
) -> tuple[list[T], bool]:
    """``walk_pages``, and whether the walk reached the list's end (False: ``max_pages`` stopped it)."""
    if max_pages < 1:
        raise ValueError("max_pages must be at least 1")
    items: list[T] = []
    page_no = start_page
    for _ in range(max_pages):
        page = await fetch(page_no)
        items.extend(page.items)
        if not page.items or not page.has_more:
            return items, True
        page_no += 1
    return items, False
