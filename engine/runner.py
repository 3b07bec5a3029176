"""The engine: checks before approval, then one journaled run per write.

``check`` is the one point where a write is compared with the journal, before the user is
asked: a repeat of a completed identical write inside the repeat window is refused; while an
entry on the ticket is unfinished, every write to it is refused, an identical one too (naming
the entry, ``resume_write`` and ``abandon_write``: only ``resume_write`` continues an entry).
``run`` takes the ticket's lock once, atomically with starting (or reopening) the entry and
re-checking the window, asks Syncro (the shared witness) when the job says so, runs the steps
and releases the lock. The lock is not checked at preview time: a
preview must stay available while another call writes, and a check then would be stale by
the time the user says yes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from functools import partial
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from syncro_mcp.client import SyncroClient
from syncro_mcp.client.errors import OutcomeUnknownError, RateLimitedError, SyncroError

from .audit import AuditUnavailable
from .clock import Clock
from .errors import InputError
from .journal import (
    NO_TICKET,
    UNFINISHED,
    Entry,
    Journal,
    JournalError,
    JournalLog,
    Repeated,
    TicketBusy,
    fingerprint,
    lock_key,
    write_key,
)
from .plans import Job
from .steps import CLOCK_SLACK, OutcomeStillUnknown, Progress, Results, RunReport, Settle, Step, find_made, run_steps
from .witness import already_there

T = TypeVar("T")


async def off_loop(call: Callable[..., T], *args: Any) -> T:
    """One journal call, run in a worker thread: its I/O (a SQLite file, a PostgreSQL round trip, a new
    connection for a write's lock) never stalls the event loop, so the server's other sessions go on.
    Shielded from cancellation, as the synchronous call was: a cancelled request waits for its journal
    call to end (they are short), so a lock it took is released by its own ``finally``."""
    with anyio.CancelScope(shield=True):
        return await anyio.to_thread.run_sync(partial(call, *args))


class _OffLoopLog:
    """A run's StepLog: the journal's (``JournalLog``), each record written from a worker thread."""

    def __init__(self, log: JournalLog) -> None:
        self.log = log

    async def intent(self, step: Step) -> None:
        await off_loop(self.log.intent, step)

    async def done(self, step: Step, result: dict[str, Any], how: str) -> None:
        await off_loop(self.log.done, step, result, how)

    async def failed(self, step: Step, error: str) -> None:
        await off_loop(self.log.failed, step, error)

    async def claimed(self, key: str) -> frozenset[Any]:
        return await off_loop(self.log.claimed, key)

_RESUMING: ContextVar[Entry | None] = ContextVar("syncro_mcp_resuming", default=None)
"""The entry ``resume_write`` is planning (``Engine.resuming``): the only way a call continues one."""


class Engine:
    def __init__(
        self, client: SyncroClient, journal: Journal, clock: Clock, *, repeat_window_s: float = 0,
        settle_window_s: float = 0,
    ) -> None:
        self.client = client
        self.journal = journal
        self.clock = clock
        self.repeat_window_s = repeat_window_s
        self.settle = Settle(settle_window_s, clock.sleep, clock.time)

    # -- before approval -------------------------------------------------------------------------
    async def check(
        self, op: str, ticket: int, args: dict[str, Any], *, refuse_repeat: Callable[[Entry], InputError] | None = None,
        allow_repeat: bool = False,
    ) -> Entry | None:
        """Before the user is asked: the entry ``resume_write`` continues (only while it plans, see
        ``resuming``), None for a new write, or a refusal (see the module doc)."""
        fp = fingerprint(op, args)
        resuming = _RESUMING.get()
        if resuming is not None and resuming.op == op and resuming.fingerprint == fp:
            return resuming
        if not allow_repeat and self.repeat_window_s:
            previous = await off_loop(self.journal.recent_done, op, ticket, args, self.repeat_window_s)
            if previous is not None:
                raise (refuse_repeat or self.repeated)(previous)
        # Re-read one by one: an entry that finished in a parallel call since it was listed blocks nothing.
        # Ticketless writes share no ticket: only this exact write blocks one (read only this op's entries).
        listed = await off_loop(self.journal.unfinished, ticket, op if ticket == NO_TICKET else None)
        entries = [e for e in listed if e.state in UNFINISHED and (ticket != NO_TICKET or e.fingerprint == fp)]
        if entries:
            same = [e for e in entries if e.op == op and e.fingerprint == fp]
            raise self.blocked(ticket, (same or entries)[-1], bool(same))
        return None

    def blocked(self, ticket: int, e: Entry, same: bool) -> InputError:
        """The refusal while ``e`` is unfinished: repeating a call never resumes it (only resume_write does)."""
        ways = (
            f"continue it with resume_write({e.id}) (reads Syncro first, sends only what is missing) or drop it "
            f"with abandon_write({e.id})"
        )
        if not same:
            return InputError(f"Ticket #{ticket} has an unfinished write:\n{self.describe(e)}\nNothing was sent. "
                              f"First {ways}.")
        if e.state == "running":
            return InputError(
                f"{_where(ticket)}this exact {e.op} is in progress, or was cut off (journal entry {e.id}):\n"
                f"{self.describe(e)}\nNothing of this call was sent. Wait for it, then check pending_writes; if it "
                f"stays unfinished, {ways}."
            )
        return InputError(
            f"{_where(ticket)}this exact {e.op} is unfinished (journal entry {e.id}: partly done or outcome unknown):\n"
            f"{self.describe(e)}\nNothing was sent: repeating the call does not resume it. Either {ways}."
        )

    @contextmanager
    def resuming(self, entry: Entry) -> Iterator[None]:
        """While ``resume_write`` plans ``entry`` through its tool: ``check`` answers with the entry."""
        token = _RESUMING.set(entry)
        try:
            yield
        finally:
            _RESUMING.reset(token)

    # -- after approval --------------------------------------------------------------------------
    async def run(self, job: Job, progress: Progress | None = None) -> tuple[RunReport, Entry]:
        """Run ``job`` as one journal entry (new, or ``job.resume``), holding the ticket's lock."""
        j = self.journal
        # A resumed entry was approved (as a repeat, if it was one) when it started: no window for it.
        window = 0 if job.allow_repeat or job.resume is not None else self.repeat_window_s
        try:
            entry = await off_loop(
                j.claim, job.op, job.ticket, job.args, [s.name for s in job.steps], job.resume, window
            )
        except TicketBusy as exc:
            raise InputError(str(exc)) from None
        except Repeated as exc:  # re-checked after approval, immediately before the first write
            raise (job.refusal or self.repeated)(await off_loop(j.get, exc.entry_id)) from None
        unrecorded = False
        try:
            await self.witness(job, entry, window)
            resume = await off_loop(j.resume_point, entry.id)
            report = await run_steps(job.steps, _OffLoopLog(j.step_log(entry.id)), resume, progress, self.settle)
            try:
                await off_loop(partial(j.set_state, entry.id, "done", summary="; ".join(report.lines), error=""))
            except Exception as exc:  # the writes went out: the error must say so, or the user repeats them
                unrecorded = True
                raise JournalError(_sent_but_unrecorded(job, entry, report, exc)) from exc
        except OutcomeStillUnknown as exc:
            exc.journal_note = (
                f"Journal entry {entry.id} stays unfinished (outcome unknown). resume_write({entry.id}) reads "
                "Syncro again and sends it only if it is still not there; see pending_writes."
            )
            raise
        except SyncroError as exc:
            if not _refused(exc) or (await off_loop(j.get, entry.id)).done:
                raise
            # final: nothing was written, blocks nothing
            await off_loop(partial(j.set_state, entry.id, "rejected", error=str(exc)))
            exc.journal_note = (
                f"Nothing was written to Syncro: the write was rejected, and journal entry {entry.id} is closed "
                "(it blocks nothing). Fix what Syncro names, then call again."
            )
            raise
        except AuditUnavailable as exc:  # its intent could not be recorded, so nothing was sent
            if not (await off_loop(j.get, entry.id)).done:
                await off_loop(partial(j.set_state, entry.id, "rejected", error=str(exc)))
            raise
        finally:
            try:
                await off_loop(j.unlock, lock_key(entry.ticket, entry.fingerprint))
            except Exception:
                if not unrecorded:  # a journal still away: its error must not hide that the writes were sent
                    raise
        return report, await off_loop(j.get, entry.id)

    async def witness(self, job: Job, entry: Entry, window: float) -> None:
        """Syncro as the shared witness (``engine.witness``): one read of the ticket right before the
        first write; an identical record made within the window by anyone refuses the write. The
        entry is closed (nothing was sent, it blocks nothing) when the write is refused or the read fails."""
        if job.witness is None or window <= 0:
            return
        floor = datetime.fromtimestamp(self.clock.time() - window, timezone.utc) - CLOCK_SLACK
        try:
            found = await already_there(self.client, job.witness, job.steps, floor)
        except SyncroError as exc:
            await off_loop(partial(
                self.journal.set_state, entry.id, "rejected", error=f"the check before sending could not read: {exc}"
            ))
            exc.journal_note = (f"Nothing was sent (the check before the first write could not read the ticket); "
                                f"journal entry {entry.id} is closed.")
            raise
        if found is None:
            return
        await off_loop(partial(
            self.journal.set_state, entry.id, "rejected", error=f"refused before sending: Syncro already holds {found}"
        ))
        again = "bill_again" if job.op == "bill_ticket" else "again"
        raise InputError(
            f"#{job.ticket} already holds {found}, identical to this {job.op} and made within the last "
            f"{int(window // 60)} min (by another technician, another server, or earlier). Nothing was sent. Look at "
            f"it (get_ticket); if the user really wants a second one, call again with {again}=true."
        )

    # -- one-shot writes: no steps, no resume (create_invoice, update_ticket, …) ---------------------
    async def check_once(self, op: str, args: dict[str, Any], allow_repeat: bool = False) -> None:
        """Before the user is asked: an identical one-shot write inside the repeat window is refused."""
        if not allow_repeat and self.repeat_window_s:
            previous = await off_loop(self.journal.recent_write, op, args, self.repeat_window_s)
            if previous is not None:
                raise self.repeated(previous)

    async def once(
        self, op: str, ticket: int, args: dict[str, Any], send: Callable[[], Awaitable[T]], allow_repeat: bool = False
    ) -> T:
        """Send a Syncro write that has no steps to resume, at most once: the lock of this exact write
        (a parallel identical call is refused "in progress"), the repeat window checked again right
        before sending, and the outcome kept (done; unknown when the answer was lost, which a repeat
        inside the window is refused for; rejected, which blocks nothing)."""
        window = 0 if allow_repeat else self.repeat_window_s
        try:
            entry = await off_loop(self.journal.claim_write, op, ticket, args, window)
        except TicketBusy:
            raise InputError(
                f"This exact {op} is being sent by another call right now (in progress). Nothing of this call was "
                "sent. Wait for it, then check Syncro."
            ) from None
        except Repeated as exc:
            raise self.repeated(await off_loop(self.journal.get, exc.entry_id)) from None
        state, summary, error = "unknown", "", ""
        try:
            result = await send()
            state, summary = "done", str(getattr(result, "message", ""))
            return result
        except SyncroError as exc:
            state, error = ("rejected" if _refused(exc) or isinstance(exc, RateLimitedError) else "unknown"), str(exc)
            if state == "unknown":
                exc.journal_note = (f"The same {op} inside the repeat window is refused (journal entry {entry.id}); "
                                    "once Syncro is checked, again=true sends it anyway.")
            raise
        except AuditUnavailable as exc:  # its intent could not be recorded, so nothing was sent
            state, error = "rejected", str(exc)
            raise
        except Exception as exc:
            error = str(exc)
            raise
        finally:
            await off_loop(partial(self.journal.set_state, entry.id, state, summary=summary, error=error))
            await off_loop(self.journal.unlock, write_key(op, args))

    # -- the journal's own tools -----------------------------------------------------------------
    async def pending(self) -> list[Entry]:
        """Every unfinished entry (pending_writes)."""
        return await off_loop(self.journal.unfinished)

    async def unfinished(self, entry_id: int) -> Entry:
        try:
            e = await off_loop(self.journal.get, entry_id)
        except KeyError:
            raise InputError(f"No journal entry {entry_id}. See pending_writes.") from None
        if e.state not in ("running", "failed"):
            raise InputError(f"Entry {entry_id} is {e.state}, not unfinished. See pending_writes.")
        return e

    async def made(self, entry: Entry, steps: list[Step]) -> Results:
        """What ``entry`` already made in Syncro, read only (nothing is sent or journaled): its finished
        steps' results, and for a step sent with no known outcome the record its ``find`` sees. A
        resumed plan uses it to tell its own records from the ticket's others (a bill's preview)."""
        point = await off_loop(self.journal.resume_point, entry.id)
        results = dict(point.done)
        log_ = _OffLoopLog(self.journal.step_log(entry.id))
        for step in steps:
            if step.name in point.unsure and step.name not in results:
                body, since = point.unsure[step.name]
                try:
                    found = await find_made(step, body, results, since, log_)
                except SyncroError:  # unknown stays unknown: the run checks again before sending
                    found = None
                if found is not None:
                    results[step.name] = found
        return results

    async def abandon(self, entry: Entry) -> None:
        """Mark ``entry`` abandoned in one journal transaction: refused when it is no longer unfinished
        (a parallel abandon or resume got there first) or a live call is writing its ticket now."""
        try:
            state = await off_loop(self.journal.abandon, entry.id)
        except TicketBusy as exc:
            raise InputError(f"{exc} Nothing was abandoned.") from None
        if state is not None:
            raise InputError(f"Entry {entry.id} is {state} now, not unfinished: nothing was abandoned. "
                             "See pending_writes.")

    def repeated(self, previous: Entry) -> InputError:
        """The refusal of an identical write completed inside the repeat window (or while this one was approved)."""
        if previous.state in ("unknown", "sending"):
            what = ("was sent, but Syncro's answer was lost" if previous.state == "unknown"
                    else "is being sent right now (in progress), or was cut off")
            return InputError(
                f"This exact {previous.op} {what} {self.minutes_ago(previous)} min ago (journal entry {previous.id}): "
                "it may be in Syncro. Nothing was sent. Check Syncro first; if it is not there and the user wants "
                "it, call again with again=true."
            )
        if previous.state != "done":
            return InputError(
                f"Journal entry {previous.id} ({previous.op}{_on(previous.ticket)}) with these arguments is "
                f"{previous.state} now. Nothing was sent. See pending_writes."
            )
        return InputError(
            f"{_where(previous.ticket)}this exact {previous.op} was already done {self.minutes_ago(previous)} min ago "
            f"(journal entry {previous.id}: {previous.summary or 'done'}). Nothing was sent. If the user really "
            "wants it a second time, call again with again=true."
        )

    def minutes_ago(self, e: Entry) -> int:
        return int((self.clock.time() - e.updated) // 60)

    def describe(self, e: Entry) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in e.args.items() if k not in ("number", "notes", "body"))
        lines = [
            f"Entry {e.id} · {e.op}{_on(e.ticket)}" + (f" ({args})" if args else "")
            + f" · {e.state} {self.minutes_ago(e)} min ago",
            f"  done: {', '.join(e.done) or 'nothing'} · left: {', '.join(e.left) or 'nothing'}",
        ]
        if e.error:
            lines.append(f"  last error: {e.error}")
        return "\n".join(lines)


def _refused(exc: SyncroError) -> bool:
    """A definitive refusal: Syncro answered 4xx (not 408 or 429), so the write was not applied."""
    return (
        not isinstance(exc, (OutcomeUnknownError, RateLimitedError))
        and exc.status is not None and 400 <= exc.status < 500 and exc.status not in (408, 429)
    )


def resume_note(job: Job) -> str:
    """The preview's line saying that this call continues an unfinished entry."""
    entry = job.resume
    again = (
        "\n\nSent even if an identical write was done within the repeat window (asked for a second one)."
        if job.allow_repeat else ""
    )
    if entry is None:
        return again
    return (
        f"\n\nResuming unfinished journal entry {entry.id}: already done: {', '.join(entry.done) or 'nothing'}; "
        "steps whose outcome is unknown are checked in Syncro before anything is re-sent."
    ) + again


def _sent_but_unrecorded(job: Job, entry: Entry, report: RunReport, exc: Exception) -> str:
    """The error when every write went out but the journal could not mark the entry done: what was sent,
    why it is not recorded, and what to do (never repeat the call: the entry stays "running")."""
    sent = "\n".join(f"  {line}" for line in report.lines)
    check = f"check #{job.ticket} with get_ticket" if job.ticket != NO_TICKET else "check Syncro"
    return (
        f"The {job.op}{_on(job.ticket)} WAS SENT to Syncro, every step done:\n{sent}\nBut the write journal could "
        f"not record that it finished ({exc}), so journal entry {entry.id} still shows \"running\" (pending_writes "
        f"shows it). Do NOT repeat the call: {check} to see the writes. Once the journal is reachable again, "
        f"resume_write({entry.id}) closes the entry without sending anything (each step is recorded done)."
    )


def _where(ticket: int) -> str:
    """The ticket a refusal names ("#32164: "), nothing for a ticketless write."""
    return f"#{ticket}: " if ticket != NO_TICKET else ""


def _on(ticket: int) -> str:
    """" #32164" after an operation's name, nothing for a ticketless write."""
    return f" #{ticket}" if ticket != NO_TICKET else ""
