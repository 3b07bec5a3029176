"""API key sources: literal, file, sops (fake binary on PATH), command; lazy resolution; clear errors."""

from __future__ import annotations

import asyncio
import shlex
import stat
import sys
from pathlib import Path

import pytest
from syncro_mcp.server.settings import ConfigError, load_settings

CANARY = "T0ps3cr3t-CANARY-9f8e7d6c5b4a"

PLAIN_SOPS = f"""\
credentials:
  user: techs@example.com
  credential: "  {CANARY}  "
other:
  token: not-the-key
"""


def _script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def fake_sops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``sops`` on PATH that 'decrypts' FILE by printing FILE.plain; fails if that is absent."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    _script(
        bindir / "sops",
        'if [ "$1" != "-d" ]; then echo "usage: sops -d FILE" >&2; exit 64; fi\n'
        'if [ ! -f "$2.plain" ]; then\n'
        '  echo "Failed to get the data key required to decrypt the SOPS file." >&2; exit 128\n'
        "fi\n"
        'exec /bin/cat "$2.plain"\n',
    )
    monkeypatch.setenv("PATH", str(bindir))
    vault = tmp_path / "vault" / "msp-tools"
    vault.mkdir(parents=True)
    enc = vault / "syncro.sops.yaml"
    enc.write_text("credentials:\n  credential: ENC[AES256_GCM,data:...]\nsops: {}\n")
    (vault / "syncro.sops.yaml.plain").write_text(PLAIN_SOPS)
    return enc


# --- literal and precedence ----------------------------------------------------------------


def test_api_key_from_env_is_stripped_secret() -> None:
    s = load_settings(env={"SYNCRO_API_KEY": f"  {CANARY}\n"})
    key = s.load_api_key()
    assert key.get_secret_value() == CANARY
    assert s.api_key_source() == "api_key (environment SYNCRO_API_KEY)"


def test_first_configured_source_wins(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("from-the-file-123\n")
    both = {"SYNCRO_API_KEY": "from-the-env-123", "SYNCRO_API_KEY_FILE": str(key_file)}
    assert load_settings(env=both).load_api_key().get_secret_value() == "from-the-env-123"
    cmd = {"SYNCRO_API_KEY_FILE": str(key_file), "SYNCRO_API_KEY_COMMAND": "false"}
    assert load_settings(env=cmd).load_api_key().get_secret_value() == "from-the-file-123"


def test_missing_key_lists_the_four_ways() -> None:
    with pytest.raises(ConfigError) as exc:
        load_settings(env={}).load_api_key()
    text = str(exc.value)
    assert text.startswith("no Syncro API key configured")
    for way in (
        "SYNCRO_API_KEY",
        "SYNCRO_API_KEY_FILE",
        "SYNCRO_SOPS_FILE",
        "sops_field",
        "SYNCRO_API_KEY_COMMAND",
    ):
        assert way in text
    assert "Config file: none read" in text


def test_empty_literal_key_in_file_is_an_error(write_config) -> None:
    cfg = write_config('api_key: "   "\n')
    with pytest.raises(ConfigError, match=rf"config file {cfg}: setting 'api_key': is empty"):
        load_settings(config_path=cfg, env={})


# --- api_key_file -------------------------------------------------------------------------


def test_api_key_file(tmp_path: Path, write_config) -> None:
    (tmp_path / "syncro.key").write_text(f"\n{CANARY}\n")
    cfg = write_config("api_key_file: syncro.key\n")
    s = load_settings(config_path=cfg, env={})
    assert s.load_api_key().get_secret_value() == CANARY
    assert s.api_key_source() == f"api_key_file {tmp_path / 'syncro.key'} (config file {cfg})"


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "file not found"), ("  \n", "is empty"), (f"{CANARY}\nsecond line\n", "has more than one line")],
)
def test_api_key_file_problems(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "key.txt"
    if content is not None:
        path.write_text(content)
    s = load_settings(env={"SYNCRO_API_KEY_FILE": str(path)})
    with pytest.raises(ConfigError) as exc:
        s.load_api_key()
    text = str(exc.value)
    assert f"api_key_file {path}" in text and message in text
    assert "(set in environment SYNCRO_API_KEY_FILE)" in text
    assert CANARY not in text


# --- sops ---------------------------------------------------------------------------------


def test_sops_file_default_field(fake_sops: Path) -> None:
    s = load_settings(env={"SYNCRO_SOPS_FILE": str(fake_sops)})
    assert s.sops_field == "credentials.credential"
    assert s.load_api_key().get_secret_value() == CANARY
    assert "field 'credentials.credential'" in (s.api_key_source() or "")


def test_sops_file_custom_field_relative_to_config(fake_sops: Path, write_config) -> None:
    cfg = write_config("sops_file: vault/msp-tools/syncro.sops.yaml\nsops_field: other.token\n")
    assert load_settings(config_path=cfg, env={}).load_api_key().get_secret_value() == "not-the-key"


def test_sops_missing_field_lists_keys_not_values(fake_sops: Path) -> None:
    s = load_settings(env={"SYNCRO_SOPS_FILE": str(fake_sops), "SYNCRO_SOPS_FIELD": "credentials.api_key"})
    with pytest.raises(ConfigError) as exc:
        s.load_api_key()
    text = str(exc.value)
    assert f"sops_file {fake_sops}" in text
    assert "no field 'credentials.api_key'" in text and "credential, user" in text
    assert CANARY not in text and "techs@example.com" not in text


def test_sops_decrypt_failure_names_file_and_reason(fake_sops: Path) -> None:
    (fake_sops.parent / "syncro.sops.yaml.plain").unlink()
    s = load_settings(env={"SYNCRO_SOPS_FILE": str(fake_sops)})
    with pytest.raises(ConfigError) as exc:
        s.load_api_key()
    text = str(exc.value)
    assert f"sops_file {fake_sops}: 'sops -d' failed (exit 128)" in text
    assert "Failed to get the data key" in text
    assert "https://github.com/getsops/sops" in text


def test_missing_sops_binary_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write_config
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    enc = tmp_path / "syncro.sops.yaml"
    enc.write_text("sops: {}\n")
    cfg = write_config(f"sops_file: {enc}\n")
    s = load_settings(config_path=cfg, env={})  # loading does not need sops
    with pytest.raises(ConfigError) as exc:
        s.load_api_key()
    text = str(exc.value)
    assert f"sops_file {enc}: the 'sops' program is not installed or not on PATH" in text
    assert "Install it from https://github.com/getsops/sops" in text
    assert f"(set in config file {cfg})" in text


def test_sops_file_that_does_not_exist(tmp_path: Path) -> None:
    s = load_settings(env={"SYNCRO_SOPS_FILE": str(tmp_path / "nope.yaml")})
    with pytest.raises(ConfigError, match=r"nope\.yaml: file not found"):
        s.load_api_key()


# --- api_key_command ----------------------------------------------------------------------


def test_seed_style_vault_command(tmp_path: Path) -> None:
    """The seed's ``bash vault.sh get-field msp-tools/syncro.sops.yaml credentials.credential``."""
    vault = tmp_path / "vault.sh"
    vault.write_text(
        'if [ "$1 $2 $3" = "get-field msp-tools/syncro.sops.yaml credentials.credential" ]; then\n'
        f"  echo '{CANARY}'\nelse\n  echo 'bad args' >&2; exit 3\nfi\n"
    )
    cmd = f"bash {shlex.quote(str(vault))} get-field msp-tools/syncro.sops.yaml credentials.credential"
    s = load_settings(env={"SYNCRO_API_KEY_COMMAND": cmd})
    assert s.load_api_key().get_secret_value() == CANARY
    assert s.api_key_source() == "api_key_command 'bash' (environment SYNCRO_API_KEY_COMMAND)"


def test_command_as_list_in_yaml(write_config) -> None:
    cfg = write_config(f"api_key_command: [{sys.executable}, -c, 'print(\"  list-form-key-1 \")']\n")
    assert load_settings(config_path=cfg, env={}).load_api_key().get_secret_value() == "list-form-key-1"


def test_command_runs_lazily_and_once(tmp_path: Path) -> None:
    counter = tmp_path / "runs"
    code = (
        f"import pathlib; p = pathlib.Path({str(counter)!r}); "
        "p.write_text(p.read_text() + 'x' if p.exists() else 'x'); print('lazy-key-123')"
    )
    s = load_settings(env={"SYNCRO_API_KEY_COMMAND": shlex.join([sys.executable, "-c", code])})
    assert not counter.exists()  # loading settings ran nothing
    assert s.load_api_key().get_secret_value() == "lazy-key-123"
    assert s.load_api_key().get_secret_value() == "lazy-key-123"
    assert counter.read_text() == "x"


def test_command_failure_names_program_but_not_output() -> None:
    code = f"import sys; print({CANARY!r}); print('stderr ' + {CANARY!r}, file=sys.stderr); sys.exit(5)"
    s = load_settings(env={"SYNCRO_API_KEY_COMMAND": shlex.join([sys.executable, "-c", code])})
    with pytest.raises(ConfigError) as exc:
        s.load_api_key()
    text = str(exc.value)
    name = Path(sys.executable).name
    assert f"api_key_command '{name}': exited with status 5" in text
    assert "(set in environment SYNCRO_API_KEY_COMMAND)" in text
    assert CANARY not in text


def test_command_not_found() -> None:
    s = load_settings(env={"SYNCRO_API_KEY_COMMAND": "/nonexistent/vault.sh get-field x"})
    with pytest.raises(ConfigError, match=r"api_key_command 'vault.sh': program not found"):
        s.load_api_key()


def test_command_timeout() -> None:
    env = {
        "SYNCRO_API_KEY_COMMAND": shlex.join([sys.executable, "-c", "import time; time.sleep(5)"]),
        "SYNCRO_KEY_COMMAND_TIMEOUT_S": "0.3",
    }
    with pytest.raises(ConfigError, match=r"did not finish within 0.3s"):
        load_settings(env=env).load_api_key()


@pytest.mark.parametrize(
    ("code", "message"), [("pass", "output is empty"), ("print('a'); print('b')", "has more than one line")]
)
def test_command_output_must_be_one_line(code: str, message: str) -> None:
    s = load_settings(env={"SYNCRO_API_KEY_COMMAND": shlex.join([sys.executable, "-c", code])})
    with pytest.raises(ConfigError, match=message):
        s.load_api_key()


def test_unsplittable_command_is_a_load_error() -> None:
    with pytest.raises(ConfigError, match=r"environment SYNCRO_API_KEY_COMMAND: cannot be split into words"):
        load_settings(env={"SYNCRO_API_KEY_COMMAND": "vault.sh 'unterminated"})


def test_client_options_match_the_client_contract() -> None:
    s = load_settings(
        env={
            "SYNCRO_SUBDOMAIN": "acme",
            "SYNCRO_API_KEY": CANARY,
            "SYNCRO_READ_ONLY": "1",
            "SYNCRO_AUTH_STYLE": "query",
        }
    )
    opts = s.client_options()
    assert opts["base_url"] == "https://acme.syncromsp.com/api/v1"
    assert opts["api_key"].get_secret_value() == CANARY
    assert (opts["auth_style"], opts["read_only"], opts["max_retries"]) == ("query", True, 3)
    from syncro_mcp.client import SyncroClient

    async def build() -> bool:
        async with SyncroClient(**opts) as client:  # the names line up with client.SyncroClient
            return client.read_only

    assert asyncio.run(build()) is True
