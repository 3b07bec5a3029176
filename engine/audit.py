"""The audit log: every write sent to Syncro, one JSON line each, in the state dir.

Fed by the client's ``write_observer`` (so no write can bypass it) and tagged with the tool
and how the human confirmed it (``elicitation``, ``token``, or ``not required``), which the
registrar puts in a context variable for the duration of the tool call.
"""

from __future__ import annotations

import contextvars
import json
import logging
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from syncro_mcp.client.http import WriteEvent, encode_json

log = logging.getLogger("syncro_mcp.audit")

CURRENT_CALL: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("syncro_mcp_call", default=None)

_ID_KEYS = (
    "comment", "ticket", "invoice", "line_item", "invoice_line_item", "customer", "ticket_timer", "appointment",
)


def response_ids(response: Any) -> dict[str, Any]:
    """``id``/``number`` of what Syncro returned (flat or wrapped)."""
    if not isinstance(response, dict):
        return {}
    for key in _ID_KEYS:
        if isinstance(response.get(key), dict):
            response = response[key]
            break
    return {k: response[k] for k in ("id", "number") if k in response}


class AuditLog:
    def __init__(self, path: Path, *, redact: Callable[[str], str] = lambda s: s) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._redact = redact
        self._lock = threading.Lock()

    def observe(self, event: WriteEvent) -> None:
        call = CURRENT_CALL.get() or {}
        record = {
            "ts": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "tool": call.get("tool", "?"),
            "confirmed_by": call.get("confirmed_by", "?"),
            "method": event.method,
            "path": event.path,
            "status": event.status,
            "ok": event.error is None,
            "error": event.error,
            "ids": response_ids(event.response),
            "body": _as_sent(event.body),
        }
        if event.actor:  # team mode: the technician whose own Syncro key made the write
            record["technician"] = event.actor
        line = self._redact(json.dumps(record, default=str, ensure_ascii=False))
        try:
            with self._lock, self.path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
        except OSError as exc:  # the audit never changes a write's outcome: the tool reports it as a warning
            log.warning("audit log %s not written: %s", self.path, exc)
            if CURRENT_CALL.get() is not None:
                CURRENT_CALL.get()["audit_warning"] = (  # type: ignore[index]
                    f"Warning: the audit log ({self.path}) could not be written ({exc.strerror or exc}); "
                    "the write itself went to Syncro as reported. Do not repeat it."
                )

    def read(self, since: datetime | None = None) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as fh:
            for raw in fh:
                try:
                    rec = json.loads(raw)
                except ValueError:
                    continue
                if since is None or datetime.fromisoformat(rec["ts"]) >= since:
                    yield rec


def _as_sent(body: Any) -> Any:
    """The body as it went over the wire (the client's JSON encoding: Decimals as numbers)."""
    try:
        return json.loads(encode_json(body))
    except (TypeError, ValueError):
        return body
