"""Syncro web links for records (issue 15): built from the settings, with internal ids
(``/tickets/<id>``, never the ticket number; docs/syncro-facts.md#ticket-id-vs-number)."""

from __future__ import annotations

from typing import Any

SANDBOX_WEB = "http://sandbox.invalid"


def web_base(settings: Any) -> str | None:
    """``https://<subdomain>.syncromsp.com``; a ``base_url``'s site; the sandbox's; None when unknown."""
    if getattr(settings, "subdomain", None):
        return f"https://{settings.subdomain}.syncromsp.com"
    base = getattr(settings, "base_url", None)
    if base:
        return base.split("/api/", 1)[0].rstrip("/")
    return SANDBOX_WEB if getattr(settings, "sandbox", False) else None


def at(base: str | None, kind: str, record_id: int | None) -> str | None:
    """``kind`` is Syncro's path segment: tickets, customers, invoices, appointments,
    customer_assets, rmm_alerts (the web app's pages sit at the API's resource paths)."""
    return f"{base}/{kind}/{record_id}" if base and record_id else None


def link(settings: Any, kind: str, record_id: int | None) -> str | None:
    """One record's link (``at`` with the settings' base; lists compute the base once)."""
    return at(web_base(settings), kind, record_id)
