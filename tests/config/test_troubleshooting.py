"""The README's Troubleshooting table quotes only messages the program really prints.

Each backtick-quoted symptom is matched against the actual output of running its scenario
(a tool call on the sandbox, or the CLI), not against the source: ``…`` stands for any text,
``N`` for a number and ``$NAME`` for a variable name.
"""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import httpx
from support.harness import call, call_confirmed, harness, text
from syncro_mcp.server import cli

ROOT = Path(__file__).resolve().parents[2]
BILL = {"number": 32164, "minutes": 45, "labor_type": "remote", "notes": "Fixed ownCloud sync."}
LOG = {"number": 32165, "minutes": 30, "labor_type": "remote", "notes": "Reset the VPN."}


def quoted_symptoms() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Troubleshooting", 1)[1].split("\n## ", 1)[0]
    rows = [ln for ln in section.splitlines() if ln.startswith("| ") and not ln.startswith("| symptom")]
    return [q for row in rows for q in re.findall(r"`([^`]+)`", row.split(" | ", 1)[0])]


def as_pattern(quote: str) -> re.Pattern[str]:
    p = re.escape(quote)
    p = p.replace("…", ".*?").replace(r"\$NAME", r"\$\w+").replace("\\#N", r"\#\d+")
    p = re.sub(r"(?<![\w\\])N(?!\w)", r"\\d+", p)
    return re.compile(p, re.DOTALL)


class _Answer422:
    """The sandbox, except that a ticket update is refused the way Syncro refuses one."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PUT" and "/tickets/" in request.url.path:
            return httpx.Response(422, json={"errors": ["Status is not included in the list"]})
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def _tool_outputs(tmp: Path) -> list[str]:
    out: list[str] = []
    async with harness(tmp / "a", api_key="wrong-key-000000") as h:  # 401
        out.append(text(await call(h.app.server, "get_ticket", {"number": 32164})))
    async with harness(tmp / "b") as h:  # 429 on every try
        h.sandbox.faults.add("GET", "/tickets", "429", times=None)
        out.append(text(await call(h.app.server, "list_tickets", {})))
    async with harness(tmp / "c") as h:  # a bill stopped halfway, then another write on the ticket
        h.sandbox.faults.add("POST", "/invoices", "500", call=1, times=4)
        await call_confirmed(h.app.server, "bill_ticket", BILL)
        out.append(text(await call(h.app.server, "add_comment", {"number": 32164, "body": "x"})))
    async with harness(tmp / "d") as h:  # the same bill twice
        await call_confirmed(h.app.server, "bill_ticket", BILL)
        out.append(text(await call(h.app.server, "bill_ticket", BILL)))
    async with harness(tmp / "e") as h:
        sb = h.sandbox
        await call_confirmed(h.app.server, "log_time", LOG)
    async with harness(tmp / "e2", sandbox=sb) as h:  # another technician's server (own journal), the same time
        out.append(text(await call_confirmed(h.app.server, "log_time", LOG)))
    async with harness(tmp / "f", sandbox=sb, client_kw={"transport": _Answer422(sb.transport())}) as h:
        out.append(text(await call(h.app.server, "update_ticket", {"number": 32164, "subject": "New subject"})))
    return out


def _cli_stderr(capsys, monkeypatch, args: list[str], **env: str) -> str:
    for var in ("SYNCRO_SUBDOMAIN", "SYNCRO_API_KEY_COMMAND", "SYNCRO_API_KEY_KEYRING"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    code = cli.main(args)
    err = capsys.readouterr().err
    assert code != 0, err
    return err


def test_every_quoted_troubleshooting_message_is_really_printed(tmp_path, capsys, monkeypatch):
    quotes = quoted_symptoms()
    assert len(quotes) >= 8, quotes
    outputs = asyncio.run(_tool_outputs(tmp_path))  # sync test: the CLI runs its own event loop
    outputs.append(_cli_stderr(capsys, monkeypatch, ["check"]))
    outputs.append(_cli_stderr(capsys, monkeypatch, ["check"], SYNCRO_SUBDOMAIN="acme"))
    monkeypatch.delenv("NO_SUCH_VAULT", raising=False)
    outputs.append(_cli_stderr(capsys, monkeypatch, ["check"], SYNCRO_SUBDOMAIN="acme",
                               SYNCRO_API_KEY_COMMAND="bash $NO_SUCH_VAULT/vault.sh"))
    monkeypatch.setitem(sys.modules, "keyring", None)
    outputs.append(_cli_stderr(capsys, monkeypatch, ["check"], SYNCRO_SUBDOMAIN="acme",
                               SYNCRO_API_KEY_KEYRING="syncro-mcp/acme"))
    monkeypatch.setenv("SYNCRO_STATE_DIR", str(tmp_path / "state"))
    outputs.append(_cli_stderr(capsys, monkeypatch, ["serve", "--sandbox", "--transport", "http", "--host", "0.0.0.0"]))
    missing = [q for q in quotes if not any(as_pattern(q).search(o) for o in outputs)]
    assert not missing, "quoted in README but not printed:\n" + "\n".join(missing) + "\n\nOutputs:\n" + "\n---\n".join(
        outputs
    )
