"""Deterministic demo data: the same account on every start.

Everything is written relative to ``SEED_NOW`` (2026-11-20), never the wall clock, and ids are
fixed, so two sandboxes are identical and tests can name records directly. Ticket numbers run
32150–32175; internal ids are large and unrelated to the numbers, as in a real tenant, and
comment and invoice line ids exceed 2^31 (2^32 for lines) so 32-bit assumptions break here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from . import account, billing
from .records import (
    new_appointment,
    new_asset,
    new_comment,
    new_contact,
    new_customer,
    new_product,
    new_rmm_alert,
    new_ticket,
    new_ticket_line_item,
    new_timer,
    new_user,
)
from .state import Record, SandboxState
from .timefmt import SEED_NOW, fmt

#: The API key's user (GET /me).
ME_USER_ID = 1480211
OTHER_TECH_ID = 1480212
THIRD_TECH_ID = 1480217

LABOR_PRODUCTS: dict[int, tuple[str, str, str]] = {
    # id: (name, price_retail, description)
    1190473: ("Labor - Remote Business", "125.0", "Remote support for business clients, per hour"),
    26118: ("Labor - Onsite Business", "150.0", "Onsite support for business clients, per hour"),
    26184: ("Labor - Emergency or After Hours Business", "225.0", "Emergency or after-hours support, per hour"),
    9269129: ("Labor - Prepaid Project Labor", "0.0", "Project labor drawn from a prepaid block"),
    9269124: ("Labor - Internal Labor", "0.0", "Internal, non-billable labor"),
    26117: ("Fee - Travel Time", "75.0", "Travel time, per hour"),
    68055: ("Labor - Website Labor", "95.0", "Website maintenance and development, per hour"),
}

PART_PRODUCTS: dict[int, tuple[str, str, str, str, str]] = {
    # id: (name, price_retail, price_cost, description, sku)
    31000417: ("Netgear GS308 8-Port Gigabit Switch", "49.99", "27.5", "8-port unmanaged gigabit switch", "GS308-300"),
    31000418: ("Samsung 870 EVO 1TB SSD", "119.99", "79.0", "1TB SATA solid state drive", "MZ-77E1T0B"),
    31000421: ("Microsoft 365 Business Standard (monthly)", "12.5", "10.0", "Per-user monthly licence", "CFQ7TTC0LDPB"),
    31000425: ("Kingston 16GB DDR4 ECC RAM", "89.0", "61.0", "Server memory module", "KSM26ES8-16HD"),
}


ROUNDING_LABOR_PRODUCT_ID = 1190481


def at(days_before: float, hour: int = 0, minute: int = 0) -> datetime:
    """A fixed instant ``days_before`` SEED_NOW, then shifted to hour:minute UTC."""
    base = SEED_NOW - timedelta(days=days_before)
    return base.replace(hour=hour, minute=minute, second=0, microsecond=0) if hour or minute else base


@dataclass
class TimerSeed:
    minutes: int
    product_id: int
    notes: str
    billable: bool = True
    charged: bool = False
    user_id: int = ME_USER_ID
    hours_after_open: float = 2.0


@dataclass
class TicketSeed:
    number: int
    customer: str
    subject: str
    status: str
    problem_type: str
    priority: str = "2 Normal"
    user_id: int | None = ME_USER_ID
    contact: str | None = None
    description: str = ""
    comments: list[tuple[str, str, bool, float]] = field(default_factory=list)  # subject, body, hidden, hours
    timers: list[TimerSeed] = field(default_factory=list)
    parts: list[tuple[int, int]] = field(default_factory=list)  # product id, quantity
    invoice: tuple[int, bool] | None = None  # (invoice id, paid)


CUSTOMERS: list[dict[str, object]] = [
    {
        "_id": 29140011,
        "firstname": "Jerry",
        "lastname": "Burger",
        "email": "jerry.burger@example.net",
        "phone": "520-555-0141",
        "mobile": "520-555-0199",
        "address": "4411 E Pima St",
        "city": "Tucson",
        "state": "AZ",
        "zip": "85712",
        "notes": "Home office; runs his own ownCloud box in the closet.",
        "_contacts": [],
    },
    {
        "_id": 29140027,
        "firstname": "LeeAnn",
        "lastname": "Parkinson",
        "email": "leeann@parkinsonlaw.example",
        "phone": "520-555-0116",
        "address": "180 W Broadway Blvd",
        "city": "Tucson",
        "state": "AZ",
        "zip": "85701",
        "_contacts": [("Jim Parkinson", "jim@parkinsonlaw.example", "520-555-0117", "Paralegal")],
    },
    {
        "_id": 29140035,
        "business_name": "Len's Auto Brokerage",
        "firstname": "Len",
        "lastname": "Hargrove",
        "email": "len@lensauto.example",
        "phone": "520-555-0100",
        "address": "2901 S 6th Ave",
        "city": "Tucson",
        "state": "AZ",
        "zip": "85713",
        "notes": "Server in back office. Call Dana first.",
        "_contacts": [
            ("Len Hargrove", "len@lensauto.example", "520-555-0100", "Owner"),
            ("Dana Whitfield", "dana@lensauto.example", "520-555-0102", "Office Manager"),
            ("Marco Ruiz", "marco@lensauto.example", "520-555-0105", "Sales"),
        ],
    },
    {
        "_id": 29140042,
        "business_name": "Desert Sun Dental",
        "firstname": "Priya",
        "lastname": "Shah",
        "email": "office@desertsundental.example",
        "phone": "520-555-0160",
        "address": "7725 N Oracle Rd",
        "city": "Oro Valley",
        "state": "AZ",
        "zip": "85704",
        "_contacts": [
            ("Dr. Priya Shah", "pshah@desertsundental.example", "520-555-0161", "Owner"),
            ("Kim Tran", "front@desertsundental.example", "520-555-0160", "Front Desk"),
        ],
    },
    {
        "_id": 29140058,
        "firstname": "Maria",
        "lastname": "Alvarez",
        "email": "maria.alvarez@example.com",
        "phone": "520-555-0133",
        "city": "Tucson",
        "state": "AZ",
        "zip": "85719",
        "_contacts": [],
    },
    {
        "_id": 29140063,
        "business_name": "Tucson Tile & Stone",
        "firstname": "Rick",
        "lastname": "Delgado",
        "email": "rick@tucsontile.example",
        "phone": "520-555-0175",
        "address": "1550 E Grant Rd",
        "city": "Tucson",
        "state": "AZ",
        "zip": "85719",
        "_contacts": [("Rick Delgado", "rick@tucsontile.example", "520-555-0175", "Owner")],
    },
    {
        "_id": 29140079,
        "business_name": "Greenway Property Management",
        "firstname": "Helen",
        "lastname": "Cho",
        "email": "helen@greenwaypm.example",
        "phone": "520-555-0188",
        "address": "5055 E Broadway Blvd",
        "city": "Tucson",
        "state": "AZ",
        "zip": "85711",
        "_contacts": [
            ("Helen Cho", "helen@greenwaypm.example", "520-555-0188", "Principal"),
            ("Omar Haddad", "omar@greenwaypm.example", "520-555-0189", "Property Manager"),
        ],
    },
    {
        "_id": 29140084,
        "firstname": "Pat",
        "lastname": "O'Neil",
        "email": "pat.oneil@example.org",
        "phone": "520-555-0122",
        "city": "Marana",
        "state": "AZ",
        "zip": "85653",
        "_contacts": [],
    },
]

TICKETS: list[TicketSeed] = [
    TicketSeed(
        32150,
        "Maria Alvarez",
        "Laptop running slow",
        "Closed",
        "Software",
        description="Laptop takes 10 minutes to boot.",
        comments=[("Resolution", "Removed startup bloat, replaced HDD with SSD. Boots in 40s.", False, 30)],
        timers=[TimerSeed(90, 1190473, "Cleanup and SSD clone", charged=True)],
        invoice=(1649572214, True),
    ),
    TicketSeed(
        32151,
        "Desert Sun Dental",
        "Front desk PC won't boot",
        "Closed",
        "Hardware",
        contact="Kim Tran",
        description="Front desk PC shows no display.",
        comments=[("Resolution", "Replaced failed PSU onsite.", False, 5)],
        timers=[
            TimerSeed(60, 26118, "Onsite PSU replacement", charged=True),
            TimerSeed(30, 26117, "Travel", charged=True),
        ],
        invoice=(1649572390, True),
    ),
    TicketSeed(
        32152,
        "Tucson Tile & Stone",
        "Set up new employee account",
        "Resolved",
        "Email",
        user_id=OTHER_TECH_ID,
        description="New hire Ana starts Monday, needs email and PC login.",
        comments=[("Resolution", "Account created, M365 license assigned.", False, 20)],
        timers=[TimerSeed(30, 9269129, "Prepaid block: account setup", user_id=OTHER_TECH_ID)],
    ),
    TicketSeed(
        32153,
        "Greenway Property Management",
        "Replace failing SSD in manager laptop",
        "Invoiced",
        "Hardware",
        contact="Omar Haddad",
        description="SMART warnings on Omar's laptop.",
        comments=[
            ("Update", "Drive ordered, will swap Thursday.", False, 3),
            ("Resolution", "SSD replaced and data migrated.", False, 50),
        ],
        timers=[TimerSeed(60, 26118, "Swap SSD, migrate data", charged=True, hours_after_open=48)],
        parts=[(31000418, 1)],
        invoice=(1649572561, True),
    ),
    TicketSeed(
        32154,
        "Jerry Burger",
        "Own cloud sync errors",
        "Closed",
        "Software",
        description="ownCloud client says 'conflict' on every file.",
        comments=[("Resolution", "Reset sync journal; all green.", False, 4)],
        timers=[TimerSeed(45, 1190473, "Reset ownCloud sync journal")],
    ),
    TicketSeed(
        32155,
        "Len's Auto Brokerage",
        "Phones dropping calls",
        "Resolved",
        "Network",
        contact="Dana Whitfield",
        user_id=OTHER_TECH_ID,
        description="Calls drop after about 5 minutes.",
        comments=[
            ("Internal Note", "SIP ALG was on in the router. Turned it off.", True, 26),
            ("Resolution", "Disabled SIP ALG on the router; calls stable.", False, 27),
        ],
        timers=[TimerSeed(40, 1190473, "Router SIP ALG fix", user_id=OTHER_TECH_ID, billable=False)],
    ),
    TicketSeed(
        32156,
        "Desert Sun Dental",
        "Imaging software license renewal",
        "Waiting on Vendor",
        "Software",
        contact="Dr. Priya Shah",
        description="Dexis license expires on the 30th.",
        comments=[("Update", "Waiting for the vendor to send the renewal key.", False, 6)],
    ),
    TicketSeed(
        32157,
        "Greenway Property Management",
        "Onsite: rewire network closet",
        "Scheduled",
        "Network",
        contact="Helen Cho",
        user_id=OTHER_TECH_ID,
        priority="3 Low",
        description="Closet is a rat's nest; schedule a Saturday.",
        comments=[("Scheduled", "Booked for Saturday 9am.", False, 8)],
    ),
    TicketSeed(
        32158,
        "Tucson Tile & Stone",
        "Quote and install new switch",
        "In Progress",
        "Network",
        contact="Rick Delgado",
        description="Old switch in the showroom is failing.",
        comments=[
            ("Update", "Switch installed, labelling ports.", False, 24),
            ("Internal Note", "Charged the install time already; part on ticket.", True, 25),
        ],
        timers=[TimerSeed(60, 26118, "Install and patch new switch", charged=True, hours_after_open=24)],
        parts=[(31000417, 1)],
    ),
    TicketSeed(
        32159,
        "Maria Alvarez",
        "Email on new phone",
        "Waiting on Customer",
        "Email",
        description="New iPhone, can't get Outlook to sync.",
        comments=[("Update", "Sent instructions; waiting to hear back.", False, 2)],
    ),
    TicketSeed(
        32160,
        "Len's Auto Brokerage",
        "Printer offline in front office",
        "In Progress",
        "Hardware",
        contact="Dana Whitfield",
        priority="1 High",
        description="HP printer shows offline for everyone.",
        comments=[
            ("Update", "Printer had a new DHCP address. Set a reservation.", False, 3),
            ("Internal Note", "Check the toner next visit.", True, 4),
        ],
        timers=[
            TimerSeed(45, 1190473, "Diagnosed printer IP change, set DHCP reservation"),
            TimerSeed(30, 1190473, "Reinstalled printer on three PCs", hours_after_open=5),
        ],
    ),
    TicketSeed(
        32161,
        "Pat O'Neil",
        "Backup drive full",
        "Waiting on Customer",
        "Hardware",
        user_id=OTHER_TECH_ID,
        description="Backup drive reports no free space.",
        comments=[("Update", "Asked Pat whether to buy a bigger drive.", False, 5)],
    ),
    TicketSeed(
        32162,
        "Len's Auto Brokerage",
        "Server upgrade",
        "Invoiced",
        "Hardware",
        contact="Len Hargrove",
        priority="1 High",
        description="Upgrade RAM and move the server to the new UPS.",
        comments=[
            ("Update", "RAM installed, server on the new UPS.", False, 28),
            ("Internal Note", "BIOS updated too.", True, 29),
        ],
        timers=[
            TimerSeed(180, 26118, "Server RAM upgrade and UPS move", hours_after_open=26),
            TimerSeed(60, 1190473, "Post-upgrade checks", hours_after_open=30),
        ],
        parts=[(31000425, 2)],
        invoice=(1649572808, False),
    ),
    TicketSeed(
        32163,
        "LeeAnn Parkinson",
        "Remote - Jim cant access his email",
        "New",
        "Email",
        contact="Jim Parkinson",
        user_id=None,
        description="Jim gets a password prompt in Outlook.",
    ),
    TicketSeed(
        32164,
        "Jerry Burger",
        "Own cloud thing again",
        "New",
        "Software",
        user_id=None,
        description="ownCloud is complaining again, same as last month.",
    ),
    TicketSeed(
        32165,
        "Desert Sun Dental",
        "Workstation updates failing",
        "In Progress",
        "Software",
        contact="Kim Tran",
        description="Windows updates fail on two operatories.",
        comments=[("Update", "Cleared the update cache on OP1 and OP2.", False, 6)],
        timers=[
            TimerSeed(50, 1190473, "Cleared Windows Update cache on OP1/OP2"),
            TimerSeed(20, 9269124, "Researched KB error", billable=False, hours_after_open=3),
        ],
    ),
    TicketSeed(
        32166,
        "Len's Auto Brokerage",
        "Onsite: install new workstation for Marco",
        "Scheduled",
        "Hardware",
        contact="Marco Ruiz",
        description="New Dell for sales desk.",
        comments=[("Scheduled", "Tuesday 2pm.", False, 1)],
    ),
    TicketSeed(
        32167,
        "Greenway Property Management",
        "ISP outage at Oracle Rd office",
        "Waiting on Vendor",
        "Network",
        contact="Omar Haddad",
        priority="0 Urgent",
        user_id=OTHER_TECH_ID,
        description="Internet down since 8am.",
        comments=[("Update", "Cox ticket opened, tech coming tomorrow.", False, 2)],
    ),
    TicketSeed(
        32168,
        "LeeAnn Parkinson",
        "Printer driver reinstall",
        "Resolved",
        "Software",
        contact="Jim Parkinson",
        description="Printing garbage characters.",
        comments=[("Resolution", "Removed and reinstalled the PCL6 driver.", False, 3)],
        timers=[TimerSeed(30, 1190473, "Reinstalled printer driver")],
    ),
    TicketSeed(
        32169,
        "Tucson Tile & Stone",
        "Website contact form not sending",
        "New",
        "Software",
        user_id=None,
        description="Nobody has received a web enquiry in two weeks.",
    ),
    TicketSeed(
        32170,
        "Jerry Burger",
        "Set up new laptop",
        "In Progress",
        "Hardware",
        description="Move files and printers to the new laptop.",
        comments=[("Update", "Files copied; printers next.", False, 20)],
        timers=[TimerSeed(75, 1190473, "Data migration to new laptop", hours_after_open=20)],
    ),
    TicketSeed(
        32171,
        "Greenway Property Management",
        "Old account cleanup",
        "Closed",
        "Other",
        user_id=THIRD_TECH_ID,
        description="Disable accounts of departed staff.",
        comments=[("Resolution", "Disabled 4 accounts.", False, 2)],
    ),
    TicketSeed(
        32172,
        "Len's Auto Brokerage",
        "Quote for new firewall",
        "Waiting on Customer",
        "Network",
        contact="Len Hargrove",
        description="Len wants pricing on a new firewall.",
        comments=[("Update", "Quote sent.", False, 4)],
    ),
    TicketSeed(
        32173,
        "Desert Sun Dental",
        "Phone system voicemail to email",
        "New",
        "Other",
        user_id=None,
        contact="Kim Tran",
        description="Voicemails should arrive by email.",
    ),
    TicketSeed(
        32174,
        "Maria Alvarez",
        "Virus popup on home PC",
        "In Progress",
        "Virus",
        priority="0 Urgent",
        description="Popup says call Microsoft.",
        comments=[("Internal Note", "Scam popup; running scans remotely.", True, 1)],
        timers=[TimerSeed(25, 1190473, "Removed scareware browser extension", hours_after_open=1)],
    ),
    TicketSeed(
        32175,
        "Greenway Property Management",
        "New hire onboarding - Oracle Rd",
        "New",
        "Other",
        contact="Helen Cho",
        user_id=None,
        description="Two new leasing agents start Dec 1.",
    ),
]


def _ticket_opened(number: int) -> datetime:
    # One ticket a day during business hours (07:00–09:40 Arizona); #32175 is the newest.
    day = SEED_NOW - timedelta(days=32175 - number)
    return day.replace(hour=14 + number % 3, minute=(number * 17) % 60, second=0, microsecond=0)


def ticket_id_for(number: int) -> int:
    """Internal ids are large and unrelated to numbers (real tenant: id 108443837, number 5028)."""
    return 108443837 + (number - 32150) * 3517 + (number % 7) * 11


def build_state(*, history: bool = False) -> SandboxState:
    """The full demo account (``history``: also the older tickets 32144–32149 and their timers)."""
    st = build_empty_state()
    customer_ids: dict[str, int] = {}
    contact_ids: dict[str, int] = {}
    contact_seq = 18110400
    for i, spec in enumerate(CUSTOMERS):
        fields = {k: v for k, v in spec.items() if not k.startswith("_")}
        rec = new_customer(fields, at=at(400 - i * 31, 17), portal_key=f"sbx{spec['_id']:x}")
        st.insert("customers", rec, id=int(spec["_id"]))  # type: ignore[call-overload]
        name = fields.get("business_name") or f"{fields['firstname']} {fields['lastname']}"
        customer_ids[str(name)] = rec["id"]
        for cname, email, phone, title in spec["_contacts"]:  # type: ignore[attr-defined]
            contact_seq += 37
            ct = new_contact(
                {
                    "name": cname,
                    "email": email,
                    "phone": phone,
                    "title": title,
                    "city": fields.get("city"),
                    "state": fields.get("state"),
                    "zip": fields.get("zip"),
                },
                customer_id=rec["id"],
                at=at(390 - i * 31, 18),
            )
            st.insert("contacts", ct, id=contact_seq)
            contact_ids[cname] = ct["id"]

    comment_seq, timer_seq = 4012290000, 18800150
    st.next_ids["ticket_line_items"] = 23400700
    st.next_ids["invoice_line_items"] = 5560138523
    st.next_invoice_number = 1041
    for spec in TICKETS:
        opened = _ticket_opened(spec.number)
        ticket = new_ticket(
            {
                "subject": spec.subject,
                "customer_id": customer_ids[spec.customer],
                "contact_id": contact_ids.get(spec.contact) if spec.contact else None,
                "status": spec.status,
                "problem_type": spec.problem_type,
                "priority": spec.priority,
                "user_id": spec.user_id,
                "ticket_type_id": 61201,
                "due_date": fmt(opened + timedelta(days=3)),
                "_creator": "alex@computerguru.example",
            },
            number=spec.number,
            at=opened,
        )
        st.insert("tickets", ticket, id=ticket_id_for(spec.number))
        last_touch = opened
        comment_seq += 131
        st.insert(
            "comments",
            new_comment(
                ticket_id=ticket["id"],
                subject="Initial Issue",
                body=spec.description or spec.subject,
                hidden=False,
                tech=None,
                user_id=None,
                at=opened,
            ),
            id=comment_seq,
        )
        author = st.users.get(spec.user_id or ME_USER_ID)
        for subject, body, hidden, hours in spec.comments:
            when = opened + timedelta(hours=hours)
            comment_seq += 131
            st.insert(
                "comments",
                new_comment(
                    ticket_id=ticket["id"],
                    subject=subject,
                    body=body,
                    hidden=hidden,
                    tech=author["full_name"] if author else None,
                    user_id=spec.user_id or ME_USER_ID,
                    at=when,
                ),
                id=comment_seq,
            )
            last_touch = max(last_touch, when)
        for ts in spec.timers:
            start = opened + timedelta(hours=ts.hours_after_open)
            end = start + timedelta(minutes=ts.minutes)
            timer_seq += 53
            t = new_timer(
                ticket_id=ticket["id"],
                user_id=ts.user_id,
                start=start,
                end=end,
                billable=ts.billable,
                notes=ts.notes,
                product_id=ts.product_id,
                at=end,
            )
            st.insert("timers", t, id=timer_seq)
            if ts.charged:
                billing.charge_timer(st, t, now=end)
            last_touch = max(last_touch, end)
        for position, (product_id, qty) in enumerate(spec.parts, start=1):
            product = st.products[product_id]
            st.insert(
                "ticket_line_items",
                new_ticket_line_item(
                    ticket_id=ticket["id"],
                    user_id=spec.user_id,
                    product_id=product_id,
                    name=product["name"],
                    description=product["description"],
                    quantity=Decimal(qty),
                    price_cost=Decimal(str(product["price_cost"])),
                    price_retail=Decimal(str(product["price_retail"])),
                    taxable=product["taxable"],
                    upc_code=None,
                    product_category=product["product_category"],
                    position=100 + position,
                    at=opened + timedelta(hours=1),
                ),
            )
        if spec.status in ("Resolved", "Closed", "Invoiced"):
            ticket["resolved_at"] = fmt(last_touch)
        if spec.invoice is not None:
            invoice_id, paid = spec.invoice
            billed_at = last_touch + timedelta(hours=2)
            inv = billing.create_invoice(
                st,
                {"category": "Standard"},
                customer_id=ticket["customer_id"],
                ticket=ticket,
                user_id=ME_USER_ID,
                now=billed_at,
                copy_timers=True,
                id=invoice_id,
            )
            if paid:
                inv.update(is_paid=True, verified_paid=True, date_received=fmt(billed_at + timedelta(days=6)))
            last_touch = billed_at
        ticket["updated_at"] = fmt(last_touch)

    # A recurring-style invoice with no ticket: monthly licences for Greenway.
    monthly = billing.create_invoice(
        st,
        {"category": "Standard", "note": "November Microsoft 365 licences"},
        customer_id=customer_ids["Greenway Property Management"],
        ticket=None,
        user_id=ME_USER_ID,
        now=at(19, 14),
        copy_timers=False,
        id=1649572977,
    )
    billing.add_product_line(st, monthly, st.products[31000421], Decimal(12), now=at(19, 14))

    add_day_records(st, customer_ids, contact_ids, history=history)

    # New records continue from here; the sequences skip ahead like a busy shared database would.
    st.next_ticket_number = 32176
    st.next_ids["tickets"] = 108600000
    st.next_ids["comments"] = 4012400000
    st.next_ids["timers"] = 18802000
    st.next_ids["ticket_line_items"] = 23402000
    st.next_ids["invoices"] = 1649573500
    st.next_ids["invoice_line_items"] = 5560150000
    st.next_ids["customers"] = 29140200
    st.next_ids["contacts"] = 18112000
    st.next_invoice_number = max(st.next_invoice_number, 1046)
    return st


def build_empty_state() -> SandboxState:
    """Users and the product catalogue only (``Sandbox(seed=False)``)."""
    st = SandboxState()
    created = at(900, 15)
    for uid, name, email, group, admin, color in (
        (ME_USER_ID, "Alex Morgan", "alex@computerguru.example", "Admins", True, "1e3e96"),
        (OTHER_TECH_ID, "Jordan Reyes", "jordan@computerguru.example", "Technicians", False, "55b932"),
        (THIRD_TECH_ID, "Sam Patel", "sam@computerguru.example", "Technicians", False, "d9822b"),
    ):
        st.insert(
            "users",
            new_user(id=uid, full_name=name, email=email, group=group, admin=admin, color=color, at=created),
            id=uid,
        )
    for pid, (name, price, description) in LABOR_PRODUCTS.items():
        st.insert(
            "products",
            new_product(
                id=pid,
                name=name,
                description=description,
                price_retail=price,
                price_cost="0.0",
                taxable=False,
                category="Labor",
            ),
            id=pid,
        )
    # Added after the original catalogue: a labour product that rounds up to 15 minutes when
    # Sandbox(labor_rounding=True).
    rounding = new_product(
        id=ROUNDING_LABOR_PRODUCT_ID,
        name="Labor - Remote Business (15 min increments)",
        description="Remote support for business clients, billed in 15-minute increments",
        price_retail="125.0",
        price_cost="0.0",
        taxable=False,
        category="Labor",
    )
    rounding["_round_minutes"] = 15
    for pid, (name, price, cost, description, sku) in PART_PRODUCTS.items():
        st.insert(
            "products",
            new_product(
                id=pid,
                name=name,
                description=description,
                price_retail=price,
                price_cost=cost,
                taxable=True,
                category="Hardware",
                sku=sku,
            ),
            id=pid,
        )
    st.insert("products", rounding, id=ROUNDING_LABOR_PRODUCT_ID)
    st.next_ticket_number = 32176
    st.next_invoice_number = 1045
    st.next_ids["tickets"] = 108600000
    st.next_ids["invoices"] = 1649573500
    return st


# -- records added for issues 14–15 (billing, technician's day) -----------------------------------
# Everything below is added after the original demo account and leaves its records and ids
# alone. Always seeded: two new customers (Sonoran Veterinary Clinic holds a 10-hour prepaid
# block), a 15-minute-rounding labour product, appointments, assets (incl. Dell serials) and RMM
# alerts. Seeded with ``Sandbox(seed_history=True)`` only: six older tickets numbered 32144–32149
# (new tickets still start at 32176) that are stale (updated_at 4–6 weeks back), overdue, due
# today or due later, with timers of three technicians over the last eight weeks. They are
# opt-in because the tool tests count the default seed's open tickets (19 Not Closed).

PREPAID_CUSTOMER_ID = 29140091
PHARMACY_CUSTOMER_ID = 29140096


def utc(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=timezone.utc)


@dataclass
class DayTicket:
    number: int
    customer_id: int
    subject: str
    status: str
    problem_type: str
    user_id: int | None
    opened: datetime
    updated: datetime
    due: datetime | None
    contact: str | None = None
    priority: str = "2 Normal"


DAY_CUSTOMERS: list[dict[str, object]] = [
    {
        "_id": PREPAID_CUSTOMER_ID,
        "business_name": "Sonoran Veterinary Clinic",
        "firstname": "Elena",
        "lastname": "Vasquez",
        "email": "elena@sonoranvet.example",
        "phone": "520-555-0150",
        "address": "3300 N Campbell Ave",
        "city": "Tucson",
        "state": "AZ",
        "zip": "85719",
        "notes": "Prepaid block of hours; bills against it first.",
        "prepay_hours": "10.0",
        "_contacts": [("Elena Vasquez", "elena@sonoranvet.example", "520-555-0150", "Practice Manager")],
    },
    {
        "_id": PHARMACY_CUSTOMER_ID,
        "business_name": "Saguaro Family Pharmacy",
        "firstname": "Tom",
        "lastname": "Becker",
        "email": "tom@saguarorx.example",
        "phone": "520-555-0190",
        "address": "900 E Speedway Blvd",
        "city": "Tucson",
        "state": "AZ",
        "zip": "85719",
        "_contacts": [("Tom Becker", "tom@saguarorx.example", "520-555-0190", "Pharmacist in Charge")],
    },
]

#: Older tickets: stale ones (updated_at 4–6 weeks back), overdue, due today, due later.
DAY_TICKETS: list[DayTicket] = [
    DayTicket(32144, PREPAID_CUSTOMER_ID, "Quarterly server maintenance", "In Progress", "Hardware",
              ME_USER_ID, utc(9, 25, 15, 10), utc(10, 9, 18, 0), utc(10, 16, 17, 0), "Elena Vasquez"),
    DayTicket(32145, PREPAID_CUSTOMER_ID, "X-ray workstation slow to open images", "Waiting on Customer",
              "Software", OTHER_TECH_ID, utc(10, 2, 16, 40), utc(10, 16, 21, 5), utc(10, 9, 17, 0)),
    DayTicket(32146, PHARMACY_CUSTOMER_ID, "Label printer jams every morning", "New", "Hardware", None,
              utc(10, 6, 14, 25), utc(10, 6, 14, 25), None, "Tom Becker", "3 Low"),
    DayTicket(32147, PHARMACY_CUSTOMER_ID, "Migrate pharmacy PCs to Windows 11", "In Progress", "Software",
              THIRD_TECH_ID, utc(10, 11, 15, 0), utc(11, 18, 17, 30), utc(11, 25, 17, 0), "Tom Becker", "1 High"),
    DayTicket(32148, PREPAID_CUSTOMER_ID, "Backup restore verification", "Scheduled", "Other", ME_USER_ID,
              utc(10, 21, 16, 0), utc(11, 10, 18, 45), utc(11, 20, 17, 0), "Elena Vasquez"),
    DayTicket(32149, PHARMACY_CUSTOMER_ID, "Wi-Fi dead zone in the stock room", "Resolved", "Network",
              OTHER_TECH_ID, utc(10, 14, 15, 30), utc(10, 15, 19, 0), utc(10, 17, 17, 0)),
]  # fmt: skip

#: (ticket number, technician, start (UTC), minutes, product, notes, billable, charged).
#: 2026-11-01 is the US DST change (02:00 MDT → 01:00 MST); the account zone (Arizona) does not
#: change, so these timers are the edge for clients that bucket days in another zone. The
#: 2026-11-01 07:30Z entry spans the repeated hour in zones that do change (America/Denver),
#: and the 2026-11-03 23:30Z entry crosses midnight in UTC but not in the account's zone.
DAY_TIMERS: list[tuple[int, int, datetime, int, int, str, bool, bool]] = [
    (32144, ME_USER_ID, utc(9, 26, 16, 0), 120, 26118, "Patched host and VMs", True, False),
    (32145, OTHER_TECH_ID, utc(10, 3, 17, 0), 45, 1190473, "Checked the imaging share", True, False),
    (32149, OTHER_TECH_ID, utc(10, 15, 17, 30), 75, 26118, "Added an access point", True, True),
    (32148, ME_USER_ID, utc(10, 22, 16, 0), 30, 9269129, "Prepaid block: backup test", True, False),
    (32147, THIRD_TECH_ID, utc(10, 27, 15, 0), 180, 26118, "Migrated PC-01 to PC-03", True, False),
    (32147, ME_USER_ID, utc(10, 29, 21, 0), 50, ROUNDING_LABOR_PRODUCT_ID, "Remote: profile migration PC-04",
     True, False),
    (32147, OTHER_TECH_ID, utc(10, 31, 16, 0), 120, 26118, "Migrated PC-05 and PC-06", True, False),
    (32147, THIRD_TECH_ID, utc(11, 1, 7, 30), 90, 26184, "After hours: cutover across the DST change", True,
     False),
    (32147, ME_USER_ID, utc(11, 2, 15, 30), 40, ROUNDING_LABOR_PRODUCT_ID, "Remote: fixed mapped drives", True,
     False),
    (32147, OTHER_TECH_ID, utc(11, 3, 23, 30), 60, 1190473, "Evening: printer deployment", True, False),
    (32148, OTHER_TECH_ID, utc(11, 5, 18, 0), 45, 9269129, "Prepaid block: restore test", True, False),
    (32147, THIRD_TECH_ID, utc(11, 9, 16, 0), 30, 9269124, "Internal: migration runbook", False, False),
    (32147, ME_USER_ID, utc(11, 16, 17, 0), 25, ROUNDING_LABOR_PRODUCT_ID, "Remote: last two PCs", True, False),
    (32147, THIRD_TECH_ID, utc(11, 18, 15, 0), 150, 26118, "Onsite: final PCs and sign-off", True, False),
]  # fmt: skip

#: (ticket number or None, customer, technician, start (UTC), minutes, summary, location, all_day)
Appointment = tuple[int | None, str | None, int, datetime, int, str, str | None, bool]

#: Appointments on the history tickets (seeded with them, ``Sandbox(seed_history=True)``).
HISTORY_APPOINTMENTS: list[Appointment] = [
    (32144, "Sonoran Veterinary Clinic", ME_USER_ID, utc(11, 16, 16, 0), 120, "Server maintenance window",
     "3300 N Campbell Ave", False),
    (32148, "Sonoran Veterinary Clinic", ME_USER_ID, utc(11, 20, 20, 0), 60, "Backup restore test", "Remote",
     False),
]  # fmt: skip

DAY_APPOINTMENTS: list[Appointment] = [
    (32157, "Greenway Property Management", OTHER_TECH_ID, utc(11, 21, 16, 0), 240, "Rewire network closet",
     "5055 E Broadway Blvd", False),
    (None, "Greenway Property Management", ME_USER_ID, utc(11, 23, 17, 0), 60, "Quarterly review with Helen",
     "5055 E Broadway Blvd", False),
    (32166, "Len's Auto Brokerage", ME_USER_ID, utc(11, 24, 21, 0), 120, "Install Marco's workstation",
     "2901 S 6th Ave", False),
    (None, None, ME_USER_ID, utc(11, 26, 7, 0), 1440, "Office closed (Thanksgiving)", None, True),
]  # fmt: skip

#: (customer, name, type id, serial, properties, snmp)
DAY_ASSETS: list[tuple[str, str, int, str, dict[str, str], bool]] = [
    ("Len's Auto Brokerage", "LENS-SALES-02", 71101, "7XK4P93",
     {"Manufacturer": "Dell Inc.", "Model": "OptiPlex 7010", "OS": "Windows 11 Pro"}, False),
    ("Len's Auto Brokerage", "LENS-SRV-01", 71101, "9HVQ2M3",
     {"Manufacturer": "Dell Inc.", "Model": "PowerEdge T150", "OS": "Windows Server 2022"}, False),
    ("Len's Auto Brokerage", "LENS-PRN-01", 71103, "VNB3K12345",
     {"Manufacturer": "HP", "Model": "LaserJet Pro M404n"}, True),
    ("Desert Sun Dental", "DSD-FRONT-01", 71101, "MXL2231ZQK",
     {"Manufacturer": "HP", "Model": "EliteDesk 800 G6", "OS": "Windows 11 Pro"}, False),
    ("Greenway Property Management", "OMAR-LAPTOP", 71101, "3FJ8L14",
     {"Manufacturer": "Dell Inc.", "Model": "Latitude 5440", "OS": "Windows 11 Pro"}, False),
    ("Greenway Property Management", "GREENWAY-SW-01", 71102, "6LB1237A00F21",
     {"Manufacturer": "Netgear", "Model": "GS308"}, True),
    ("Sonoran Veterinary Clinic", "SVC-XRAY-01", 71101, "PC2K8V7N",
     {"Manufacturer": "Lenovo", "Model": "ThinkStation P360", "OS": "Windows 10 Pro"}, False),
]  # fmt: skip

#: (asset name, description, status, formatted output, resolved, created (UTC), ticket number)
DAY_ALERTS: list[tuple[str, str, str, str, bool, datetime, int | None]] = [
    ("OMAR-LAPTOP", "SMART failure predicted on disk 0", "smart_failure", "Disk 0: Reallocated sectors 212",
     True, utc(10, 28, 13, 5), 32153),
    ("LENS-SALES-02", "Blue screen (BSOD) detected", "bsod", "BugCheck 0x0000009F", True, utc(11, 6, 18, 40),
     None),
    ("SVC-XRAY-01", "Windows updates pending for more than 30 days", "windows_updates",
     "14 updates pending, oldest 2026-10-02", False, utc(11, 14, 9, 0), None),
    ("DSD-FRONT-01", "Agent offline", "agent_offline", "No check-in for 26 hours", False, utc(11, 19, 14, 30),
     None),
    ("LENS-SRV-01", "Low hard drive space", "low_hd_space", "C: 4% free (9.6 GB of 240 GB)", False,
     utc(11, 20, 11, 15), None),
]  # fmt: skip


def add_day_records(
    st: SandboxState, customer_ids: dict[str, int], contact_ids: dict[str, int], *, history: bool = False
) -> None:
    """The records for issues 14–15, added after the original account (see the section note)."""
    contact_seq = 18110900
    for i, spec in enumerate(DAY_CUSTOMERS):
        fields = {k: v for k, v in spec.items() if not k.startswith("_")}
        rec = new_customer(fields, at=at(150 - i * 9, 17), portal_key=f"sbx{spec['_id']:x}")
        st.insert("customers", rec, id=int(spec["_id"]))  # type: ignore[call-overload]
        customer_ids[str(fields["business_name"])] = rec["id"]
        for cname, email, phone, title in spec["_contacts"]:  # type: ignore[attr-defined]
            contact_seq += 37
            ct = new_contact(
                {"name": cname, "email": email, "phone": phone, "title": title, "city": "Tucson", "state": "AZ"},
                customer_id=rec["id"],
                at=at(149 - i * 9, 18),
            )
            st.insert("contacts", ct, id=contact_seq)
            contact_ids[cname] = ct["id"]

    tickets = add_history(st, contact_ids) if history else {}
    appointment_seq = 5560200000
    for number, cname, user_id, start, minutes, summary, location, all_day in (
        HISTORY_APPOINTMENTS if history else []
    ) + DAY_APPOINTMENTS:
        appointment_seq += 97
        ticket = tickets.get(number) if number else None
        if number and ticket is None:
            ticket = st.ticket_by_number(number)
        st.insert(
            "appointments",
            new_appointment(
                {
                    "summary": summary,
                    "description": f"Notes:\n {summary}",
                    "customer_id": customer_ids[cname] if cname else None,
                    "ticket_id": ticket["id"] if ticket else None,
                    "location": location,
                    "all_day": True if all_day else None,
                    "do_not_email": True,
                    "user_id": user_id,
                    "user_ids": [user_id],
                },
                start=start,
                end=start + timedelta(minutes=minutes),
                at=start - timedelta(days=5),
            ),
            id=appointment_seq,
        )

    asset_seq = 8831000
    asset_ids: dict[str, int] = {}
    names = {int(at_["id"]): str(at_["name"]) for at_ in account.ASSET_TYPES}  # type: ignore[call-overload]
    for cname, name, type_id, serial, props, snmp in DAY_ASSETS:
        asset_seq += 13
        rec = new_asset(
            {
                "name": name,
                "customer_id": customer_ids[cname],
                "asset_serial": serial,
                "properties": props,
                "snmp_enabled": snmp,
            },
            asset_type=names[type_id],
            asset_type_id=type_id,
            at=at(120, 18),
        )
        st.insert("assets", rec, id=asset_seq)
        asset_ids[name] = rec["id"]

    alert_seq = 61450000
    for asset_name, description, status, output, resolved, created, number in DAY_ALERTS:
        alert_seq += 29
        asset = st.assets[asset_ids[asset_name]]
        linked = st.ticket_by_number(number) if number else None
        alert = new_rmm_alert(
            {
                "customer_id": asset["customer_id"],
                "asset_id": asset["id"],
                "computer_name": asset_name,
                "resolved": resolved,
                "status": status,
                "formatted_output": output,
                "description": description,
                "check_id": 300 + alert_seq % 97,
                "ticket_id": linked["id"] if linked else None,
            },
            at=created,
        )
        if resolved:
            alert["updated_at"] = fmt(created + timedelta(hours=20))
        st.insert("rmm_alerts", alert, id=alert_seq)
    st.next_ids.update(appointments=5560300000, assets=8832000, rmm_alerts=61460000, invoice_emails=1)


def add_history(st: SandboxState, contact_ids: dict[str, int]) -> dict[int, Record]:
    """Tickets 32144–32149 with their comments and timers (``Sandbox(seed_history=True)``)."""
    comment_seq = 4012300000
    tickets: dict[int, Record] = {}
    for spec in DAY_TICKETS:
        ticket = new_ticket(
            {
                "subject": spec.subject,
                "customer_id": spec.customer_id,
                "contact_id": contact_ids.get(spec.contact) if spec.contact else None,
                "status": spec.status,
                "problem_type": spec.problem_type,
                "priority": spec.priority,
                "user_id": spec.user_id,
                "ticket_type_id": 61201,
                "due_date": fmt(spec.due),
                "_creator": "alex@computerguru.example",
            },
            number=spec.number,
            at=spec.opened,
        )
        st.insert("tickets", ticket, id=ticket_id_for(spec.number))
        tickets[spec.number] = ticket
        comment_seq += 131
        st.insert(
            "comments",
            new_comment(
                ticket_id=ticket["id"],
                subject="Initial Issue",
                body=spec.subject,
                hidden=False,
                tech=None,
                user_id=None,
                at=spec.opened,
            ),
            id=comment_seq,
        )
        if spec.updated > spec.opened:
            author = st.users.get(spec.user_id or ME_USER_ID)
            comment_seq += 131
            st.insert(
                "comments",
                new_comment(
                    ticket_id=ticket["id"],
                    subject="Update",
                    body="Waiting on the next step." if spec.status != "Resolved" else "Fixed and tested.",
                    hidden=False,
                    tech=author["full_name"] if author else None,
                    user_id=spec.user_id or ME_USER_ID,
                    at=spec.updated,
                ),
                id=comment_seq,
            )
        if spec.status in ("Resolved", "Closed"):
            ticket["resolved_at"] = fmt(spec.updated)
        ticket["updated_at"] = fmt(spec.updated)

    timer_seq = 18801800
    for number, user_id, start, minutes, product_id, notes, billable, charged in DAY_TIMERS:
        end = start + timedelta(minutes=minutes)
        timer_seq += 7
        t = new_timer(
            ticket_id=tickets[number]["id"],
            user_id=user_id,
            start=start,
            end=end,
            billable=billable,
            notes=notes,
            product_id=product_id,
            at=end,
        )
        st.insert("timers", t, id=timer_seq)
        if charged:
            billing.charge_timer(st, t, now=end)
    return tickets
