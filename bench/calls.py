"""Calls per command: how many Syncro requests each seed command costs, against the API's minimum.

Every command runs twice on its own fresh sandbox + server: **cold** (first call of the process:
empty caches) and **warm** (the same command again on another ticket/customer, so number→id is
still unknown but the account lists — statuses, priorities — are cached, as in a working session).
A confirmed write counts both calls of the token flow (preview, then the call with
``confirm_token``): that is what the tech's one request costs.

``tests/bench/test_call_counts.py`` imports ``COMMANDS`` and ``measure`` from here, so the bench
and the regression test can never disagree about what was counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mcp import Client
from syncro_mcp.testing import in_memory


@dataclass(frozen=True)
class Command:
    key: str  # the seed command
    tool: str
    cold_args: dict[str, Any]
    warm_args: dict[str, Any]
    min_reads: int
    min_writes: int
    why: str  # reasoning for the minimum
    budget: tuple[int, int]  # (reads, writes) the warm run may use (today's figures): the regression bound
    target: str = ""  # the target, when it sets one
    cold_extra: int = 1  # account-list reads a cold run may add (bill: + the catalogue page for prices)
    witness: int = 0
    """Reads the write path adds after approval, on top of ``budget`` (which bounds the preview and the
    rest): GET /tickets/{id} right before the first write, Syncro as the shared witness (issue 13)."""
    settings: dict[str, Any] = field(default_factory=dict)  # e.g. the opt-in toolsets the tool needs


COMMANDS: tuple[Command, ...] = (
    Command(
        "list tickets", "list_tickets", {}, {"limit": 25}, 1, 0,
        "one GET /tickets?status=… page (25 per page) holds the open list",
        (1, 0),
    ),
    Command(
        "get ticket N", "get_ticket", {"number": 32164}, {"number": 32165}, 2, 0,
        "Syncro has no lookup by number: GET /tickets?number=N gives the id, GET /tickets/{id} the "
        "detail (comments and timers are embedded)",
        (2, 0), "≤ 2",
    ),
    Command(
        "create", "create_ticket",
        {"customer": "LeeAnn Parkinson", "subject": "Printer jam"},
        {"customer": "Jerry Burger", "subject": "VPN drops"}, 1, 1,
        "customer name → id needs GET /customers?query=; then POST /tickets (a customer id given "
        "instead of a name saves the read)",
        (1, 1),
    ),
    Command(
        "update status", "update_ticket", {"number": 32164, "status": "In Progress"},
        {"number": 32165, "status": "Scheduled"}, 1, 1,
        "number → id (GET /tickets?number=), then PUT /tickets/{id}; the status list is account data, "
        "cached between calls",
        (1, 1),
    ),
    Command(
        "close", "close_ticket", {"number": 32163, "resolution": "Reset Jim's password."},
        {"number": 32162, "resolution": "Replaced the toner."}, 1, 2,
        "number → id, POST …/comment (resolution), PUT status: Syncro's ticket PUT takes no comment",
        (1, 2), witness=1,
    ),
    Command(
        "comment", "add_comment", {"number": 32164, "body": "Rebooted the NAS."},
        {"number": 32165, "body": "Called the customer back."}, 1, 1,
        "number → id, then POST /tickets/{id}/comment",
        (1, 1), witness=1,
    ),
    Command(
        "comment with time", "add_comment",
        {"number": 32164, "body": "Fixed sync.", "minutes": 30, "labor_type": "remote"},
        {"number": 32165, "body": "Reinstalled the driver.", "minutes": 15, "labor_type": "onsite"}, 1, 2,
        "number → id; POST …/comment never carries time, so POST …/timer_entry is a second write",
        (1, 2), "2 writes + ≤ 1 read (+ 1 witness read)", witness=1,
    ),
    Command(
        "log time", "log_time", {"number": 32164, "minutes": 15, "labor_type": "onsite", "notes": "Swapped cable"},
        {"number": 32165, "minutes": 45, "labor_type": "remote", "notes": "Mailbox migration"}, 1, 1,
        "number → id, then POST …/timer_entry",
        (1, 1), witness=1,
    ),
    Command(
        "log past time for a tech", "log_time",
        {"number": 32164, "minutes": 15, "labor_type": "onsite", "notes": "x", "started_at": "2026-11-24T09:00:00",
         "tech": "Jordan"},
        {"number": 32165, "minutes": 15, "labor_type": "onsite", "notes": "y", "started_at": "2026-11-24T10:00:00",
         "tech": "Sam"}, 1, 1,
        "number → id, then POST …/timer_entry with user_id (the technicians come with the cached ticket settings)",
        (1, 1), witness=1,
    ),
    Command(
        "fix time", "update_time_entry", {"number": 32160, "entry_id": 18800627, "minutes": 50},
        {"number": 32165, "entry_id": 18800839, "minutes": 45}, 4, 1,
        "number → id, GET the ticket (the entry, its times and charge state), GET /invoices?ticket_id= (is it on "
        "an invoice?), PUT explicit start/end, GET the ticket to read it back. The token call checks the entry "
        "again (+2 reads): it may have been billed since the preview",
        (6, 1),
    ),
    Command(
        "delete time", "delete_time_entry", {"number": 32160, "entry_id": 18800680},
        {"number": 32174, "entry_id": 18801051}, 3, 1,
        "number → id, GET the ticket, GET /invoices?ticket_id=, POST delete_timer_entry; the token call checks "
        "the entry again (+2 reads)",
        (5, 1),
    ),
    Command(
        "email invoice", "email_invoice", {"invoice": "1044"}, {"invoice": "1045"}, 2, 1,
        "GET the invoice and its customer (the recipients the preview names), GET its ticket (the journal's key) "
        "when it has one, POST …/email; the token call reuses what the preview read",
        (2, 1),
    ),
    Command(
        "bill", "bill_ticket",
        {"number": 32164, "minutes": 30, "labor_type": "remote", "notes": "Fixed sync."},
        {"number": 32165, "minutes": 60, "labor_type": "onsite", "notes": "Replaced the switch."}, 2, 4,
        "number → id; GET /tickets/{id} for the preview (issue 14: every line the invoice will carry: "
        "uncharged timers, parts, the customer's prepaid hours; the confirmed call reuses it; catalogue "
        "prices cached); POST comment, POST timer_entry, POST /invoices, PUT status Invoiced; one GET "
        "/invoices/{id} to check the labor line and read the invoice back (a POST line item only when missing)",
        (3, 4), "≤ 4 writes + ≤ 3 reads (settings cached; + 1 witness read)", cold_extra=2, witness=1,
    ),
    Command(
        "part", "add_ticket_part", {"number": 32164, "product": "26117", "quantity": 1},
        {"number": 32165, "product": "26117", "quantity": 2}, 2, 1,
        "number → id, GET /products/{id} (name, description and price the preview shows), POST …/add_line_item; "
        "the token call reuses both",
        (2, 1),
    ),
    Command(
        "invoice", "create_invoice", {"number": 32170}, {"number": 32164}, 1, 1,
        "number → id (the customer is in the summary), then POST /invoices; the token call reuses it",
        (1, 1),
    ),
    Command(
        "invoice line", "add_invoice_line_item",
        {"invoice": "1044", "labor_type_or_product": "remote", "quantity": 1},
        {"invoice": "1045", "labor_type_or_product": "onsite", "quantity": 0.5}, 2, 1,
        "GET the invoice (number → id) and the product (its price), then POST …/line_items; the token call "
        "reuses both",
        (2, 1),
    ),
    Command(
        "delete invoice", "delete_invoice", {"invoice": "1044"}, {"invoice": "1045"}, 1, 1,
        "GET the invoice (number → id, the total the preview shows), then DELETE /invoices/{id}; the token "
        "call reuses it",
        (1, 1),
    ),
    Command(
        "search", "search", {"query": "Burger"}, {"query": "email"}, 2, 0,
        "free text over tickets and customers: GET /tickets?query= and GET /customers?query=",
        (2, 0),
    ),
    Command(
        "customers", "list_customers", {}, {"query": "Len"}, 1, 0,
        "one GET /customers page",
        (1, 0),
    ),
    Command(
        "customer detail", "get_customer", {"customer": "Len's Auto Brokerage"},
        {"customer": "Jerry Burger"}, 2, 0,
        "name → customer (GET /customers?query=, contacts embedded), then its open tickets "
        "(GET /tickets?customer_id=); a customer listed without contacts costs GET /contacts",
        (3, 0),
    ),
    Command(
        "my time", "my_time", {"period": "week"}, {"period": "last_week"}, 3, 0,
        "GET /ticket_timers from the period's first midnight (one page here; every page it needs), then "
        "GET /tickets/{id} once per ticket the entries sit on (a timer carries no ticket number or "
        "customer); the key's user (GET /me) is cached; a labor product outside labor_types is named from "
        "the catalogue's first page (GET /products, cached; not needed here)",
        (3, 0),
    ),
    Command(
        "unbilled", "unbilled_work", {"customer": "LeeAnn Parkinson"}, {"customer": "Jerry Burger"}, 8, 0,
        "name → id (GET /customers?query=); GET /ticket_timers from `since` (every page); the customer's "
        "tickets (GET /tickets?customer_id=); GET /tickets/{id} per ticket holding uncharged time or that may "
        "hold parts (neither closed nor invoiced: no list carries line items); GET /invoices?ticket_id= per "
        "Closed ticket among them (time an invoice carries while Syncro still shows it uncharged: "
        "tools/billed.py); GET /products/{id} per labor "
        "product priced (no batch read)",
        (8, 0),
    ),
    Command(
        "customer history", "customer_history", {"customer": "Len's Auto Brokerage"},
        {"customer": "LeeAnn Parkinson"}, 4, 0,
        "name → customer (GET /customers?query=, contacts embedded); its tickets, every status (GET "
        "/tickets?customer_id=, every page); GET /invoices (no customer filter in Syncro: pages until five of "
        "theirs or the end); GET "
        "/ticket_timers from the month's first midnight; a customer listed without contacts costs GET /contacts",
        (5, 0),
    ),
    Command(
        "overdue", "list_tickets", {"overdue": True}, {"stale_days": 30}, 1, 0,
        "Syncro cannot filter on due date or last update: every GET /tickets?status=Not Closed page "
        "is read (one page here), then filtered",
        (1, 0),
    ),
    Command(
        "whole thread", "get_ticket", {"number": 32164, "all_comments": True},
        {"number": 32165, "all_comments": True}, 3, 0,
        "number → id (GET /tickets?number=), GET /tickets/{id}, then GET /tickets/{id}/comments page by page "
        "(100 asked per page) to Syncro's last page, meta.total_pages (the detail embeds only some comments)",
        (3, 0),
    ),
    Command(
        "appointments", "list_appointments", {}, {"mine": True}, 1, 0,
        "GET /appointments?date_from&date_to (every page); the tech names come from the account's user "
        "list, cached (not needed with mine)",
        (1, 0), settings={"toolsets": ["tickets", "schedule"]},
    ),
    Command(
        "find asset", "find_asset", {"query": "7XK4P93"}, {"query": "Len's Auto"}, 1, 0,
        "GET /customer_assets?query= (Syncro matches name, serial, type and customer; every page); the "
        "customer is embedded. Only when that finds nothing: GET /customer_assets (every page), matched here "
        "on the make/model properties too",
        (1, 0), settings={"toolsets": ["tickets", "assets"]},
    ),
    Command(
        "alerts", "list_rmm_alerts", {}, {"customer": "Len's Auto Brokerage", "status": "all"}, 2, 0,
        "GET /rmm_alerts?status= (every page; no customer filter in Syncro), and name → id (GET "
        "/customers?query=) for a customer; unfiltered, an alert names only its customer's id: GET "
        "/customers/{id} per customer shown (cold: 3 customers)",
        (2, 0), cold_extra=2, settings={"toolsets": ["tickets", "assets"]},
    ),
    Command(
        "schedule", "schedule_appointment",
        {"number": 32164, "start": "2026-11-27T09:30:00-07:00", "minutes": 60, "tech": "Jordan"},
        {"number": 32165, "start": "2026-11-30T13:00:00-07:00", "minutes": 90}, 1, 1,
        "number → id (GET /tickets?number=, the customer is in the summary); POST /appointments; the tech "
        "(the key's user, or a name from the account's user list) is cached",
        (1, 1), settings={"toolsets": ["tickets", "schedule"]},
    ),
    Command(
        "move appointment", "move_appointment",
        {"appointment_id": 5560200291, "start": "2026-11-26T14:00:00-07:00"},
        {"appointment_id": 5560200194, "start": "2026-11-30T10:00:00-07:00"}, 1, 1,
        "GET /appointments/{id} (its start and end: the move keeps its length), then PUT /appointments/{id}; "
        "the token call reads the appointment again (its current times, a safety read: a move or a new length "
        "since the preview is never overwritten, +1)",
        (2, 1), settings={"toolsets": ["tickets", "schedule"]},
    ),
    Command(
        "ticket from alert", "ticket_from_alert", {"alert_id": 61450145}, {"alert_id": 61450116}, 3, 1,
        "GET /rmm_alerts/{id} (its customer, asset and text), GET /tickets?customer_id=&since_updated_at= (a "
        "ticket made for it earlier: Syncro does not link it to the alert) and GET /customers/{id} (the "
        "preview's name), then POST /tickets with the asset linked; the token call reads the alert and the "
        "customer's tickets again (a ticket made from it since the preview is refused: safety reads, +2) and "
        "keeps the customer",
        (5, 1), settings={"toolsets": ["tickets", "assets"]},
    ),
)


#: A cold run may load the account lists (GET /tickets/settings or /settings) once more than warm.
COLD_EXTRA_READS = 1


@dataclass
class Count:
    reads: int = 0
    writes: int = 0
    preview_reads: int = 0  # part of ``reads`` made by the preview call of a confirmed write
    confirmed: bool = False
    ok: bool = True
    requests: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.reads + self.writes


async def _flow(env: Any, tool: str, args: dict[str, Any]) -> Count:
    """One command as the tech experiences it: the call, and for a confirmed write its token repeat."""
    log = env.sandbox.requests
    log.clear()
    count = Count()
    async with Client(env.server, mode="legacy") as c:
        r = await c.call_tool(tool, args)
        sc = r.structured_content or {}
        if not r.is_error and sc.get("status") == "needs_confirmation":
            count.confirmed = True
            count.preview_reads = len(log)
            r = await c.call_tool(tool, {**args, "confirm_token": sc["confirm_token"]})
            sc = r.structured_content or {}
        count.ok = not r.is_error and sc.get("status") not in ("needs_confirmation", "cancelled")
    for q in log:
        count.requests.append(f"{q.method} {q.path}" + (f"?{'&'.join(sorted(q.query))}" if q.query else ""))
        if q.method == "GET":
            count.reads += 1
        else:
            count.writes += 1
    return count


async def measure(cmd: Command) -> tuple[Count, Count]:
    """(cold, warm) counts for one command, on a fresh sandbox and server."""
    # Confirmed by token here, so destructive tools (delete_time_entry) need destructive_by_token;
    # the elicitation path sends the same requests.
    async with in_memory(destructive_by_token=True, **cmd.settings) as env:
        cold = await _flow(env, cmd.tool, cmd.cold_args)
        warm = await _flow(env, cmd.tool, cmd.warm_args)
    return cold, warm


def within_budget(cmd: Command, cold: Count, warm: Count) -> bool:
    reads, writes = cmd.budget
    reads += cmd.witness
    return (
        warm.reads <= reads and warm.writes <= writes
        and cold.reads <= reads + max(COLD_EXTRA_READS, cmd.cold_extra) and cold.writes <= writes
    )


async def run() -> dict[str, Any]:
    rows = []
    for cmd in COMMANDS:
        cold, warm = await measure(cmd)
        rows.append({
            "command": cmd.key,
            "tool": cmd.tool,
            "cold": {"reads": cold.reads, "writes": cold.writes, "ok": cold.ok, "requests": cold.requests},
            "warm": {"reads": warm.reads, "writes": warm.writes, "ok": warm.ok, "requests": warm.requests,
                     "preview_reads": warm.preview_reads, "confirmed": warm.confirmed},
            "minimum": {"reads": cmd.min_reads, "writes": cmd.min_writes},
            "why": cmd.why,
            "target": cmd.target,
            "budget": {"reads": cmd.budget[0], "writes": cmd.budget[1], "witness_reads": cmd.witness},
            "within_budget": within_budget(cmd, cold, warm),
        })
    return {"commands": rows}


def table(result: dict[str, Any]) -> str:
    from .table import render

    head = ["command", "tool", "cold r+w", "warm r+w", "minimum r+w", "over min", "target", "ok"]
    body = []
    for r in result["commands"]:
        c, w, m = r["cold"], r["warm"], r["minimum"]
        over = (w["reads"] + w["writes"]) - (m["reads"] + m["writes"])
        body.append([
            r["command"], r["tool"], f"{c['reads']}+{c['writes']}", f"{w['reads']}+{w['writes']}",
            f"{m['reads']}+{m['writes']}", f"+{over}" if over > 0 else "0", r["target"] or "-",
            "yes" if (c["ok"] and w["ok"] and r["within_budget"]) else "NO",
        ])
    notes = "\n".join(f"  {r['command']}: {r['why']}" for r in result["commands"])
    return (
        render(head, body)
        + "\nr+w = GET requests + writes (POST/PUT/DELETE) seen by the sandbox; a confirmed write counts its preview"
        "\ncall and its confirm_token call. cold = first call of a fresh server; warm = same command on another"
        "\nticket/customer afterwards (account lists cached, number→id not). Minimum and why:\n"
        + notes
    )


__all__ = ["COLD_EXTRA_READS", "COMMANDS", "Command", "Count", "measure", "run", "table", "within_budget"]
