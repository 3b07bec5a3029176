"""Turning tool declarations into MCP tools: toolsets, read-only mode, annotations, confirmation.

A declaration (``tools.declare``) becomes one SDK ``Tool`` built here, explicitly: its input
schema is the argument model's (compacted, built once per model), its output schema the
output model's (built once), and its function a small call object. Nothing rewrites a
signature. A confirmed write publishes its ``confirm_token`` argument and gets one resolver,
``WriteCall.approve``, which plans (resolve, check, preview: nothing sent), then asks the human
(elicitation form) or, where the client has no elicitation, answers ``needs_confirmation``
with an argument-bound token. Every failure becomes a clean tool error here, once.
"""

from __future__ import annotations

import contextvars
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from mcp.server.elicitation import AcceptedElicitation, ElicitationResult
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.resolve import Elicit, Resolve, build_resolver_plans
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import FuncMetadata
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, ValidationError
from syncro_mcp.client.errors import SyncroError
from syncro_mcp.engine.audit import CURRENT_CALL
from syncro_mcp.engine.confirm import Approve, Confirmer, TokenApproved, TokenNeeded, TokenReplay
from syncro_mcp.engine.runner import off_loop

from .declare import Args, ReadTool, Toolset, WriteTool
from .declare import Tool as Declared
from .errors import InputError, as_tool_error, bad_arguments
from .formatting import CONFIRM_FIRST, fenced, untrusted, write_result
from .links import with_link
from .models import WriteResult
from .runtime import Runtime
from .schema import fields_schema, shallow

log = logging.getLogger("syncro_mcp.tools")

Kind = Literal["read", "write"]
T = TypeVar("T")

_PLAN: contextvars.ContextVar[tuple[Context, Any] | None] = contextvars.ContextVar("syncro_mcp_plan", default=None)
"""The plan ``approve`` made for this call, handed to the tool body (same task, same Context)."""


@dataclass
class ToolInfo:
    """Policy of one registered tool (tests assert on it)."""

    name: str
    toolset: str
    kind: Kind
    confirmed: bool
    annotations: ToolAnnotations


@dataclass
class Registrar:
    """Builds the enabled tools according to read-only mode, toolsets and confirmation policy."""

    runtime: Runtime
    confirmer: Confirmer
    read_only: bool = False
    toolsets: frozenset[str] | None = None
    confirm_creates: bool = False
    destructive_by_token: bool = False
    registered: dict[str, ToolInfo] = field(default_factory=dict)
    tools: list[Tool] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name in self.toolsets or ():
            Toolset(name)  # the settings' list and the enum must agree

    def _enabled(self, toolset: Toolset, kind: Kind) -> bool:
        """``Toolset.ANY`` tools (the journal's) come with any toolset, but never write in read-only mode."""
        if kind == "write" and self.read_only:
            return False
        return toolset is Toolset.ANY or self.toolsets is None or toolset.value in self.toolsets

    def add(self, decl: Declared) -> None:
        kind: Kind = "read" if isinstance(decl, ReadTool) else "write"
        if not self._enabled(decl.toolset, kind):
            return
        if isinstance(decl, ReadTool):
            confirmed, annotations = False, _annotations(decl, read_only=True, destructive=False, idempotent=True)
            tool = _read_tool(decl, self.runtime, annotations)
        else:
            confirmed = decl.confirm is True or (decl.confirm == "creates" and self.confirm_creates)
            annotations = _annotations(
                decl, read_only=False, destructive=decl.destructive, idempotent=decl.idempotent
            )
            call = WriteCall(decl, self.runtime, self.confirmer, confirmed, self.destructive_by_token)
            tool = call.tool(annotations)
        self.tools.append(tool)
        self.registered[decl.name] = ToolInfo(decl.name, decl.toolset.value, kind, confirmed, annotations)


def _annotations(decl: Declared, *, read_only: bool, destructive: bool, idempotent: bool) -> ToolAnnotations:
    return ToolAnnotations(
        title=decl.title,
        read_only_hint=read_only,
        destructive_hint=destructive,
        idempotent_hint=idempotent,
        open_world_hint=decl.open_world,
    )


@functools.cache
def input_schema(model: type[Args], confirmed: bool = False) -> dict[str, Any]:
    """The published (compact) input schema of an argument model, built once per model from its fields;
    ``confirm_token`` only where the tool is confirmed."""
    schema = fields_schema(model)
    if not confirmed and "confirm_token" in schema["properties"]:
        schema["properties"] = {k: v for k, v in schema["properties"].items() if k != "confirm_token"}
    return schema


WRITE_ENVELOPE = ("status", "message", "preview", "confirm_token")
"""What a write tool's published output schema lists: the fields a client acts on (done or not, the
preview to show, the token). A write's other fields (ids, steps, a bill's lines) are still sent,
validated against the full model; their schema, ×20 write tools, was a third of tools/list."""


@functools.cache
def output_schema(model: type[BaseModel], write: bool = False) -> dict[str, Any]:
    """The published output schema of a result model, built once per model: its top level
    (``schema.shallow``); for a write tool, only its envelope (``WRITE_ENVELOPE``)."""
    return shallow(model, WRITE_ENVELOPE if write else None)


@functools.cache
def _metadata(args: type[Args], output: type[BaseModel], write: bool = False) -> FuncMetadata:
    return FuncMetadata(arg_model=args, output_schema=output_schema(output, write), output_model=output)


class _Tool(Tool):
    """The SDK's tool, with argument errors told in the tech's words (``errors.bad_arguments``)
    instead of pydantic's report; everything else is the SDK's."""

    async def run(self, arguments: dict[str, Any], context: Any, convert_result: bool = False) -> Any:
        try:
            return await super().run(arguments, context, convert_result)
        except ToolError as exc:
            if not isinstance(exc.__cause__, ValidationError):
                raise
            told = bad_arguments(exc.__cause__, self.fn_metadata.arg_model)
            raise ToolError(f"Error executing tool {self.name}: {told}") from exc.__cause__


def _sdk_tool(
    decl: Declared, fn: Any, annotations: ToolAnnotations, confirmed: bool = False, **extra: Any
) -> Tool:
    return _Tool(
        fn=fn, name=decl.name, title=decl.title, description=decl.description,
        parameters=input_schema(decl.args, confirmed),
        fn_metadata=_metadata(decl.args, decl.output, isinstance(decl, WriteTool)), is_async=True,
        annotations=annotations, **extra,
    )


def _read_tool(decl: ReadTool[Any], rt: Runtime, annotations: ToolAnnotations) -> Tool:
    return _sdk_tool(decl, ReadCall(decl, rt), annotations)


@dataclass(frozen=True)
class ReadCall:
    decl: ReadTool[Any]
    rt: Runtime

    async def __call__(self, **fields: Any) -> CallToolResult:
        args = self.decl.args.model_construct(**fields)
        try:
            model, text = await self.decl.handler(self.rt, args)
        except Exception as exc:  # one translation point for every tool
            raise _logged(self.decl.name, exc) from None
        if self.decl.untrusted:  # Syncro free text: labelled as data in both results (issue 13)
            model.untrusted = untrusted(self.decl.untrusted)  # type: ignore[attr-defined]
            text = fenced(text, model.untrusted)  # type: ignore[attr-defined]
        return _result(model, text)


@dataclass(frozen=True)
class WriteCall:
    decl: WriteTool[Any, Any]
    rt: Runtime
    confirmer: Confirmer
    confirmed: bool
    destructive_by_token: bool = False

    def tool(self, annotations: ToolAnnotations) -> Tool:
        if not self.confirmed:
            return _sdk_tool(self.decl, self, annotations, context_kwarg="ctx")
        resolved = {"approval": (Resolve(self.approve), True)}
        plans = build_resolver_plans(resolved, set(self.decl.args.model_fields))
        return _sdk_tool(
            self.decl, self, annotations, True, context_kwarg="ctx", resolved_params=resolved, resolver_plans=plans
        )

    async def _plan(self, args: Args) -> Any:
        try:
            return await self.decl.plan(self.rt, args)
        except Exception as exc:
            raise _logged(self.decl.name, exc) from None

    async def approve(self, ctx: Context) -> Any:
        """The approval resolver: plan (nothing sent), then token check, elicitation or a token to confirm with."""
        raw = (ctx.request_context.params or {}).get("arguments") or {}
        # The same validation the SDK gave the call (its JSON-in-string pre-parse included).
        args = self.decl.args.model_validate(_metadata(self.decl.args, self.decl.output, True).pre_parse_json(raw))
        token = args.confirm_token
        caps = ctx.client_capabilities
        has_dialog = caps is not None and caps.elicitation is not None
        if self.decl.destructive and not self.destructive_by_token and (token or not has_dialog):
            raise ToolError(
                f"{self.decl.name} cannot be undone, so it needs the user's yes in a confirmation dialog (MCP "
                "elicitation), which this client does not offer; a confirm_token would let the agent approve it "
                "alone. Do it in Syncro, or set destructive_by_token: true to allow the token fallback."
            )
        if token:
            try:
                self.confirmer.check(self.decl.name, args.bound(), token)
            except Exception as exc:
                raise as_tool_error(exc) from None
            used = await self._journal(self.rt.journal.token_use, token)
            if used is not None:  # a replayed token: what its first use did, before anything is re-checked
                _PLAN.set((ctx, None))
                return TokenReplay(state=used.state, outcome=used.outcome)
        # What the preview resolved (ids, prices, names) is kept for the token call; no token, no dialog: a
        # token call may follow. Safety reads (witness, billed state) are made afresh either way.
        with self.rt.resolver.previewing(
            self.confirmer.binding(self.decl.name, args.bound()), confirming=bool(token),
            keep=not token and not has_dialog, ttl_s=self.confirmer.ttl_s,
        ):
            plan = await self._plan(args)
        if self._one_shot(plan):  # before the user is asked; again right before sending (Engine.once)
            try:
                await self.rt.engine.check_once(self.decl.name, args.journal_key(), args.wants_repeat())
            except Exception as exc:
                raise _logged(self.decl.name, exc) from None
        _PLAN.set((ctx, plan))
        if token:
            used = await self._journal(self.rt.journal.use_token, token, self.decl.name)  # single use, atomic
            if used is not None:
                return TokenReplay(state=used.state, outcome=used.outcome)
            return TokenApproved(confirm=True)
        if has_dialog:
            return Elicit(f"{plan.preview}\n\nSend this to Syncro?", Approve)
        return TokenNeeded(token=self.confirmer.issue(self.decl.name, args.bound()))

    async def __call__(self, ctx: Context, approval: Any = None, **fields: Any) -> CallToolResult:
        args = self.decl.args.model_construct(**fields)
        how = "not required"
        if self.confirmed:
            made = _PLAN.get()
            if made is None or made[0] is not ctx:
                raise RuntimeError(f"{self.decl.name}: the approval resolver did not run for this call")
            _PLAN.set(None)
            plan = made[1]
            refused = _approval_outcome(approval, plan, self.decl.output)
            if refused is not None:
                return _result(refused, write_result(refused))
            how = "token" if isinstance(approval.data, TokenApproved) else "elicitation"
        else:
            plan = await self._plan(args)
        call = {"tool": self.decl.name, "confirmed_by": how}
        token = CURRENT_CALL.set(call)
        try:
            result = await self._apply(args, plan, ctx)
        except Exception as exc:
            err = _logged(self.decl.name, exc)
            await self._token_outcome(how, args, "failed", str(err))
            raise err from None
        finally:
            CURRENT_CALL.reset(token)
        await self._token_outcome(how, args, "done", result.message)
        if not self.decl.destructive:  # a deleted record has no link
            result = with_link(self.rt, result)
        if call.get("audit_warning"):  # the write is done: report it, and the audit problem as a warning
            result = result.model_copy(update={"message": f"{result.message}\n{call['audit_warning']}"})
        return _result(result, write_result(result))

    def _one_shot(self, plan: Any) -> bool:
        """A Syncro write outside the step journal (its plan has no engine ``Job``): sent through
        ``Engine.once`` (the lock of this exact write, the repeat window, the outcome kept). The journal's
        own tools and local writes (session log) are not Syncro writes."""
        return self.decl.open_world and self.decl.toolset is not Toolset.ANY and getattr(plan, "job", None) is None

    async def _apply(self, args: Args, plan: Any, ctx: Context) -> Any:
        apply = functools.partial(self.decl.apply, self.rt, args, plan, ctx.report_progress)
        if not self._one_shot(plan):
            return await apply()
        ticket = getattr(args, "number", None) or 0
        return await self.rt.engine.once(self.decl.name, ticket, args.journal_key(), apply, args.wants_repeat())

    async def _token_outcome(self, how: str, args: Args, state: str, outcome: str) -> None:
        """What the token's one write did: a replay of the token is answered with it."""
        token = getattr(args, "confirm_token", None)
        if how == "token" and token:
            await self._journal(self.rt.journal.token_outcome, token, state, outcome)

    async def _journal(self, call: Callable[..., T], *args: Any) -> T:
        """A token's journal call, off the event loop (``off_loop``); a journal failure becomes a clean tool error."""
        try:
            return await off_loop(call, *args)
        except Exception as exc:
            raise _logged(self.decl.name, exc) from None


def _approval_outcome(approval: Any, plan: Any, output: Any = WriteResult) -> WriteResult | None:
    """None when approved; otherwise the result to return instead of writing."""
    if isinstance(approval, AcceptedElicitation):
        data = approval.data
        if isinstance(data, TokenReplay):
            if data.state != "done":
                raise ToolError(data.message())
            return WriteResult(status="already_done", message=data.message())
        if isinstance(data, TokenNeeded):
            extra = getattr(plan, "result_fields", None) or {}  # e.g. a bill's lines and total
            return output(status="needs_confirmation", message=f"{CONFIRM_FIRST}.", preview=plan.preview,
                          confirm_token=data.token, **extra)
        if isinstance(data, Approve) and data.confirm:
            return None
    return WriteResult(status="cancelled", message="Cancelled by the user: nothing was written to Syncro.")


def _result(model: BaseModel, text: str) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        structured_content=model.model_dump(mode="json", exclude_none=True),
    )


def _logged(tool: str, exc: BaseException) -> ToolError:
    """The tool error for ``exc``; a bug (not a Syncro or input error) is logged with its traceback."""
    err = as_tool_error(exc)
    if isinstance(exc, (ToolError, InputError, SyncroError)):
        log.info("tool %s: %s", tool, err)
    else:
        log.error("tool %s failed", tool, exc_info=exc)
    return err


__all__ = ["ElicitationResult", "Registrar", "ToolInfo"]
