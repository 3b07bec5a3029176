"""Key handling as real Syncro accepts it: Bearer header, bare header, or ``?api_key=``.

Keys map to a user and a permission set; the read-only key exists so clients can be tested
against Syncro's permission failure (401 "Not authorized. Please ask account admin…").
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class KeyGrant:
    user_id: int
    can_write: bool
    token: str  # the user_token /me reports (not the key itself)


def extract_key(headers: dict[str, str], query_string: str) -> str | None:
    """The key from ``Authorization`` (with or without ``Bearer``), else from ``api_key``."""
    header = headers.get("authorization")
    if header is not None:
        value = header.strip()
        if value.lower().startswith("bearer "):
            value = value[7:].strip()
        return value or None
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        if name == "api_key":
            return value or None
    return None


def permissions(grant: KeyGrant) -> dict[str, dict[str, bool]]:
    """The ``permissions`` object of GET /me."""
    w = grant.can_write
    crud = {"read": True, "write": w, "delete": w}
    return {
        "asset": dict(crud),
        "customer": dict(crud),
        "ticket": dict(crud),
        "invoice": dict(crud),
        "payment": dict(crud),
        "worksheet": {"add": w, "manage": w, "delete": w},
        "script": {"execute": w},
    }
