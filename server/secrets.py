"""Where the Syncro API key comes from, and the registry of values to redact.

Kept apart from ``settings`` so the code that touches plaintext secrets is small and easy to
review. Nothing here runs at import time: a key source (file, ``sops``, command) is read only
when a caller asks for the key, so ``serve --sandbox`` never needs one.

Every function raises :class:`SecretSourceError`; ``settings`` turns it into ``ConfigError``.
Messages name the file or program but never contain what was read or printed (it may be the key).
"""

from __future__ import annotations

import os
import re
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


def check_key_text(value: str, where: str) -> str:
    """``value`` if it can travel in an HTTP header; else say which character cannot (never the key).

    A README placeholder copied as is (``T123…``) or a typographic quote pasted with the key
    would otherwise end in a UnicodeEncodeError traceback deep in httpx.
    """
    for i, ch in enumerate(value):
        if not (ch.isascii() and ch.isprintable()) or ch.isspace():
            shown = repr(ch) if ch.isspace() or not ch.isprintable() else f"'{ch}' (U+{ord(ch):04X})"
            raise SecretSourceError(
                f"{where}: the key has a character that cannot be sent to Syncro, {shown} at position {i + 1}; "
                "API keys are plain ASCII: is it a placeholder or a copy-paste artefact?"
            )
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


KEYRING_INSTALL = "pip install 'syncro-mcp[keyring]'"


def split_keyring_entry(entry: str) -> tuple[str, str]:
    """``service/username`` → (service, username); the username is after the last ``/``."""
    service, sep, username = entry.strip().rpartition("/")
    if not sep or not service.strip() or not username.strip():
        raise SecretSourceError(
            f"api_key_keyring {entry!r}: write it as service/username, e.g. syncro-mcp/acme"
        )
    return service.strip(), username.strip()


def read_keyring(entry: str) -> str:
    """The key stored in the OS keychain (macOS Keychain, Windows Credential Locker, Secret
    Service…) under ``service/username``, through the optional ``keyring`` package."""
    service, username = split_keyring_entry(entry)
    where = f"api_key_keyring {service}/{username}"
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        raise SecretSourceError(
            f"{where}: the 'keyring' package is not installed; install it with: {KEYRING_INSTALL}"
        ) from None
    try:
        value = keyring.get_password(service, username)
    except KeyringError as exc:
        raise SecretSourceError(f"{where}: the OS keychain could not be read ({type(exc).__name__}: {exc})") from None
    if value is None:
        raise SecretSourceError(
            f"{where}: no such entry in the OS keychain ({type(keyring.get_keyring()).__name__}); store it "
            f"with: keyring set {shlex.quote(service)} {shlex.quote(username)}"
        )
    return _single_line(value, where)


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


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: Unquoted characters that would mean something to a shell but nothing here (no shell runs).
_SHELL_ONLY = {"|": "a pipe", ";": "';'", "&": "'&'", "<": "a redirection", ">": "a redirection",
               "`": "command substitution", "(": "'('", ")": "')'"}


class _Words:
    """A POSIX-shell-like word splitter for one command line, with ``~`` and ``$VAR`` expansion.

    What a shell user expects, without a shell: words split on blanks; ``'…'`` is literal;
    ``"…"`` expands ``$VAR``/``${VAR}`` (``\\`` escapes ``$ " \\``); a backslash outside quotes
    escapes the next character; an unquoted ``~`` or ``~user`` starting a word is a home folder.
    An unset variable is an error naming it (a shell would silently pass an empty word).
    Pipes, redirections, ``;``, ``&`` and command substitution are refused: write a script.
    """

    def __init__(self, text: str, what: str, expand: bool) -> None:
        self.text, self.what, self.expand = text, what, expand

    def _var(self, i: int) -> tuple[str, int]:
        """Expand the ``$…`` at ``text[i]``; returns (value, index after it)."""
        text = self.text
        if text.startswith("$(", i):
            raise SecretSourceError(f"{self.what}: command substitution $(…) needs a shell; write a script")
        braced = text.startswith("${", i)
        m = _NAME.match(text, i + (2 if braced else 1))
        if m is None or (braced and not text.startswith("}", m.end())):
            if braced:
                raise SecretSourceError(f"{self.what}: cannot be split into words (bad ${{…}})")
            return "$", i + 1  # a lone $ is literal, as in a shell
        name, end = m.group(0), m.end() + (1 if braced else 0)
        if not self.expand:
            return text[i:end], end
        if name not in os.environ:
            raise SecretSourceError(f"{self.what}: environment variable ${name} is not set")
        return os.environ[name], end

    def split(self) -> list[str]:
        text, n, i = self.text, len(self.text), 0
        words: list[str] = []
        word: list[str] | None = None
        while i < n:
            c = text[i]
            if c.isspace():
                if word is not None:
                    words.append("".join(word))
                    word = None
                i += 1
                continue
            if word is None:
                word = []
                if c == "~" and self.expand:
                    end = i + 1
                    while end < n and not text[end].isspace() and text[end] not in "/'\"$":
                        end += 1
                    home = os.path.expanduser(text[i:end])
                    if home != text[i:end]:
                        word.append(home)
                        i = end
                        continue
            if c == "\\":
                if i + 1 < n:
                    word.append(text[i + 1])
                i += 2
            elif c == "'":
                end = text.find("'", i + 1)
                if end < 0:
                    raise SecretSourceError(f"{self.what}: cannot be split into words (No closing quotation)")
                word.append(text[i + 1 : end])
                i = end + 1
            elif c == '"':
                i += 1
                while True:
                    if i >= n:
                        raise SecretSourceError(f"{self.what}: cannot be split into words (No closing quotation)")
                    c = text[i]
                    if c == '"':
                        i += 1
                        break
                    if c == "\\" and i + 1 < n and text[i + 1] in '$"\\`':
                        word.append(text[i + 1])
                        i += 2
                    elif c == "$":
                        value, i = self._var(i)
                        word.append(value)
                    elif c == "`":
                        raise SecretSourceError(f"{self.what}: command substitution needs a shell; write a script")
                    else:
                        word.append(c)
                        i += 1
            elif c == "$":
                value, i = self._var(i)
                word.append(value)
            elif c in _SHELL_ONLY:
                raise SecretSourceError(
                    f"{self.what}: {_SHELL_ONLY[c]} needs a shell, and the command runs without one; "
                    "put the pipeline in a script and name the script"
                )
            else:
                word.append(c)
                i += 1
        if word is not None:
            words.append("".join(word))
        return words


_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


def expand_word(word: str, what: str) -> str:
    """``$VAR``/``${VAR}`` anywhere and a leading ``~``/``~user`` in one word (a path setting, an
    item of a list-form command). An unset variable is an error naming it and ``what``."""

    def value(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        if name not in os.environ:
            raise SecretSourceError(f"{what}: environment variable ${name} is not set")
        return os.environ[name]

    return os.path.expanduser(_VAR.sub(value, word))


def command_argv(command: str | Sequence[str], *, expand: bool = True) -> list[str]:
    """A configured command as argv: a string is split into words as a POSIX shell would, then
    ``~`` and ``$VARS`` are expanded (see :class:`_Words`); nothing is run through a shell.

    ``expand=False`` only checks the syntax (settings do that while loading, so an unset
    variable matters only when the key is really needed).
    """
    what = "api_key_command"
    if isinstance(command, str):
        argv = _Words(command, what, expand).split()
    else:
        argv = [expand_word(str(a), what) if expand else str(a) for a in command]
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
