"""Isolation for the settings/CLI tests: no real config file, no SYNCRO_* from the developer's shell,
an empty secret registry and no logging handlers left behind."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from syncro_mcp.server import secrets, settings
from syncro_mcp.server.logging_setup import StderrHandler


@pytest.fixture(autouse=True)
def _isolate(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    home = tmp_path_factory.mktemp("userdirs")
    monkeypatch.setattr(settings, "default_config_path", lambda: home / "config" / "config.yaml")
    monkeypatch.setattr(settings, "default_state_dir", lambda: home / "state")
    for var in list(os.environ):
        if var.startswith("SYNCRO_"):
            monkeypatch.delenv(var)
    secrets.forget_secrets()
    root = logging.getLogger()
    level = root.level
    httpx_level = logging.getLogger("httpx").level  # configure_logging tunes it; give it back
    yield
    logging.getLogger("httpx").setLevel(httpx_level)
    for h in list(root.handlers):
        if isinstance(h, StderrHandler):
            root.removeHandler(h)
    root.setLevel(level)
    secrets.forget_secrets()


@pytest.fixture
def write_config(tmp_path: Path):
    """Write a YAML config file and return its path."""

    def write(text: str, name: str = "config.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        path.chmod(0o600)
        return path

    return write
