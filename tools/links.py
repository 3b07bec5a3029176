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
    customer_assets, rmm_alerts (the web app's pages sit at the API's resource paths; for
    appointments and RMM alerts that is unverified against a live account)."""
    return f"{base}/{kind}/{record_id}" if base and record_id else None


RESULT_KINDS = (("appointment_id", "appointments"), ("ticket_id", "tickets"), ("invoice_id", "invoices"))
"""A write step's result key → the record kind its link points to (first found wins)."""


def from_results(settings: Any, results: dict[str, Any]) -> str | None:
    """The link of the record a write's steps made or changed (``appointment_id``, ``ticket_id``…)."""
    return next((link(settings, kind, results[key]) for key, kind in RESULT_KINDS if results.get(key)), None)


def with_link(rt: Any, result: Any) -> Any:
    """A done write's result carries its record's link: the one the tool set, its row's, else its
    ticket's (the id its plan resolved; nothing is fetched for it)."""
    if result.status != "done" or result.url:
        return result
    rows = (result.ticket, result.invoice, result.customer)
    url = next((row.url for row in rows if row is not None and row.url), None)
    if url is None and result.number:
        url = link(rt.settings, "tickets", rt.resolver.known_ticket_id(result.number))
    return result.model_copy(update={"url": url}) if url else result


def link(settings: Any, kind: str, record_id: int | None) -> str | None:
    """One record's link (``at`` with the settings' base; lists compute the base once)."""
    return at(web_base(settings), kind, record_id)
