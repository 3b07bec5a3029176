"""Issue 16's proofs with real processes: two HTTP server instances, one journal, one Redis bucket.

Two ``syncro-mcp serve --transport http`` processes (A and B) share nothing but the journal, the
Redis rate bucket and (for the SQLite journal only) the state dir; a third (C) is there to be killed.
All talk to one sandbox at Syncro's 180 requests per minute per IP, served over HTTP on loopback
from this process, so the test reads Syncro's state directly.

Time is compressed, not waited for: the sandbox's clock runs ``SPEED`` times faster than real
time (its rolling minute is 60/SPEED real seconds), and the servers budget the same 180 per
sandbox minute in real time (``rate_limit_per_min`` = ``scaled_rate``). The real-time figure
(reads per minute reached, as a share of 180) is the bench's: ``python -m bench --only team``.

The journal is a parameter (``journal_url``): the SQLite file in a state dir all three share (one
machine), or PostgreSQL (a schema of this module's own), each instance with a state dir of its own,
as on separate machines: the confirmation key, tokens, locks and entries are all in the database.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import redis
from support.pg_cluster import schema_url
from support.processes import Instance, http_servers, last_seq, server_env, text, wait_until
from syncro_mcp.sandbox import Sandbox
from syncro_mcp.sandbox.standalone import BackgroundServer

LIMIT = 180  # Syncro's requests per minute per IP
SPEED = 20  # sandbox seconds per real second
REMOTE_PRICE = Decimal("125.0")  # the sandbox's "Labor - Remote Business" product
MIX = ("list_tickets", "list_customers", "list_invoices")  # one Syncro GET each


def scaled_rate(limit: int = LIMIT, speed: int = SPEED, capacity: int = 3) -> int:
    """The servers' budget per real minute so that no sandbox minute (60/speed real s) sees more
    than ``limit``: the bucket's burst plus its refill over that window (client/ratelimit.py)."""
    return capacity + speed * (limit - capacity)


class FastClock:
    """The sandbox's monotonic clock, ``speed`` times real time."""

    def __init__(self, speed: float) -> None:
        self.speed, self.t0 = speed, time.monotonic()

    def __call__(self) -> float:
        return (time.monotonic() - self.t0) * self.speed


class Stall:
    """The sandbox's "timeout" fault hangs until released (an event, not a clock)."""

    def __init__(self) -> None:
        self.release = threading.Event()

    async def __call__(self, _seconds: float) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.release.wait)


# The journal the instances share. "sqlite": the state dir's journal.sqlite3, the state dir shared
# (one machine). "postgresql": SYNCRO_JOURNAL_URL, each instance its own state dir (two machines);
# the URL names a schema of this module's own, since the sandbox's seed ids repeat across tests.
JOURNALS = [pytest.param("sqlite", id="sqlite"), pytest.param("postgresql", id="postgresql")]


@pytest.fixture(scope="module", params=JOURNALS)
def journal_url(request: pytest.FixtureRequest) -> str | None:
    """None: the SQLite journal in the shared state dir; else the URL both instances use."""
    if request.param == "postgresql":
        return schema_url(request.getfixturevalue("postgres_url"), f"team_{uuid.uuid4().hex[:16]}")
    return None


@dataclass
class Team:
    sandbox: Sandbox
    a: Instance
    b: Instance
    c: Instance  # killed by the test that needs it
    stall: Stall
    redis_url: str
    bucket: str


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory, journal_url: str | None, redis_url: str) -> Iterator[Team]:
    root = tmp_path_factory.mktemp("team")
    stall = Stall()
    sb = Sandbox(rate_limit_per_min=LIMIT, clock=FastClock(SPEED), sleep=stall)
    bucket = f"syncro-mcp-test:{uuid.uuid4().hex}"

    def state(name: str) -> Path:
        return root / ("state" if journal_url is None else name)  # SQLite: one state dir for all

    with BackgroundServer(sb) as syncro:
        shared = {"rate_limit_url": redis_url, "rate_limit_key": bucket, "rate_limit_per_min": scaled_rate(),
                  "journal_url": journal_url}
        envs = {n: server_env(syncro.base_url, sb.api_key, state(n), **shared) for n in "abc"}
        try:
            with http_servers(envs) as inst:
                yield Team(sb, inst["a"], inst["b"], inst["c"], stall, redis_url, bucket)
        finally:
            stall.release.set()


async def _reads(inst: Instance, tools: list[str]) -> list[Any]:
    async with inst.session() as c:
        return list(await asyncio.gather(*(c.call_tool(t, {}) for t in tools), return_exceptions=True))


async def test_400_reads_across_two_instances_share_one_budget(team: Team) -> None:
    """No rate-limit error reaches a tool: both instances pace from one Redis bucket."""
    since = last_seq(team.sandbox)
    tools = [MIX[i % len(MIX)] for i in range(400)]
    results = [r for rs in await asyncio.gather(_reads(team.a, tools[0::2]), _reads(team.b, tools[1::2]))
               for r in rs]
    failed = [repr(r) if isinstance(r, BaseException) else text(r) for r in results
              if isinstance(r, BaseException) or r.is_error]
    assert failed == [], failed[:3]
    seen = [q for q in team.sandbox.requests if q.seq > since]
    assert sum(1 for q in seen if q.status == 200) == 400  # one GET per read, each answered
    bucket = redis.Redis.from_url(team.redis_url).hgetall(team.bucket)
    assert set(bucket) == {b"tokens", b"ts"}, "the instances did not pace from the shared bucket"


def _bill(number: int) -> dict[str, Any]:
    return {"number": number, "minutes": 45, "labor_type": "remote", "notes": f"Team bill on #{number}."}


async def _preview(c: Any, tool: str, args: dict[str, Any]) -> str:
    first = await c.call_tool(tool, args)
    assert first.structured_content["status"] == "needs_confirmation", text(first)
    return first.structured_content["confirm_token"]


async def _round(ca: Any, cb: Any, number: int, one_token: bool) -> list[Any]:
    """The same bill approved on both instances, both confirmations sent at once. ``one_token``:
    one approval (A's token) sent to both; else each instance's own approval."""
    args = _bill(number)
    ta = await _preview(ca, "bill_ticket", args)
    tb = ta if one_token else await _preview(cb, "bill_ticket", args)
    return list(await asyncio.gather(ca.call_tool("bill_ticket", {**args, "confirm_token": ta}),
                                     cb.call_tool("bill_ticket", {**args, "confirm_token": tb})))


def assert_billed_once(sb: Sandbox, number: int, minutes: int = 45) -> None:
    """What Syncro holds: one comment, one timer, one invoice with the bill's total, Invoiced."""
    tid, notes = sb.ticket_id(number), _bill(number)["notes"]
    assert len([c for c in sb.state.children("comments", "ticket_id", tid) if c["body"] == notes]) == 1
    assert len([t for t in sb.state.children("timers", "ticket_id", tid) if t.get("notes") == notes]) == 1
    (invoice,) = sb.state.children("invoices", "ticket_id", tid)
    assert Decimal(invoice["total"]) == REMOTE_PRICE * minutes / 60
    assert sb.ticket(number)["status"] == "Invoiced"


BILL_TICKETS = (32163, 32164, 32166, 32167, 32169, 32172, 32173, 32175, 32156, 32157)  # no time, no invoice yet


async def test_ten_rounds_of_one_bill_on_both_instances_bill_each_ticket_once(team: Team) -> None:
    async with team.a.session() as ca, team.b.session() as cb:
        rounds = await asyncio.gather(*(_round(ca, cb, n, one_token=i % 2 == 1) for i, n in enumerate(BILL_TICKETS)))
    for number, results in zip(BILL_TICKETS, rounds, strict=True):
        done = [r for r in results if not r.is_error and r.structured_content["status"] == "done"]
        assert len(done) == 1, (number, [text(r) for r in results])
        (other,) = [r for r in results if r is not done[0]]
        said = text(other)
        assert "in progress" in said or "already" in said, said
        assert_billed_once(team.sandbox, number)


async def test_a_token_issued_by_one_instance_is_accepted_by_the_other(team: Team) -> None:
    """Stateless instances: the preview on A, the confirmation on B (a load balancer's choice)."""
    args = {"number": 32159, "body": "Previewed on A, confirmed on B."}
    async with team.a.session() as ca:
        token = await _preview(ca, "add_comment", args)
    async with team.b.session() as cb:
        done = await cb.call_tool("add_comment", {**args, "confirm_token": token})
    assert done.structured_content["status"] == "done", text(done)
    tid = team.sandbox.ticket_id(32159)
    assert [c["body"] for c in team.sandbox.state.children("comments", "ticket_id", tid)].count(args["body"]) == 1


async def test_an_instance_killed_mid_bill_is_finished_by_the_other_with_resume_write(team: Team) -> None:
    """C is SIGKILLed while Syncro holds its invoice but has not answered; B resumes the entry."""
    sb, number = team.sandbox, 32161
    sb.faults.add("POST", "/invoices", "apply_then_timeout")  # applied, then the answer stalls
    since = last_seq(sb)

    async def bill_on_c() -> None:
        async with team.c.session() as cc:
            token = await _preview(cc, "bill_ticket", _bill(number))
            await cc.call_tool("bill_ticket", {**_bill(number), "confirm_token": token})

    billing = asyncio.create_task(bill_on_c())
    await asyncio.to_thread(wait_until, lambda: billing.done() or any(
        q.applied for q in sb.requests.matching("POST", "/invoices") if q.seq > since), "C's invoice POST")
    assert not billing.done(), f"C's bill ended before the kill: {billing.exception()!r}"
    team.c.kill()
    team.stall.release.set()
    with pytest.raises(BaseException):  # noqa: B017 (the session dies with its server, however it says so)
        await asyncio.wait_for(billing, 30)

    async with team.b.session() as cb:
        (entry,) = (await cb.call_tool("pending_writes", {})).structured_content["entries"]
        resume = {"entry_id": entry["entry_id"]}
        done = await cb.call_tool("resume_write", {**resume, "confirm_token": await _preview(
            cb, "resume_write", resume)})
        assert done.structured_content["status"] == "done", text(done)
        assert "resumed" in text(done) and "Differs from the preview" not in text(done), text(done)
        assert (await cb.call_tool("pending_writes", {})).structured_content["entries"] == []
    assert len([q for q in sb.requests.matching("POST", "/invoices") if q.seq > since]) == 1, "never re-sent"
    assert_billed_once(sb, number)
