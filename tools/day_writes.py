"""The technician's-day writes: email an invoice, schedule or move an appointment, a ticket from
an RMM alert. Each is confirmed and journaled; the steps are ``engine.day_writes``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Annotated, Any

from pydantic import Field
from syncro_mcp.client.assets import RmmAlert
from syncro_mcp.client.models import TicketSummary
from syncro_mcp.engine.clock import later
from syncro_mcp.engine.day_writes import AlertTicketStep, AppointmentStep, EmailInvoiceStep, MoveAppointmentStep, moved
from syncro_mcp.engine.journal import NO_TICKET
from syncro_mcp.engine.plans import Job
from syncro_mcp.engine.runner import resume_note
from syncro_mcp.engine.writes import StatusStep

from . import formatting as fmt
from .declare import Progress, Toolset, WriteArgs, WriteTool
from .errors import InputError
from .formatting import ticket_label
from .invoices import InvoiceRef, load_invoice
from .links import from_results
from .models import WriteResult
from .params import Again, Number
from .periods import check_moment
from .runtime import Runtime

Start = Annotated[datetime, Field(description="Start, ISO date-time (account time if no offset).")]
Length = Annotated[int, Field(ge=5, le=24 * 60, description="Length in minutes; ask.")]
RecordId = Annotated[int, Field(ge=1)]


@dataclass
class DayPlan:
    preview: str
    job: Job
    facts: dict[str, Any] = field(default_factory=dict)


def aware(rt: Runtime, when: datetime) -> datetime:
    """A naive time is the account's local time (a start outside the plausible years is refused first)."""
    check_moment(when, "start")
    return when if when.tzinfo else when.replace(tzinfo=rt.now().tzinfo)


async def done(rt: Runtime, plan: DayPlan, progress: Progress | None, message: str, **extra: Any) -> WriteResult:
    report, entry = await rt.engine.run(plan.job, progress)
    results = {k: v for r in report.results.values() for k, v in r.items()}
    return WriteResult(
        status="done", message=message.format(**results, **plan.facts), steps=report.lines, journal_entry=entry.id,
        url=from_results(rt.settings, results),
        **{k: (results.get(v) if isinstance(v, str) else v) for k, v in extra.items()},
    )


async def ticket_number(rt: Runtime, ticket_id: int | None) -> int:
    """The number of the ticket with this id (the journal's key), NO_TICKET for none."""
    return (await rt.client.get_ticket(ticket_id)).number or NO_TICKET if ticket_id else NO_TICKET


# -- email_invoice ---------------------------------------------------------------------------------
class EmailInvoiceArgs(WriteArgs):
    invoice: InvoiceRef
    again: Again = False


async def plan_email_invoice(rt: Runtime, a: EmailInvoiceArgs) -> DayPlan:
    inv = await load_invoice(rt, a.invoice)
    if inv.customer_id is None:
        raise InputError(f"Invoice #{inv.number or inv.id} has no customer; there is nobody to email.")
    cust = await rt.resolver.customer(inv.customer_id)
    to = [x for x in (cust.email, cust.invoice_cc_emails) if x]
    if not to:
        raise InputError(
            f"{cust.business_then_name or 'The customer'} has no email address in Syncro, so the invoice cannot be "
            "emailed. Add one in Syncro first."
        )
    number = await rt.resolver.kept(("ticket_number", inv.ticket_id), partial(ticket_number, rt, inv.ticket_id))
    label = f"#{inv.number or inv.id}"
    resume = await rt.engine.check("email_invoice", number, a.journal_key(), allow_repeat=a.again)
    step = EmailInvoiceStep(rt.client, inv.id, label)
    job = Job("email_invoice", number, a.journal_key(), [step], resume, allow_repeat=a.again)
    preview = (
        f"EMAIL invoice {label} ({inv.customer_business_then_name or cust.business_then_name or ''}, total "
        f"{fmt.money(inv.total)}{', paid' if inv.is_paid else ''}).\n"
        f"  A REAL email goes to the customer's billing contact: {', '.join(to)}.\n"
        "  It cannot be recalled; if Syncro's answer is lost it is not sent again."
    )
    return DayPlan(preview + resume_note(job), job, {"label": label, "to": ", ".join(to)})


async def email_invoice(rt: Runtime, a: EmailInvoiceArgs, plan: DayPlan, progress: Progress | None) -> WriteResult:
    """Email an invoice to the customer's billing contact (a real email)."""
    return await done(rt, plan, progress, "Emailed invoice {label} to {to}.")


EMAIL_INVOICE = WriteTool(
    "email_invoice", Toolset.INVOICES, "Email invoice", EmailInvoiceArgs, plan_email_invoice, email_invoice
)



# -- appointments (schedule toolset) ---------------------------------------------------------------
class ScheduleArgs(WriteArgs):
    number: Number
    start: Start
    minutes: Length
    tech: Annotated[str | None, Field(max_length=200, description="Technician name; default: you.")] = None
    location: Annotated[str | None, Field(max_length=200)] = None
    again: Again = False


async def plan_schedule(rt: Runtime, a: ScheduleArgs) -> DayPlan:
    start = aware(rt, a.start)
    if start < rt.now():
        raise InputError(f"start {fmt.when(start)} is in the past; ask the user for the appointment's date and time.")
    end = later(start, timedelta(minutes=a.minutes))  # elapsed minutes, across a DST change too
    user = await rt.resolver.user(a.tech) if a.tech else None
    ticket = await rt.resolver.ticket(a.number)
    body: dict[str, Any] = {
        "summary": f"#{ticket.number} {ticket.subject or ''}".strip()[:200], "ticket_id": ticket.id,
        "start_at": start.isoformat(), "end_at": end.isoformat(), "do_not_email": True,
    }
    optional = (("customer_id", ticket.customer_id), ("user_id", user and user.id), ("location", a.location))
    body.update({k: v for k, v in optional if v})
    resume = await rt.engine.check("schedule_appointment", a.number, a.journal_key(), allow_repeat=a.again)
    step = AppointmentStep(rt.client, body, f"POST appointment for #{a.number} at {body['start_at']}")
    job = Job("schedule_appointment", a.number, a.journal_key(), [step], resume, allow_repeat=a.again)
    preview = (
        f"Schedule an appointment for {ticket_label(ticket)}\n"
        f"  {fmt.when(start)} → {fmt.when(end)} ({fmt.duration(a.minutes)})\n"
        f"  Technician: {f'{user.name} (user {user.id})' if user else 'you'}\n"
        + (f"  Location: {a.location}\n" if a.location else "")
        + "  The customer is not emailed."
    )
    return DayPlan(preview + resume_note(job), job, {"number": a.number})


async def schedule_appointment(
    rt: Runtime, a: ScheduleArgs, plan: DayPlan, progress: Progress | None
) -> WriteResult:
    """Book an appointment for a ticket (start, minutes; tech, location)."""
    return await done(rt, plan, progress, "Scheduled appointment {appointment_id} for #{number}.", number=a.number)


class MoveArgs(WriteArgs):
    appointment_id: RecordId
    start: Start
    set_scheduled: Annotated[bool, Field(description="Also set the ticket's status to Scheduled.")] = False
    again: Again = False


async def plan_move(rt: Runtime, a: MoveArgs) -> DayPlan:
    appt = await rt.client.get_appointment(a.appointment_id)
    if appt.start_at is None or appt.end_at is None:
        raise InputError(f"Appointment {a.appointment_id} has no start or end in Syncro; fix it there.")
    start, end = moved(appt, aware(rt, a.start))
    if start < rt.now():
        raise InputError(f"start {fmt.when(start)} is in the past; ask the user for the new date and time.")
    if a.set_scheduled and not appt.ticket_id:
        raise InputError(f"Appointment {a.appointment_id} has no ticket, so no status to set; drop set_scheduled.")
    listed = appt.ticket.number if appt.ticket else None  # the appointment embeds its ticket's number
    ticket = await rt.client.get_ticket(appt.ticket_id) if appt.ticket_id and (a.set_scheduled or not listed) else None
    number = (ticket.number if ticket else listed) or NO_TICKET
    steps: list[Any] = [MoveAppointmentStep(rt.client, a.appointment_id, start, end)]
    lines = [
        f"Move appointment {a.appointment_id} ({appt.summary or ''})",
        f"  {fmt.when(appt.start_at)} → {fmt.when(start)}; ends {fmt.when(end)} (length "
        f"{fmt.duration(int((appt.end_at - appt.start_at).total_seconds() // 60))} kept)",
    ]
    if a.set_scheduled and ticket is not None:
        status = await rt.resolver.status("Scheduled")
        steps.append(StatusStep(rt.client, ticket, status))
        lines.append(f"  then set {ticket_label(ticket)} to {status}")
    resume = await rt.engine.check("move_appointment", number, a.journal_key(), allow_repeat=a.again)
    job = Job("move_appointment", number, a.journal_key(), steps, resume, allow_repeat=a.again)
    return DayPlan("\n".join(lines) + resume_note(job), job, {"start": fmt.when(start)})


async def move_appointment(rt: Runtime, a: MoveArgs, plan: DayPlan, progress: Progress | None) -> WriteResult:
    """Move an appointment to a new start (its length kept); optionally set the ticket to Scheduled."""
    return await done(rt, plan, progress, "Moved appointment {appointment_id} to {start}.")


# -- ticket_from_alert (assets toolset) ------------------------------------------------------------
ALERT_TICKET_PAGES = 4  # the customer's tickets updated since the alert: 100 is plenty


class AlertArgs(WriteArgs):
    alert_id: RecordId
    subject: Annotated[str | None, Field(max_length=200, description="Default: the alert's description.")] = None
    again: Again = False


def alert_note_start(alert_id: int) -> str:
    """How the hidden first note of a ticket made for an alert begins (``ticket_made_for`` looks for it)."""
    return f"From RMM alert {alert_id} "


async def ticket_made_for(rt: Runtime, alert: RmmAlert) -> TicketSummary | None:
    """A ticket made for this alert earlier, by any server or session: POST /tickets does not link the
    alert, so the customer's tickets updated since the alert are read (the list carries each ticket's
    first comment) and the one whose note names the alert is it."""
    tickets, _ = await rt.client.walk_tickets(
        customer_id=alert.customer_id, since_updated_at=alert.created_at, max_pages=ALERT_TICKET_PAGES
    )
    start = alert_note_start(alert.id)
    return next((t for t in tickets if any((c.body or "").startswith(start) for c in t.comments)), None)


async def plan_alert_ticket(rt: Runtime, a: AlertArgs) -> DayPlan:
    alert = await rt.client.get_rmm_alert(a.alert_id)
    if alert.ticket_id or alert.ticket_number:
        raise InputError(
            f"RMM alert {a.alert_id} already has ticket #{alert.ticket_number or alert.ticket_id}; nothing was sent. "
            "Work that ticket instead."
        )
    if alert.customer_id is None:
        raise InputError(f"RMM alert {a.alert_id} has no customer in Syncro, so no ticket can be made for it.")
    earlier = None if a.again else await ticket_made_for(rt, alert)
    if earlier is not None:
        raise InputError(
            f"RMM alert {a.alert_id} already has ticket #{earlier.number} ({earlier.status or 'open'}), made for it "
            "earlier (its first note names the alert; Syncro does not link them). Nothing was sent. Work that "
            "ticket instead; only if the user wants a second ticket, call again with again=true."
        )
    # The alert and the tickets made for it are read afresh (a ticket made from it since the preview is
    # refused: safety reads); its customer's name is kept from the preview.
    cust = await rt.resolver.customer(alert.customer_id)
    what = (alert.description or alert.status or "alert").strip()
    subject = (a.subject or f"RMM alert: {what}").strip()[:200]
    on = alert.computer_name or "an asset"
    raised = fmt.when(alert.created_at) if alert.created_at else "no date"
    note = f"{alert_note_start(a.alert_id)}on {on} ({raised}): {what}"
    fields: dict[str, Any] = {
        "customer_id": alert.customer_id, "subject": subject,
        "comments_attributes": [{"subject": "RMM alert", "body": note, "hidden": True, "do_not_email": True}],
    }
    if alert.asset_id:
        fields["asset_ids"] = [alert.asset_id]
    resume = await rt.engine.check("ticket_from_alert", NO_TICKET, a.journal_key(), allow_repeat=a.again)
    step = AlertTicketStep(rt.client, fields, f"POST ticket for RMM alert {a.alert_id}")
    job = Job("ticket_from_alert", NO_TICKET, a.journal_key(), [step], resume, allow_repeat=a.again)
    preview = (
        f"Create a ticket for RMM alert {a.alert_id} ({cust.business_then_name or alert.customer_id})\n"
        f"  Subject: {subject}\n"
        f"  Asset: {f'{on} (asset {alert.asset_id}), linked' if alert.asset_id else 'none'}\n"
        f"  Hidden note (not emailed): {note}"
    )
    return DayPlan(preview + resume_note(job), job, {"alert": a.alert_id})


async def ticket_from_alert(rt: Runtime, a: AlertArgs, plan: DayPlan, progress: Progress | None) -> WriteResult:
    """Open a ticket for an RMM alert's customer, linking its asset."""
    return await done(rt, plan, progress, "Created ticket #{number} for RMM alert {alert}.", number="number")


SCHEDULE_APPOINTMENT = WriteTool(
    "schedule_appointment", Toolset.SCHEDULE, "Schedule appointment", ScheduleArgs, plan_schedule,
    schedule_appointment,
)
MOVE_APPOINTMENT = WriteTool(
    "move_appointment", Toolset.SCHEDULE, "Move appointment", MoveArgs, plan_move, move_appointment, idempotent=True
)
TICKET_FROM_ALERT = WriteTool(
    "ticket_from_alert", Toolset.ASSETS, "Ticket from alert", AlertArgs, plan_alert_ticket, ticket_from_alert
)

TOOLS = (EMAIL_INVOICE, SCHEDULE_APPOINTMENT, MOVE_APPOINTMENT, TICKET_FROM_ALERT)
