"""A small runner for multi-step writes (comment → timer → invoice → line → status).

Each step runs at most once per run. When Syncro's answer to a write is lost (timeout, reset,
5xx, unreadable body: the client raises ``OutcomeUnknownError``), the step's ``find`` reads
Syncro to see whether the write landed; only if it did not is the write sent again, once.
A step's ``body`` is the exact request it sends; a resumed run reuses the journaled body, so
a timer entry keeps its original start and end.

``find`` must recognise *this* write, not an older look-alike: a step with a ``key`` (the
result field naming the record it creates, e.g. ``comment_id``) is given, in ``claimed``, the
ids that other journal entries already own, and skips them. So a second identical bill or
comment whose answer is lost is never mistaken for the first one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Protocol

from syncro_mcp.client.errors import OutcomeUnknownError

if TYPE_CHECKING:
    from syncro_mcp.client.models import Ticket

log = logging.getLogger("syncro_mcp.engine.steps")

Results = dict[str, dict[str, Any]]
"""Step name → what it produced (ids), shared with later steps."""

Progress = Callable[[int, int, str], Awaitable[None]]

CLOCK_SLACK = timedelta(minutes=10)
"""How far Syncro's clock may run behind ours when ``find`` compares a record's ``created_at``
with the time we sent (claimed ids, not the window, keep our own earlier writes out)."""


class Step:
    """One Syncro write of a multi-step operation: its exact request body, how to send it and
    how to recognise it in Syncro (``find``) when its answer was lost.

    Subclasses (``engine.writes``) implement ``send`` and, when the write can be verified by
    reading, ``find``; ``key`` names the result field of the record it creates (``comment_id``…).
    """

    key: str | None = None
    verifiable = True
    witnessed = False
    """Whether ``seen_in`` can tell that Syncro already holds this write's record (the shared witness)."""

    def __init__(self, name: str, describe: str, body: dict[str, Any]) -> None:
        self.name = name
        self.describe = describe
        self.body = body
        self.claimed: frozenset[Any] = frozenset()
        """Set by the runner before ``find``: ids of ``key`` that other journal entries own."""

    @property
    def fingerprint(self) -> str:
        raw = json.dumps({"step": self.name, "body": self.body}, sort_keys=True, default=str)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    async def send(self, results: Results) -> dict[str, Any]:
        raise NotImplementedError

    async def find(self, results: Results, since: datetime) -> dict[str, Any] | None:
        """This step's write in Syncro (not an older look-alike: skip ``claimed``), or None."""
        return None

    def seen_in(self, detail: Ticket, floor: datetime) -> str | None:
        """A record identical to this write made since ``floor`` on the ticket, described (the shared
        witness, ``engine.witness``); None when there is none or the step does not say."""
        return None


class StepLog(Protocol):
    """Where a run records its progress (the journal, off the event loop: ``runner.off_loop``)."""

    async def intent(self, step: Step) -> None: ...
    async def done(self, step: Step, result: dict[str, Any], how: str) -> None: ...
    async def failed(self, step: Step, error: str) -> None: ...
    async def claimed(self, key: str) -> frozenset[Any]: ...


@dataclass
class Resume:
    """What an earlier attempt left: finished steps, and steps sent whose outcome is unknown."""

    done: Results = field(default_factory=dict)
    unsure: dict[str, tuple[dict[str, Any], datetime]] = field(default_factory=dict)


@dataclass
class Settle:
    """How long a write whose answer was lost is looked for in Syncro before the run gives up
    (``window_s``, on ``sleep``: the engine clock's, so tests are fast), re-reading with backoff.
    A write that lands late (Syncro applied it seconds after the client gave up) is adopted."""

    window_s: float = 30.0
    sleep: Callable[[float], Awaitable[None]] | None = None
    wall: Callable[[], float] = time.time
    """The engine clock's epoch seconds: a step's send time, which ``find`` compares with Syncro's
    ``created_at`` (the journal stamps the same step's intent with it, which a resume compares)."""

    def delays(self) -> list[float]:
        out, step, total = [], 1.0, 0.0
        while total < self.window_s:
            d = min(step, self.window_s - total)
            out.append(d)
            total += d
            step = min(step * 2, 8.0)
        return out


class OutcomeStillUnknown(OutcomeUnknownError):
    """A lost write not seen in Syncro after the settle window: never re-sent automatically."""


@dataclass
class RunReport:
    results: Results
    lines: list[str]
    resumed: list[str]


async def run_steps(
    steps: list[Step], log_: StepLog, resume: Resume | None = None, progress: Progress | None = None,
    settle: Settle | None = None,
) -> RunReport:
    """Run ``steps`` in order; skip what ``resume`` says is done, check what it is unsure of."""
    resume = resume or Resume()
    results: Results = dict(resume.done)
    lines: list[str] = []
    resumed = [s.name for s in steps if s.name in results or s.name in resume.unsure]
    for i, step in enumerate(steps):
        if progress is not None:
            await progress(i, len(steps), step.describe)
        if step.name in results:
            lines.append(f"{step.describe} (done earlier)")
            continue
        try:
            if step.name in resume.unsure:
                body, since = resume.unsure[step.name]
                step.body = body
                found = await _find(step, results, since, log_)
                if found is not None:
                    results[step.name] = found
                    await log_.done(step, found, "found in Syncro on resume")
                    lines.append(f"{step.describe} (had landed earlier; not re-sent)")
                    continue
            await log_.intent(step)
            result, how = await _send_once(step, results, log_, settle or Settle(0))
        except Exception as exc:
            await log_.failed(step, _short(exc))
            raise
        results[step.name] = result
        await log_.done(step, result, how)
        lines.append(step.describe if how == "sent" else f"{step.describe} ({how})")
    if progress is not None:
        await progress(len(steps), len(steps), "done")
    return RunReport(results, lines, resumed)


async def find_made(
    step: Step, body: dict[str, Any], results: Results, since: datetime, log_: StepLog
) -> dict[str, Any] | None:
    """Whether a step sent earlier with ``body`` (the journal's intent) landed, without changing ``step``."""
    kept = step.body
    step.body = body
    try:
        return await _find(step, results, since, log_)
    finally:
        step.body = kept


async def _find(step: Step, results: Results, since: datetime, log_: StepLog) -> dict[str, Any] | None:
    """Whether the step's write is in Syncro (records other entries own do not count)."""
    if not step.verifiable:
        return None
    if step.key is not None:
        step.claimed = await log_.claimed(step.key)
    return await step.find(results, since)


async def _send_once(step: Step, results: Results, log_: StepLog, settle: Settle) -> tuple[dict[str, Any], str]:
    """Send; if the answer is lost, read Syncro (again, with backoff, over the settle window).

    Found: adopted, not re-sent. Still not found: the outcome stays unknown and nothing is
    re-sent (``OutcomeStillUnknown``); only a resume, which reads again first, sends it. Without a
    window (``settle_window_s: 0``) Syncro is read once, right after, and never re-read: a lost
    write is never re-sent automatically, whatever the window (issue 13).
    """
    sent_at = datetime.fromtimestamp(settle.wall(), timezone.utc)
    try:
        return await step.send(results), "sent"
    except OutcomeUnknownError as exc:
        if not step.verifiable:
            raise
        lost = exc
    found = await _find(step, results, sent_at, log_)
    for delay in settle.delays() if settle.sleep is not None else ():
        if found is not None:
            break
        await settle.sleep(delay)
        found = await _find(step, results, sent_at, log_)
    if found is not None:
        log.warning("%s: answer lost but the write landed; not re-sent", step.name)
        return found, "answer lost; confirmed by reading Syncro, not re-sent"
    reads = 1 + (len(settle.delays()) if settle.sleep is not None else 0)
    looked = (f"after looking for {settle.window_s:g} s ({reads} reads)" if reads > 1
              else "when read right after (settle_window_s is 0: one read)")
    raise OutcomeStillUnknown(
        f"the write was sent but its answer was lost, and it was not in Syncro {looked}. Nothing was re-sent",
        method=lost.method, path=lost.path, cause=lost.cause,
    )


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]
