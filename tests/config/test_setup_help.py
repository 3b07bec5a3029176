"""The ``sandbox`` setting and the setup help: one text for ``check`` and for an unconfigured ``serve``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from syncro_mcp.server import cli, serving
from syncro_mcp.server.settings import NotConfiguredError, load_settings

CANARY = "T0ps3cr3t-CANARY-1a2b3c4d5e"


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Replace the server loop: record what ``serve`` was asked to run."""
    calls: list[dict[str, Any]] = []

    async def fake_serve(settings: Any, **kw: Any) -> None:
        calls.append({"settings": settings, **kw})

    monkeypatch.setattr(serving, "serve", fake_serve)
    return calls


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("true", True), ("yes", True), ("0", False)])
def test_sandbox_setting_from_the_environment(raw: str, expected: bool) -> None:
    settings = load_settings(env={"SYNCRO_SANDBOX": raw})
    assert settings.sandbox is expected
    assert settings.source_of("sandbox") == "environment SYNCRO_SANDBOX"


def test_sandbox_is_off_by_default() -> None:
    assert load_settings(env={}).sandbox is False


def test_sandbox_setting_in_the_config_file(write_config) -> None:
    assert load_settings(config_path=write_config("sandbox: true\n"), env={}).sandbox is True


def test_require_syncro_names_everything_missing() -> None:
    with pytest.raises(NotConfiguredError) as exc:
        load_settings(env={}).require_syncro()
    text = str(exc.value)
    assert "no Syncro account configured" in text and "SYNCRO_SUBDOMAIN" in text and "SYNCRO_BASE_URL" in text
    assert "no Syncro API key configured" in text and "SYNCRO_API_KEY" in text and "SYNCRO_API_KEY_COMMAND" in text
    assert "SYNCRO_SANDBOX=1" in text
    assert "syncro-mcp check" in text


def test_require_syncro_names_only_what_is_missing() -> None:
    with pytest.raises(NotConfiguredError) as exc:
        load_settings(env={"SYNCRO_SUBDOMAIN": "acme"}).require_syncro()
    assert "no Syncro account configured" not in str(exc.value)
    assert "no Syncro API key configured" in str(exc.value)


def test_require_syncro_reports_a_broken_key_source(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-key"
    with pytest.raises(NotConfiguredError) as exc:
        load_settings(env={"SYNCRO_SUBDOMAIN": "acme", "SYNCRO_API_KEY_FILE": str(missing)}).require_syncro()
    assert str(missing) in str(exc.value) and "SYNCRO_API_KEY_FILE" in str(exc.value)


def test_require_syncro_passes_when_configured() -> None:
    load_settings(env={"SYNCRO_SUBDOMAIN": "acme", "SYNCRO_API_KEY": CANARY}).require_syncro()


def test_serve_with_sandbox_setting_runs_the_sandbox(monkeypatch, served, tmp_path) -> None:
    monkeypatch.setenv("SYNCRO_SANDBOX", "1")
    state = tmp_path / "sandbox.json"
    assert cli.main(["serve", "--state", str(state)]) == 0
    [call] = served
    assert call["sandbox"] is True and call["state"] == state and call["setup_help"] is None


def test_serve_state_without_any_sandbox_is_refused(capsys, served, tmp_path) -> None:
    assert cli.main(["serve", "--state", str(tmp_path / "s.json")]) == 2
    assert "SYNCRO_SANDBOX=1" in capsys.readouterr().err
    assert not served


def test_serve_unconfigured_starts_with_the_check_text(capsys, served) -> None:
    assert cli.main(["check"]) == 2
    check_text = capsys.readouterr().err.strip()

    assert cli.main(["serve"]) == 0
    [call] = served
    assert call["sandbox"] is False
    assert call["setup_help"] == check_text
    assert check_text in capsys.readouterr().err  # a human running it by hand sees why too


def test_serve_configured_has_no_setup_help(monkeypatch, served) -> None:
    monkeypatch.setenv("SYNCRO_SUBDOMAIN", "acme")
    monkeypatch.setenv("SYNCRO_API_KEY", CANARY)
    assert cli.main(["serve"]) == 0
    assert served[0]["setup_help"] is None and served[0]["sandbox"] is False


def test_check_notes_that_the_sandbox_is_on(monkeypatch, capsys) -> None:
    monkeypatch.setenv("SYNCRO_SANDBOX", "1")
    assert cli.main(["check"]) == 2
    err = capsys.readouterr().err
    assert "sandbox is on (environment SYNCRO_SANDBOX)" in err
    assert "no Syncro account configured" in err
