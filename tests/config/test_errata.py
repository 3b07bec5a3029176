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


# --- api_key_command: ~ and $VARS as a shell user expects, without a shell ------------------


def _vault_script(folder: Path, key: str = "vault-key-12345") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "vault.sh"
    script.write_text(f'[ "$1 $2" = "get-field credentials.credential" ] && echo {key} || exit 3\n')
    return script


def test_key_command_expands_tilde_like_the_readme_example(tmp_path, monkeypatch) -> None:
    from syncro_mcp.server.settings import load_settings

    monkeypatch.setenv("HOME", str(tmp_path))
    _vault_script(tmp_path / "vault" / "scripts")
    s = load_settings(env={"SYNCRO_API_KEY_COMMAND": "bash ~/vault/scripts/vault.sh get-field credentials.credential"})
    assert s.load_api_key().get_secret_value() == "vault-key-12345"


def test_key_command_expands_vars_and_respects_quotes(tmp_path, monkeypatch) -> None:
    from syncro_mcp.server.secrets import command_argv

    monkeypatch.setenv("VAULT_DIR", str(tmp_path / "my vault"))
    monkeypatch.setenv("HOME", str(tmp_path))
    script = _vault_script(tmp_path / "my vault")
    assert command_argv('bash "$VAULT_DIR/vault.sh" \'$VAULT_DIR\' ${VAULT_DIR} ~ "~"') == [
        "bash", str(script), "$VAULT_DIR", str(tmp_path / "my vault"), str(tmp_path), "~",
    ]
    # A list-form command (YAML list): each item is one word, expanded the same way.
    assert command_argv(["bash", "$VAULT_DIR/vault.sh", "~/x"]) == ["bash", str(script), f"{tmp_path}/x"]


def test_unset_variable_is_an_error_naming_it_only_when_the_key_is_needed(monkeypatch) -> None:
    from syncro_mcp.server.settings import load_settings

    monkeypatch.delenv("NO_SUCH_VAULT_VAR", raising=False)
    s = load_settings(env={"SYNCRO_API_KEY_COMMAND": "bash $NO_SUCH_VAULT_VAR/vault.sh"})  # loading is fine
    with pytest.raises(ConfigError, match=r"environment variable \$NO_SUCH_VAULT_VAR is not set"):
        s.load_api_key()


@pytest.mark.parametrize("command", ["vault.sh get | cut -f1", "vault.sh > key", "echo $(cat key)", "a; b"])
def test_shell_syntax_is_refused_not_passed_as_arguments(command) -> None:
    from syncro_mcp.server.settings import load_settings

    with pytest.raises(ConfigError, match=r"needs a shell"):
        load_settings(env={"SYNCRO_API_KEY_COMMAND": command})


def test_path_settings_expand_vars_and_tilde(tmp_path, monkeypatch, write_config) -> None:
    from syncro_mcp.server.settings import load_settings

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("MSP_VAULT", str(tmp_path / "vault"))
    (tmp_path / "vault").mkdir()
    (tmp_path / "vault" / "key").write_text("file-key-123456\n")
    cfg = write_config("api_key_file: $MSP_VAULT/key\nstate_dir: ~/st\n")
    s = load_settings(config_path=cfg, env={})
    assert s.api_key_file == tmp_path / "vault" / "key" and s.state_dir == tmp_path / "st"
    assert s.load_api_key().get_secret_value() == "file-key-123456"
    assert load_settings(env={"SYNCRO_SOPS_FILE": "${MSP_VAULT}/s.yaml"}).sops_file == tmp_path / "vault" / "s.yaml"
    monkeypatch.setenv("SYNCRO_MCP_CONFIG", "~/" + cfg.name)
    monkeypatch.setenv("HOME", str(cfg.parent))
    assert load_settings().config_file == cfg
    with pytest.raises(ConfigError, match=r"environment SYNCRO_API_KEY_FILE: environment variable \$NOPE_X"):
        load_settings(env={"SYNCRO_API_KEY_FILE": "$NOPE_X/key"})


# --- api_key_keyring: the OS keychain (optional extra) --------------------------------------


class _MemoryKeyring:
    """A keyring backend holding passwords in a dict (keyring.set_keyring accepts any backend)."""

    def __new__(cls, entries: dict[tuple[str, str], str]):
        from keyring.backend import KeyringBackend

        class Memory(KeyringBackend):
            priority = 1  # type: ignore[assignment]

            def get_password(self, service, username):
                return entries.get((service, username))

            def set_password(self, service, username, password):
                entries[(service, username)] = password

            def delete_password(self, service, username):
                entries.pop((service, username), None)

        return Memory()


@pytest.fixture
def memory_keyring():
    import keyring

    before = keyring.get_keyring()
    entries: dict[tuple[str, str], str] = {}
    keyring.set_keyring(_MemoryKeyring(entries))
    yield entries
    keyring.set_keyring(before)


def test_key_from_the_os_keychain(memory_keyring) -> None:
    from syncro_mcp.server.settings import load_settings

    memory_keyring[("syncro-mcp", "acme")] = "  keyring-key-987654 \n"
    s = load_settings(env={"SYNCRO_API_KEY_KEYRING": "syncro-mcp/acme"})
    assert s.load_api_key().get_secret_value() == "keyring-key-987654"
    assert s.api_key_source() == "api_key_keyring syncro-mcp/acme (environment SYNCRO_API_KEY_KEYRING)"


def test_missing_keychain_entry_says_how_to_store_it(memory_keyring) -> None:
    from syncro_mcp.server.settings import load_settings

    with pytest.raises(ConfigError, match=r"no such entry in the OS keychain.*keyring set syncro-mcp acme"):
        load_settings(env={"SYNCRO_API_KEY_KEYRING": "syncro-mcp/acme"}).load_api_key()


def test_keyring_not_installed_names_the_install_command(monkeypatch) -> None:
    from syncro_mcp.server.settings import load_settings

    monkeypatch.setitem(sys.modules, "keyring", None)  # import keyring → ImportError
    with pytest.raises(ConfigError) as exc:
        load_settings(env={"SYNCRO_API_KEY_KEYRING": "syncro-mcp/acme"}).load_api_key()
    assert "pip install 'syncro-mcp[keyring]'" in str(exc.value)


def test_keyring_entry_must_be_service_slash_username() -> None:
    from syncro_mcp.server.settings import load_settings

    with pytest.raises(ConfigError, match=r"SYNCRO_API_KEY_KEYRING: write it as service/username"):
        load_settings(env={"SYNCRO_API_KEY_KEYRING": "syncro-mcp"})


# --- audit shows times in the timezone setting, labelled ------------------------------------


def test_audit_times_and_since_use_the_timezone_setting(tmp_path, capsys, monkeypatch) -> None:
    from syncro_mcp.tools import formatting

    monkeypatch.setenv("SYNCRO_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("SYNCRO_TIMEZONE", "America/New_York")
    _write_audit(tmp_path / "state" / "audit.jsonl", 1)  # ts 2026-11-25T15:00:00+00:00
    try:
        assert cli.main(["audit", "--since", "2026-11-25T09:59"]) == 0  # New York time: 14:59 UTC
        assert "2026-11-25 10:00:00 EST  add_comment" in capsys.readouterr().out
        assert cli.main(["audit", "--since", "2026-11-25T10:01"]) == 0
        assert capsys.readouterr().out == ""
    finally:
        formatting.set_display_zone(None)


# --- the README's own placeholder key, pasted as is ------------------------------------------


def test_a_key_that_cannot_go_in_a_header_is_a_config_error_not_a_traceback(capsys, monkeypatch) -> None:
    """`claude mcp add syncro -e SYNCRO_API_KEY=T123… -- syncro-mcp serve` crashed in httpx.

    ``check`` refuses it as a configuration error; ``serve`` starts and every tool answers with the
    same text (the setup help), so the client shows the reason instead of a failed connection.
    """
    from syncro_mcp.server.settings import NotConfiguredError, load_settings

    monkeypatch.setenv("SYNCRO_SUBDOMAIN", "yourco")
    monkeypatch.setenv("SYNCRO_API_KEY", "T123…")
    assert cli.main(["check"]) == cli.EXIT_CONFIG
    err = capsys.readouterr().err
    assert "'…' (U+2026) at position 5" in err and "environment SYNCRO_API_KEY" in err and "T123" not in err
    with pytest.raises(NotConfiguredError) as exc:
        load_settings().require_syncro()
    help_text = str(exc.value)
    assert "'…' (U+2026) at position 5" in help_text and "T123" not in help_text


def test_unset_variable_in_state_dir_is_reported_once() -> None:
    from syncro_mcp.server.settings import load_settings

    with pytest.raises(ConfigError) as exc:
        load_settings(env={"SYNCRO_STATE_DIR": "$NO_SUCH_STATE_VAR/x"})
    assert str(exc.value) == "environment SYNCRO_STATE_DIR: environment variable $NO_SUCH_STATE_VAR is not set"
