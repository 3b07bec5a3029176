"""The in-memory stack on a background event loop, so synchronous hypothesis tests can call tools.

One server and one MCP client session per ``LiveServer``; every call has a hard timeout (a hang
fails the test instead of stalling CI). ``Captured`` collects log records so a test can assert
that no exception was logged with a traceback.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import re
import threading
from typing import Any

from mcp import Client
from mcp_types import CallToolResult
from syncro_mcp.testing import in_memory

CALL_TIMEOUT_S = 15.0
#: Every toolset, the opt-in ones (schedule, assets) too: the fuzz reaches every tool there is.
ALL = ["all"]

#: What must never reach the model: a traceback, a file/line dump, an exception repr, the catch-all.
UNCLEAN = (
    re.compile(r"Traceback \(most recent call last\)"),
    re.compile(r'File "[^"]+", line \d+'),
    re.compile(r"\b[A-Z]\w*(?:Error|Exception)\("),
    re.compile(r"Unexpected error"),
)


def text(result: CallToolResult) -> str:
    return "\n".join(getattr(b, "text", "") for b in result.content)


def unclean(result: CallToolResult) -> str | None:
    """The offending fragment if the result's text is not clean, else None."""
    t = text(result)
    for pattern in UNCLEAN:
        m = pattern.search(t)
        if m:
            return t[max(0, m.start() - 200): m.end() + 200]
    return None


class Captured(logging.Handler):
    """Every record at DEBUG and above, formatted with its traceback (as stderr would show it)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def with_traceback(self) -> list[str]:
        return [self.format(r) for r in self.records if r.exc_info]

    def lines(self) -> list[str]:
        return [self.format(r) for r in self.records]


class LiveServer:
    def __init__(self, **options: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="fuzz-loop", daemon=True)
        self._thread.start()
        self._ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._stop: asyncio.Event | None = None
        self._main = asyncio.run_coroutine_threadsafe(self._serve(options), self.loop)
        self._ready.result(CALL_TIMEOUT_S)

    async def _serve(self, options: dict[str, Any]) -> None:
        self._stop = asyncio.Event()
        try:
            async with in_memory(**options) as env, Client(env.server, mode="legacy") as client:
                self.env, self.client = env, client
                self._ready.set_result(None)
                await self._stop.wait()
        except BaseException as exc:
            if not self._ready.done():
                self._ready.set_exception(exc)
            raise

    @property
    def sandbox(self) -> Any:
        return self.env.sandbox

    def run(self, coro: Any, timeout: float = CALL_TIMEOUT_S) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, tool: str, args: dict[str, Any], timeout: float = CALL_TIMEOUT_S) -> CallToolResult:
        return self.run(self.client.call_tool(tool, args), timeout)

    def writes(self) -> list[Any]:
        return self.sandbox.requests.writes()

    def close(self) -> None:
        if self._stop is not None:
            self.loop.call_soon_threadsafe(self._stop.set)
        try:
            self._main.result(CALL_TIMEOUT_S)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(CALL_TIMEOUT_S)
            self.loop.close()


def profile(share: float = 1.0) -> Any:
    """The hypothesis settings chosen by ``SYNCRO_FUZZ_PROFILE`` (registered in conftest).

    ``share`` scales max_examples for tests that are parametrized many times over.
    """
    import os

    from hypothesis import settings

    chosen = settings.get_profile(os.environ.get("SYNCRO_FUZZ_PROFILE", "ci"))
    return settings(chosen, max_examples=max(5, round(chosen.max_examples * share)))


async def list_tools(**options: Any) -> dict[str, dict[str, Any]]:
    """name → input schema, as a client sees them."""
    async with in_memory(**options) as env, Client(env.server, mode="legacy") as c:
        return {t.name: t.input_schema for t in (await c.list_tools()).tools}
