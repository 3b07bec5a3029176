"""Tickets toolset: the open-ticket summary, detail, search, create/update/close/delete, comments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Annotated, Any, ClassVar

from pydantic import Field
from syncro_mcp.client.models import Comment, TicketSummary
from syncro_mcp.engine.journal import Entry
from syncro_mcp.engine.plans import Job, Work, close_steps, comment_steps
from syncro_mcp.engine.runner import resume_note
from syncro_mcp.engine.steps import RunReport
from syncro_mcp.engine.writes import visibility

from . import formatting as fmt
from . import mapping
from .billed import billed_on
from .declare import Args, JournaledPlan, Progress, ReadTool, Toolset, WriteArgs, WriteTool
from .errors import InputError
from .formatting import ticket_label
from .links import link, web_base
from .models import SearchResult, TicketDetail, TicketList, WriteResult
from .params import Again, Labor, Limit, Minutes, Name, Number, NumberArgs, Text, TicketArgs
from .periods import check_day
from .runtime import Runtime

MAX_PAGES = 4  # limit ≤ 100 and Syncro pages hold at least 25
NOT_CLOSED = "Not Closed"
CUSTOMER_REPLY = "Customer Reply"
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


def time_preview(work: Work, end_hint: str) -> str:
    return (
        f"Then log {fmt.duration(work.minutes)} of {work.labor} labor (product {work.product_id}), billable, "
        f"as a separate time entry ending now ({end_hint})."
    )


# -- list / show / search --------------------------------------------------------------------------
class ListTicketsArgs(Args):
    status: Annotated[str, Field(max_length=60)] = NOT_CLOSED
    customer: Name | None = None
    mine: bool = False
    tech: Name | None = None
    overdue: bool = False
    stale_days: Annotated[int | None, Field(ge=1, le=3650)] = None  # no update for N days
    customer_replied: bool = False
    query: Annotated[str | None, Field(max_length=200)] = None
    limit: Limit = 25

    def local(self) -> bool:
        """Filters Syncro's list cannot apply: every page is read, then filtered here."""
        return self.overdue or self.stale_days is not None or self.customer_replied


LOCAL_MAX_PAGES = 20  # 500 tickets: a filter Syncro cannot apply reads every page up to this bound


async def _fetch_tickets(rt: Runtime, a: ListTicketsArgs, status: str, customer_id: int | None, user_id: int | None):
    """Page by page, so we know whether Syncro holds more than we fetched."""
    tickets: list[TicketSummary] = []
    page_no = 1
    bound = LOCAL_MAX_PAGES if a.local() else MAX_PAGES
    while True:
        page = await rt.client.list_tickets(
            status=status, customer_id=customer_id, query=a.query, mine=True if a.mine else None,
            user_id=user_id, page=page_no,
        )
        tickets += page.items
        enough = len(tickets) >= a.limit and not a.local()
        if enough or not page.has_more or page_no >= bound:
            return tickets, page.has_more
        page_no += 1


def _triage(rt: Runtime, a: ListTicketsArgs, tickets: list[TicketSummary]) -> list[TicketSummary]:
    now = rt.now()
    if a.overdue:
        tickets = [t for t in tickets if t.due_date is not None and t.due_date < now]
    if a.stale_days is not None:
        cutoff = now - timedelta(days=a.stale_days)
        tickets = [t for t in tickets if t.updated_at is not None and t.updated_at < cutoff]
    if a.customer_replied:  # Syncro's flag (docs/syncro-facts.md#tickets), or the status some accounts use for it
        tickets = [t for t in tickets if t.customer_reply or (t.status or "").casefold() == CUSTOMER_REPLY.casefold()]
    return tickets


async def _status(rt: Runtime, a: ListTicketsArgs) -> str:
    if a.status.strip().casefold() == NOT_CLOSED.casefold():
        return NOT_CLOSED
    return await rt.resolver.status(a.status)


def _heading(a: ListTicketsArgs, status: str) -> str:
    parts = (status, a.customer and f"customer {a.customer}", a.mine and "mine", a.tech and f"tech {a.tech}",
             a.overdue and "overdue", a.stale_days and f"no update for {a.stale_days}+ days",
             a.customer_replied and "customer replied",
             a.query and f"matching “{a.query}”")
    return ", ".join(p for p in parts if p)


async def list_tickets(rt: Runtime, a: ListTicketsArgs) -> tuple[TicketList, str]:
    """Tickets, one line each (default: all not closed)."""
    resolver = rt.resolver
    status = await _status(rt, a)
    customer_id = (await resolver.customer(a.customer)).id if a.customer else None
    user_id = (await resolver.user(a.tech)).id if a.tech else None
    fetched, more = await _fetch_tickets(rt, a, status, customer_id, user_id)
    for t in fetched:
        resolver.remember(t)
    tickets = _triage(rt, a, fetched)
    shown = sort_tickets(tickets)[: a.limit]
    result = TicketList(
        tickets=[mapping.ticket_row(t, web_base(rt.settings)) for t in shown],
        total=len(tickets),
        truncated=True if len(tickets) > len(shown) else None,
        complete=not more,
    )
    return result, fmt.ticket_list(result, _heading(a, status))


class GetTicketArgs(NumberArgs):
    all_comments: bool = False


COMMENTS_PER_PAGE = 100
MAX_COMMENT_PAGES = 20


async def _thread(rt: Runtime, ticket_id: int) -> tuple[list[Comment], bool]:
    """Every comment, newest first: ``GET /tickets/{id}/comments`` page by page to Syncro's last page
    (``meta.total_pages``; without meta, until a short page); ``(comments, complete)``, False when
    ``MAX_COMMENT_PAGES`` stopped the walk first."""
    thread: list[Comment] = []
    for page_no in range(1, MAX_COMMENT_PAGES + 1):
        page = await rt.client.comments_page(ticket_id, per_page=COMMENTS_PER_PAGE, page=page_no)
        thread += page.items
        no_meta_short = page.total_pages is None and len(page.items) < COMMENTS_PER_PAGE
        if not page.has_more or no_meta_short:
            return thread, True
    return thread, False


async def get_ticket(rt: Runtime, a: GetTicketArgs) -> tuple[TicketDetail, str]:
    """Full ticket: details, last 5 comments, time entries, billing."""
    ticket_id = await rt.resolver.ticket_id(a.number)
    detail = await rt.client.get_ticket(ticket_id)
    billed = (await billed_on(rt.client, detail)).timers
    if not a.all_comments:
        result = mapping.ticket_detail(detail, rt.resolver.labor_names(), billed=billed)
    else:
        thread, complete = await _thread(rt, ticket_id)
        result = mapping.ticket_detail(detail, rt.resolver.labor_names(), thread, shown=None, billed=billed)
        result.complete = complete
    result.url = link(rt.settings, "tickets", ticket_id)
    return result, fmt.ticket_detail(result)


class SearchArgs(Args):
    query: Annotated[str, Field(min_length=1, max_length=200)]


async def search(rt: Runtime, a: SearchArgs) -> tuple[SearchResult, str]:
    """Tickets and customers matching free text."""
    tickets = (await rt.client.list_tickets(query=a.query)).items
    customers = (await rt.client.list_customers(query=a.query)).items
    base = web_base(rt.settings)
    result = SearchResult(
        tickets=[mapping.ticket_row(t, base) for t in sort_tickets(tickets)],
        customers=[mapping.customer_row(c, base) for c in customers],
    )
    return result, fmt.search_result(result, a.query)


LIST_TICKETS = ReadTool(
    "list_tickets", Toolset.TICKETS, "List tickets", ListTicketsArgs, TicketList, list_tickets,
    untrusted="tickets[].subject",
)
GET_TICKET = ReadTool(
    "get_ticket", Toolset.TICKETS, "Show ticket", GetTicketArgs, TicketDetail, get_ticket,
    untrusted="subject, comments[].body",
)
SEARCH = ReadTool(
    "search", Toolset.TICKETS, "Search", SearchArgs, SearchResult, search,
    untrusted="tickets[].subject, customers[].name",
)


# -- create / update ---------------------------------------------------------------------------------
@dataclass
class TicketPlan:
    preview: str
    ticket: TicketSummary | None = None
    fields: dict[str, Any] = field(default_factory=dict)


class CreateTicketArgs(WriteArgs):
    customer: Annotated[str, Field(min_length=1, max_length=200, description="Name or id.")]
    subject: Annotated[str, Field(min_length=1, max_length=255)]
    description: Text | None = None
    problem_type: Name | None = None
    status: Name | None = None
    priority: Name | None = None
    due_date: date | None = None
    contact: Name | None = None
    assignee: Name | None = None
    ticket_type: Name | None = None
    again: Again = False


async def _account_fields(rt: Runtime, a: CreateTicketArgs | UpdateTicketArgs) -> dict[str, Any]:
    """Status, problem type, priority and due date, checked against the account's lists."""
    fields: dict[str, Any] = {}
    if a.problem_type:
        fields["problem_type"] = await rt.resolver.problem_type(a.problem_type)
    if a.status:
        fields["status"] = await rt.resolver.status(a.status)
    if a.priority:
        fields["priority"] = await rt.resolver.priority(a.priority)
    if a.due_date:
        fields["due_date"] = check_day(a.due_date).isoformat()
    return fields


async def plan_create_ticket(rt: Runtime, a: CreateTicketArgs) -> TicketPlan:
    resolver = rt.resolver
    cust = await resolver.customer(a.customer)
    fields: dict[str, Any] = {"customer_id": cust.id, "subject": a.subject, **await _account_fields(rt, a)}
    shown = [f"Customer: {cust.display_name}", f"Subject: {a.subject}"]
    if a.contact:
        c = await resolver.contact(cust.id, a.contact)
        fields["contact_id"] = c.id
        shown.append(f"Contact: {c.name}")
    if a.assignee:
        u = await resolver.user(a.assignee)
        fields["user_id"] = u.id
        shown.append(f"Assignee: {u.name}")
    if a.ticket_type:
        fields["ticket_type_id"] = await resolver.ticket_type_id(a.ticket_type)
    shown += [
        f"{k.replace('_', ' ').capitalize()}: {fields[k]}"
        for k in ("problem_type", "status", "priority", "due_date")
        if k in fields
    ]
    if a.description:
        fields["comments_attributes"] = [
            {"subject": "Initial Issue", "body": a.description, "hidden": False, "do_not_email": True}
        ]
        shown.append(f"Description: {a.description}")
    return TicketPlan("Create ticket:\n  " + "\n  ".join(shown), fields=fields)


async def create_ticket(rt: Runtime, a: CreateTicketArgs, plan: TicketPlan, progress: Progress | None) -> WriteResult:
    """Create a ticket."""
    t = await rt.client.create_ticket(plan.fields)
    rt.resolver.remember(t)
    return WriteResult(
        status="done", message=f"Created ticket #{t.number}: {t.subject}", number=t.number,
        ticket=mapping.ticket_row(t, web_base(rt.settings)), steps=["POST ticket"],
    )


class UpdateTicketArgs(WriteArgs):
    number: Number
    status: Name | None = None
    subject: Annotated[str | None, Field(min_length=1, max_length=255)] = None
    problem_type: Name | None = None
    priority: Name | None = None
    due_date: date | None = None
    assignee: Name | None = None
    contact: Name | None = None
    again: Again = False


async def plan_update_ticket(rt: Runtime, a: UpdateTicketArgs) -> TicketPlan:
    ticket = await rt.resolver.ticket(a.number)
    fields = await _account_fields(rt, a)
    if a.subject:
        fields["subject"] = a.subject
    if a.assignee:
        fields["user_id"] = (await rt.resolver.user(a.assignee)).id
    if a.contact:
        if ticket.customer_id is None:
            raise InputError(f"Ticket #{a.number} has no customer, so a contact cannot be set.")
        fields["contact_id"] = (await rt.resolver.contact(ticket.customer_id, a.contact)).id
    if not fields:
        raise InputError(
            "Nothing to change: give at least one of status, subject, problem_type, priority, "
            "due_date, assignee, contact."
        )
    order = ("status", "subject", "problem_type", "priority", "due_date", "user_id", "contact_id")
    fields = {k: fields[k] for k in order if k in fields}
    changes = "\n  ".join(f"{k}: {v}" for k, v in fields.items())
    return TicketPlan(f"Update {ticket_label(ticket)}:\n  {changes}", ticket=ticket, fields=fields)


async def update_ticket(rt: Runtime, a: UpdateTicketArgs, plan: TicketPlan, progress: Progress | None) -> WriteResult:
    """Change ticket fields (checked against the account's lists)."""
    assert plan.ticket is not None
    t = await rt.client.update_ticket(plan.ticket.id, plan.fields)
    rt.resolver.forget(a.number)
    return WriteResult(
        status="done",
        message=f"Updated #{a.number}: " + ", ".join(f"{k}={v}" for k, v in plan.fields.items()),
        number=a.number, ticket=mapping.ticket_row(t, web_base(rt.settings)), steps=["PUT ticket"],
    )


CREATE_TICKET = WriteTool(
    "create_ticket", Toolset.TICKETS, "Create ticket", CreateTicketArgs, plan_create_ticket, create_ticket,
    confirm="creates",
)
UPDATE_TICKET = WriteTool(
    "update_ticket", Toolset.TICKETS, "Update ticket", UpdateTicketArgs, plan_update_ticket, update_ticket,
    idempotent=True, confirm="creates",
)


# -- close / delete ------------------------------------------------------------------------------------
class CloseTicketArgs(WriteArgs):
    number: Number
    resolution: Text | None = None
    again: Again = False

    not_journaled: ClassVar[frozenset[str]] = frozenset({"again"})


async def plan_close_ticket(rt: Runtime, a: CloseTicketArgs) -> JournaledPlan:
    ticket = await rt.resolver.ticket(a.number)
    status = await rt.resolver.status(rt.settings.close_status)
    resume = await rt.engine.check("close_ticket", a.number, a.journal_key(), allow_repeat=a.again)
    steps = close_steps(rt.client, ticket, status, a.resolution)
    # The shared witness guards the Resolution comment; a bare status change has nothing it could repeat.
    witness = ticket.id if a.resolution else None
    job = Job("close_ticket", a.number, a.journal_key(), steps, resume, allow_repeat=a.again, witness=witness)
    lines = [f"Close {ticket_label(ticket)}: status {ticket.status} → {status}"]
    if a.resolution:
        lines.append(f"First add a public Resolution comment (not emailed):\n  ----\n  {a.resolution}\n  ----")
    return JournaledPlan("\n".join(lines) + resume_note(job), ticket, job, status=status)


def close_done(rt: Runtime, plan: JournaledPlan, report: RunReport, entry: Entry) -> WriteResult:
    rt.resolver.forget(plan.ticket.number or 0)
    return WriteResult(
        status="done",
        message=f"#{plan.ticket.number} is now {plan.status}. Offer a session log (write_session_log).",
        number=plan.ticket.number,
        comment_id=report.results.get("comment", {}).get("comment_id"),
        steps=report.lines,
        journal_entry=entry.id,
    )


async def close_ticket(rt: Runtime, a: CloseTicketArgs, plan: JournaledPlan, progress: Progress | None) -> WriteResult:
    """Resolve a ticket, optionally with a comment. Then offer write_session_log."""
    return close_done(rt, plan, *await rt.engine.run(plan.job))


async def plan_delete_ticket(rt: Runtime, a: TicketArgs) -> TicketPlan:
    ticket = await rt.resolver.ticket(a.number)
    return TicketPlan(f"DELETE {ticket_label(ticket)}, status {ticket.status}. This cannot be undone.", ticket)


async def delete_ticket(rt: Runtime, a: TicketArgs, plan: TicketPlan, progress: Progress | None) -> WriteResult:
    """Delete a ticket permanently."""
    assert plan.ticket is not None
    await rt.client.delete_ticket(plan.ticket.id)
    rt.resolver.forget(a.number)
    return WriteResult(status="done", message=f"Deleted ticket #{a.number}.", number=a.number, steps=["DELETE ticket"])


CLOSE_TICKET = WriteTool(
    "close_ticket", Toolset.TICKETS, "Close ticket", CloseTicketArgs, plan_close_ticket, close_ticket
)
DELETE_TICKET = WriteTool(
    "delete_ticket", Toolset.TICKETS, "Delete ticket", TicketArgs, plan_delete_ticket, delete_ticket, destructive=True
)


# -- comments -------------------------------------------------------------------------------------------
class AddCommentArgs(WriteArgs):
    number: Number
    body: Text
    subject: Annotated[str, Field(min_length=1, max_length=120)] = "Update"
    hidden: bool = False
    do_not_email: bool = False
    minutes: Minutes | None = None
    labor_type: Labor | None = None
    again: Again = False

    not_journaled: ClassVar[frozenset[str]] = frozenset({"again"})


def comment_work(rt: Runtime, a: AddCommentArgs) -> Work | None:
    """The time entry a comment carries: both minutes and labor, or neither (never a default)."""
    if (a.minutes is None) != (a.labor_type is None):
        missing = "labor_type" if a.labor_type is None else "minutes"
        raise InputError(
            f"To log time with a comment give both minutes and labor_type ({missing} is missing); "
            "ask the user — there is no default."
        )
    if a.minutes is None or a.labor_type is None:
        return None
    return Work(a.minutes, a.labor_type.casefold(), rt.resolver.labor(a.labor_type), a.body)


async def plan_add_comment(rt: Runtime, a: AddCommentArgs) -> JournaledPlan:
    work = comment_work(rt, a)
    ticket = await rt.resolver.ticket(a.number)
    end = rt.now()
    steps = comment_steps(rt.client, ticket, a.subject, a.body, a.hidden, a.do_not_email, work, end)
    resume = await rt.engine.check("add_comment", a.number, a.journal_key(), allow_repeat=a.again)
    job = Job("add_comment", a.number, a.journal_key(), steps, resume, allow_repeat=a.again, witness=ticket.id)
    lines = [
        f"Comment on {ticket_label(ticket)}",
        f"  Subject: {a.subject} · {visibility(a.hidden, a.do_not_email)}",
        "  ----",
        *(f"  {ln}" for ln in a.body.splitlines()),
        "  ----",
    ]
    if work is not None:
        lines.append(time_preview(work, fmt.when(end)))
    return JournaledPlan("\n".join(lines) + resume_note(job), ticket, job, work)


def comment_done(rt: Runtime, plan: JournaledPlan, report: RunReport, entry: Entry) -> WriteResult:
    r, work = report.results, plan.work
    if work is not None:
        rt.resolver.forget(plan.ticket.number or 0)  # a bill's cached detail no longer lists every timer
    what = "Comment posted" + (f" and {work.minutes} min {work.labor} logged" if work else "")
    return WriteResult(
        status="done",
        message=f"{what} on #{plan.ticket.number}.",
        number=plan.ticket.number,
        comment_id=r["comment"]["comment_id"],
        timer_id=r.get("timer", {}).get("timer_id"),
        steps=report.lines,
        journal_entry=entry.id,
    )


async def add_comment(rt: Runtime, a: AddCommentArgs, plan: JournaledPlan, progress: Progress | None) -> WriteResult:
    """Post a comment; with minutes + labor_type also a billable time entry."""
    return comment_done(rt, plan, *await rt.engine.run(plan.job))


ADD_COMMENT = WriteTool("add_comment", Toolset.TICKETS, "Add comment", AddCommentArgs, plan_add_comment, add_comment)

TOOLS = (LIST_TICKETS, GET_TICKET, SEARCH, CREATE_TICKET, UPDATE_TICKET, CLOSE_TICKET, DELETE_TICKET, ADD_COMMENT)
