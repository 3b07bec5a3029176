"""Customers and their contacts (docs/syncro-facts.md#customers). Contacts replies are flat, customers wrapped."""

from __future__ import annotations

from typing import Any

from .http import HttpCore
from .models import Contact, Customer, Page
from .pagination import walk_pages


class CustomersMixin(HttpCore):
    async def list_customers(self, query: str | None = None, page: int = 1) -> Page[Customer]:
        """``GET /customers?query=`` (partial match across names, email, phone)."""
        data = await self._request("GET", "/customers", params={"query": query, "page": page})
        return self._page(Customer, data, "GET", "/customers", "customers", page)

    async def get_customer(self, customer_id: int) -> Customer:
        path = f"/customers/{int(customer_id)}"
        data = await self._request("GET", path)
        return self._one(Customer, data, "GET", path, "customer")

    async def create_customer(self, fields: dict[str, Any]) -> Customer:
        """``POST /customers`` with a flat body (``business_name`` or first/last name)."""
        data = await self._request("POST", "/customers", body=dict(fields))
        return self._one(Customer, data, "POST", "/customers", "customer")

    async def list_contacts(self, customer_id: int, *, max_pages: int = 4) -> list[Contact]:
        """All contacts of one customer (``GET /contacts?customer_id=``), pages walked up to a bound."""

        async def fetch(page: int) -> Page[Contact]:
            params = {"customer_id": int(customer_id), "page": page}
            data = await self._request("GET", "/contacts", params=params)
            return self._page(Contact, data, "GET", "/contacts", "contacts", page)

        return await walk_pages(fetch, max_pages=max_pages)
