"""Reading request parameters the way Rails does: query and JSON body merged, lenient types."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from .auth import KeyGrant

if TYPE_CHECKING:
    from .sandbox import Sandbox


class BadJSON(Exception):
    """The body was not JSON; answered with 400."""


def sandbox_of(request: Request) -> Sandbox:
    return request.app.state.sandbox  # type: ignore[no-any-return]


def grant_of(request: Request) -> KeyGrant:
    return request.scope["syncro.grant"]  # type: ignore[no-any-return]


def query(request: Request) -> dict[str, str]:
    """Query parameters without the key; ``id[]=1&id[]=2`` style lists keep their last value."""
    return {k: v for k, v in request.query_params.items() if k != "api_key"}


async def body(request: Request) -> dict[str, Any]:
    """The JSON body (flat object) merged over the query string, as Rails' ``params`` does."""
    raw = await request.body()
    data: Any = {}
    if raw.strip():
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise BadJSON(str(exc)) from exc
    if not isinstance(data, dict):
        raise BadJSON("expected a JSON object")
    merged: dict[str, Any] = dict(query(request))
    merged.update(data)
    merged.pop("api_key", None)
    return merged


def as_int(value: Any) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def as_bool(value: Any) -> bool | None:
    """Rails-ish truthiness for query/body flags: true/1/yes and false/0/no."""
    if isinstance(value, bool):
        return value
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "t", "on"):
        return True
    if text in ("false", "0", "no", "f", "off", ""):
        return False
    return None


def page_of(request: Request) -> int:
    page = as_int(request.query_params.get("page"))
    return page if page and page > 0 else 1


def paginate(items: list[Any], page: int, per_page: int) -> tuple[list[Any], int]:
    """Slice one 1-based page. An empty list has ``total_pages`` 0 (will_paginate arithmetic)."""
    total_pages = math.ceil(len(items) / per_page)
    start = (page - 1) * per_page
    return items[start : start + per_page], total_pages
