"""The server's event loop never waits on the write journal (docs/architecture.md, the journal).

A journal call is a SQLite file operation or a PostgreSQL round trip (and, for a write's lock, a new
connection); the engine runs each in a worker thread (``engine.runner.off_loop``). So on a server
serving a team, one session stuck in a slow journal call does not stall the other sessions. Both
backends: the journal's store is wrapped, never replaced.
"""

from __future__ import annotations

import asyncio
import threading
import traceback
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import anyio.to_thread
from mcp import Client
from support.harness import call, elicitation, harness, text
from syncro_mcp.engine.journal import Journal, TicketBusy, open_store

COMMENT = {"number": 32164, "body": "Rebooted the NAS."}
GATE_S = 10.0
"""How long the gated store waits to be let go; only a stalled event loop (the failure) lets it run out."""


class GatedStore:
    """The journal's store, its transactions (a claim, a token's use) held at a gate the test opens."""

    def __init__(self, inner: Any, events: list[str]) -> None:
        self.inner = inner
        self.events = events
        self.entered = threading.Event()
        self.gate = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    @contextmanager
    def transaction(self, *, migrating: bool = False) -> Iterator[Any]:
        self.entered.set()
        self.events.append("journal released" if self.gate.wait(GATE_S) else "journal gave up waiting")
        with self.inner.transaction(migrating=migrating) as db:
            yield db


async def test_a_slow_journal_call_does_not_stall_another_session(tmp_path, journal_backend):
    """While one session's write sits inside its claim's transaction (held at the gate), a read in
    another session on the same server answers; only then is the gate opened. Were the claim run on the
    event loop, the loop would stand still until the gate gave up, and the read would answer after it."""
    events: list[str] = []
    async with harness(tmp_path, journal_url=journal_backend) as h:
        journal = h.app.runtime.journal
        store = journal.store = GatedStore(journal.store, events)

        async def write() -> Any:
            async with Client(h.server, mode="legacy", elicitation_callback=elicitation("accept")) as c:
                return await c.call_tool("add_comment", COMMENT)

        writing = asyncio.create_task(write())
        assert await anyio.to_thread.run_sync(store.entered.wait, GATE_S), "the write never reached its claim"
        read = await call(h.server, "get_ticket", {"number": 32164})
        events.append("read answered")
        store.gate.set()
        wrote = await writing
        assert events == ["read answered", "journal released"]
        assert not read.is_error and "32164" in text(read), text(read)
        assert wrote.structured_content["status"] == "done", text(wrote)
        assert len(h.sandbox.requests.matching("POST", "/tickets/*/comment")) == 1


class LoopWatch:
    """The journal's store, noting every use made from a thread that runs an event loop (the failure)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.on_loop: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def _watch(self) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # a worker thread: what the engine does
        self.on_loop.append("".join(traceback.format_stack(limit=6)[:-2]))

    @contextmanager
    def db(self) -> Iterator[Any]:
        self._watch()
        with self.inner.db() as db:
            yield db

    @contextmanager
    def transaction(self, *, migrating: bool = False) -> Iterator[Any]:
        self._watch()
        with self.inner.transaction(migrating=migrating) as db:
            yield db

    def hold(self, key: int) -> Any:
        self._watch()
        return self.inner.hold(key)

    def release(self, key: int, owner: str) -> None:
        self._watch()
        self.inner.release(key, owner)


async def test_no_tool_touches_the_journal_on_the_event_loop(tmp_path, journal_backend):
    """Every journal call a tool makes (the checks before a preview, the claims, the steps, the one-shot
    writes, a confirmation token's use, replay and outcome, pending_writes, resume_write, abandon_write)
    runs off the event loop."""
    async with harness(tmp_path, journal_url=journal_backend) as h:
        journal, tool = h.app.runtime.journal, h.app.runtime.tools["add_comment"]
        for body in ("Left to resume.", "Left to abandon."):
            args = tool.args.model_validate({**COMMENT, "body": body}).journal_key()
            entry = journal.claim("add_comment", 32164, args, ["comment"], None)
            journal.set_state(entry.id, "failed", error="comment: OutcomeUnknownError")
            journal.unlock(32164)
        to_resume, to_abandon = (e.id for e in journal.unfinished())
        watch = journal.store = LoopWatch(journal.store)

        async with Client(h.server, mode="legacy", elicitation_callback=elicitation("accept")) as c:
            pending = await c.call_tool("pending_writes", {})
            abandoned = await c.call_tool("abandon_write", {"entry_id": to_abandon})  # first: it blocks the ticket
            resumed = await c.call_tool("resume_write", {"entry_id": to_resume})
            commented = await c.call_tool("add_comment", COMMENT)
            refused = await c.call_tool("add_comment", COMMENT)  # the repeat window, checked before the preview
        async with Client(h.server, mode="legacy") as c:  # no dialog: the token fallback and a one-shot write
            first = await c.call_tool("create_invoice", {"number": 32164})
            token = first.structured_content["confirm_token"]
            made = await c.call_tool("create_invoice", {"number": 32164, "confirm_token": token})
            replayed = await c.call_tool("create_invoice", {"number": 32164, "confirm_token": token})

        assert str(to_resume) in text(pending), text(pending)
        assert not resumed.is_error and resumed.structured_content["status"] == "done", text(resumed)
        assert abandoned.structured_content["status"] == "done", text(abandoned)
        assert commented.structured_content["status"] == "done", text(commented)
        assert refused.is_error and "already done" in text(refused), text(refused)
        assert made.structured_content["status"] == "done", text(made)
        assert replayed.structured_content["status"] == "already_done", text(replayed)
        assert len(h.sandbox.requests.matching("POST", "/invoices")) == 1
        assert watch.on_loop == [], "journal calls on the event loop:\n" + "\n".join(watch.on_loop)


def test_a_claim_is_held_before_it_returns_to_any_thread(tmp_path, journal_backend):
    """Journal calls now run in worker threads, so two claims of one ticket can run at once in one
    process: the second, made between the first one's commit and its return, is refused (SQLite marks
    the lock held inside the claim's transaction; PostgreSQL's advisory lock is taken before it)."""
    journal = Journal(open_store(journal_backend, tmp_path / "journal.sqlite3"))
    store, seen = journal.store, []
    real_keep = store.keep

    def keep(key: int, handle: Any) -> None:
        if not seen:  # once: the claim below, right after its transaction committed
            seen.append("probe")
            with ThreadPoolExecutor(1) as pool:
                try:
                    pool.submit(journal.claim, "add_comment", 9, {"body": "b"}, ["comment"], None).result()
                    seen.append("taken twice")
                except TicketBusy:
                    seen.append("busy")
        real_keep(key, handle)

    store.keep = keep
    try:
        journal.claim("add_comment", 9, {"body": "a"}, ["comment"], None)
        assert seen == ["probe", "busy"]
        assert [e.args["body"] for e in journal.unfinished(ticket=9)] == ["a"], "the refused claim left an entry"
    finally:
        journal.close()
