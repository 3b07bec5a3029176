"""Syncro's documented limit: 180 requests per minute per IP, answered with a bare 429.

A rolling 60-second window per client. Only admitted requests use up the budget, so a client
that backs off recovers once its oldest admitted request is a minute old.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

WINDOW_S = 60.0


class RollingWindowLimiter:
    def __init__(self, limit_per_min: int | None, clock: Callable[[], float]) -> None:
        self.limit = limit_per_min
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def admit(self, client: str) -> bool:
        """Record and admit the request, or return False if the client is over its limit."""
        if self.limit is None:
            return True
        now = self.clock()
        with self._lock:
            hits = self._hits.setdefault(client, deque())
            while hits and hits[0] <= now - WINDOW_S:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()
