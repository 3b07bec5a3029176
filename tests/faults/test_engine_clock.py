"""The engine keeps one clock: a step whose answer was lost is looked for in Syncro from the send
time on the engine clock (``Clock.time``), the clock the journal stamps the step's intent with, so
a live run and a later resume compare Syncro's ``created_at`` with the same clock."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from syncro_mcp.client.errors import OutcomeUnknownError
from syncro_mcp.engine.clock import Clock
from syncro_mcp.engine.journal import Journal
from syncro_mcp.engine.plans import Job
from syncro_mcp.engine.runner import Engine
from syncro_mcp.engine.steps import Step

ENGINE_TIME = datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc)  # far from the machine's clock


class LostAnswer(Step):
    """Sent, its answer lost; found in Syncro when looked for: records the send time it was given."""

    key = "comment_id"

    def __init__(self) -> None:
        super().__init__("comment", "POST comment", {"body": "b"})
        self.since: list[datetime] = []

    async def send(self, results: dict[str, Any]) -> dict[str, Any]:
        raise OutcomeUnknownError("no reply", method="POST", path="/tickets/1/comment")

    async def find(self, results: dict[str, Any], since: datetime) -> dict[str, Any] | None:
        self.since.append(since)
        return {"comment_id": 7}


async def test_a_lost_answer_is_looked_for_from_the_engine_clocks_send_time(tmp_path: Path) -> None:
    clock = Clock("UTC", wall=ENGINE_TIME.timestamp)
    engine = Engine(client=None, journal=Journal(tmp_path / "j.sqlite3", clock=clock.time), clock=clock)  # type: ignore[arg-type]
    step = LostAnswer()
    report, entry = await engine.run(Job("add_comment", 32150, {"number": 32150, "body": "b"}, [step], None))
    assert report.results["comment"] == {"comment_id": 7}
    assert step.since == [ENGINE_TIME]
    assert engine.journal.get(entry.id).state == "done"
