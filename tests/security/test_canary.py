"""A canary API key, really sent to the sandbox, must never come back out of the server.

Every tool (reads, confirmed writes, a bill), every error path (bad input, not found, 401, 429,
5xx, timeout, reset, truncated JSON, HTML, write outcome unknown) and all three auth styles
(bearer, bare header, ``?api_key=`` query). Checked: tool text and structured output, every log
record at DEBUG (raw, and stderr through the real logging set-up), exceptions (str, repr and
formatted traceback with their chain), the journal, the audit log and session-log files. The
canary is *not* registered with the log redactor, so this proves it is never written, not that
it is scrubbed afterwards.
"""

from __future__ import annotations

import json
import logging
import traceback
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from syncro_mcp.client import SyncroError
from syncro_mcp.sandbox import Sandbox
from syncro_mcp.server.logging_setup import configure_logging
from syncro_mcp.testing import in_memory

CANARY = "CANARY-7f3a9c1e-d0d0-4b1e-9e55-c4n4ry0k3y"
NOISY = ("syncro_mcp", "httpx", "httpcore", "mcp", "mcp_types")

READS: list[tuple[str, dict[str, Any]]] = [
    ("list_tickets", {}), ("list_tickets", {"customer": "Jerry Burger", "status": "new"}),
    ("get_ticket", {"number": 32164}), ("search", {"query": "Burger"}), ("list_time_entries", {"number": 32165}),
    ("list_labor_types", {}), ("list_customers", {}), ("get_customer", {"customer": "Len's Auto Brokerage"}),
    ("list_invoices", {}), ("get_invoice", {"id_or_number": "1"}), ("pending_writes", {}),
]
WRITES: list[tuple[str, dict[str, Any]]] = [
    ("add_comment", {"number": 32164, "body": "canary comment", "minutes": 15, "labor_type": "remote"}),
    ("log_time", {"number": 32165, "minutes": 15, "labor_type": "onsite", "notes": "canary time"}),
    ("update_ticket", {"number": 32166, "status": "In Progress"}),
    ("close_ticket", {"number": 32163, "resolution": "Done."}),
    ("create_ticket", {"customer": "LeeAnn Parkinson", "subject": "Canary"}),
    ("create_customer", {"business_name": "Canary Co"}),
    ("bill_ticket", {"number": 32170, "minutes": 30, "labor_type": "remote", "notes": "Billed."}),
    ("write_session_log", {"number": 32162, "notes": "canary"}),
    ("create_invoice", {"number": 32171}),
    ("delete_ticket", {"number": 32175}),
]
BAD: list[tuple[str, dict[str, Any]]] = [
    ("get_ticket", {"number": 99_999}), ("get_ticket", {"number": "abc"}), ("list_tickets", {"status": "nope"}),
    ("add_comment", {"number": 32164, "body": "x", "minutes": 0, "labor_type": "remote"}),
    ("add_comment", {"number": 32164, "body": "x", "confirm_token": "forged"}),
    ("create_ticket", {"customer": "a", "subject": "ambiguous"}), ("resume_write", {"entry_id": 5}),
]
# (method, path glob, fault kind, tool, args)
FAULTS: list[tuple[str, str, str, str, dict[str, Any]]] = [
    ("GET", "/tickets", "500", "list_tickets", {}),
    ("GET", "/tickets", "429", "list_tickets", {}),
    ("GET", "/tickets/*", "timeout", "get_ticket", {"number": 32167}),
    ("GET", "/tickets/*", "reset", "get_ticket", {"number": 32168}),
    ("GET", "/customers", "malformed", "list_customers", {}),
    ("GET", "/customers", "html", "search", {"query": "x"}),
    ("POST", "/tickets/*/comment", "apply_then_timeout", "add_comment", {"number": 32169, "body": "lost reply"}),
    ("POST", "/tickets/*/comment", "apply_then_500", "add_comment", {"number": 32172, "body": "lost reply 2"}),
    ("POST", "/tickets/*/comment", "apply_then_reset", "add_comment", {"number": 32173, "body": "lost reply 3"}),
    ("POST", "/invoices", "500", "bill_ticket", {"number": 32174, "minutes": 15, "labor_type": "remote", "notes": "x"}),
]


class Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        msg = f"{record.name} {record.getMessage()}"
        if record.exc_info:
            msg += "\n" + "".join(traceback.format_exception(*record.exc_info))
        self.lines.append(msg)


@pytest.fixture
def debug_logs():
    configure_logging("DEBUG")  # the real stderr handler with its redacting filter
    handler = Everything()
    root = logging.getLogger()
    root.addHandler(handler)
    old = {n: logging.getLogger(n).level for n in NOISY}
    for n in NOISY:
        logging.getLogger(n).setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    for n, level in old.items():
        logging.getLogger(n).setLevel(level)
    configure_logging("WARNING")


def _dump(result: Any) -> str:
    return json.dumps(result.model_dump(mode="json", by_alias=True), ensure_ascii=False)


async def _flow(c: Client, tool: str, args: dict[str, Any], seen: list[str]) -> None:
    r = await c.call_tool(tool, args)
    seen.append(_dump(r))
    sc = r.structured_content or {}
    if not r.is_error and sc.get("status") == "needs_confirmation":
        seen.append(_dump(await c.call_tool(tool, {**args, "confirm_token": sc["confirm_token"]})))


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("auth_style", ["bearer", "header", "query"])
async def test_canary_key_never_leaves_the_server(tmp_path, capfd, debug_logs, auth_style):
    sb = Sandbox(api_key=CANARY, rate_limit_per_min=None)
    seen: list[str] = []
    client_kw = {"auth_style": auth_style, "max_retries": 1}
    async with in_memory(tmp_path, sandbox=sb, client_kw=client_kw, resources=True) as env:
        assert (await env.client.me()) is not None, "the canary key is accepted: it really is sent"
        async with Client(env.server, mode="legacy") as c:
            seen.append(_dump(await c.list_tools()))
            for tool, args in READS + WRITES + BAD:
                await _flow(c, tool, args, seen)
            for method, path, kind, tool, args in FAULTS:
                sb.faults.clear()
                sb.faults.add(method=method, path=path, kind=kind, times=None)
                await _flow(c, tool, args, seen)
            sb.faults.clear()
            await _flow(c, "pending_writes", {}, seen)
            entries = env.app.runtime.journal.unfinished()
            assert entries, "the failed bill left a journal entry to resume"
            await _flow(c, "resume_write", {"entry_id": entries[0].id}, seen)
            await _flow(c, "abandon_write", {"entry_id": entries[-1].id}, seen)
            for resource in ("syncro://tickets/32164", "syncro://customers/1"):
                try:
                    seen.append(json.dumps((await c.read_resource(resource)).model_dump(mode="json")))
                except Exception as exc:  # an unknown customer id is an error: its text must be clean too
                    seen.append("".join(traceback.format_exception(exc)))

        # client exceptions: str, repr and the formatted chain, for each failure kind
        for kind in ("500", "timeout", "reset", "malformed", "html", "429"):
            sb.faults.clear()
            sb.faults.add(method="GET", path="/me", kind=kind, times=None)
            with pytest.raises(SyncroError) as info:
                await env.client.me()
            seen += [str(info.value), repr(info.value), "".join(traceback.format_exception(info.value))]
        sb.faults.clear()
        settings_folder = tmp_path
    assert sb.requests, "requests reached the sandbox"
    out, err = capfd.readouterr()
    files = _files(settings_folder)
    assert any(p.endswith("audit.jsonl") for p in files) and any("journal" in p for p in files)
    places = {
        "tool output": "\n".join(seen),
        "log records": "\n".join(debug_logs.lines),
        "stderr": err,
        "stdout": out,
        **{f"file {p}": b.decode("utf-8", "replace") for p, b in files.items()},
    }
    leaks = [where for where, blob in places.items() if CANARY in blob]
    assert not leaks, f"canary key found in: {leaks}"
    assert debug_logs.lines and err, "DEBUG logging was really captured"
