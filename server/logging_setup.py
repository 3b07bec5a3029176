"""Logging for syncro-mcp: stderr only, with registered secrets scrubbed from every record.

stdout carries the MCP protocol over stdio, so a single stray log line there breaks the client.
The redaction filter is defence in depth: the client never logs the key, but httpx logs request
URLs (which hold the key with ``auth_style=query``) and a third-party message could quote it.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from .secrets import redact

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFilter(logging.Filter):
    """Replace every registered secret in the message, arguments and traceback text of a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep the raw parts rather than lose the record
            message = f"{record.msg} {record.args}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class StderrHandler(logging.StreamHandler):
    """A stream handler bound to whatever ``sys.stderr`` is at emit time (never stdout)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        """Ignore: the stream is always the current stderr."""


def configure_logging(level: str | int = "WARNING") -> None:
    """Send all logging to stderr at ``level`` through the redacting filter.

    Idempotent: replaces the handler installed by an earlier call and removes any root handler
    writing to stdout; other handlers (e.g. pytest's) are left alone.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        stream = getattr(handler, "stream", None)
        if isinstance(handler, StderrHandler) or (stream is not None and stream is sys.stdout):
            root.removeHandler(handler)
    handler = StderrHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    # httpx logs every request URL at INFO; only show it when debugging.
    logging.getLogger("httpx").setLevel(logging.DEBUG if root.level <= logging.DEBUG else logging.WARNING)
