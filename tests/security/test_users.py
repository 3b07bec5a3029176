"""Team mode: one identity per technician over HTTP (users file), and the load balancer's /healthz.

Unit: the file's shape and errors, token hashing, constant-time lookup against every entry, the
ASGI middleware. End to end: ``syncro-mcp serve --transport http`` against a standalone sandbox on
loopback (``SYNCRO_BASE_URL``, no global key, no http_token) with a users file of two technicians:
Alice (the sandbox's full key, from a file) and Bob (its read-only key, from an environment
variable). Alice's confirmed comment reaches Syncro with her key and the audit log names her;
Bob's is refused by Syncro, because his own key cannot write; an unknown token is 401.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from security.test_http_transport import ACCEPT, INIT, _command, _env, http_server
from syncro_mcp.sandbox import Sandbox
from syncro_mcp.sandbox.sandbox import DEFAULT_API_KEY, DEFAULT_READ_ONLY_KEY
from syncro_mcp.sandbox.standalone import BackgroundServer
from syncro_mcp.server import users as users_mod
from syncro_mcp.server.cli import main
from syncro_mcp.server.settings import ConfigError, load_settings
from syncro_mcp.server.transport import BearerAuth
from syncro_mcp.server.users import CURRENT_USER, authenticate, hash_token, load_users

ALICE, BOB = "alice-token-7c1d2e", "bob-token-93ab41"


def _write_users(folder: Path) -> Path:
    (folder / "alice.key").write_text(DEFAULT_API_KEY + "\n", encoding="utf-8")
    path = folder / "users.yaml"
    path.write_text(
        "users:\n"
        f"  - name: Alice Example\n    token_sha256: {hash_token(ALICE)}\n    api_key_file: alice.key\n"
        f"  - name: Bob Example\n    token_sha256: {hash_token(BOB).upper()}\n    api_key_env: BOB_SYNCRO_KEY\n",
        encoding="utf-8",
    )
    return path


def test_hash_token_is_the_hex_sha256():
    assert hash_token("abc") == hashlib.sha256(b"abc").hexdigest()


def test_users_file_loads_with_relative_key_files_and_any_case_hashes(tmp_path):
    alice, bob = load_users(_write_users(tmp_path))
    assert alice.name == "Alice Example" and alice.api_key_file == tmp_path / "alice.key"
    assert bob.token_sha256 == hash_token(BOB) and bob.api_key_env == "BOB_SYNCRO_KEY"
    assert alice.load_key().get_secret_value() == DEFAULT_API_KEY


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("users: []", "non-empty 'users:' list"),
        ("- name: x", "non-empty 'users:' list"),
        ("users:\n  - name: A\n    token_sha256: abc\n    api_key_env: K", "64 hex digits"),
        (f"users:\n  - name: A\n    token_sha256: {'a' * 64}", "exactly one Syncro key source"),
        (f"users:\n  - name: A\n    token_sha256: {'a' * 64}\n    api_key_env: K\n    api_key_file: f",
         "exactly one Syncro key source"),
        (f"users:\n  - name: A\n    token_sha256: {'a' * 64}\n    api_key: K", "unknown field(s) api_key"),
        (f"users:\n  - name: A\n    token_sha256: {'a' * 64}\n    api_key_env: K\n"
         f"  - name: A\n    token_sha256: {'b' * 64}\n    api_key_env: K", "name used by more than one"),
        (f"users:\n  - name: A\n    token_sha256: {'a' * 64}\n    api_key_env: K\n"
         f"  - name: B\n    token_sha256: {'a' * 64}\n    api_key_env: K", "token_sha256 used by more than one"),
    ],
)
def test_bad_users_files_are_config_errors_naming_the_problem(tmp_path, text, problem):
    path = tmp_path / "users.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="users file") as exc:
        load_users(path)
    assert problem in str(exc.value)


def test_authenticate_compares_with_every_entry_in_constant_time(tmp_path, monkeypatch):
    users = load_users(_write_users(tmp_path))
    calls: list[int] = []
    real = hmac.compare_digest
    monkeypatch.setattr(users_mod.hmac, "compare_digest", lambda a, b: calls.append(1) or real(a, b))
    assert authenticate(users, ALICE).name == "Alice Example"  # type: ignore[union-attr]
    assert authenticate(users, BOB).name == "Bob Example"  # type: ignore[union-attr]
    assert authenticate(users, "guess") is None
    assert len(calls) == 3 * len(users)  # no early exit on a match


def test_missing_key_env_says_whose_key(tmp_path, monkeypatch):
    monkeypatch.delenv("BOB_SYNCRO_KEY", raising=False)
    bob = load_users(_write_users(tmp_path))[1]
    with pytest.raises(ConfigError, match="Bob Example's Syncro key: environment variable BOB_SYNCRO_KEY"):
        bob.load_key()


def test_users_file_replaces_the_global_key_in_the_setup_check(tmp_path):
    settings = load_settings(env={"SYNCRO_SUBDOMAIN": "acme", "SYNCRO_USERS_FILE": str(_write_users(tmp_path))})
    settings.require_syncro()  # no SYNCRO_API_KEY and no SYNCRO_HTTP_TOKEN needed


def test_hash_token_cli_reads_stdin(monkeypatch, capsys):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(ALICE + "\n"))
    assert main(["users", "hash-token"]) == 0
    assert capsys.readouterr().out.strip() == hash_token(ALICE)


async def _asgi(app: Any, path: str, headers: dict[str, str], method: str = "GET") -> tuple[int, bytes]:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path,
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
    await app(scope, None, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


async def test_middleware_binds_the_technician_for_the_request_and_401s_strangers(tmp_path):
    users = load_users(_write_users(tmp_path))
    seen: list[str | None] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        user = CURRENT_USER.get()
        seen.append(user.name if user else None)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    guard = BearerAuth(app, users=users)
    assert (await _asgi(guard, "/mcp", {"Authorization": f"Bearer {BOB}"}))[0] == 200
    assert seen == ["Bob Example"] and CURRENT_USER.get() is None
    for auth in ("", f"Bearer {ALICE}x", ALICE, f"Basic {ALICE}", "Bearer "):
        assert (await _asgi(guard, "/mcp", {"Authorization": auth}))[0] == 401
    assert seen == ["Bob Example"]


@pytest.mark.parametrize("mode", ["token", "users"])
async def test_healthz_needs_no_token_and_says_nothing_else(tmp_path, mode):
    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("/healthz must not reach the MCP app")

    guard = BearerAuth(app, "t0ken-x") if mode == "token" else BearerAuth(app, users=load_users(_write_users(tmp_path)))
    status, body = await _asgi(guard, "/healthz", {})
    assert status == 200 and json.loads(body) == {"status": "ok"}


# --- end to end: a real server process, two technicians ----------------------------------------


@pytest.fixture(scope="module")
def team_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("team")
    users = _write_users(tmp)
    with BackgroundServer(Sandbox()) as syncro, http_server(
        tmp, sandbox=False, SYNCRO_BASE_URL=syncro.base_url, SYNCRO_USERS_FILE=str(users),
        BOB_SYNCRO_KEY=DEFAULT_READ_ONLY_KEY, SYNCRO_HTTP_ALLOWED_HOSTS="mcp.office.lan",
    ) as (port, _):
        yield port, tmp / "state" / "audit.jsonl"


async def _comment_as(port: int, token: str, body: str) -> Any:
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    async with http, Client(streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http)) as c:
        args = {"number": 32164, "body": body}
        first = await c.call_tool("add_comment", args)
        assert not first.is_error, first.content
        token_ = first.structured_content["confirm_token"]
        return await c.call_tool("add_comment", {**args, "confirm_token": token_})


async def test_each_technician_writes_with_their_own_key_and_is_audited_by_name(team_server):
    port, audit = team_server
    done = await _comment_as(port, ALICE, "Alice was here")
    assert not done.is_error, done.content
    refused = await _comment_as(port, BOB, "Bob was here")
    assert refused.is_error  # Bob's own key is read-only: Syncro refuses the write, not the server
    records = [json.loads(line) for line in audit.read_text(encoding="utf-8").splitlines()]
    by = {r["body"].get("body"): r for r in records if isinstance(r.get("body"), dict)}
    assert by["Alice was here"]["technician"] == "Alice Example" and by["Alice was here"]["ok"]
    assert by["Bob was here"]["technician"] == "Bob Example" and not by["Bob was here"]["ok"]


def test_unknown_token_is_401_and_healthz_is_open(team_server):
    port, _ = team_server
    r = httpx.post(f"http://127.0.0.1:{port}/mcp", json=INIT, headers={**ACCEPT, "Authorization": "Bearer nope"})
    assert r.status_code == 401
    h = httpx.get(f"http://127.0.0.1:{port}/healthz")
    assert h.status_code == 200 and h.json() == {"status": "ok"}


def test_allowed_host_names_reach_the_server_on_any_port(team_server):
    port, _ = team_server
    auth = {**ACCEPT, "Authorization": f"Bearer {ALICE}"}
    ok = httpx.post(f"http://127.0.0.1:{port}/mcp", json=INIT, headers={**auth, "Host": "mcp.office.lan:8443"})
    assert ok.status_code == 200, ok.text
    bad = httpx.post(f"http://127.0.0.1:{port}/mcp", json=INIT, headers={**auth, "Host": "evil.example:8443"})
    assert bad.status_code in (400, 403, 421)


def test_users_file_with_stdio_is_refused(tmp_path):
    assert os.environ.get("SYNCRO_USERS_FILE") is None
    done = subprocess.run([*_command(), "serve", "--sandbox"], env=_env(tmp_path, SYNCRO_USERS_FILE=str(
        _write_users(tmp_path))), capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and "users_file is for the HTTP transport" in done.stderr


async def test_one_client_per_technician_built_once_all_on_one_limiter(tmp_path, monkeypatch):
    """Lazily, once per technician, with their own key; every technician of an instance on one bucket."""
    from syncro_mcp.server.users import open_user_clients

    monkeypatch.setenv("BOB_SYNCRO_KEY", DEFAULT_READ_ONLY_KEY)
    settings = load_settings(env={"SYNCRO_USERS_FILE": str(_write_users(tmp_path)), "SYNCRO_STATE_DIR": str(tmp_path)})
    alice, bob = load_users(settings.users_file)  # type: ignore[arg-type]
    async with open_user_clients(settings, sandbox=True) as proxy:
        seen = []
        for user in (alice, bob, alice):
            reset = CURRENT_USER.set(user)
            try:
                seen.append((proxy.current(), proxy.actor, proxy.limiter))
                me = await proxy.me()  # through this technician's own client
                assert me is not None
            finally:
                CURRENT_USER.reset(reset)
        (a1, actor_a, lim_a), (b1, actor_b, lim_b), (a2, _, _) = seen
        assert a1 is a2 and a1 is not b1
        assert (actor_a, actor_b) == ("Alice Example", "Bob Example")
        assert lim_a is lim_b
        assert a1._key.get_secret_value() == DEFAULT_API_KEY and b1._key.get_secret_value() == DEFAULT_READ_ONLY_KEY


async def test_a_token_shown_to_one_technician_never_approves_another_s_write(team_server):
    """Issue 13: a confirm_token is bound to the API key of the technician it was issued to."""
    port, audit = team_server
    args = {"number": 32164, "body": "Alice's preview, Bob's call"}
    alice = create_mcp_http_client(headers={"Authorization": f"Bearer {ALICE}"})
    async with alice, Client(streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=alice)) as c:
        token_ = (await c.call_tool("add_comment", args)).structured_content["confirm_token"]
    bob = create_mcp_http_client(headers={"Authorization": f"Bearer {BOB}"})
    async with bob, Client(streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=bob)) as c:
        r = await c.call_tool("add_comment", {**args, "confirm_token": token_})
    assert r.is_error and "does not match" in r.content[0].text
    lines = audit.read_text(encoding="utf-8") if audit.exists() else ""
    assert "Alice's preview, Bob's call" not in lines, "nothing was sent"
