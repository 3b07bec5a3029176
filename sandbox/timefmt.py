"""Timestamps the way Syncro writes them.

Syncro renders times in the account's zone with milliseconds (the spec's examples use ``Z``;
real tenants return a local offset). The sandbox account is in Arizona (no DST), so every
timestamp carries ``-07:00`` and clients are forced to parse offsets generically.

``Sandbox(time_zone="America/Denver")`` puts the account in a zone with DST instead: the
sandbox sets that zone (``account_zone``) while it builds its seed and while it serves each
request, so offsets change across the US DST dates (-06:00 in summer, -07:00 in winter).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

ACCOUNT_TZ = timezone(timedelta(hours=-7), "America/Phoenix")
DEFAULT_TIME_ZONE = "America/Phoenix"

_ZONE: ContextVar[tzinfo] = ContextVar("syncro_sandbox_account_zone", default=ACCOUNT_TZ)


def zone_for(name: str) -> tzinfo:
    """The account zone for an IANA name; the default stays the fixed -07:00 offset."""
    return ACCOUNT_TZ if name == DEFAULT_TIME_ZONE else ZoneInfo(name)


def account_tz() -> tzinfo:
    """The zone of the sandbox currently building or serving (Arizona unless configured)."""
    return _ZONE.get()


@contextmanager
def account_zone(zone: tzinfo) -> Iterator[None]:
    token = _ZONE.set(zone)
    try:
        yield
    finally:
        _ZONE.reset(token)


#: The fixed "now" the seed data is written relative to, so every start is identical.
SEED_NOW = datetime(2026, 11, 20, 16, 30, tzinfo=timezone.utc)


class TimeParseError(ValueError):
    """A client sent a time Syncro could not parse."""


def fmt(dt: datetime | None) -> str | None:
    """Render like Rails does: account zone, milliseconds, numeric offset."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(account_tz()).isoformat(timespec="milliseconds")


def parse(value: object) -> datetime:
    """Parse an ISO 8601 date or date-time from a client (``Z``, offsets, date-only)."""
    if not isinstance(value, str) or not value.strip():
        raise TimeParseError(f"no time information in {value!r}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        try:
            d = date.fromisoformat(text)
        except ValueError as exc:
            raise TimeParseError(f'no time information in "{value}"') from exc
        dt = datetime(d.year, d.month, d.day, tzinfo=account_tz())
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=account_tz())
    return dt


def parse_stored(value: str | None) -> datetime | None:
    """Parse a timestamp the sandbox itself stored (always well formed)."""
    return None if value is None else parse(value)
