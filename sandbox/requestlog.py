"""What the sandbox received, so tests can assert on the exact Syncro calls a tool made.

The api key is never recorded: ``api_key`` is dropped from the query and headers are not kept.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any

from .faults import compile_glob


@dataclass
class LoggedRequest:
    """One request as the sandbox saw it.

    ``path`` is after ``/api/v1``. ``status`` is what the client received: ``None`` when the
    client got no response at all (timeout/reset faults). ``applied`` says whether the API
    handler ran (a write with ``applied=True`` changed state even if the client saw a failure).
    """

    seq: int
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int | None = None
    fault: str | None = None
    applied: bool = False
    client: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class RequestLog(list[LoggedRequest]):
    """A list of LoggedRequest with filtering helpers (``sb.requests``)."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    def record(self, entry: LoggedRequest) -> LoggedRequest:
        with self._lock:
            self.append(entry)
        return entry

    def next_seq(self) -> int:
        return len(self) + 1

    def matching(self, method: str = "*", path: str = "**") -> list[LoggedRequest]:
        """Entries whose method and path match (path glob as in faults: ``*`` = one segment)."""
        regex = compile_glob(path)
        m = method.upper()
        return [r for r in list(self) if m in ("*", r.method) and regex.match(r.path)]

    def writes(self) -> list[LoggedRequest]:
        return [r for r in list(self) if r.method in ("POST", "PUT", "PATCH", "DELETE")]
