"""Who the key belongs to and how the account is configured: ``/me``, settings, users.

These are the lookups the resolver needs (statuses, priorities, the default labour
product, technician names) and the cheapest way to check a key (``/me``).
"""

from __future__ import annotations

from .http import HttpCore
from .models import AccountSettings, Me, TicketSettings, User


class AccountMixin(HttpCore):
    async def me(self) -> Me:
        """``GET /me`` (flat): identity and permissions of the key's user."""
        data = await self._request("GET", "/me")
        return self._one(Me, data, "GET", "/me")

    async def ticket_settings(self) -> TicketSettings:
        """``GET /tickets/settings``: statuses, ``default_labor_product_id``, users."""
        data = await self._request("GET", "/tickets/settings")
        return self._one(TicketSettings, data, "GET", "/tickets/settings")

    async def account_settings(self) -> AccountSettings:
        """``GET /settings``: ``ticket.problem_types``, ``ticket.priorities``, ``locale``."""
        data = await self._request("GET", "/settings")
        return self._one(AccountSettings, data, "GET", "/settings")

    async def list_users(self) -> list[User]:
        """``GET /users``: ``[id, name]`` pairs in the spec; objects accepted as well."""
        data = await self._request("GET", "/users")
        return self._list(User, data, "GET", "/users", "users")

    async def get_user(self, user_id: int) -> User:
        path = f"/users/{int(user_id)}"
        data = await self._request("GET", path)
        return self._one(User, data, "GET", path, "user")
