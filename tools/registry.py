"""Registering tools: toolsets, read-only mode, annotations, confirmation, text + structure.

Tool bodies stay thin: a read tool returns ``(model, text)``; a write tool gets its ``plan``
(resolved ids + the exact preview, built by its ``plan`` function) and returns a
``WriteResult``. This module wraps both into one MCP tool that

- publishes the model as ``outputSchema`` and returns the seed's text as content,
- for confirmed writes, asks the human (elicitation form) or, where the client has no
  elicitation, answers ``needs_confirmation`` with a preview and an argument-bound token,
- turns every failure into a clean tool error (``tools.errors``).
"""

from __future__ import annotations

import functools
import inspect
import logging
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Protocol

from mcp.server.elicitation import AcceptedElicitation, ElicitationResult
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.resolve import Elicit, Resolve
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field
from syncro_mcp.client.errors import SyncroError

from .audit import CURRENT_CALL
from .confirm import Approve, Confirmer, TokenApproved, TokenNeeded
from .errors import InputError, as_tool_error
from .formatting import write_result
from .models import WriteResult
from .schema import compact

log = logging.getLogger("syncro_mcp.tools")

CONFIRM_TOKEN = Annotated[
    str | None,
    Field(description="From needs_confirmation, after the user approved."),
]
Kind = Literal["read", "write"]


class Plan(Protocol):
    """What a write tool's plan function returns: at least the exact preview text."""

    preview: str


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
    """Adds tools to ``server`` according to read-only mode, toolsets and confirmation policy."""

    server: MCPServer
    confirmer: Confirmer
    read_only: bool = False
    toolsets: frozenset[str] | None = None
    confirm_creates: bool = False
    registered: dict[str, ToolInfo] = field(default_factory=dict)

    def _enabled(self, toolset: str, kind: Kind) -> bool:
        """``toolset="*"`` tools (the journal's) come with any toolset, but never write in read-only mode."""
        if kind == "write" and self.read_only:
            return False
        return toolset == "*" or self.toolsets is None or toolset in self.toolsets

    # -- read tools --------------------------------------------------------------------------
    def read(self, toolset: str, title: str, output: type[BaseModel], *, open_world: bool = True):
        """A read-only tool whose body returns ``(model, text)``."""

        def decorate(fn: Callable[..., Awaitable[tuple[BaseModel, str]]]):
            if not self._enabled(toolset, "read"):
                return fn

            async def run(**kwargs: Any) -> CallToolResult:
                try:
                    model, text = await fn(**kwargs)
                except Exception as exc:  # one translation point for every tool
                    raise _logged(fn.__name__, exc) from None
                return _result(model, text)

            annotations = _annotations(title, read_only=True, destructive=False, idempotent=True, open_world=open_world)
            self._add(fn, run, output, toolset, "read", False, annotations, extra={})
            return fn

        return decorate

    # -- write tools -------------------------------------------------------------------------
    def write(
        self,
        toolset: str,
        title: str,
        *,
        plan: Callable[..., Awaitable[Plan]],
        destructive: bool = False,
        idempotent: bool = False,
        confirm: bool | Literal["creates"] = True,
        open_world: bool = True,
    ):
        """A write tool: ``plan(**args)`` resolves and previews; ``fn(plan, **args)`` writes."""

        def decorate(fn: Callable[..., Awaitable[WriteResult]]):
            if not self._enabled(toolset, "write"):
                return fn
            name = fn.__name__
            confirmed = confirm is True or (confirm == "creates" and self.confirm_creates)
            arg_names = [p for p in inspect.signature(fn).parameters if p not in ("plan", "ctx")]
            annotations = _annotations(
                title, read_only=False, destructive=destructive, idempotent=idempotent, open_world=open_world
            )

            async def make_plan(**kwargs: Any) -> Any:
                try:
                    return await plan(**{k: kwargs[k] for k in inspect.signature(plan).parameters})
                except Exception as exc:
                    raise _logged(name, exc) from None

            async def run(**kwargs: Any) -> CallToolResult:
                the_plan = kwargs.pop("resolved_plan", None)
                approval = kwargs.pop("approval", None)
                kwargs.pop("confirm_token", None)
                args = {k: kwargs[k] for k in arg_names if k in kwargs}
                try:
                    if the_plan is None:
                        the_plan = await make_plan(**args)
                    how = "not required"
                    if confirmed:
                        outcome = _approval_outcome(approval, the_plan)
                        if outcome is not None:
                            return _result(outcome, write_result(outcome))
                        how = "token" if isinstance(approval.data, TokenApproved) else "elicitation"
                    token = CURRENT_CALL.set({"tool": name, "confirmed_by": how})
                    try:
                        result = await fn(plan=the_plan, **kwargs)
                    finally:
                        CURRENT_CALL.reset(token)
                except ToolError:
                    raise
                except Exception as exc:
                    raise _logged(name, exc) from None
                return _result(result, write_result(result))

            extra: dict[str, tuple[Any, Any]] = {}
            if confirmed:
                plan_resolver = _resolver(make_plan, arg_names, f"{name}_plan")
                approve = self._approval_resolver(name, [*arg_names, "confirm_token"], plan_resolver)
                extra = {
                    "confirm_token": (CONFIRM_TOKEN, None),
                    "resolved_plan": (Annotated[Any, Resolve(plan_resolver)], inspect.Parameter.empty),
                    "approval": (
                        Annotated[ElicitationResult[Approve], Resolve(approve)],
                        inspect.Parameter.empty,
                    ),
                }
            self._add(fn, run, WriteResult, toolset, "write", confirmed, annotations, extra=extra)
            return fn

        return decorate

    def _approval_resolver(self, tool: str, arg_names: list[str], plan_resolver: Callable[..., Any]):
        confirmer = self.confirmer

        async def approve(ctx: Context, resolved_plan: Any, **args: Any) -> Any:
            token = args.get("confirm_token")
            bound = {k: v for k, v in args.items() if k != "confirm_token"}
            if token:
                try:
                    confirmer.check(tool, bound, token)
                except Exception as exc:
                    raise as_tool_error(exc) from None
                return TokenApproved(confirm=True)
            caps = ctx.client_capabilities
            if caps is not None and caps.elicitation is not None:
                return Elicit(f"{resolved_plan.preview}\n\nSend this to Syncro?", Approve)
            return TokenNeeded(token=confirmer.issue(tool, bound))

        params = [
            inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=Context),
            inspect.Parameter(
                "resolved_plan",
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[Any, Resolve(plan_resolver)],
            ),
            *(inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY) for n in arg_names),
        ]
        approve.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        approve.__annotations__ = {
            p.name: p.annotation for p in params if p.annotation is not inspect.Parameter.empty
        }
        approve.__qualname__ = f"{tool}_approval"
        return approve

    def _add(
        self,
        fn: Callable[..., Any],
        run: Callable[..., Awaitable[CallToolResult]],
        output: type[BaseModel],
        toolset: str,
        kind: Kind,
        confirmed: bool,
        annotations: ToolAnnotations,
        extra: dict[str, tuple[Any, Any]],
    ) -> None:
        """Give ``run`` the public signature of ``fn`` (plus resolver params) and register it."""
        hints = typing.get_type_hints(fn, include_extras=True)
        params = []
        for p in inspect.signature(fn).parameters.values():
            if p.name == "plan":
                continue
            params.append(
                p.replace(kind=inspect.Parameter.KEYWORD_ONLY, annotation=hints.get(p.name, p.annotation))
            )
        params += [
            inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, annotation=a, default=d)
            for n, (a, d) in extra.items()
        ]
        # Required parameters first is not needed for keyword-only params.
        functools.update_wrapper(run, fn, assigned=("__module__", "__name__", "__qualname__", "__doc__"))
        returns = Annotated[CallToolResult, output]  # text content + validated structuredContent
        run.__signature__ = inspect.Signature(params, return_annotation=returns)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in params} | {"return": returns}
        self.server.add_tool(run, name=fn.__name__, title=annotations.title, annotations=annotations)
        tool = self.server._tool_manager.get_tool(fn.__name__)  # no public setter for the published schema
        if tool is not None:
            tool.parameters = compact(tool.parameters)
        self.registered[fn.__name__] = ToolInfo(fn.__name__, toolset, kind, confirmed, annotations)


def _annotations(title: str, *, read_only: bool, destructive: bool, idempotent: bool, open_world: bool):
    return ToolAnnotations(
        title=title,
        read_only_hint=read_only,
        destructive_hint=destructive,
        idempotent_hint=idempotent,
        open_world_hint=open_world,
    )


def _resolver(make_plan: Callable[..., Awaitable[Any]], arg_names: list[str], qualname: str):
    """A resolver taking the tool's arguments by name and returning its plan."""

    async def resolve(**args: Any) -> Any:
        return await make_plan(**args)

    params = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY) for n in arg_names]
    resolve.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    resolve.__annotations__ = {}
    resolve.__qualname__ = qualname
    return resolve


def _approval_outcome(approval: Any, plan: Plan) -> WriteResult | None:
    """None when approved; otherwise the result to return instead of writing."""
    if isinstance(approval, AcceptedElicitation):
        data = approval.data
        if isinstance(data, TokenNeeded):
            return WriteResult(status="needs_confirmation", preview=plan.preview, confirm_token=data.token)
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
