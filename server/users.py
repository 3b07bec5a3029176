"""One identity per technician in HTTP mode: the users file, token → technician, their own client.

The users file (``users_file``, ``SYNCRO_USERS_FILE``) is YAML::

    users:
      - name: Alice Example
        token_sha256: <hex sha256 of her bearer token>   # syncro-mcp users hash-token < token
        api_key_file: /etc/syncro-mcp/alice.key           # or api_key_env / api_key_command /
                                                          #    sops_file (+ sops_field)

Each request's ``Authorization: Bearer <token>`` is hashed and compared, in constant time, with
every entry (no early exit); an unknown token gets 401. The technician found is bound to
:data:`CURRENT_USER` for the request (the MCP SDK carries a request's context variables into the
tool call), and :class:`ClientProxy`, which stands where the app keeps "the client", sends each
call through that technician's own ``SyncroClient``: built on first use with their key, so
Syncro records who wrote what, and tagged with their name, so the audit log does too. All of one
instance's technicians share one rate limiter (they share the office IP).

The file holds no secrets: hashes, names, and where each key is (never a key itself).
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import os
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import SecretStr

from . import secrets
from .secrets import SecretSourceError
from .settings import ConfigError, Settings

KEY_FIELDS = ("api_key_file", "api_key_env", "api_key_command", "sops_file")
_FIELDS = frozenset({"name", "token_sha256", "sops_field", *KEY_FIELDS})
_HEX64 = re.compile(r"^[0-9a-f]{64}$")

CURRENT_USER: contextvars.ContextVar[User | None] = contextvars.ContextVar("syncro_mcp_user", default=None)


def hash_token(token: str) -> str:
    """What ``token_sha256`` holds for a bearer token: the hex SHA-256 of its UTF-8 bytes."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class User:
    """A technician: display name, token hash, and where their Syncro API key is."""

    name: str
    token_sha256: str
    api_key_file: Path | None = None
    api_key_env: str | None = None
    api_key_command: str | list[str] | None = None
    sops_file: Path | None = None
    sops_field: str = "credentials.credential"

    def key_source(self) -> str:
        for field in KEY_FIELDS:
            value = getattr(self, field)
            if value is not None:
                return field if field == "api_key_command" else f"{field} {value}"
        return "none"

    def load_key(self, *, timeout_s: float = 30.0) -> SecretStr:
        """Read this technician's key from its source (registered for redaction)."""
        try:
            if self.api_key_file is not None:
                value = secrets.read_key_file(self.api_key_file)
            elif self.api_key_env is not None:
                value = os.environ.get(self.api_key_env, "").strip()
                if not value:
                    raise SecretSourceError(f"environment variable {self.api_key_env} is not set or empty")
            elif self.sops_file is not None:
                value = secrets.sops_decrypt_field(self.sops_file, self.sops_field, timeout_s=timeout_s)
            else:
                value = secrets.run_key_command(self.api_key_command or "", timeout_s=timeout_s)
            secrets.check_key_text(value, self.key_source())
        except SecretSourceError as exc:
            raise ConfigError(f"users file: {self.name}'s Syncro key: {exc}") from None
        secrets.register_secret(value)
        return SecretStr(value)


def _user(entry: Any, index: int, folder: Path, where: str) -> User:
    at = f"{where}: users[{index}]"
    if not isinstance(entry, dict):
        raise ConfigError(f"{at}: must be a mapping with name, token_sha256 and one key source")
    unknown = sorted(str(k) for k in entry if k not in _FIELDS)
    if unknown:
        raise ConfigError(f"{at}: unknown field(s) {', '.join(unknown)}; valid: {', '.join(sorted(_FIELDS))}")
    name = str(entry.get("name") or "").strip()
    if not name:
        raise ConfigError(f"{at}: name is missing")
    at = f"{where}: user {name!r}"
    digest = str(entry.get("token_sha256") or "").strip().lower()
    if not _HEX64.match(digest):
        raise ConfigError(
            f"{at}: token_sha256 must be 64 hex digits (syncro-mcp users hash-token prints it for a token)"
        )
    sources = [f for f in KEY_FIELDS if entry.get(f) not in (None, "")]
    if len(sources) != 1:
        raise ConfigError(f"{at}: give exactly one Syncro key source: {', '.join(KEY_FIELDS)} (got {len(sources)})")

    def path(field: str) -> Path | None:
        raw = entry.get(field)
        if raw in (None, ""):
            return None
        try:
            p = Path(secrets.expand_word(str(raw), field))
        except SecretSourceError as exc:
            raise ConfigError(f"{at}: {exc}") from None
        return p if p.is_absolute() else folder / p

    command = entry.get("api_key_command")
    if command is not None:
        try:
            secrets.command_argv(command, expand=False)
        except SecretSourceError as exc:
            raise ConfigError(f"{at}: {exc}") from None
    return User(
        name=name,
        token_sha256=digest,
        api_key_file=path("api_key_file"),
        api_key_env=str(entry["api_key_env"]).strip() if entry.get("api_key_env") else None,
        api_key_command=command,
        sops_file=path("sops_file"),
        sops_field=str(entry.get("sops_field") or "credentials.credential"),
    )


def load_users(path: Path) -> list[User]:
    """The technicians in ``path``; :class:`ConfigError` naming the file and entry when it is wrong."""
    where = f"users file {path}"
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{where}: cannot be read ({type(exc).__name__})") from None
    except yaml.YAMLError:
        raise ConfigError(f"{where}: not valid YAML") from None
    entries = data.get("users") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{where}: needs a non-empty 'users:' list")
    users = [_user(e, i, Path(path).parent, where) for i, e in enumerate(entries)]
    for label, values in (("name", [u.name for u in users]), ("token_sha256", [u.token_sha256 for u in users])):
        dupes = sorted({v for v in values if values.count(v) > 1})
        if dupes:
            shown = dupes if label == "name" else [d[:8] + "…" for d in dupes]
            raise ConfigError(f"{where}: {label} used by more than one user: {', '.join(shown)}")
    return users


def authenticate(users: list[User], token: str) -> User | None:
    """The technician whose token this is, or None. Every entry is compared (constant time each,
    no early exit), so the time taken does not tell how close a guess came or which entry matched."""
    digest = hash_token(token).encode()
    found: User | None = None
    for user in users:
        if hmac.compare_digest(digest, user.token_sha256.encode()):
            found = user
    return found


class UserClients:
    """One ``SyncroClient`` per technician, built on first use by ``make(user)``, closed together."""

    def __init__(self, users: list[User], make: Callable[[User], Any]) -> None:
        self.users = users
        self._make = make
        self._clients: dict[str, Any] = {}
        self.write_observer: Callable[[Any], None] | None = None

    def client_for(self, user: User) -> Any:
        client = self._clients.get(user.name)
        if client is None:
            client = self._clients[user.name] = self._make(user)
            client.write_observer = self.write_observer
        return client

    def built(self) -> list[Any]:
        return list(self._clients.values())

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()


class ClientProxy:
    """Where the app expects its one client: every attribute comes from the current technician's.

    Outside a request (the server's own start-up read of the account's time zone) the first user
    in the file is used: an account-level read, never a tool call. ``write_observer`` set here is
    given to every technician's client.
    """

    def __init__(self, clients: UserClients, base_url: str) -> None:
        object.__setattr__(self, "_clients", clients)
        object.__setattr__(self, "base_url", base_url)

    def current(self) -> Any:
        user = CURRENT_USER.get() or self._clients.users[0]
        return self._clients.client_for(user)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.current(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name != "write_observer":
            raise AttributeError(f"ClientProxy: cannot set {name}")
        self._clients.write_observer = value
        for client in self._clients.built():
            client.write_observer = value

    async def aclose(self) -> None:
        await self._clients.aclose()

    def __repr__(self) -> str:
        return f"ClientProxy(base_url={self.base_url!r}, users={len(self._clients.users)})"


@asynccontextmanager
async def open_user_clients(
    settings: Settings, *, sandbox: bool, state: Path | None = None, sandbox_instance: Any = None
) -> AsyncIterator[Any]:
    """Team mode: a :class:`~.users.ClientProxy`; each technician's client is built on first use
    with their own key, all of them on this instance's one rate limiter (they share the office IP)."""
    from syncro_mcp.client import SyncroClient
    from syncro_mcp.client.ratelimit import make_limiter

    from .serving import make_client

    users = load_users(settings.users_file)  # type: ignore[arg-type]
    sb = None
    if sandbox:
        from syncro_mcp.sandbox.standalone import make_sandbox

        sb = sandbox_instance or make_sandbox(state)
    base_url = sb.base_url if sb is not None else settings.api_base_url()
    limiter = make_limiter(
        settings.rate_limit_url, base_url=base_url, rate_per_min=settings.rate_limit_per_min,
        key=settings.rate_limit_key,
    )

    def make(user: Any) -> SyncroClient:
        key = user.load_key(timeout_s=settings.key_command_timeout_s)
        return make_client(settings, sandbox=sb, api_key=key, limiter=limiter, actor=user.name)

    proxy = ClientProxy(UserClients(users, make), base_url)
    try:
        yield proxy
    finally:
        await proxy.aclose()
        closer = getattr(limiter, "aclose", None)
        if closer is not None:
            await closer()
