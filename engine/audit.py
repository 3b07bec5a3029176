"""The audit log: every write sent to Syncro, in the state dir: an intent line before it is sent,
an outcome line after (JSON lines, paired by ``ref``).

Fed by the client's ``write_observer`` (so no write can bypass it) and tagged with the tool
and how the human confirmed it (``elicitation``, ``token``, or ``not required``), which the
registrar puts in a context variable for the duration of the tool call.

The audit never changes what was written. If the intent line cannot be written, nothing is sent
(``AuditUnavailable``, a clear error naming the file): the write would go unrecorded, and refusing
before sending is safe, since nothing happened. If the outcome line cannot be written, the write
already happened: the tool reports Syncro's result with a warning not to repeat it.
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

from .errors import InputError

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


class AuditUnavailable(InputError):
    """The intent line of a write could not be recorded: the write is not sent (nothing happened)."""


class AuditLog:
    def __init__(self, path: Path, *, redact: Callable[[str], str] = lambda s: s) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._redact = redact
        self._lock = threading.Lock()

    def observe(self, event: WriteEvent) -> None:
        if event.phase == "intent":
            self._intent(event)
            return
        call = CURRENT_CALL.get() or {}
        record = {
            "ts": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "ref": event.ref,
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
        try:
            self._append(record)
        except OSError as exc:  # the audit never changes a write's outcome: the tool reports it as a warning
            log.warning("audit log %s not written: %s", self.path, exc)
            if CURRENT_CALL.get() is not None:
                CURRENT_CALL.get()["audit_warning"] = (  # type: ignore[index]
                    f"Warning: the audit log ({self.path}) could not be written ({exc.strerror or exc}); "
                    "the write itself went to Syncro as reported. Do not repeat it."
                )

    def _append(self, record: dict[str, Any]) -> None:
        line = self._redact(json.dumps(record, default=str, ensure_ascii=False))
        with self._lock, self.path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")

    def _intent(self, event: WriteEvent) -> None:
        """Record a write about to be sent; when that fails, refuse it (raise) before anything is sent."""
        call = CURRENT_CALL.get() or {}
        record = {
            "ts": datetime.now(timezone.utc).isoformat(timespec="seconds"), "ref": event.ref, "phase": "intent",
            "tool": call.get("tool", "?"), "confirmed_by": call.get("confirmed_by", "?"), "method": event.method,
            "path": event.path, "body": _as_sent(event.body),
        }
        if event.actor:
            record["technician"] = event.actor
        try:
            self._append(record)
        except OSError as exc:
            log.warning("audit log %s not written: %s; write not sent", self.path, exc)
            raise AuditUnavailable(
                f"Nothing was sent to Syncro: the audit log {self.path} cannot be written ({exc.strerror or exc}), "
                "and every write is recorded there before it is sent. Fix: make sure its folder is writable and the "
                "disk has space (or set audit_path / state_dir elsewhere), then call again."
            ) from None

    def read(self, since: datetime | None = None) -> Iterator[dict[str, Any]]:
        """The outcome lines; an intent line with no outcome (a request cut off, e.g. a killed process)
        is shown as such: sent or not, nobody knows."""
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as fh:
            records = [rec for rec in map(_parse, fh) if rec is not None]
        ended = {rec.get("ref") for rec in records if rec.get("phase") != "intent"}
        for rec in records:
            if rec.get("phase") == "intent":
                if rec.get("ref") in ended:
                    continue
                rec = {**rec, "ok": False, "status": None, "error": "cut off: no outcome recorded"}
            if since is None or datetime.fromisoformat(rec["ts"]) >= since:
                yield rec


def _parse(raw: str) -> dict[str, Any] | None:
    try:
        rec = json.loads(raw)
    except ValueError:
        return None
    return rec if isinstance(rec, dict) else None


def _as_sent(body: Any) -> Any:
    """The body as it went over the wire (the client's JSON encoding: Decimals as numbers)."""
    try:
        return json.loads(encode_json(body))
    except (TypeError, ValueError):
        return body
