"""Turning the tech's words into Syncro's ids, once, for every tool.

- ticket number → ticket (``GET /tickets?number=``); the id never changes, so it is kept;
  the summary is kept briefly so a preview and the write that follows cost one read.
- customer name or id → customer; an ambiguous name is an error listing the candidates.
- labor name → product id (from the configured map; never a default).
- status / priority / problem type / assignee / contact / ticket type → validated against the
  account's own lists (``/tickets/settings``, ``/settings``), cached for a few minutes.
- a confirmed write's lookups (``previewing``/``kept``): what its preview resolved is kept under
  the exact call its confirm_token approves, so the token call does not ask Syncro again. Reads that
  guard the write (the witness read, a billed-state check, an alert's ticket) never go through it.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial
from typing import Any, Protocol

from syncro_mcp.client import SyncroClient
from syncro_mcp.client.errors import NotFoundError
from syncro_mcp.client.models import (
    AccountSettings,
    Contact,
    Customer,
    Me,
    Product,
    Ticket,
    TicketSettings,
    TicketSummary,
    User,
)

from .errors import InputError

TICKET_TTL_S = 30.0
SETTINGS_TTL_S = 300.0
KEPT_PREVIEWS = 256
"""Previews whose lookups are kept for their token call at most (oldest dropped first)."""

_KEPT: ContextVar[dict[Hashable, Any] | None] = ContextVar("syncro_kept_lookups", default=None)
"""The lookups of the write being planned right now (``Resolver.previewing``); None outside one."""


def digits(text: str) -> bool:
    """Only ASCII digits: ``"²".isdigit()`` is true, yet ``int("²")`` fails."""
    return text.isascii() and text.isdigit()


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def pick_one(value: str, choices: Sequence[str], what: str) -> str:
    """The account's spelling of ``value`` (case-insensitive), or an error listing the valid ones."""
    wanted = _norm(value)
    for choice in choices:
        if _norm(choice) == wanted:
            return choice
    valid = ", ".join(f'"{c}"' for c in choices if c) or "(none configured)"
    raise InputError(f'Unknown {what} "{value}". Valid {what} values for this account: {valid}.')


class LaborMap(Protocol):
    """The configured labor map and its one lookup (the server's ``Settings``)."""

    @property
    def labor_types(self) -> dict[str, int]: ...
    def labor_product_id(self, name: str) -> int: ...


class Resolver:
    """Caches and lookups shared by all tools (one per server process)."""

    def __init__(
        self,
        client: SyncroClient,
        labor: LaborMap,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self._labor = labor
        self.labor_types = dict(labor.labor_types)
        self._clock = clock
        self._ids: dict[int, int] = {}
        self._tickets: dict[int, tuple[float, TicketSummary]] = {}
        self._details: dict[int, tuple[float, Ticket]] = {}
        self._cache: dict[str, tuple[float, Any]] = {}
        self._previews: OrderedDict[str, tuple[float, dict[Hashable, Any]]] = OrderedDict()

    # -- a confirmed write's lookups, kept from its preview to its token call ------------------
    @contextmanager
    def previewing(self, binding: str, *, confirming: bool, keep: bool, ttl_s: float) -> Iterator[None]:
        """Plan a write with its lookups kept under ``binding`` (the tool and its exact arguments, as
        the confirm_token binds them). ``confirming`` (a valid token): start from what the preview
        resolved, if it is younger than ``ttl_s`` (used once); ``keep``: keep what this plan resolves
        for the token call that may follow."""
        hit = self._previews.pop(binding, None) if confirming else None
        kept = dict(hit[1]) if hit and self._clock() - hit[0] < ttl_s else {}
        token = _KEPT.set(kept)
        try:
            yield
        finally:
            _KEPT.reset(token)
        if keep:
            self._previews[binding] = (self._clock(), kept)
            while len(self._previews) > KEPT_PREVIEWS:
                self._previews.popitem(last=False)

    async def kept(self, key: Hashable, load: Callable[[], Awaitable[Any]]) -> Any:
        """``load()``, or, while a confirmed write is planned, what its preview loaded under ``key``.
        Only for lookups (names → ids, prices shown, recipients), never for a read that guards the write."""
        memo = _KEPT.get()
        if memo is not None and key in memo:
            return memo[key]
        value = await load()
        if memo is not None:
            memo[key] = value
        return value

    # -- tickets ---------------------------------------------------------------------------
    async def ticket(self, number: int) -> TicketSummary:
        """The ticket with this human number (cached ``TICKET_TTL_S``)."""
        return await self.kept(("ticket", number), partial(self._ticket, number))

    async def _ticket(self, number: int) -> TicketSummary:
        hit = self._tickets.get(number)
        if hit and self._clock() - hit[0] < TICKET_TTL_S:
            return hit[1]
        summary = await self.client.find_ticket(number)
        self.remember(summary)
        return summary

    async def ticket_id(self, number: int) -> int:
        if number in self._ids:
            return self._ids[number]
        return (await self.ticket(number)).id

    def known_ticket_id(self, number: int) -> int | None:
        """The id of a ticket already resolved (never a request)."""
        return self._ids.get(number)

    def remember(self, summary: TicketSummary) -> None:
        if summary.number is not None:
            self._ids[summary.number] = summary.id
            self._tickets[summary.number] = (self._clock(), summary)

    def forget(self, number: int) -> None:
        """Drop the cached summary (and detail) after a write changed it (the id stays valid)."""
        self._tickets.pop(number, None)
        self._details.pop(number, None)

    async def ticket_detail(self, number: int) -> Ticket:
        """The ticket's detail (timers, line items), kept ``TICKET_TTL_S``: a bill's preview and the
        confirmed call that follows it read it once. Every write on the ticket drops it (``forget``)."""
        return await self.kept(("ticket_detail", number), partial(self._ticket_detail, number))

    async def _ticket_detail(self, number: int) -> Ticket:
        hit = self._details.get(number)
        if hit and self._clock() - hit[0] < TICKET_TTL_S:
            return hit[1]
        detail = await self.client.get_ticket(await self.ticket_id(number))
        self._details[number] = (self._clock(), detail)
        return detail

    async def product(self, product_id: int) -> Product | None:
        """A catalogue product (price, taxable), None if Syncro does not know it: the catalogue's first
        page is cached ``SETTINGS_TTL_S`` (one read covers the labor products), other ids one by one."""
        page = await self._cached("products", self.client.list_products)
        found = next((p for p in page if p.id == product_id), None)
        if found is not None:
            return found
        try:
            return await self._cached(f"product:{product_id}", partial(self.client.get_product, product_id))
        except NotFoundError:
            return None

    # -- account lists (short-lived cache) ----------------------------------------------------
    async def _cached(self, key: str, load: Callable[[], Any]) -> Any:
        return await self.kept(("cached", key), partial(self._fresh_or_cached, key, load))

    async def _fresh_or_cached(self, key: str, load: Callable[[], Any]) -> Any:
        hit = self._cache.get(key)
        if hit and self._clock() - hit[0] < SETTINGS_TTL_S:
            return hit[1]
        value = await load()
        self._cache[key] = (self._clock(), value)
        return value

    async def ticket_settings(self) -> TicketSettings:
        return await self._cached("ticket_settings", self.client.ticket_settings)

    async def account_settings(self) -> AccountSettings:
        return await self._cached("account_settings", self.client.account_settings)

    async def statuses(self) -> list[str]:
        return list((await self.ticket_settings()).ticket_status_list)

    async def status(self, value: str) -> str:
        return pick_one(value, await self.statuses(), "status")

    async def priority(self, value: str) -> str:
        return pick_one(
            value, [p for p in (await self.account_settings()).ticket.priorities if p], "priority"
        )

    async def problem_type(self, value: str) -> str:
        return pick_one(value, (await self.account_settings()).ticket.problem_types, "problem type")

    async def me(self) -> Me:
        """The API key's own user (``GET /me``), cached like the account lists."""
        return await self._cached("me", self.client.me)

    async def users(self) -> list[User]:
        settings_users = (await self.ticket_settings()).users
        if settings_users:
            return settings_users
        return await self._cached("users", self.client.list_users)

    async def user(self, name: str) -> User:
        users = await self.users()
        return _match(name, users, lambda u: [u.name, u.email or ""], "technician", lambda u: f"{u.name}")

    async def ticket_type_id(self, name: str) -> int:
        types = [
            t for t in (await self.ticket_settings()).ticket_types if isinstance(t, dict) and t.get("id")
        ]
        chosen = _match(
            name, types, lambda t: [str(t.get("name", ""))], "ticket type", lambda t: str(t.get("name"))
        )
        return int(chosen["id"])

    async def contact(self, customer_id: int, name: str) -> Contact:
        contacts = await self.kept(("contacts", customer_id), partial(self.client.list_contacts, customer_id))
        return _match(
            name, contacts, lambda c: [c.name or "", c.email or ""], "contact", lambda c: c.name or ""
        )

    # -- customers -------------------------------------------------------------------------
    async def customer(self, ref: str | int) -> Customer:
        """A customer by id (digits) or by name; never a guess between several."""
        return await self.kept(("customer", str(ref)), partial(self._customer, ref))

    async def _customer(self, ref: str | int) -> Customer:
        text = str(ref).strip()
        if not text:
            raise InputError("customer is empty: give a customer name or id.")
        if digits(text):
            return await self.client.get_customer(int(text))
        page = await self.client.list_customers(query=text)
        found = page.items
        if not found:
            raise InputError(f'No customer matches "{text}". Try list_customers with a shorter name.')
        exact = [c for c in found if _norm(text) in {_norm(n) for n in _customer_names(c)}]
        if len(exact) == 1:
            return exact[0]
        if len(found) == 1:
            return found[0]
        listed = "; ".join(f"{c.display_name} (id {c.id})" for c in (exact or found)[:10])
        raise InputError(
            f'Customer "{text}" is ambiguous: {listed}. Call again with the customer id, or a more exact name.'
        )

    # -- labor ----------------------------------------------------------------------------
    def labor(self, name: str) -> int:
        """Product id for a labor type name (the settings' lookup; never a default); unknown → the valid ones."""
        try:
            return self._labor.labor_product_id(name or "")
        except ValueError:
            valid = ", ".join(sorted(self.labor_types)) or "(none configured)"
            raise InputError(f'Unknown labor type "{name}". Valid labor types: {valid}.') from None

    def is_labor(self, name: str) -> bool:
        try:
            self._labor.labor_product_id(name)
        except ValueError:
            return False
        return True

    def labor_names(self) -> dict[int, str]:
        """product id → labor name, for showing time entries without another request."""
        return {pid: name for name, pid in self.labor_types.items()}

    async def product_names(self, ids: Iterable[int]) -> dict[int, str]:
        """product id → name for showing entries: the labor names, then (only when an id is not a
        labor type) the catalogue's first page, the one cached read ``product`` also uses; an id on
        neither stays unnamed (no request per entry)."""
        names = self.labor_names()
        if all(i in names for i in ids):
            return names
        page = await self._cached("products", self.client.list_products)
        return {**{p.id: p.name for p in page if p.name}, **names}


def _customer_names(c: Customer) -> list[str]:
    full = " ".join(p for p in (c.firstname, c.lastname) if p)
    return [n for n in (c.business_then_name, c.business_name, c.fullname, full, c.email) if n]


def _match(
    name: str, items: Sequence[Any], names: Callable[[Any], list[str]], what: str, label: Callable[[Any], str]
):
    """Exact (case-insensitive) match first, then a unique substring match; else an error."""
    wanted = _norm(name)
    exact = [i for i in items if wanted in {_norm(n) for n in names(i) if n}]
    if len(exact) == 1:
        return exact[0]
    partial = exact or [i for i in items if any(wanted in _norm(n) for n in names(i) if n)]
    if len(partial) == 1:
        return partial[0]
    if not partial:
        valid = ", ".join(label(i) for i in items[:15]) or "(none)"
        raise InputError(f'No {what} matches "{name}". Known: {valid}.')
    raise InputError(
        f'{what.capitalize()} "{name}" is ambiguous: {", ".join(label(i) for i in partial[:10])}. Be more exact.'
    )
