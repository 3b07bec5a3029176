"""Syncro as the shared witness (issue 13): the check that protects two technicians on two machines.

Each server's journal knows only its own writes. So right before the first write of a comment,
a time entry, a bill or a close's resolution (after approval, holding the ticket's lock), the engine
reads the ticket once (``GET /tickets/{id}``: its comments, time entries and lines) and refuses when Syncro already
holds records identical to those this write would create, made within the repeat window by anyone
(another server with its own state dir, another technician). Identical means normalised: text
compared with runs of whitespace collapsed, labor as its product, minutes as the length, a comment's
visibility (a public reply is not a private note).
"""

from __future__ import annotations

from datetime import datetime

from syncro_mcp.client import SyncroClient
from syncro_mcp.client.models import Ticket

from .steps import Step


def same_text(a: str | None, b: str | None) -> bool:
    """Equal once surrounding whitespace is dropped and inner runs of whitespace are one space."""
    return " ".join((a or "").split()) == " ".join((b or "").split())


def recent(created: datetime | None, floor: datetime) -> bool:
    """Made at or after ``floor``; a record without a creation time cannot be placed, so it never counts."""
    return created is not None and created >= floor


def seen_in(detail: Ticket, steps: list[Step], floor: datetime) -> str | None:
    """The records on the ticket identical to every record ``steps`` would create, described; else None.

    All of them, not one: a bill of other minutes with the same notes repeats the comment but is
    another bill, and a comment with time is new when only its text is."""
    found = []
    for step in (s for s in steps if s.witnessed):
        what = step.seen_in(detail, floor)
        if what is None:
            return None
        found.append(what)
    return " and ".join(found) or None


async def already_there(client: SyncroClient, ticket_id: int, steps: list[Step], floor: datetime) -> str | None:
    """One read of the ticket: what of this write Syncro already holds (made since ``floor``), if anything."""
    return seen_in(await client.get_ticket(ticket_id), steps, floor)
