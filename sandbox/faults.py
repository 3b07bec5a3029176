"""Scripted faults: make a chosen call of a chosen route fail in a chosen way.

The client's reliability rules (retry reads, never blindly re-send writes, detect HTML and
truncated JSON) can only be tested if the failures are reproducible, so faults are scripted
per route and per call number rather than random.

Path globs are matched against the path after ``/api/v1``, segment-wise: ``*`` matches within
one path segment, ``**`` across segments, ``?`` one character. ``"/tickets/*/comment"`` matches
``/tickets/108489613/comment`` but not ``/tickets/1/x/comment``.
"""

from __future__ import annotations

import re
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

#: Kinds that answer before the request reaches the API (nothing is applied).
PRE_KINDS = frozenset({"429", "500", "502", "503", "timeout", "reset", "html"})
#: Kinds where the request is processed (writes are applied) and then the response is spoiled.
#: "malformed" belongs here: a 200 status line is only sent once the server has done the work.
POST_KINDS = frozenset({"malformed", "apply_then_500", "apply_then_timeout", "apply_then_reset"})
#: Kinds where the client's request times out (no answer) and the write is applied later:
#: "late_write" holds the request and applies it once the sandbox clock passes send time +
#: ``delay`` seconds (checked on each later request), so a verify-read right after the timeout
#: sees nothing and a read after ``delay`` sees the write (issue 13, exactly-once writes).
LATE_KINDS = frozenset({"late_write"})
#: A late write's delay when none is given: longer than any in-process test runs on the real
#: monotonic clock, so with the default clock it behaves like "timeout" until a test moves a
#: fake clock past it.
DEFAULT_LATE_DELAY = 60.0
KINDS = PRE_KINDS | POST_KINDS | LATE_KINDS


def compile_glob(pattern: str) -> re.Pattern[str]:
    """Translate a segment-aware path glob into a regex."""
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out) + r"/?\Z")


@dataclass
class Fault:
    """One scripted rule: calls ``call`` … ``call + times - 1`` of matching requests fail."""

    method: str
    path: str
    kind: str
    call: int = 1
    times: int | None = 1
    delay: float | None = None  # seconds on the sandbox clock before a "late_write" lands
    seen: int = 0  # matching requests so far
    fired: int = 0  # how many times this rule has been applied
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.method = self.method.upper()
        self._regex = compile_glob(self.path)

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method.upper())) and bool(self._regex.match(path))

    def window_contains(self, n: int) -> bool:
        return n >= self.call and (self.times is None or n < self.call + self.times)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("_regex", None)
        return data


class FaultPlan:
    """The scripted faults of one sandbox (``sb.faults``)."""

    def __init__(self) -> None:
        self._rules: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        method: str,
        path: str,
        kind: str,
        call: int = 1,
        times: int | None = 1,
        *,
        delay: float | None = None,
    ) -> Fault:
        """Script ``kind`` for the ``call``-th matching request (1-based), ``times`` times in a row.

        ``method`` may be ``"*"``; ``times=None`` means every matching call from ``call`` on.
        ``delay`` (seconds on the sandbox clock; ``"late_write"`` only, default
        ``DEFAULT_LATE_DELAY``) is when the held write lands after the client's timeout.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(KINDS)}")
        if call < 1:
            raise ValueError("call is 1-based")
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 or None")
        if kind in LATE_KINDS:
            delay = DEFAULT_LATE_DELAY if delay is None else float(delay)
            if delay < 0:
                raise ValueError(f"{kind!r} needs delay >= 0 seconds")
        elif delay is not None:
            raise ValueError(f"delay only applies to {sorted(LATE_KINDS)}")
        rule = Fault(method=method, path=path, kind=kind, call=call, times=times, delay=delay)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    @property
    def rules(self) -> list[Fault]:
        return list(self._rules)

    def pick(self, method: str, path: str) -> str | None:
        """Count this request against every matching rule; return the kind to apply, if any."""
        rule = self.pick_rule(method, path)
        return rule.kind if rule is not None else None

    def pick_rule(self, method: str, path: str) -> Fault | None:
        """Count this request against every matching rule; return the rule to apply, if any.

        Every matching rule counts the request; the first (oldest) rule whose window contains
        its count wins.
        """
        chosen: Fault | None = None
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, path):
                    continue
                rule.seen += 1
                if chosen is None and rule.window_contains(rule.seen):
                    rule.fired += 1
                    chosen = rule
        return chosen

    def __len__(self) -> int:
        return len(self._rules)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.rules)
