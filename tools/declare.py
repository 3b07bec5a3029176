"""What a tool is: one module-level declaration.

A read tool is ``ReadTool(name, toolset, title, Args, Output, handler)``: the handler takes the
runtime and the validated argument model and returns ``(model, text)``. A write tool is
``WriteTool(name, toolset, title, Args, plan, apply)``: ``plan(rt, args)`` resolves, checks and
previews (nothing is sent); ``apply(rt, args, plan, progress)`` sends what the user approved.

The argument model is the single source of the MCP input schema, the journal's key
(``journal_key``), the confirmation token's binding (``bound``) and what ``resume_write`` replays.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar, Generic, Literal, Protocol, TypeVar

from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase
from pydantic import BaseModel, ConfigDict
from syncro_mcp.client.models import TicketSummary
from syncro_mcp.engine.plans import Job, Work
from syncro_mcp.engine.steps import Progress

from .models import WriteResult


class Toolset(str, Enum):
    """The groups a user enables (settings ``toolsets``); ``ANY`` tools come with every group."""

    TICKETS = "tickets"
    TIME = "time"
    BILLING = "billing"
    CUSTOMERS = "customers"
    INVOICES = "invoices"
    SCHEDULE = "schedule"
    ASSETS = "assets"
    ANY = "*"


class Args(ArgModelBase):
    """A tool's arguments. Fields are the tech's words; order is the published order.

    ``defer_build``: the validator is built on the tool's first call, not at start-up (the
    published schema is read from the fields, ``schema.fields_schema``)."""

    model_config = ConfigDict(arbitrary_types_allowed=True, defer_build=True, extra="forbid")

    not_journaled: ClassVar[frozenset[str]] = frozenset({"again"})
    """Fields that change how a call is checked, not what it writes (``again``, ``bill_again``)."""

    def wants_repeat(self) -> bool:
        """The call asks for an identical write inside the repeat window (its ``again`` field, if any)."""
        return bool(getattr(self, "again", False))

    def bound(self) -> dict[str, Any]:
        """What a confirmation token approves: every argument but the token itself."""
        return self.model_dump(exclude={"confirm_token"})

    def journal_key(self) -> dict[str, Any]:
        """What the journal keys an operation by (resume, repeat window)."""
        return self.model_dump(exclude={"confirm_token", *self.not_journaled})


class NoArgs(Args):
    pass


ConfirmToken = str | None
"""No description in the schema (it would be paid in every conversation, once per confirmed tool):
the ``needs_confirmation`` result that hands out a token says how to use it, and when."""


class WriteArgs(Args):
    """A write tool's arguments. ``confirm_token`` is published only where the tool is confirmed
    (always, or with ``confirm_creates``); elsewhere it is accepted and ignored."""

    confirm_token: ConfirmToken = None


class Plan(Protocol):
    """What a write tool's ``plan`` returns: at least the exact preview the user approves."""

    preview: str


@dataclass
class JournaledPlan:
    """A journaled write's plan (comment, time, close, bill, …): the preview, the checked job, and
    what the result reports."""

    preview: str
    ticket: TicketSummary
    job: Job
    work: Work | None = None
    status: str = ""
    result_fields: dict[str, Any] | None = None
    """Extra ``WriteResult`` fields the preview carries (a bill's ``lines``, ``total``, ``prepay_hours``)."""
    bill: Any = None
    """A bill's ``BillPreview`` (tools/bill_preview.py), compared with the invoice after the write."""


A = TypeVar("A", bound=Args)
W = TypeVar("W", bound=WriteArgs)
P = TypeVar("P", bound=Plan)


@dataclass(frozen=True)
class ReadTool(Generic[A]):
    name: str
    toolset: Toolset
    title: str
    args: type[A]
    output: type[BaseModel]
    handler: Callable[[Any, A], Awaitable[tuple[BaseModel, str]]]
    open_world: bool = True
    untrusted: str | None = None
    """The result's fields holding Syncro free text (customers' and others'): labelled as data, never
    instructions, in the structured result (``untrusted``) and the text (``formatting.untrusted``)."""

    @property
    def description(self) -> str:
        return (self.handler.__doc__ or "").strip()


@dataclass(frozen=True)
class WriteTool(Generic[W, P]):
    name: str
    toolset: Toolset
    title: str
    args: type[W]
    plan: Callable[[Any, W], Awaitable[P]]
    apply: Callable[[Any, W, P, Progress | None], Awaitable[WriteResult]]
    destructive: bool = False
    idempotent: bool = False
    confirm: bool | Literal["creates"] = True
    """``"creates"``: confirmed only when the settings' ``confirm_creates`` is on."""
    open_world: bool = True
    output: type[BaseModel] = WriteResult

    @property
    def description(self) -> str:
        return (self.apply.__doc__ or "").strip()


Tool = ReadTool[Any] | WriteTool[Any, Any]
