"""Journaled writes: resume, refuse duplicates, one writer per ticket, and the tools to manage them.

Every write tool that sends more than one request to Syncro (and ``log_time``) runs through
``run_journaled``. A repeat of the same call with the same arguments resumes the unfinished
entry instead of starting over; ``pending_writes``, ``resume_write`` and ``abandon_write``
let the tech see and settle what a failure left.
"""

from __future__ import annotations

import time as _time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field

from .errors import InputError
from .journal import Entry, Journal, TicketBusy, fingerprint
from .models import PendingWrite, PendingWrites, WriteResult
from .registry import Registrar
from .runtime import Runtime
from .steps import Progress, RunReport, Step, run_steps


@dataclass
class Operation:
    """How to rebuild a journaled operation from its stored arguments (for resume_write)."""

    plan: Callable[..., Awaitable[Any]]
    steps: Callable[[Any], list[Step]]
    finish: Callable[[Any, RunReport, Entry], WriteResult]


EntryId = Annotated[int, Field(ge=1, le=2**63 - 1)]  # a journal row id (SQLite INTEGER)


@dataclass
class EntryPlan:
    preview: str
    entry: Entry
    inner: Any = None


def journal(rt: Runtime) -> Journal:
    assert isinstance(rt.journal, Journal), "the runtime has no journal"
    return rt.journal


def describe(e: Entry) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in e.args.items() if k not in ("number", "notes", "body"))
    ago = int((_time.time() - e.updated) // 60)
    lines = [
        f"Entry {e.id} · {e.op} #{e.ticket}" + (f" ({args})" if args else "") + f" · {e.state} {ago} min ago",
        f"  done: {', '.join(e.done) or 'nothing'} · left: {', '.join(e.left) or 'nothing'}",
    ]
    if e.error:
        lines.append(f"  last error: {e.error}")
    return "\n".join(lines)


def unfinished_for(rt: Runtime, op: str, number: int, args: dict[str, Any]) -> Entry | None:
    """The unfinished entry this call would resume; an unfinished *different* write is an error."""
    entries = journal(rt).unfinished(ticket=number)
    fp = fingerprint(op, args)
    same = [e for e in entries if e.op == op and e.fingerprint == fp]
    if same:
        return same[-1]
    if entries:
        raise InputError(
            f"Ticket #{number} has an unfinished write:\n{describe(entries[-1])}\n"
            f"Finish it with resume_write({entries[-1].id}) or drop it with abandon_write({entries[-1].id}) first."
        )
    return None


def resume_note(entry: Entry | None) -> str:
    if entry is None:
        return ""
    return (
        f"\n\nResuming unfinished journal entry {entry.id}: already done: {', '.join(entry.done) or 'nothing'}; "
        "steps whose outcome is unknown are checked in Syncro before anything is re-sent."
    )


async def run_journaled(
    rt: Runtime,
    op: str,
    number: int,
    args: dict[str, Any],
    steps: list[Step],
    *,
    entry: Entry | None = None,
    progress: Progress | None = None,
) -> tuple[RunReport, Entry]:
    """Run ``steps`` as one journal entry (new, or the unfinished one for these arguments)."""
    j = journal(rt)
    if entry is None:
        entry = unfinished_for(rt, op, number, args)
    # The lock comes first: a call refused because another one is writing the ticket must not
    # leave a journal entry behind (it would show in pending_writes and block other writes).
    try:
        j.lock(number, entry.id if entry is not None else 0)
    except TicketBusy as exc:
        raise InputError(str(exc)) from None
    try:
        if entry is None:
            entry = j.start(op, number, args, [s.name for s in steps])
            j.lock(number, entry.id)  # ours already; record which entry holds it
        if entry.state == "failed":
            j.set_state(entry.id, "running")
        report = await run_steps(steps, j.step_log(entry.id), j.resume_point(entry.id), progress)
        j.set_state(entry.id, "done", summary="; ".join(report.lines), error="")
    finally:
        j.unlock(number)
    return report, j.get(entry.id)


def register(reg: Registrar, rt: Runtime) -> None:
    @reg.read("*", "Pending writes", PendingWrites, open_world=False)
    async def pending_writes():
        """Unfinished multi-step writes (what is done, what is left) after a failure."""
        now = _time.time()
        entries = journal(rt).unfinished()
        result = PendingWrites(entries=[
            PendingWrite(entry_id=e.id, op=e.op, number=e.ticket, state=e.state, done=e.done, left=e.left,
                         error=e.error, minutes_ago=int((now - e.updated) // 60))
            for e in entries
        ])
        text = "\n".join(describe(e) for e in entries) if entries else "No unfinished writes."
        return result, text

    async def plan_resume(entry_id: int) -> EntryPlan:
        e = _unfinished(rt, entry_id)
        op = rt.operations.get(e.op)
        if op is None:
            raise InputError(f"Entry {entry_id} is a {e.op}, which this server cannot resume.")
        inner = await op.plan(**e.args)
        return EntryPlan(f"Resume:\n{describe(e)}\n\nThe operation was:\n{inner.preview}", e, inner)

    @reg.write("*", "Resume write", plan=plan_resume)
    async def resume_write(plan: EntryPlan, entry_id: EntryId) -> WriteResult:
        """Finish an unfinished write from pending_writes (checks Syncro before re-sending)."""
        op = rt.operations[plan.entry.op]
        report, entry = await run_journaled(
            rt, plan.entry.op, plan.entry.ticket, plan.entry.args, op.steps(plan.inner), entry=plan.entry
        )
        return op.finish(plan.inner, report, entry)

    async def plan_abandon(entry_id: int) -> EntryPlan:
        e = _unfinished(rt, entry_id)
        return EntryPlan(
            f"Abandon:\n{describe(e)}\n\nThe journal stops tracking it. Nothing is deleted in Syncro: steps already "
            "done stay there; steps left are not sent.", e,
        )

    @reg.write("*", "Abandon write", plan=plan_abandon, idempotent=True, open_world=False)
    async def abandon_write(plan: EntryPlan, entry_id: EntryId) -> WriteResult:
        """Stop tracking an unfinished write (nothing in Syncro is undone)."""
        journal(rt).set_state(plan.entry.id, "abandoned")
        return WriteResult(status="done", message=f"Abandoned journal entry {entry_id}; done steps stay in Syncro: "
                           f"{', '.join(plan.entry.done) or 'none'}.", number=plan.entry.ticket,
                           journal_entry=entry_id)


def _unfinished(rt: Runtime, entry_id: int) -> Entry:
    try:
        e = journal(rt).get(entry_id)
    except KeyError:
        raise InputError(f"No journal entry {entry_id}. See pending_writes.") from None
    if e.state not in ("running", "failed"):
        raise InputError(f"Entry {entry_id} is {e.state}, not unfinished. See pending_writes.")
    return e
