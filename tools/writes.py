"""The journal's tools: see and settle what a failed multi-step write left.

``pending_writes`` lists unfinished entries; ``resume_write`` replays an entry through its
tool's own declaration (the stored arguments validate against the tool's argument model and
its ``plan``/``apply`` run again, resuming the entry); ``abandon_write`` stops tracking one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field
from syncro_mcp.engine.journal import Entry

from .declare import NoArgs, Progress, ReadTool, Toolset, WriteArgs, WriteTool
from .errors import InputError
from .models import BillResult, PendingWrite, PendingWrites, WriteResult
from .runtime import Runtime

EntryId = Annotated[int, Field(ge=1, le=2**63 - 1)]  # a journal row id (SQLite INTEGER)


async def pending_writes(rt: Runtime, a: NoArgs) -> tuple[PendingWrites, str]:
    """Unfinished writes after a failure (done and left)."""
    engine = rt.engine
    entries = await engine.pending()
    result = PendingWrites(entries=[
        PendingWrite(entry_id=e.id, op=e.op, number=e.ticket, state=e.state, done=e.done, left=e.left,
                     error=e.error, minutes_ago=engine.minutes_ago(e))
        for e in entries
    ])
    text = "\n".join(engine.describe(e) for e in entries) if entries else "No unfinished writes."
    return result, text


class EntryArgs(WriteArgs):
    entry_id: EntryId


@dataclass
class EntryPlan:
    preview: str
    entry: Entry
    tool: Any = None
    args: Any = None
    inner: Any = None


async def plan_resume(rt: Runtime, a: EntryArgs) -> EntryPlan:
    e = await rt.engine.unfinished(a.entry_id)
    tool = rt.tools.get(e.op)
    if not isinstance(tool, WriteTool):
        raise InputError(f"Entry {a.entry_id} is a {e.op}, which this server cannot resume.")
    args = tool.args.model_validate(e.args)
    with rt.engine.resuming(e):  # the only way a call continues an unfinished entry
        inner = await tool.plan(rt, args)
    inner.job.resume = e
    preview = f"Resume:\n{rt.engine.describe(e)}\n\nThe operation was:\n{inner.preview}"
    return EntryPlan(preview, e, tool, args, inner)


async def resume_write(rt: Runtime, a: EntryArgs, plan: EntryPlan, progress: Progress | None) -> WriteResult:
    """Finish an unfinished write (checks Syncro before re-sending)."""
    result = await plan.tool.apply(rt, plan.args, plan.inner, progress)
    # a resumed bill answers like the bill: its invoice's lines, total and differences from the preview
    return BillResult.model_validate(result.model_dump(include=set(BillResult.model_fields)))


async def plan_abandon(rt: Runtime, a: EntryArgs) -> EntryPlan:
    e = await rt.engine.unfinished(a.entry_id)
    return EntryPlan(
        f"Abandon:\n{rt.engine.describe(e)}\n\nThe journal stops tracking it. Nothing is deleted in Syncro: steps "
        "already done stay there; steps left are not sent.", e,
    )


async def abandon_write(rt: Runtime, a: EntryArgs, plan: EntryPlan, progress: Progress | None) -> WriteResult:
    """Stop tracking an unfinished write (nothing in Syncro is undone)."""
    await rt.engine.abandon(plan.entry)
    return WriteResult(
        status="done",
        message=f"Abandoned journal entry {a.entry_id}; done steps stay in Syncro: "
        f"{', '.join(plan.entry.done) or 'none'}.",
        number=plan.entry.ticket, journal_entry=a.entry_id,
    )


PENDING_WRITES = ReadTool(
    "pending_writes", Toolset.ANY, "Pending writes", NoArgs, PendingWrites, pending_writes, open_world=False
)
RESUME_WRITE = WriteTool(
    "resume_write", Toolset.ANY, "Resume write", EntryArgs, plan_resume, resume_write, output=BillResult
)
ABANDON_WRITE = WriteTool(
    "abandon_write", Toolset.ANY, "Abandon write", EntryArgs, plan_abandon, abandon_write, idempotent=True,
    open_world=False,
)

TOOLS = (PENDING_WRITES, RESUME_WRITE, ABANDON_WRITE)
