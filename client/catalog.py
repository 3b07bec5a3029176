"""Products (the catalogue, including labour products). ``GET /products`` has no ``meta``."""

from __future__ import annotations

from .http import HttpCore
from .models import Product


class CatalogMixin(HttpCore):
    async def list_products(self, query: str | None = None, page: int = 1) -> list[Product]:
        data = await self._request("GET", "/products", params={"query": query, "page": page})
        return self._list(Product, data, "GET", "/products", "products")

    async def get_product(self, product_id: int) -> Product:
        path = f"/products/{int(product_id)}"
        data = await self._request("GET", path)
        return self._one(Product, data, "GET", path, "product")
