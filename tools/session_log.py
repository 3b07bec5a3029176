"""The seed's close-out session log: a markdown record under ``clients/<customer>/session-logs/``."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from syncro_mcp.client.models import Ticket
from syncro_mcp.engine.runner import off_loop

from . import formatting as fmt
from . import mapping
from .declare import Progress, Toolset, WriteArgs, WriteTool
from .models import TicketDetail, WriteResult
from .params import Number, Text
from .runtime import Runtime


def safe_dir_name(name: str, fallback: str) -> str:
    """A customer name usable as one path segment: no separators, no dots-only, no surprises."""
    cleaned = re.sub(r"[^\w\s-]", "", name, flags=re.UNICODE).strip()
    cleaned = re.sub(r"[\s_]+", "-", cleaned).strip("-.")
    return cleaned[:80] or fallback


def save_once(folder: Path, stem: str, text: str) -> tuple[Path, bool]:
    """Write ``text`` to ``stem.md`` (or ``stem-2.md``…: an existing log is never overwritten) unless one
    of them already holds exactly ``text``: (path, written). A repeated call (same ticket, day, notes,
    ticket state), also one racing in another process, finds the first file instead of a second copy."""
    n = 1
    while True:
        candidate = folder / (f"{stem}.md" if n == 1 else f"{stem}-{n}.md")
        try:
            with candidate.open("x", encoding="utf-8") as fh:  # "x": never overwrite, even in a race
                fh.write(text)
            return candidate, True
        except FileExistsError:
            if _holds(candidate, text):
                return candidate, False
        n += 1


def _holds(path: Path, text: str) -> bool:
    """Whether ``path`` holds ``text`` (a racing writer's file may still be empty: wait for it briefly)."""
    for _ in range(50):
        got = path.read_text(encoding="utf-8")
        if got == text or (got and not text.startswith(got)):
            return got == text
        time.sleep(0.01)
    return False


def render(t: TicketDetail, raw: Ticket, notes: str | None, today: str) -> str:
    thread = sorted(raw.comments, key=lambda c: (c.created_at.timestamp() if c.created_at else 0, c.id))
    resolution = next((c for c in reversed(thread) if (c.subject or "").casefold() == "resolution"), None)
    lines = [
        f"# Session log — {t.customer} — ticket #{t.number}",
        "",
        f"- Date: {today}",
        f"- Ticket: #{t.number} — {t.subject}",
        f"- Status: {t.status}",
        f"- Customer: {t.customer}" + (f" (contact: {t.contact})" if t.contact else ""),
        f"- Technician: {t.assignee or 'unassigned'}",
        f"- Time spent: {fmt.duration(sum(e.minutes for e in t.time_entries))} "
        f"({fmt.duration(t.billing.billable_minutes)} billable)",
        "",
        "## Problem",
        "",
        t.subject,
        "",
        "## Work performed",
        "",
    ]
    for c in thread:
        if c is resolution:
            continue
        vis = " (internal)" if c.hidden else ""
        body = " ".join((c.body or "").split())
        lines.append(f"- {fmt.when(c.created_at)} — {c.subject or 'Comment'}{vis}: {body}")
    if not thread:
        lines.append("- (no comments)")
    for e in t.time_entries:
        lines.append(
            f"- Time: {fmt.when(e.start)} {fmt.duration(e.minutes)} {e.labor or ''} — {e.notes or ''}".rstrip()
        )
    lines += [
        "",
        "## Resolution",
        "",
        " ".join((resolution.body or "").split()) if resolution else "(none recorded)",
    ]
    if notes:
        lines += ["", "## Notes", "", notes]
    return "\n".join(lines) + "\n"


@dataclass
class LogPlan:
    preview: str


class SessionLogArgs(WriteArgs):
    number: Number
    notes: Text | None = None


async def plan_session_log(rt: Runtime, a: SessionLogArgs) -> LogPlan:
    return LogPlan(f"Write a session log for #{a.number}")


async def write_session_log(rt: Runtime, a: SessionLogArgs, plan: LogPlan, progress: Progress | None) -> WriteResult:
    """Save the close-out session log."""
    raw = await rt.client.get_ticket(await rt.resolver.ticket_id(a.number))
    detail = mapping.ticket_detail(raw, rt.resolver.labor_names())
    today = rt.now().date().isoformat()
    folder = Path(rt.settings.session_log_dir) / safe_dir_name(detail.customer, f"customer-{raw.customer_id}")
    folder = folder / "session-logs"
    folder.mkdir(parents=True, exist_ok=True)
    text = render(detail, raw, a.notes, today)
    path, written = await off_loop(save_once, folder, f"{today}-ticket-{a.number}", text)  # file I/O, waits
    if not written:
        return WriteResult(
            status="already_done", message=f"This session log is already saved, identical: {path}. Nothing was "
            "written again.", number=a.number, path=str(path),
        )
    return WriteResult(
        status="done", message=f"Session log written: {path}\n\n{text}", number=a.number, path=str(path),
        steps=[f"wrote {path}"],
    )


WRITE_SESSION_LOG = WriteTool(
    "write_session_log", Toolset.TICKETS, "Write session log", SessionLogArgs, plan_session_log, write_session_log,
    confirm=False, open_world=False,
)

TOOLS = (WRITE_SESSION_LOG,)
