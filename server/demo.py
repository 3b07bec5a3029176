"""``syncro-mcp demo``: a tech's morning, through a real MCP client session, on the sandbox.

No AI and no Syncro account: the real server runs against the embedded sandbox, and an MCP
client calls its tools the way an assistant would. It shows the seed's views, the preview and
confirmation of writes, the exact Syncro requests a comment with time makes, and a bill that
ends with an invoice and status Invoiced.
"""

from __future__ import annotations

import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from mcp import Client
from mcp_types import CallToolResult, ElicitResult

from .app import build_app
from .serving import open_client, sandbox_settings
from .settings import Settings

RULE = "─" * 78


def _text(result: CallToolResult) -> str:
    return "\n".join(getattr(b, "text", "") for b in result.content)


class Demo:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.step = 0

    def say(self, text: str = "") -> None:
        print(text, file=self.out)

    def section(self, title: str, what: str) -> None:
        self.step += 1
        self.say(f"\n{RULE}\n{self.step}. {title}\n{RULE}")
        self.say(textwrap.fill(what, 78))
        self.say()

    def show(self, result: CallToolResult, indent: str = "   ") -> None:
        self.say(textwrap.indent(_text(result), indent))

    def requests(self, sandbox: Any, since: int, only_writes: bool = True) -> None:
        for q in sandbox.requests[since:]:
            if only_writes and q.method == "GET":
                continue
            body = ", ".join(f"{k}={v!r}" for k, v in (q.body or {}).items())
            self.say(f"   → {q.method} {q.path}  {{{body}}}  ← {q.status}")


def approving(demo: Demo) -> Callable[..., Any]:
    """The elicitation dialog: print what the tech would see, then click Approve."""

    async def answer(ctx: Any, params: Any) -> ElicitResult:
        demo.say("   ┌ confirmation dialog shown to the tech " + "─" * 37)
        for line in params.message.splitlines():
            demo.say(f"   │ {line}")
        demo.say("   └ the tech clicks Approve")
        return ElicitResult(action="accept", content={"confirm": True})

    return answer


async def run_demo(settings: Settings, out: TextIO) -> int:
    with tempfile.TemporaryDirectory(prefix="syncro-mcp-demo-") as scratch:
        settings = sandbox_settings(settings, None, Path(scratch))
        return await _run(Demo(out), settings.model_copy(update={"read_only": False, "toolsets": None}))


async def _run(demo: Demo, settings: Settings) -> int:
    from syncro_mcp.sandbox.standalone import make_sandbox

    sandbox = make_sandbox(None)
    demo.say("syncro-mcp demo: the real MCP server on the embedded sandbox Syncro (demo data, no account needed).")
    async with open_client(settings, sandbox=True, sandbox_instance=sandbox) as client:
        app = build_app(settings, client)
        server = app.server
        async with Client(server, mode="legacy") as plain:
            demo.section("Open tickets", "list_tickets: the seed's one-line-per-ticket summary (not closed).")
            demo.show(await plain.call_tool("list_tickets", {"limit": 12}))

            demo.section("A ticket in detail", "get_ticket 32164: ticket number → internal id, then the detail view.")
            demo.show(await plain.call_tool("get_ticket", {"number": 32164}))

            demo.section(
                "A comment: preview, then confirm",
                "add_comment without an elicitation-capable client: the first call writes nothing and returns a "
                "preview with a confirm_token; the assistant shows it, the tech says yes, and the same call is "
                "repeated with the token.",
            )
            args = {"number": 32163, "body": "Called Jim; resetting his mailbox password now.", "do_not_email": True}
            first = await plain.call_tool("add_comment", args)
            demo.show(first)
            demo.say("\n   The tech says “yes, post it”. Repeating the call with confirm_token:")
            before = len(sandbox.requests)
            token = (first.structured_content or {}).get("confirm_token")
            done = await plain.call_tool("add_comment", {**args, "confirm_token": token})
            demo.show(done)
            demo.requests(sandbox, before)

        async with Client(server, mode="legacy", elicitation_callback=approving(demo)) as dialog:
            demo.section(
                "A comment with 30 minutes of remote labor",
                "With a client that supports elicitation the server asks the tech itself. Time is a second call: "
                "the comment carries no time fields, then a timer entry whose start is end − 30 minutes.",
            )
            before = len(sandbox.requests)
            r = await dialog.call_tool("add_comment", {
                "number": 32164, "body": "Re-linked the ownCloud client and cleared the sync conflict.",
                "minutes": 30, "labor_type": "remote",
            })
            demo.show(r)
            demo.say("\n   The Syncro requests it made:")
            demo.requests(sandbox, before)

            demo.section(
                "Bill a ticket",
                "bill_ticket 32170, 45 minutes of onsite labor: comment → timer entry → invoice from the ticket → "
                "check the invoice carries the labor line → status Invoiced. The preview is the invoice: every line "
                "(the ticket's other uncharged time too) and the total; afterwards the invoice is read back and "
                "compared. Journaled: a failure resumes, never double-posts.",
            )
            before = len(sandbox.requests)
            r = await dialog.call_tool("bill_ticket", {
                "number": 32170, "minutes": 45, "labor_type": "onsite",
                "notes": "Set up the new laptop, migrated the profile and installed the printer.",
            })
            demo.show(r)
            demo.say("\n   The Syncro requests it made (reads included):")
            demo.requests(sandbox, before, only_writes=False)
            invoice = (r.structured_content or {}).get("invoice") or {}
            detail = await dialog.call_tool("get_invoice", {"id_or_number": str(invoice.get("number") or "")})
            demo.say()
            demo.show(detail)
            status = await dialog.call_tool("get_ticket", {"number": 32170})
            demo.say(f"\n   Ticket #32170 is now: {(status.structured_content or {}).get('status')}")

    demo.say(f"\n{RULE}\nNext steps\n{RULE}")
    demo.say(
        "Connect Claude Code to the sandbox (demo data):\n"
        "   claude mcp add syncro -- syncro-mcp serve --sandbox\n"
        "Connect it to your Syncro:\n"
        "   claude mcp add syncro -e SYNCRO_SUBDOMAIN=yourcompany -e SYNCRO_API_KEY=... -- syncro-mcp serve\n"
        "   syncro-mcp check      # verifies the key and shows its permissions\n"
        "Or install the Claude Code plugin (the /syncro:syncro skill plus this server, no pip step; needs uv):\n"
        "   claude plugin marketplace add /path/to/syncro-mcp && claude plugin install syncro@syncro-mcp\n"
        "   SYNCRO_SANDBOX=1 claude      # demo data; SYNCRO_SUBDOMAIN and SYNCRO_API_KEY for your Syncro\n"
        "Then type /syncro:syncro in Claude Code."
    )
    return 0
