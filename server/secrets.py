"""Where the Syncro API key comes from, and the registry of values to redact.

Kept apart from ``settings`` so the code that touches plaintext secrets is small and easy to
review. Nothing here runs at import time: a key source (file, ``sops``, command) is read only
when a caller asks for the key, so ``serve --sandbox`` never needs one.

Every function raises :class:`SecretSourceError`; ``settings`` turns it into ``ConfigError``.
Messages name the file or program but never contain what was read or printed (it may be the key).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

SOPS_URL = "https://github.com/getsops/sops"

# Shorter strings would redact ordinary words; real keys are far longer.
_MIN_SECRET_LEN = 6

_lock = threading.Lock()
_secrets: set[str] = set()


class SecretSourceError(Exception):
    """A configured key source could not produce a key (message is safe to show)."""


# --- redaction registry -------------------------------------------------------------------


def register_secret(value: str | None) -> None:
    """Remember a secret so the logging filter can scrub it from every record.

    The URL-encoded forms are registered too: with ``auth_style=query`` the key appears in
    request URLs that httpx logs.
    """
    if not value or len(value) < _MIN_SECRET_LEN:
        return
    with _lock:
        _secrets.update({value, quote(value, safe=""), quote_plus(value)})


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``[REDACTED]``."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for s in secrets:
        if s in text:
            text = text.replace(s, "[REDACTED]")
    return text


def forget_secrets() -> None:
    """Clear the registry (tests)."""
    with _lock:
        _secrets.clear()


# --- key sources --------------------------------------------------------------------------


def _single_line(raw: str, where: str) -> str:
    value = raw.strip()
    if not value:
        raise SecretSourceError(f"{where} is empty; it must contain only the API key")
    if "\n" in value or "\r" in value:
        raise SecretSourceError(f"{where} has more than one line; it must contain only the API key")
    return value


def read_key_file(path: Path) -> str:
    """The key held in ``path`` (surrounding whitespace stripped)."""
    where = f"api_key_file {path}"
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SecretSourceError(f"{where}: file not found") from None
    except IsADirectoryError:
        raise SecretSourceError(f"{where}: is a folder, not a file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretSourceError(f"{where}: cannot be read ({type(exc).__name__})") from None
    return _single_line(raw, where)


def _dig(data: Any, dotted: str) -> Any:
    """Follow ``a.b.c`` through nested mappings; ``KeyError`` names the missing part."""
    node = data
    walked: list[str] = []
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            have = sorted(str(k) for k in node) if isinstance(node, dict) else []
            at = ".".join(walked) or "the top level"
            hint = f"; keys at {at}: {', '.join(have)}" if have else ""
            raise KeyError(f"no field '{dotted}' (missing '{part}' under {at}{hint})")
        node = node[part]
        walked.append(part)
    return node


def sops_decrypt_field(path: Path, field: str, *, timeout_s: float = 30.0) -> str:
    """Run ``sops -d path`` and return the string at dotted ``field`` of the decrypted YAML/JSON.

    This is the seed skill's fallback (``sops -d … | yaml …['credentials']['credential']``)
    done without a shell pipeline.
    """
    where = f"sops_file {path}"
    if not path.is_file():
        raise SecretSourceError(f"{where}: file not found")
    sops = shutil.which("sops")
    if sops is None:
        raise SecretSourceError(
            f"{where}: the 'sops' program is not installed or not on PATH. Install it from {SOPS_URL} "
            "(with the age/GPG key that can decrypt this file), or set the key another way."
        )
    try:
        proc = subprocess.run(
            [sops, "-d", str(path)],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise SecretSourceError(f"{where}: 'sops -d' did not finish within {timeout_s:g}s") from None
    except OSError as exc:
        raise SecretSourceError(f"{where}: could not run sops ({type(exc).__name__})") from None
    if proc.returncode != 0:
        # sops' stderr describes the failure (no data key, bad MAC…); it has no plaintext.
        reason = " ".join(proc.stderr.split())[:300] or "no message"
        raise SecretSourceError(
            f"{where}: 'sops -d' failed (exit {proc.returncode}): {reason}. Check that this machine "
            f"has the age/GPG key that can decrypt it (see {SOPS_URL})."
        )
    import yaml  # only for a sops file: start-up does not pay for it

    try:
        data = yaml.safe_load(proc.stdout)
    except yaml.YAMLError:
        raise SecretSourceError(f"{where}: the decrypted content is not YAML or JSON") from None
    try:
        value = _dig(data, field)
    except KeyError as exc:
        raise SecretSourceError(f"{where}: {exc.args[0]} (set sops_field)") from None
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise SecretSourceError(f"{where}: field '{field}' is not a text value")
    return _single_line(str(value), f"{where} field '{field}'")


def command_argv(command: str | Sequence[str]) -> list[str]:
    """Split a configured command into argv (a string is split like a POSIX shell would)."""
    if isinstance(command, str):
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            raise SecretSourceError(f"api_key_command: cannot be split into words ({exc})") from None
    else:
        argv = [str(a) for a in command]
    if not argv:
        raise SecretSourceError("api_key_command is empty")
    return argv


def run_key_command(command: str | Sequence[str], *, timeout_s: float = 30.0) -> str:
    """Run ``command`` and return its stripped stdout as the key.

    Only the program's name is ever shown in an error: neither stdout (it is the key) nor
    stderr (a vault script may echo secrets there) are included.
    """
    argv = command_argv(command)
    name = os.path.basename(argv[0])
    where = f"api_key_command '{name}'"
    try:
        proc = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except FileNotFoundError:
        raise SecretSourceError(f"{where}: program not found (is it installed and on PATH?)") from None
    except PermissionError:
        raise SecretSourceError(f"{where}: permission denied running it") from None
    except subprocess.TimeoutExpired:
        raise SecretSourceError(f"{where}: did not finish within {timeout_s:g}s") from None
    except OSError as exc:
        raise SecretSourceError(f"{where}: could not run it ({type(exc).__name__})") from None
    if proc.returncode != 0:
        raise SecretSourceError(
            f"{where}: exited with status {proc.returncode} (its output is not shown because it may "
            "contain the key; run the command yourself to see why)"
        )
    return _single_line(proc.stdout, f"{where} output")
