"""In-memory Syncro data: plain JSON-able records in tables keyed by id.

Records are stored close to their wire form so save/load is a straight JSON dump and the
views only add computed fields. Keys starting with ``_`` are sandbox bookkeeping (e.g. which
invoice a timer was copied to) and are never rendered.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

TABLES: tuple[str, ...] = (
    "users",
    "customers",
    "contacts",
    "products",
    "tickets",
    "comments",
    "timers",
    "ticket_line_items",
    "invoices",
    "invoice_line_items",
    "appointments",
    "assets",
    "rmm_alerts",
    "invoice_emails",
)

STATE_VERSION = 1

Record = dict[str, Any]


class SandboxState:
    """All tables plus the id/number sequences."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[int, Record]] = {name: {} for name in TABLES}
        self.next_ids: dict[str, int] = {name: 1 for name in TABLES}
        self.next_ticket_number = 1
        self.next_invoice_number = 1

    # -- table shortcuts -------------------------------------------------------------------
    @property
    def users(self) -> dict[int, Record]:
        return self.tables["users"]

    @property
    def customers(self) -> dict[int, Record]:
        return self.tables["customers"]

    @property
    def contacts(self) -> dict[int, Record]:
        return self.tables["contacts"]

    @property
    def products(self) -> dict[int, Record]:
        return self.tables["products"]

    @property
    def tickets(self) -> dict[int, Record]:
        return self.tables["tickets"]

    @property
    def comments(self) -> dict[int, Record]:
        return self.tables["comments"]

    @property
    def timers(self) -> dict[int, Record]:
        return self.tables["timers"]

    @property
    def ticket_line_items(self) -> dict[int, Record]:
        return self.tables["ticket_line_items"]

    @property
    def invoices(self) -> dict[int, Record]:
        return self.tables["invoices"]

    @property
    def invoice_line_items(self) -> dict[int, Record]:
        return self.tables["invoice_line_items"]

    @property
    def appointments(self) -> dict[int, Record]:
        return self.tables["appointments"]

    @property
    def assets(self) -> dict[int, Record]:
        return self.tables["assets"]

    @property
    def rmm_alerts(self) -> dict[int, Record]:
        return self.tables["rmm_alerts"]

    @property
    def invoice_emails(self) -> dict[int, Record]:
        """POST /invoices/{id}/email calls, recorded (nothing is sent)."""
        return self.tables["invoice_emails"]

    # -- writes ----------------------------------------------------------------------------
    def insert(self, table: str, record: Record, *, id: int | None = None) -> Record:
        """Store ``record`` under a fresh id (or ``id``, for seeding) and return it."""
        new_id = self.next_ids[table] if id is None else id
        fields = {k: v for k, v in record.items() if k != "id"}
        record.clear()  # keep the caller's dict (identity matters) but put "id" first, as Syncro does
        record["id"] = new_id
        record.update(fields)
        self.tables[table][new_id] = record
        self.next_ids[table] = max(self.next_ids[table], new_id + 1)
        return record

    def take_ticket_number(self) -> int:
        number = self.next_ticket_number
        self.next_ticket_number += 1
        return number

    def take_invoice_number(self) -> str:
        number = self.next_invoice_number
        self.next_invoice_number += 1
        return str(number)

    # -- queries used by several endpoints -------------------------------------------------
    def ticket_by_number(self, number: int | str) -> Record | None:
        text = str(number).strip().lstrip("#")
        return next((t for t in self.tickets.values() if str(t["number"]) == text), None)

    def children(self, table: str, key: str, value: int) -> list[Record]:
        return [r for r in self.tables[table].values() if r.get(key) == value]

    # -- persistence -----------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "tables": {name: list(rows.values()) for name, rows in self.tables.items()},
            "next_ids": dict(self.next_ids),
            "next_ticket_number": self.next_ticket_number,
            "next_invoice_number": self.next_invoice_number,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SandboxState:
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported sandbox state version: {data.get('version')!r}")
        state = cls()
        for name in TABLES:
            state.tables[name] = {int(r["id"]): r for r in data["tables"].get(name, [])}
        # Files saved before a table existed load with that table empty (same STATE_VERSION).
        state.next_ids.update({k: int(v) for k, v in data["next_ids"].items()})
        state.next_ticket_number = int(data["next_ticket_number"])
        state.next_invoice_number = int(data["next_invoice_number"])
        return state

    def save(self, path: str | Path) -> None:
        """Write atomically so a crash mid-save never leaves a half-written demo state."""
        target = Path(path)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=1, sort_keys=True), encoding="utf-8")
        tmp.replace(target)

    @classmethod
    def load(cls, path: str | Path) -> SandboxState:
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))

    def clone(self) -> SandboxState:
        return SandboxState.from_json(copy.deepcopy(self.to_json()))
