"""Confirmation of writes: the elicitation form and the token fallback.

A token is bound to the tool, its exact arguments and the Syncro account (base URL and a hash of
the API key), and expires after ``ttl_s``; it is an HMAC, so a token for one preview can never
approve a different write. It carries a random nonce and is consumed in the journal when its
write starts (``Journal.use_token``): a second use is answered with what the first one did.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from .errors import InputError


class Approve(BaseModel):
    """The elicitation form shown with the preview."""

    confirm: bool = Field(True, title="Approve", description="Send this to Syncro.")


class TokenApproved(Approve):
    """Approved by a valid confirm_token (as opposed to the elicitation dialog)."""


class TokenReplay(BaseModel):
    """The token was used before: no write; the first use's outcome instead."""

    state: str
    outcome: str

    def message(self) -> str:
        if self.state == "done":
            return f"This confirm_token was already used: {self.outcome} Nothing was sent again."
        if self.state == "running":
            return (
                "This confirm_token was already used by a call that is still running; nothing was sent. "
                "See pending_writes for its outcome."
            )
        return (
            f"This confirm_token was already used and that write failed ({self.outcome}); nothing was sent. "
            "See pending_writes, or call again without the token for a fresh preview."
        )


class TokenNeeded(BaseModel):
    """The client cannot show a dialog: answer with a preview and this token."""

    token: str


def persistent_secret(path: Path) -> bytes:
    """The token key, kept (0600) in the state dir so a token survives a server restart."""
    try:
        data = path.read_bytes()
        if len(data) >= 32:
            return data
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    data = os.urandom(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return data


class Confirmer:
    """Issues and checks argument-bound, expiring confirmation tokens."""

    def __init__(
        self,
        ttl_s: float = 300.0,
        *,
        secret: bytes | None = None,
        scope: str | Callable[[], str] = "",
        clock: Callable[[], float] = time.time,
    ):
        self.ttl_s = ttl_s
        self._secret = secret or os.urandom(32)
        self._scope = scope  # Syncro URL + API key hash (a callable: per request, e.g. per technician)
        self._clock = clock

    def _mac(self, tool: str, args: Mapping[str, Any], expires: str) -> str:
        canon = json.dumps({k: v for k, v in args.items() if k != "confirm_token"}, sort_keys=True, default=str)
        scope = self._scope() if callable(self._scope) else self._scope
        msg = f"{scope}\0{tool}\0{canon}\0{expires}".encode()
        return hmac.new(self._secret, msg, hashlib.sha256).hexdigest()[:24]

    def binding(self, tool: str, args: Mapping[str, Any]) -> str:
        """The exact call a token would approve (account, tool, arguments), without its expiry: the
        key under which a preview's lookups are kept for its token call."""
        return self._mac(tool, args, "")

    def issue(self, tool: str, args: Mapping[str, Any]) -> str:
        """A fresh token (expiry + a random nonce, so no two previews share one: each is used once)."""
        stamp = f"{int(self._clock() + self.ttl_s):x}.{os.urandom(4).hex()}"
        return f"{stamp}-{self._mac(tool, args, stamp)}"

    def check(self, tool: str, args: Mapping[str, Any], token: str) -> None:
        """Raise InputError unless ``token`` approves exactly this call and has not expired."""
        try:
            stamp, mac = token.strip().split("-", 1)
            expires = int(stamp.split(".", 1)[0], 16)
        except ValueError:
            raise InputError(
                "confirm_token is not valid. Call again without it to get a fresh preview and token."
            ) from None
        if not hmac.compare_digest(mac, self._mac(tool, args, stamp)):
            raise InputError(
                "confirm_token does not match these arguments (it approves only the exact previewed call). "
                "Call again without it to get a fresh preview."
            )
        if self._clock() > expires:
            raise InputError("confirm_token has expired. Call again without it to get a fresh preview.")
