"""The CLI: parser structure, default subcommand, and ``check`` against a respx-mocked /me."""

from __future__ import annotations

import argparse
import subprocess
import sys

import httpx
import pytest
import respx
from syncro_mcp.server import cli

CANARY = "T0ps3cr3t-CANARY-9f8e7d6c5b4a"
ME_URL = "https://acme.syncromsp.com/api/v1/me"

ME = {
    "user_token": "USER-TOKEN-CANARY-55555",
    "user_email": "jane@acme.example",
    "user_name": "Jane Tech",
    "user_id": 4242,
    "admin": False,
    "can_use_app": True,
    "two_factor_required": False,
    "subdomain": "acme",
    "default_location": None,
    "enable_multi_locations": False,
    "locations_allowed": [],
    "permissions": {
        "ticket": {"read": True, "write": True, "delete": False},
        "customer": {"read": True, "write": False, "delete": False},
        "invoice": {"read": True, "write": True, "delete": False},
        "asset": {"read": True, "write": False, "delete": False},
    },
}


@pytest.fixture
def acme_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCRO_SUBDOMAIN", "acme")
    monkeypatch.setenv("SYNCRO_API_KEY", CANARY)
    monkeypatch.setenv("SYNCRO_RETRY_BASE_S", "0")


# --- parser structure ---------------------------------------------------------------------


def test_help_lists_check(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    assert "check" in capsys.readouterr().out


def test_no_subcommand_without_serve_prints_help_to_stderr(monkeypatch, capsys) -> None:
    monkeypatch.setattr(cli, "SUBCOMMANDS", {k: v for k, v in cli.SUBCOMMANDS.items() if k != "serve"})
    assert cli.main([]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "usage: syncro-mcp" in err


def test_no_subcommand_runs_serve_when_registered(monkeypatch, tmp_path) -> None:
    """A registered ``serve`` is the default; global options before it still apply."""
    monkeypatch.setattr(cli, "SUBCOMMANDS", {k: v for k, v in cli.SUBCOMMANDS.items() if k != "serve"})
    seen: list[argparse.Namespace] = []

    def arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("--read-only", action="store_true", default=None)

    @cli.subcommand("serve", "run the server", arguments=arguments)
    def _serve(args: argparse.Namespace) -> int:
        seen.append(args)
        return 7

    cfg = tmp_path / "c.yaml"
    cfg.write_text("")
    assert cli.main(["--config", str(cfg)]) == 7
    assert seen[0].command == "serve" and seen[0].config == cfg and seen[0].read_only is None
    assert cli.main(["serve", "--read-only", "--log-level", "debug"]) == 7
    assert seen[1].read_only is True and seen[1].log_level == "DEBUG"


def test_registering_a_name_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="already registered"):
        cli.subcommand("check", "again")(lambda args: 0)


def test_global_options_work_after_the_subcommand(tmp_path, capsys) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("subdmain: acme\n")
    assert cli.main(["check", "--config", str(cfg)]) == 2
    assert "unknown setting 'subdmain' (did you mean 'subdomain'?)" in capsys.readouterr().err


def test_bad_log_level_is_an_argparse_error(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["--log-level", "loud", "check"])
    assert exc.value.code == 2


# --- check --------------------------------------------------------------------------------


@respx.mock
def test_check_success_reports_user_account_and_permissions(acme_env, capsys) -> None:
    route = respx.get(ME_URL).mock(return_value=httpx.Response(200, json=ME))
    assert cli.main(["check"]) == 0
    out, err = capsys.readouterr()
    assert route.called
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {CANARY}"
    assert "OK: Syncro accepted the API key." in out
    assert "Jane Tech <jane@acme.example>" in out
    assert "Account:   acme" in out
    assert "Base URL:  https://acme.syncromsp.com/api/v1" in out
    assert "Key from:  api_key (environment SYNCRO_API_KEY)" in out
    assert "tickets    read: yes  write: yes  delete: no" in out
    assert "customers  read: yes  write: no   delete: no" in out
    assert "invoices   read: yes  write: yes  delete: no" in out
    assert "timers     covered by the ticket permissions" in out
    assert "Note:" not in out
    assert CANARY not in out + err
    assert "USER-TOKEN-CANARY" not in out + err  # /me's user_token is a credential too


@respx.mock
def test_check_notes_what_will_fail(acme_env, monkeypatch, capsys) -> None:
    perms = {"ticket": {"read": True, "write": False}, "invoice": {"read": True, "write": False}}
    me = {**ME, "subdomain": "othershop", "permissions": perms}
    respx.get(ME_URL).mock(return_value=httpx.Response(200, json=me))
    assert cli.main(["check"]) == 0
    out = capsys.readouterr().out
    assert "customers  not reported" in out
    assert "Note: the key belongs to account 'othershop' but subdomain is set to 'acme'." in out
    assert "Note: the key cannot write tickets" in out
    assert "Note: the key cannot write invoices" in out
    assert "cannot read customers" not in out  # unreported is not the same as denied


@respx.mock
def test_check_read_only_mode_does_not_nag_about_writes(acme_env, monkeypatch, capsys) -> None:
    monkeypatch.setenv("SYNCRO_READ_ONLY", "true")
    me = {**ME, "permissions": {k: {"read": True, "write": False} for k in ("ticket", "customer", "invoice")}}
    respx.get(ME_URL).mock(return_value=httpx.Response(200, json=me))
    assert cli.main(["check"]) == 0
    out = capsys.readouterr().out
    assert "Mode: read-only" in out and "Note:" not in out


@respx.mock
def test_check_bad_key_exits_1_with_a_clear_reason(acme_env, capsys) -> None:
    respx.get(ME_URL).mock(return_value=httpx.Response(401, json={"error": "Not authorized"}))
    assert cli.main(["check"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("syncro-mcp: check failed: ")
    assert "401" in err and "Not authorized" in err
    assert "Base URL: https://acme.syncromsp.com/api/v1" in err
    assert "Key from: api_key (environment SYNCRO_API_KEY)" in err
    assert CANARY not in err


@respx.mock
def test_check_query_auth_style_sends_key_in_query_but_never_prints_it(acme_env, monkeypatch, capsys) -> None:
    monkeypatch.setenv("SYNCRO_AUTH_STYLE", "query")
    monkeypatch.setenv("SYNCRO_LOG_LEVEL", "DEBUG")
    route = respx.get(ME_URL).mock(return_value=httpx.Response(200, json=ME))
    assert cli.main(["check"]) == 0
    assert route.calls.last.request.url.params["api_key"] == CANARY
    out, err = capsys.readouterr()
    assert CANARY not in out + err


def test_check_config_error_exits_2(monkeypatch, capsys) -> None:
    monkeypatch.setenv("SYNCRO_SUBDOMAIN", "acme")
    monkeypatch.setenv("SYNCRO_API_KEY", CANARY)
    monkeypatch.setenv("SYNCRO_TIMEOUT_S", "abc")
    assert cli.main(["check"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "syncro-mcp: configuration error: environment SYNCRO_TIMEOUT_S: not a number" in err
    assert CANARY not in err


def test_check_without_key_exits_2_listing_the_ways(monkeypatch, capsys) -> None:
    monkeypatch.setenv("SYNCRO_SUBDOMAIN", "acme")
    assert cli.main(["check"]) == 2
    err = capsys.readouterr().err
    assert "no Syncro API key configured" in err and "SYNCRO_API_KEY_COMMAND" in err


def test_check_without_account_exits_2(monkeypatch, capsys) -> None:
    monkeypatch.setenv("SYNCRO_API_KEY", CANARY)
    assert cli.main(["check"]) == 2
    assert "no Syncro account configured" in capsys.readouterr().err


def test_module_entry_point_runs_check(tmp_path) -> None:
    """``python -m syncro_mcp`` (same ``main`` as the console script) in a clean environment."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "syncro_mcp", "check"], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "no Syncro account configured" in proc.stderr
