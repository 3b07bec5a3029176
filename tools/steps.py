"""A small runner for multi-step writes (comment → timer → invoice → line → status).

Each step runs at most once per run. When Syncro's answer to a write is lost (timeout, reset,
5xx, unreadable body: the client raises ``OutcomeUnknownError``), the step's ``find`` reads
Syncro to see whether the write landed; only if it did not is the write sent again, once.
A ``journal`` (see ``syncro_mcp.tools.journal``) records intents and outcomes so a later call
can resume from the first step not confirmed done.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from syncro_mcp.client.errors import OutcomeUnknownError

log = logging.getLogger("syncro_mcp.tools.steps")

Results = dict[str, dict[str, Any]]
"""Step name → what it produced (ids), shared with later steps."""


@dataclass
class Step:
    name: str
    describe: str
    send: Callable[[Results], Awaitable[dict[str, Any]]]
    find: Callable[[Results], Awaitable[dict[str, Any] | None]] | None = None
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        raw = json.dumps({"step": self.name, "body": self.body}, sort_keys=True, default=str)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]


class StepLog(Protocol):
    """Where a run records its progress (the SQLite journal, or memory)."""

    def intent(self, step: Step) -> None: ...
    def done(self, step: Step, result: dict[str, Any], how: str) -> None: ...
    def failed(self, step: Step, error: str) -> None: ...


class MemoryLog:
    """A step log that only remembers within this process (used when no journal is set)."""

    def __init__(self, done: Results | None = None) -> None:
        self.results: Results = dict(done or {})

    def intent(self, step: Step) -> None:
        pass

    def done(self, step: Step, result: dict[str, Any], how: str) -> None:
        self.results[step.name] = result

    def failed(self, step: Step, error: str) -> None:
        pass


@dataclass
class RunReport:
    results: Results
    lines: list[str]
    resumed: list[str]


Progress = Callable[[int, int, str], Awaitable[None]]


async def run_steps(
    steps: list[Step], log_: StepLog, done: Results | None = None, progress: Progress | None = None
) -> RunReport:
    """Run ``steps`` in order, skipping those already in ``done`` (a resumed run)."""
    results: Results = dict(done or {})
    lines: list[str] = []
    resumed = [s.name for s in steps if s.name in results]
    for i, step in enumerate(steps):
        if progress is not None:
            await progress(i, len(steps), step.describe)
        if step.name in results:
            lines.append(f"{step.describe} (already done)")
            continue
        log_.intent(step)
        try:
            result = await step.send(results)
            how = "sent"
        except OutcomeUnknownError as exc:
            result, how = await _settle(step, results, exc)
        except Exception as exc:
            log_.failed(step, str(exc))
            raise
        results[step.name] = result
        log_.done(step, result, how)
        lines.append(step.describe if how == "sent" else f"{step.describe} ({how})")
    return RunReport(results, lines, resumed)


async def _settle(step: Step, results: Results, exc: OutcomeUnknownError) -> tuple[dict[str, Any], str]:
    """Resolve a lost answer by reading Syncro; re-send only if the write is not there."""
    if step.find is None:
        raise exc
    found = await step.find(results)
    if found is not None:
        log.warning("%s: answer lost but the write landed; not re-sent", step.name)
        return found, "confirmed by reading Syncro after a lost answer"
    log.warning("%s: answer lost and the write is not in Syncro; sending once more", step.name)
    return await step.send(results), "re-sent after checking it had not landed"
