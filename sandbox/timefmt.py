"""Timestamps the way Syncro writes them.

Syncro renders times in the account's zone with milliseconds (the spec's examples use ``Z``;
real tenants return a local offset). The sandbox account is in Arizona (no DST), so every
timestamp carries ``-07:00`` and clients are forced to parse offsets generically.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

ACCOUNT_TZ = timezone(timedelta(hours=-7), "America/Phoenix")

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
    return dt.astimezone(ACCOUNT_TZ).isoformat(timespec="milliseconds")


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
        dt = datetime(d.year, d.month, d.day, tzinfo=ACCOUNT_TZ)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=ACCOUNT_TZ)
    return dt


def parse_stored(value: str | None) -> datetime | None:
    """Parse a timestamp the sandbox itself stored (always well formed)."""
    return None if value is None else parse(value)
