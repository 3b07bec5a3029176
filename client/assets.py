"""Customer assets and RMM alerts, read (issue 15): ``GET /customer_assets`` (``query`` over name,
serial, type, customer; ``customer_id``) and ``GET /rmm_alerts`` (``status`` active | resolved |
all), every page."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .http import HttpCore
from .models import Customer, DateTime, SyncroModel


class CustomerAsset(SyncroModel):
    id: int
    name: str | None = None
    customer_id: int | None = None
    asset_type: str | None = None
    asset_serial: str | None = None
    created_at: DateTime = None
    properties: dict[str, Any] = Field(default_factory=dict)
    customer: Customer | None = None


class RmmAlert(SyncroModel):
    id: int
    customer_id: int | None = None
    asset_id: int | None = None
    computer_name: str | None = None
    description: str | None = None
    status: str | None = None
    resolved: bool | None = None
    ticket_id: int | None = None
    ticket_number: int | None = None
    created_at: DateTime = None


class AssetsMixin(HttpCore):
    async def _walk(self, path: str, key: str, model: Any, params: dict[str, Any], max_pages: int) -> tuple[list, bool]:
        items: list[Any] = []
        for page_no in range(1, max_pages + 1):
            page = self._page(model, await self._request("GET", path, params={**params, "page": page_no}),
                              "GET", path, key, page_no)
            items += page.items
            if not page.items or not page.has_more:
                return items, True
        return items, False

    async def list_customer_assets(
        self, *, query: str | None = None, customer_id: int | None = None, max_pages: int = 10
    ) -> tuple[list[CustomerAsset], bool]:
        """Assets matching ``query`` / of ``customer_id``; ``(items, complete)``."""
        params = {"query": query, "customer_id": customer_id}
        return await self._walk("/customer_assets", "assets", CustomerAsset, params, max_pages)

    async def list_rmm_alerts(self, *, status: str | None = None, max_pages: int = 10) -> tuple[list[RmmAlert], bool]:
        """Newest first; ``status`` active (Syncro's default) | resolved | all; ``(items, complete)``."""
        return await self._walk("/rmm_alerts", "rmm_alerts", RmmAlert, {"status": status}, max_pages)
