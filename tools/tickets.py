"""Tickets toolset: the open-ticket summary, detail, search, create/update/close/delete, comments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from pydantic import Field
from syncro_mcp.client.models import TicketSummary

from . import formatting as fmt
from . import mapping
from .errors import InputError
from .journal import Entry
from .models import SearchResult, TicketDetail, TicketList, WriteResult
from .params import Labor, Limit, Minutes, Name, Number, Text
from .registry import Registrar
from .runtime import Runtime
from .steps import CLOCK_SLACK, Results, RunReport, Step
from .writes import Operation, resume_note, run_journaled, unfinished_for

MAX_PAGES = 4  # limit ≤ 100 and Syncro pages hold at least 25
NOT_CLOSED = "Not Closed"
# The seed's status order: what needs a tech first.
STATUS_ORDER = [
    "New",
    "In Progress",
    "Customer Reply",
    "Waiting on Customer",
    "Waiting on Vendor",
    "Waiting for Parts",
    "Scheduled",
    "Resolved",
    "Invoiced",
    "Closed",
]


def sort_tickets(tickets: list[TicketSummary]) -> list[TicketSummary]:
    """Group by status (seed order, unknown statuses after), newest number first within a group."""
    rank = {s.casefold(): i for i, s in enumerate(STATUS_ORDER)}
    return sorted(tickets, key=lambda t: (rank.get((t.status or "").casefold(), len(rank)), -(t.number or 0)))


def visibility(hidden: bool, do_not_email: bool) -> str:
    if hidden:
        return "hidden (tech-only note, not emailed)"
    return "public, NOT emailed" if do_not_email else "public, emailed to the customer"


def ticket_label(t: TicketSummary) -> str:
    return f"#{t.number} ({t.customer_business_then_name or 'no customer'} — {t.subject or ''})"


@dataclass
class CommentPlan:
    """Resolved ids and the exact preview of a comment (and optional time entry)."""

    preview: str
    ticket: TicketSummary
    subject: str
    body: str
    hidden: bool
    do_not_email: bool
    minutes: int | None = None
    labor: str | None = None
    product_id: int | None = None
    args: dict[str, Any] = field(default_factory=dict)
    """The call's arguments as the journal keys it."""


@dataclass
class TicketPlan:
    preview: str
    ticket: TicketSummary | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    comment: str | None = None


def comment_step(rt: Runtime, ticket: TicketSummary, subject: str, body: str, hidden: bool, do_not_email: bool) -> Step:
    """POST the comment: never any time fields (Syncro ignores them; time is a timer entry)."""
    client = rt.client

    async def send(step: Step, _: Results) -> dict[str, Any]:
        c = await client.add_comment(ticket.id, **step.body)
        return {"comment_id": c.id}

    async def find(step: Step, _: Results, since: datetime) -> dict[str, Any] | None:
        for c in await client.list_comments(ticket.id, per_page=10):
            if c.id in step.claimed:
                continue  # an earlier identical comment another journal entry posted
            recent = c.created_at is None or c.created_at >= since - CLOCK_SLACK
            if recent and (c.body or "").strip() == step.body["body"].strip() and c.subject == step.body["subject"]:
                return {"comment_id": c.id}
        return None

    payload = {"subject": subject, "body": body, "hidden": hidden, "do_not_email": do_not_email}
    describe = f"POST comment on #{ticket.number} ({visibility(hidden, do_not_email)})"
    return Step("comment", describe, payload, send, find, key="comment_id")


def comment_steps(rt: Runtime, plan: CommentPlan) -> list[Step]:
    """Comment then (if minutes) a timer entry: the seed's two-call pattern."""
    steps = [comment_step(rt, plan.ticket, plan.subject, plan.body, plan.hidden, plan.do_not_email)]
    if plan.minutes:
        steps.append(timer_step(rt, plan.ticket, plan.minutes, plan.labor or "", plan.product_id or 0, plan.body))
    return steps


def timer_step(rt: Runtime, ticket: TicketSummary, minutes: int, labor: str, product_id: int, notes: str) -> Step:
    """A billable timer entry ending now: ``start_at`` = end − minutes."""
    client = rt.client
    end = rt.now()
    payload = {
        "start_at": (end - timedelta(minutes=minutes)).isoformat(),
        "end_at": end.isoformat(),
        "notes": notes,
        "billable": True,
        "product_id": product_id,
    }

    async def send(step: Step, _: Results) -> dict[str, Any]:
        b = step.body
        t = await client.add_timer_entry(
            ticket.id,
            start_at=datetime.fromisoformat(b["start_at"]),
            end_at=datetime.fromisoformat(b["end_at"]),
            notes=b["notes"],
            product_id=b["product_id"],
            billable=b["billable"],
        )
        return {"timer_id": t.id, "start_at": b["start_at"], "end_at": b["end_at"]}

    async def find(step: Step, _: Results, since: datetime) -> dict[str, Any] | None:
        b = step.body
        start = datetime.fromisoformat(b["start_at"])
        for t in (await client.get_ticket(ticket.id)).ticket_timers:
            if t.id in step.claimed:
                continue  # an identical entry another journal entry logged (a second bill)
            same_start = t.start_time is not None and abs((t.start_time - start).total_seconds()) < 60
            if same_start and t.product_id == b["product_id"] and (t.notes or "").strip() == b["notes"].strip():
                return {"timer_id": t.id, "start_at": b["start_at"], "end_at": b["end_at"]}
        return None

    return Step(
        "timer", f"POST timer entry: {minutes} min {labor} on #{ticket.number}", payload, send, find, key="timer_id"
    )


def time_preview(minutes: int, labor: str, product_id: int, end_hint: str) -> str:
    return (
        f"Then log {fmt.duration(minutes)} of {labor} labor (product {product_id}), billable, "
        f"as a separate time entry ending now ({end_hint})."
    )


def register(reg: Registrar, rt: Runtime) -> None:
    client, resolver = rt.client, rt.resolver

    @reg.read("tickets", "List tickets", TicketList)
    async def list_tickets(
        status: Annotated[str, Field(max_length=60)] = NOT_CLOSED,
        customer: Name | None = None,
        assigned_to_me: bool = False,
        query: Annotated[str | None, Field(max_length=200)] = None,
        limit: Limit = 25,
    ):
        """Ticket summary, one line per ticket (default: all not closed)."""
        status_filter = (
            NOT_CLOSED if status.strip().casefold() == NOT_CLOSED.casefold() else await resolver.status(status)
        )
        customer_id = (await resolver.customer(customer)).id if customer else None
        tickets: list[TicketSummary] = []
        page_no, more = 1, False
        while True:  # page by page, so we know whether Syncro holds more than we fetched
            page = await client.list_tickets(
                status=status_filter,
                customer_id=customer_id,
                query=query,
                mine=True if assigned_to_me else None,
                page=page_no,
            )
            tickets += page.items
            more = page.has_more
            if len(tickets) >= limit or not more or page_no >= MAX_PAGES:
                break
            page_no += 1
        for t in tickets:
            resolver.remember(t)
        shown = sort_tickets(tickets)[:limit]
        result = TicketList(
            tickets=[mapping.ticket_row(t) for t in shown],
            total=len(tickets),
            truncated=len(tickets) > len(shown),
            complete=not more,
        )
        heading = ", ".join(
            p
            for p in (
                status_filter,
                customer and f"customer {customer}",
                assigned_to_me and "mine",
                query and f"matching “{query}”",
            )
            if p
        )
        return result, fmt.ticket_list(result, heading)

    @reg.read("tickets", "Show ticket", TicketDetail)
    async def get_ticket(number: Number):
        """Full ticket: status, customer, dates, tech, last 5 comments, time entries, billing."""
        tid = await resolver.ticket_id(number)
        detail = await client.get_ticket(tid)
        result = mapping.ticket_detail(detail, resolver.labor_names())
        return result, fmt.ticket_detail(result)

    @reg.read("tickets", "Search", SearchResult)
    async def search(query: Annotated[str, Field(min_length=1, max_length=200)]):
        """Tickets and customers matching free text."""
        tickets = (await client.list_tickets(query=query)).items
        customers = (await client.list_customers(query=query)).items
        result = SearchResult(
            tickets=[mapping.ticket_row(t) for t in sort_tickets(tickets)],
            customers=[mapping.customer_row(c) for c in customers],
        )
        return result, fmt.search_result(result, query)

    # -- create / update ----------------------------------------------------------------------
    async def plan_create(
        customer: str,
        subject: str,
        description: str | None,
        problem_type: str | None,
        status: str | None,
        priority: str | None,
        due_date: date | None,
        contact: str | None,
        assignee: str | None,
        ticket_type: str | None,
    ) -> TicketPlan:
        cust = await resolver.customer(customer)
        fields: dict[str, Any] = {"customer_id": cust.id, "subject": subject}
        shown = [f"Customer: {cust.display_name}", f"Subject: {subject}"]
        if problem_type:
            fields["problem_type"] = await resolver.problem_type(problem_type)
        if status:
            fields["status"] = await resolver.status(status)
        if priority:
            fields["priority"] = await resolver.priority(priority)
        if due_date:
            fields["due_date"] = due_date.isoformat()
        if contact:
            c = await resolver.contact(cust.id, contact)
            fields["contact_id"] = c.id
            shown.append(f"Contact: {c.name}")
        if assignee:
            u = await resolver.user(assignee)
            fields["user_id"] = u.id
            shown.append(f"Assignee: {u.name}")
        if ticket_type:
            fields["ticket_type_id"] = await resolver.ticket_type_id(ticket_type)
        shown += [
            f"{k.replace('_', ' ').capitalize()}: {fields[k]}"
            for k in ("problem_type", "status", "priority", "due_date")
            if k in fields
        ]
        if description:
            fields["comments_attributes"] = [
                {"subject": "Initial Issue", "body": description, "hidden": False, "do_not_email": True}
            ]
            shown.append(f"Description: {description}")
        return TicketPlan("Create ticket:\n  " + "\n  ".join(shown), fields=fields)

    @reg.write("tickets", "Create ticket", plan=plan_create, confirm="creates")
    async def create_ticket(
        plan: TicketPlan,
        customer: Annotated[str, Field(min_length=1, max_length=200, description="Customer name or id.")],
        subject: Annotated[str, Field(min_length=1, max_length=255)],
        description: Text | None = None,
        problem_type: Name | None = None,
        status: Name | None = None,
        priority: Name | None = None,
        due_date: date | None = None,
        contact: Name | None = None,
        assignee: Name | None = None,
        ticket_type: Name | None = None,
    ) -> WriteResult:
        """Create a ticket; an ambiguous customer name returns the candidates."""
        t = await client.create_ticket(plan.fields)
        resolver.remember(t)
        row = mapping.ticket_row(t)
        return WriteResult(
            status="done",
            message=f"Created ticket #{t.number}: {t.subject}",
            number=t.number,
            ticket=row,
            steps=["POST ticket"],
        )

    async def plan_update(
        number: int,
        status: str | None,
        subject: str | None,
        problem_type: str | None,
        priority: str | None,
        due_date: date | None,
        assignee: str | None,
        contact: str | None,
    ) -> TicketPlan:
        ticket = await resolver.ticket(number)
        fields: dict[str, Any] = {}
        if status:
            fields["status"] = await resolver.status(status)
        if subject:
            fields["subject"] = subject
        if problem_type:
            fields["problem_type"] = await resolver.problem_type(problem_type)
        if priority:
            fields["priority"] = await resolver.priority(priority)
        if due_date:
            fields["due_date"] = due_date.isoformat()
        if assignee:
            fields["user_id"] = (await resolver.user(assignee)).id
        if contact:
            if ticket.customer_id is None:
                raise InputError(f"Ticket #{number} has no customer, so a contact cannot be set.")
            fields["contact_id"] = (await resolver.contact(ticket.customer_id, contact)).id
        if not fields:
            raise InputError(
                "Nothing to change: give at least one of status, subject, problem_type, priority, "
                "due_date, assignee, contact."
            )
        changes = "\n  ".join(f"{k}: {v}" for k, v in fields.items())
        return TicketPlan(f"Update {ticket_label(ticket)}:\n  {changes}", ticket=ticket, fields=fields)

    @reg.write("tickets", "Update ticket", plan=plan_update, idempotent=True, confirm="creates")
    async def update_ticket(
        plan: TicketPlan,
        number: Number,
        status: Name | None = None,
        subject: Annotated[str | None, Field(min_length=1, max_length=255)] = None,
        problem_type: Name | None = None,
        priority: Name | None = None,
        due_date: date | None = None,
        assignee: Name | None = None,
        contact: Name | None = None,
    ) -> WriteResult:
        """Change status, subject, priority… (values checked against the account's lists)."""
        assert plan.ticket is not None
        t = await client.update_ticket(plan.ticket.id, plan.fields)
        resolver.forget(number)
        return WriteResult(
            status="done",
            message=f"Updated #{number}: " + ", ".join(f"{k}={v}" for k, v in plan.fields.items()),
            number=number,
            ticket=mapping.ticket_row(t),
            steps=["PUT ticket"],
        )

    # -- close / delete ---------------------------------------------------------------------------
    async def plan_close(number: int, resolution: str | None) -> TicketPlan:
        ticket = await resolver.ticket(number)
        status = await resolver.status(rt.config.close_status)
        lines = [f"Close {ticket_label(ticket)}: status {ticket.status} → {status}"]
        if resolution:
            lines.append(f"First add a public Resolution comment (not emailed):\n  ----\n  {resolution}\n  ----")
        return TicketPlan("\n".join(lines), ticket=ticket, fields={"status": status}, comment=resolution)

    def close_steps(plan: TicketPlan) -> list[Step]:
        assert plan.ticket is not None
        steps = []
        if plan.comment:
            steps.append(comment_step(rt, plan.ticket, "Resolution", plan.comment, hidden=False, do_not_email=True))
        steps.append(status_step(rt, plan.ticket, plan.fields["status"]))
        return steps

    def close_done(plan: TicketPlan, report: RunReport, entry: Entry) -> WriteResult:
        assert plan.ticket is not None
        resolver.forget(plan.ticket.number or 0)
        return WriteResult(
            status="done",
            message=f"#{plan.ticket.number} is now {plan.fields['status']}. Offer a session log (write_session_log).",
            number=plan.ticket.number,
            comment_id=report.results.get("comment", {}).get("comment_id"),
            steps=report.lines,
            journal_entry=entry.id,
        )

    rt.operations["close_ticket"] = Operation(
        lambda number, resolution=None: plan_close(number, resolution), close_steps, close_done
    )

    @reg.write("tickets", "Close ticket", plan=plan_close)
    async def close_ticket(plan: TicketPlan, number: Number, resolution: Text | None = None) -> WriteResult:
        """Resolve a ticket, optionally with a closing comment. Then offer write_session_log."""
        args = {"number": number, "resolution": resolution}
        report, entry = await run_journaled(rt, "close_ticket", number, args, close_steps(plan))
        return close_done(plan, report, entry)

    async def plan_delete(number: int) -> TicketPlan:
        ticket = await resolver.ticket(number)
        return TicketPlan(f"DELETE {ticket_label(ticket)}, status {ticket.status}. This cannot be undone.", ticket)

    @reg.write("tickets", "Delete ticket", plan=plan_delete, destructive=True)
    async def delete_ticket(plan: TicketPlan, number: Number) -> WriteResult:
        """Delete a ticket permanently."""
        assert plan.ticket is not None
        await client.delete_ticket(plan.ticket.id)
        resolver.forget(number)
        return WriteResult(status="done", message=f"Deleted ticket #{number}.", number=number, steps=["DELETE ticket"])

    # -- comments ----------------------------------------------------------------------------------
    async def plan_comment(
        number: int,
        body: str,
        subject: str,
        hidden: bool,
        do_not_email: bool,
        minutes: int | None,
        labor_type: str | None,
    ) -> CommentPlan:
        if (minutes is None) != (labor_type is None):
            missing = "labor_type" if labor_type is None else "minutes"
            raise InputError(
                f"To log time with a comment give both minutes and labor_type ({missing} is missing); "
                "ask the user — there is no default."
            )
        product_id = resolver.labor(labor_type) if labor_type else None
        ticket = await resolver.ticket(number)
        lines = [
            f"Comment on {ticket_label(ticket)}",
            f"  Subject: {subject} · {visibility(hidden, do_not_email)}",
            "  ----",
            *(f"  {ln}" for ln in body.splitlines()),
            "  ----",
        ]
        if minutes and labor_type and product_id:
            lines.append(time_preview(minutes, labor_type, product_id, fmt.when(rt.now())))
        args = {
            "number": number,
            "body": body,
            "subject": subject,
            "hidden": hidden,
            "do_not_email": do_not_email,
            "minutes": minutes,
            "labor_type": labor_type,
        }
        return CommentPlan(
            "\n".join(lines) + resume_note(unfinished_for(rt, "add_comment", number, args)),
            ticket,
            subject,
            body,
            hidden,
            do_not_email,
            minutes,
            labor_type and labor_type.casefold(),
            product_id,
            args,
        )

    @reg.write("tickets", "Add comment", plan=plan_comment)
    async def add_comment(
        plan: CommentPlan,
        number: Number,
        body: Text,
        subject: Annotated[str, Field(min_length=1, max_length=120)] = "Update",
        hidden: bool = False,
        do_not_email: bool = False,
        minutes: Minutes | None = None,
        labor_type: Labor | None = None,
    ) -> WriteResult:
        """Post a comment; with minutes + labor_type also a billable time entry (second call)."""
        report, entry = await run_journaled(rt, "add_comment", number, plan.args, comment_steps(rt, plan))
        return comment_done(plan, report, entry)

    def comment_done(plan: CommentPlan, report: RunReport, entry: Entry) -> WriteResult:
        r = report.results
        what = "Comment posted" + (f" and {plan.minutes} min {plan.labor} logged" if plan.minutes else "")
        return WriteResult(
            status="done",
            message=f"{what} on #{plan.ticket.number}.",
            number=plan.ticket.number,
            comment_id=r["comment"]["comment_id"],
            timer_id=r.get("timer", {}).get("timer_id"),
            steps=report.lines,
            journal_entry=entry.id,
        )

    rt.operations["add_comment"] = Operation(plan_comment, lambda plan: comment_steps(rt, plan), comment_done)


def status_step(rt: Runtime, ticket: TicketSummary, status: str) -> Step:
    async def send(step: Step, _: Results) -> dict[str, Any]:
        t = await rt.client.update_ticket(ticket.id, step.body)
        return {"status": t.status or status}

    async def find(step: Step, _: Results, since: datetime) -> dict[str, Any] | None:
        t = await rt.client.get_ticket(ticket.id)
        return {"status": t.status} if (t.status or "").casefold() == status.casefold() else None

    return Step("status", f"PUT status {status} on #{ticket.number}", {"status": status}, send, find)
