"""Issue 11: the README errata found by trying every command, one test (or more) each."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from syncro_mcp.server import cli
from syncro_mcp.server.settings import ConfigError, env_name
from syncro_mcp.server.transport import http_token_for


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCRO_")}
    env.update({"SYNCRO_STATE_DIR": str(tmp / "state"), **extra})
    return env


# --- the non-loopback refusal names the real setting ---------------------------------------


def test_non_loopback_refusal_names_the_real_environment_variable() -> None:
    with pytest.raises(ConfigError) as exc:
        http_token_for("0.0.0.0", None)
    assert env_name("http_token") == "SYNCRO_HTTP_TOKEN"
    assert "SYNCRO_HTTP_TOKEN" in str(exc.value) and "SYNCRO_MCP_HTTP_TOKEN" not in str(exc.value)


# --- sandbox and serve --transport http do not collide -------------------------------------


def test_sandbox_and_http_serve_default_to_different_ports() -> None:
    parser = cli.build_parser()
    sandbox = parser.parse_args(["sandbox"])
    serve = cli.load_settings(env={}, overrides={})
    assert parser.parse_args(["serve", "--transport", "http"]).port is None  # → http_port
    assert serve.http_port == cli.HTTP_PORT == 8765
    assert sandbox.port == cli.SANDBOX_PORT == 8766


# --- audit | head ---------------------------------------------------------------------------


def _write_audit(path: Path, n: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rec = {"ts": "2026-11-25T15:00:00+00:00", "tool": "add_comment", "confirmed_by": "token", "method": "POST",
           "path": "/tickets/1/comment", "status": 200, "ok": True, "error": None, "ids": {"id": 1}, "body": {}}
    path.write_text("".join(json.dumps(rec) + "\n" for _ in range(n)), encoding="utf-8")


def test_audit_into_a_closed_pipe_exits_quietly(tmp_path) -> None:
    _write_audit(tmp_path / "state" / "audit.jsonl", 20000)
    proc = subprocess.Popen([sys.executable, "-m", "syncro_mcp", "audit"], env=_env(tmp_path),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # what `head -1` does
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert b"add_comment" in first
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert proc.returncode == cli.EXIT_BROKEN_PIPE


# --- serve --sandbox writes show in audit --sandbox -----------------------------------------


def test_sandbox_audit_is_kept_and_shown_by_audit_sandbox(tmp_path, capsys, monkeypatch) -> None:
    from syncro_mcp.server.serving import sandbox_audit_path
    from syncro_mcp.server.settings import load_settings

    monkeypatch.setenv("SYNCRO_STATE_DIR", str(tmp_path / "state"))
    settings = load_settings(env={"SYNCRO_STATE_DIR": str(tmp_path / "state")})
    kept = sandbox_audit_path(settings, None)
    assert kept == tmp_path / "state" / "sandbox-audit.jsonl" and kept != settings.audit_path
    assert sandbox_audit_path(settings, tmp_path / "demo.json") == tmp_path / "demo.audit.jsonl"
    _write_audit(kept, 1)
    assert cli.main(["audit", "--sandbox"]) == 0
    assert "add_comment" in capsys.readouterr().out
    assert cli.main(["audit"]) == 0  # real Syncro's log stays apart
    out, err = capsys.readouterr()
    assert out == "" and "No writes recorded" in err
    assert cli.main(["audit", "--state", str(tmp_path / "x.json")]) == cli.EXIT_CONFIG
