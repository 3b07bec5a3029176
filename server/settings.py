"""Typed settings for syncro-mcp and the loader that says where every value came from.

Load order, later wins::

    defaults → YAML config file → environment (SYNCRO_*) → overrides (CLI flags)

Config file: ``--config PATH``, else ``$SYNCRO_MCP_CONFIG``, else
``platformdirs.user_config_dir("syncro-mcp")/config.yaml`` if it exists. It is a flat mapping of
setting names (below) to values; an empty value (``key:``) means "not set". Relative paths in the
file are relative to the file's folder, except ``session_log_dir`` (relative to the working
directory, like the seed's ``clients/`` folder).

Environment: every setting is ``SYNCRO_`` + its upper-case name (``SYNCRO_SUBDOMAIN``,
``SYNCRO_API_KEY``, ``SYNCRO_HTTP_TOKEN``, ``SYNCRO_READ_ONLY``…). Empty variables are ignored.
Lists and maps have a flat form:

* ``SYNCRO_TOOLSETS=tickets,time`` (``all`` = every toolset, the opt-in ones too)
* ``SYNCRO_LABOR_TYPES=remote=1190473,onsite=26118`` (replaces the whole map, as in YAML)

The API key is found, first match wins: ``api_key`` → ``api_key_file`` → ``sops_file`` (+
``sops_field``) → ``api_key_command`` → ``api_key_keyring`` (the OS keychain, optional extra).
It is resolved only by :meth:`Settings.load_api_key`, never while loading, so a sandbox run needs no key.
"""

from __future__ import annotations

import difflib
import ipaddress
import logging
import os
import re
import warnings as _warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from . import secrets
from .secrets import SecretSourceError

log = logging.getLogger(__name__)

APP_NAME = "syncro-mcp"
ENV_PREFIX = "SYNCRO_"
CONFIG_ENV = "SYNCRO_MCP_CONFIG"
TOOLSETS: tuple[str, ...] = ("tickets", "time", "billing", "customers", "invoices")
OPT_IN_TOOLSETS: tuple[str, ...] = ("schedule", "assets")
"""Valid names that are off unless listed in ``toolsets`` (the default is ``TOOLSETS``; ``all`` is both)."""
LOG_LEVELS: tuple[str, ...] = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

#: The seed skill's labor products; shipped as an editable example default, not as logic.
DEFAULT_LABOR_TYPES: dict[str, int] = {
    "remote": 1190473,
    "onsite": 26118,
    "emergency": 26184,
    "project": 9269129,
    "internal": 9269124,
    "travel": 26117,
    "website": 68055,
}

#: Values never echoed back in an error message.
SECRET_FIELDS = frozenset({"api_key", "http_token", "api_key_command", "rate_limit_url", "journal_url"})
#: Path settings resolved against the config file's folder when given there.
_FILE_RELATIVE_PATHS = frozenset(
    {"api_key_file", "sops_file", "state_dir", "journal_path", "audit_path", "users_file"}
)

_LABEL_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


class ConfigError(Exception):
    """Bad or missing configuration; the message names the setting and where it came from."""


class NotConfiguredError(ConfigError):
    """No usable Syncro account or API key. The message is the whole setup help (:func:`setup_help`)."""


class UnknownLaborType(ValueError):
    """A labor type name that is not in ``labor_types``; ``.valid`` lists the configured names."""

    def __init__(self, name: str, valid: list[str]) -> None:
        self.name = name
        self.valid = valid
        if not valid:
            msg = f"unknown labor type '{name}': no labor types are configured (set labor_types)"
        else:
            close = difflib.get_close_matches(name.strip().lower(), valid, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            msg = f"unknown labor type '{name}'{hint}. Valid labor types: {', '.join(valid)}"
        super().__init__(msg)


# --- machine defaults ---------------------------------------------------------------------


def _valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def local_timezone_name(env: Mapping[str, str] | None = None) -> str:
    """This machine's IANA time zone name: ``$TZ`` if it names one, else ``tzlocal`` (which knows
    ``/etc/localtime``, macOS and Windows' zone names), else UTC."""
    env = os.environ if env is None else env
    tz = env.get("TZ", "").strip().lstrip(":")
    if "zoneinfo/" in tz:
        tz = tz.split("zoneinfo/", 1)[1].removeprefix("posix/").removeprefix("right/")
    if tz and not tz.startswith("/") and _valid_zone(tz):
        return tz
    try:
        import tzlocal

        with _warnings.catch_warnings():  # tzlocal warns about an unusable $TZ; we fall back instead
            _warnings.simplefilter("ignore")
            name = tzlocal.get_localzone_name()
    except Exception:  # an unreadable or odd machine zone: fall back to UTC, as documented
        name = None
    return name if name and _valid_zone(name) else "UTC"


def default_config_path() -> Path:
    """Where the config file is looked for when neither ``--config`` nor ``$SYNCRO_MCP_CONFIG`` is set."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.yaml"


def default_state_dir() -> Path:
    """Folder for the write journal and audit log."""
    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))


def _is_loopback(host: str) -> bool:
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# --- the settings model -------------------------------------------------------------------


class Settings(BaseModel):
    """Everything syncro-mcp can be configured with. Immutable once loaded.

    Build it with :func:`load_settings` so errors name their source; ``Settings(...)`` directly
    is fine in tests.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    # Syncro account and API key (or the embedded sandbox instead)
    sandbox: bool = False
    subdomain: str | None = None
    base_url: str | None = None
    auth_style: Literal["bearer", "header", "query"] = "bearer"
    api_key: SecretStr | None = None
    api_key_file: Path | None = None
    sops_file: Path | None = None
    sops_field: str = "credentials.credential"
    api_key_command: str | list[str] | None = None
    api_key_keyring: str | None = None
    key_command_timeout_s: float = Field(30.0, gt=0)

    # HTTP client behaviour (see client.SyncroClient)
    timeout_s: float = Field(30.0, gt=0)
    rate_limit_per_min: int = Field(180, ge=1)
    max_retries: int = Field(3, ge=0)
    retry_base_s: float = Field(2.0, ge=0)
    rate_limit_url: str | None = None  # unset/memory://: this process; redis://…: shared by instances
    rate_limit_key: str | None = None  # the shared bucket's Redis key (default: per Syncro account host)

    # What the tools do
    read_only: bool = False
    toolsets: list[str] | None = None
    labor_types: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_LABOR_TYPES))
    timezone: str = Field(default_factory=local_timezone_name)
    week_start: Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] = "monday"
    """The account's first weekday: where ``my_time``'s ``week`` and ``last_week`` begin."""
    close_status: str = "Resolved"
    invoice_category: str = "Standard"
    billing_mode: Literal["make_invoice", "charge_timer", "line_item"] = "make_invoice"
    """How bill_ticket puts the labor on the invoice (README: Billing paths; issue 14)."""
    prepaid_labor_rules: dict[str, str] = Field(default_factory=dict)
    """For customers with prepaid hours: labor type → "<labor type> x<factor>", e.g.
    ``{"emergency": "onsite x1.5"}`` (off by default; applied by bill_ticket in every billing_mode)."""
    session_log_dir: Path = Path("clients")
    confirm_creates: bool = False
    resources: bool = False
    """Serve the ``syncro://`` resources. Off by default: a server that declares resources makes
    Claude Code add its own resource tools to every conversation (see docs/architecture.md)."""
    confirm_token_ttl_s: int = Field(300, ge=1)
    destructive_by_token: bool = False
    """Allow delete_ticket/delete_invoice with the confirm_token fallback (a token goes back to the
    agent, so it trusts the client's agent); off: destructive tools need an elicitation dialog."""
    bill_dedupe_window_min: int = Field(60, ge=0)
    """The repeat window of every journaled write (bill, comment, time, close), in minutes."""
    settle_window_s: float = Field(30.0, ge=0, le=600)
    """How long a write whose answer was lost is looked for in Syncro (re-read with backoff)
    before it is reported as outcome unknown; it is never re-sent automatically (issue 13). 0: read
    once, right after the lost answer, with no re-reads (and still never re-sent)."""

    # Local state and logging
    state_dir: Path  # default: default_state_dir(), filled in by _derive_state_paths
    journal_path: Path
    journal_url: str | None = None
    """Unset: the SQLite file ``journal_path`` (this machine). ``postgresql://…``: one journal, token store,
    repeat window and write lock for every instance that names the same database (a team)."""
    audit_path: Path
    log_level: str = "WARNING"

    # Streamable HTTP transport
    http_host: str = "127.0.0.1"
    http_port: int = Field(8765, ge=1, le=65535)
    http_token: SecretStr | None = None
    users_file: Path | None = None  # HTTP, a team: one bearer token and Syncro key per technician
    http_allowed_hosts: list[str] | None = None  # Host names clients use from elsewhere (load balancer)
    http_max_sessions: int = Field(16, ge=1, le=10000)
    """Concurrent MCP sessions the HTTP transport admits; more are refused until one ends (issue 13)."""

    _sources: dict[str, str] = PrivateAttr(default_factory=dict)
    _config_file: Path | None = PrivateAttr(default=None)
    _warnings: list[str] = PrivateAttr(default_factory=list)
    _api_key_cache: SecretStr | None = PrivateAttr(default=None)

    # -- validation --

    @model_validator(mode="before")
    @classmethod
    def _derive_state_paths(cls, data: Any) -> Any:
        """journal/audit default to files inside state_dir, whichever layer set state_dir."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if data.get("state_dir") is None:
            data["state_dir"] = default_state_dir()
        raw = data["state_dir"]
        state = _expanded_or_none(str(raw)) if isinstance(raw, (str, Path)) else None
        state = state or default_state_dir()  # a bad state_dir is reported once, by its own validator
        if data.get("journal_path") is None:
            data["journal_path"] = state / "journal.sqlite3"
        if data.get("audit_path") is None:
            data["audit_path"] = state / "audit.jsonl"
        return data

    @field_validator("subdomain")
    @classmethod
    def _check_subdomain(cls, v: str | None) -> str | None:
        if v is None:
            return None
        label = v.lower()
        if label.endswith(".syncromsp.com") or "://" in label:
            guess = label.split("://", 1)[-1].split(".", 1)[0]
            raise ValueError(f"give only the account name, e.g. '{guess}' (not a host name or URL)")
        if not _LABEL_RE.match(label):
            raise ValueError(
                "must be a host name label: letters, digits and '-', 1-63 characters, e.g. 'acme' "
                "for acme.syncromsp.com"
            )
        return label

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, v: str | None) -> str | None:
        if v is None:
            return None
        parts = urlsplit(v)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL such as https://proxy.example.com/api/v1")
        if parts.username is not None or parts.password is not None:
            raise ValueError("must not contain a user name or password; configure the API key instead")
        if parts.query or parts.fragment:
            raise ValueError("must not contain a query string or fragment")
        if parts.scheme == "http" and not _is_loopback(parts.hostname):
            raise ValueError(
                f"plain http:// is only allowed for this machine (localhost, 127.0.0.0/8, ::1), "
                f"not '{parts.hostname}': the API key would cross the network unencrypted; use https://"
            )
        path = parts.path.rstrip("/") or "/api/v1"
        return f"{parts.scheme}://{parts.netloc}{path}"

    @field_validator("api_key", "http_token", mode="before")
    @classmethod
    def _strip_secret(cls, v: Any) -> Any:
        if isinstance(v, SecretStr):
            v = v.get_secret_value()
        if isinstance(v, str):
            v = v.strip()
            if not v:
                raise ValueError("is empty")
        return v

    @field_validator(
        "api_key_file", "sops_file", "state_dir", "journal_path", "audit_path", "session_log_dir", "users_file"
    )
    @classmethod
    def _expand_user(cls, v: Path | None) -> Path | None:
        """``~`` and ``$VARS`` as a shell user expects; an unset variable is an error naming it."""
        if v is None:
            return None
        try:
            return Path(secrets.expand_word(str(v), "path"))
        except SecretSourceError as exc:
            raise ValueError(str(exc).removeprefix("path: ")) from None

    @field_validator("rate_limit_url")
    @classmethod
    def _check_rate_limit_url(cls, v: str | None) -> str | None:
        if v is None:
            return None
        scheme = urlsplit(v).scheme.lower()
        if scheme == "memory":
            return v
        if scheme not in ("redis", "rediss", "unix"):
            raise ValueError("must be memory:// (this process alone) or a Redis URL such as redis://redis:6379/0")
        try:
            import redis.asyncio  # noqa: F401
        except ImportError:
            raise ValueError(
                "is a Redis URL but the redis package is missing: pip install 'syncro-mcp[team]'"
            ) from None
        return v

    @field_validator("journal_url")
    @classmethod
    def _check_journal_url(cls, v: str | None) -> str | None:
        if v is None:
            return None
        if urlsplit(v).scheme.lower() not in ("postgresql", "postgres"):
            raise ValueError(
                "must be a PostgreSQL URL such as postgresql://user:password@host:5432/syncro_mcp "
                "(leave it unset for the SQLite file in state_dir)"
            )
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise ValueError(
                "is a PostgreSQL URL but the psycopg package is missing: pip install 'syncro-mcp[team]'"
            ) from None
        return v

    @field_validator("sops_field")
    @classmethod
    def _check_sops_field(cls, v: str) -> str:
        if not v or any(not part for part in v.split(".")):
            raise ValueError("must be a dotted path such as 'credentials.credential'")
        return v

    @field_validator("api_key_command")
    @classmethod
    def _check_command(cls, v: str | list[str] | None) -> str | list[str] | None:
        if v is None:
            return None
        try:
            secrets.command_argv(v, expand=False)  # $VARS are looked up when the key is needed
        except SecretSourceError as exc:
            raise ValueError(str(exc).removeprefix("api_key_command").strip(" :")) from None
        return v

    @field_validator("api_key_keyring")
    @classmethod
    def _check_keyring(cls, v: str | None) -> str | None:
        if v is None:
            return None
        try:
            secrets.split_keyring_entry(v)
        except SecretSourceError as exc:
            raise ValueError(str(exc).split(": ", 1)[1]) from None
        return v

    @field_validator("http_allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = [p for p in (s.strip() for s in v.split(",")) if p]
        return v or None

    @field_validator("toolsets", mode="before")
    @classmethod
    def _split_toolsets(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = [p for p in (s.strip() for s in v.split(",")) if p]
        return v

    @field_validator("toolsets")
    @classmethod
    def _check_toolsets(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return None
        names = [s.strip().lower() for s in v]
        if "all" in names:  # every toolset, the opt-in ones too
            return list(TOOLSETS + OPT_IN_TOOLSETS)
        if not names:
            raise ValueError("is empty; leave it unset for the default toolsets, or say all")
        valid = TOOLSETS + OPT_IN_TOOLSETS
        unknown = [n for n in names if n not in valid]
        if unknown:
            raise ValueError(f"unknown toolset {', '.join(map(repr, unknown))}; valid: {', '.join(valid)}")
        return list(dict.fromkeys(names))

    @field_validator("labor_types", mode="before")
    @classmethod
    def _normalise_labor_names(cls, v: Any) -> Any:
        if not isinstance(v, Mapping):
            return v
        out: dict[str, Any] = {}
        for key, product in v.items():
            name = " ".join(str(key).split()).lower()
            if not name:
                raise ValueError("has an empty labor type name")
            if name in out:
                raise ValueError(f"names labor type '{name}' twice (names are not case-sensitive)")
            out[name] = product
        return out

    @field_validator("labor_types")
    @classmethod
    def _check_labor_ids(cls, v: dict[str, int]) -> dict[str, int]:
        bad = [name for name, product in v.items() if product <= 0]
        if bad:
            names = ", ".join(map(repr, bad))
            raise ValueError(f"product id for {names} must be a positive Syncro product id")
        return v

    @field_validator("prepaid_labor_rules")
    @classmethod
    def _check_prepaid_rules(cls, v: dict[str, str]) -> dict[str, str]:
        if not v:
            return v
        from syncro_mcp.engine.plans import parse_labor_rule  # only when rules are set (start-up cost)

        out = {}
        for labor, rule in v.items():
            if parse_labor_rule(rule) is None:
                raise ValueError(f"rule for '{labor}' must read '<labor type> x<factor>', e.g. 'onsite x1.5'")
            out[" ".join(str(labor).split()).lower()] = rule
        return out

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, v: str) -> str:
        if not _valid_zone(v):
            raise ValueError(f"unknown time zone '{v}'; use an IANA name such as 'America/Chicago'")
        return v

    @field_validator("log_level", mode="before")
    @classmethod
    def _check_log_level(cls, v: Any) -> Any:
        if isinstance(v, str):
            level = v.strip().upper()
            if level not in LOG_LEVELS:
                raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
            return level
        return v

    def model_post_init(self, __context: Any) -> None:
        """Register literal secrets for log redaction as soon as they exist."""
        for value in (self.api_key, self.http_token):
            if value is not None:
                secrets.register_secret(value.get_secret_value())
        for url in (self.rate_limit_url, self.journal_url):
            password = urlsplit(url).password if url else None
            if password:
                secrets.register_secret(password)

    # -- where things came from --

    @property
    def config_file(self) -> Path | None:
        """The config file that was read, if any."""
        return self._config_file

    @property
    def warnings(self) -> list[str]:
        """Non-fatal notes from loading (e.g. a likely misspelt SYNCRO_* variable)."""
        return list(self._warnings)

    def source_of(self, name: str) -> str:
        """Where setting ``name`` came from: 'default', 'config file …', 'environment SYNCRO_…', …"""
        return self._sources.get(name, "default")

    # -- derived values --

    def api_base_url(self) -> str:
        """Base URL of the Syncro API: ``base_url`` if set, else ``https://{subdomain}.syncromsp.com/api/v1``."""
        if self.base_url:
            return self.base_url
        if self.subdomain:
            return f"https://{self.subdomain}.syncromsp.com/api/v1"
        raise ConfigError(
            "no Syncro account configured: set subdomain (SYNCRO_SUBDOMAIN, e.g. 'acme' for "
            "acme.syncromsp.com) or base_url (SYNCRO_BASE_URL) in the environment or the config file "
            f"({self._config_hint()})"
        )

    def require_syncro(self) -> None:
        """Raise :class:`NotConfiguredError` unless both the account and the API key are usable.

        Its message says everything that is missing or wrong and how to set it: the one text that
        ``syncro-mcp check`` prints and that every tool answers while ``serve`` runs unconfigured.
        """
        problems: list[str] = []
        # With a users file every technician brings a key; there is no global one to check.
        for step in (self.api_base_url, self._load_users if self.users_file else self.load_api_key):
            try:
                step()
            except ConfigError as exc:
                problems.append(str(exc))
        if problems:
            raise NotConfiguredError(setup_help(problems))

    def _load_users(self) -> None:
        from .users import load_users

        load_users(self.users_file)  # type: ignore[arg-type]  # raises ConfigError naming the file

    def enabled_toolsets(self) -> tuple[str, ...]:
        """The toolsets to expose (the default ones, ``TOOLSETS``, when ``toolsets`` is unset)."""
        return tuple(self.toolsets) if self.toolsets is not None else TOOLSETS

    def tzinfo(self) -> ZoneInfo:
        """The configured time zone, for turning the tech's local times into Syncro timestamps."""
        return ZoneInfo(self.timezone)

    def labor_product_id(self, name: str) -> int:
        """Syncro labor product id for a labor type name (case-insensitive)."""
        key = " ".join(name.split()).lower()
        try:
            return self.labor_types[key]
        except KeyError:
            raise UnknownLaborType(name, list(self.labor_types)) from None

    def _key_field(self) -> str | None:
        for name in ("api_key", "api_key_file", "sops_file", "api_key_command", "api_key_keyring"):
            if getattr(self, name) is not None:
                return name
        return None

    def api_key_source(self) -> str | None:
        """Describe (without reading it) where the key will come from, or None if nowhere."""
        field = self._key_field()
        if field is None:
            return None
        origin = f"({self.source_of(field)})"
        if field == "api_key":
            return f"api_key {origin}"
        if field == "api_key_file":
            return f"api_key_file {self.api_key_file} {origin}"
        if field == "sops_file":
            return f"sops_file {self.sops_file} field '{self.sops_field}' {origin}"
        if field == "api_key_keyring":
            return f"api_key_keyring {self.api_key_keyring} {origin}"
        name = os.path.basename(secrets.command_argv(self.api_key_command or "", expand=False)[0])
        return f"api_key_command '{name}' {origin}"

    def load_api_key(self) -> SecretStr:
        """Resolve the API key from the first configured source (cached; registered for redaction)."""
        if self._api_key_cache is not None:
            return self._api_key_cache
        field = self._key_field()
        if field is None:
            raise ConfigError(
                "no Syncro API key configured. Set one of:\n"
                "  1. api_key: SYNCRO_API_KEY=<key> (or api_key in the config file)\n"
                "  2. api_key_file: SYNCRO_API_KEY_FILE=<file holding only the key>\n"
                "  3. sops_file: SYNCRO_SOPS_FILE=<sops-encrypted YAML/JSON>, with sops_field "
                "(default credentials.credential)\n"
                "  4. api_key_command: SYNCRO_API_KEY_COMMAND='bash vault.sh get-field "
                "msp-tools/syncro.sops.yaml credentials.credential' (prints the key)\n"
                "  5. api_key_keyring: SYNCRO_API_KEY_KEYRING=<service/username> in the OS keychain "
                f"(needs {secrets.KEYRING_INSTALL})\n"
                f"Config file: {self._config_hint()}"
            )
        try:
            if self.api_key is not None:
                value = self.api_key.get_secret_value()
            elif self.api_key_file is not None:
                value = secrets.read_key_file(self.api_key_file)
            elif self.sops_file is not None:
                value = secrets.sops_decrypt_field(
                    self.sops_file, self.sops_field, timeout_s=self.key_command_timeout_s
                )
            elif self.api_key_command is not None:
                value = secrets.run_key_command(
                    self.api_key_command, timeout_s=self.key_command_timeout_s
                )
            else:
                value = secrets.read_keyring(self.api_key_keyring or "")
            secrets.check_key_text(value, field)
        except SecretSourceError as exc:
            raise ConfigError(f"{exc} (set in {self.source_of(field)})") from None
        secrets.register_secret(value)
        self._api_key_cache = SecretStr(value)
        return self._api_key_cache

    def client_options(self, api_key: SecretStr | None = None) -> dict[str, Any]:
        """Keyword arguments for ``SyncroClient(**options)`` (resolves the API key unless given:
        a technician's own key from the users file)."""
        return {
            "base_url": self.api_base_url(),
            "api_key": api_key if api_key is not None else self.load_api_key(),
            "auth_style": self.auth_style,
            "timeout_s": self.timeout_s,
            "rate_limit_per_min": self.rate_limit_per_min,
            "max_retries": self.max_retries,
            "retry_base_s": self.retry_base_s,
            "read_only": self.read_only,
            "rate_limit_url": self.rate_limit_url,
            "rate_limit_key": self.rate_limit_key,
        }

    def journal_where(self) -> str:
        """Where the write journal is, for people: the SQLite file, or the PostgreSQL URL with its password masked."""
        if not self.journal_url:
            return f"SQLite {self.journal_path}"
        return f"PostgreSQL {masked_url(self.journal_url)}"

    def _config_hint(self) -> str:
        if self._config_file is not None:
            return str(self._config_file)
        return f"none read; the default location is {default_config_path()}"


FIELDS: tuple[str, ...] = tuple(Settings.model_fields)


def masked_url(url: str) -> str:
    """``url`` with its password (if any) replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{parts.username or ''}:***@{host}").geturl()


def setup_help(problems: list[str]) -> str:
    """The setup help: each problem (account, API key) with how to fix it, then where settings go
    and how to try the demo data instead."""
    items = "\n".join("- " + p.replace("\n", "\n  ") for p in problems)
    return (
        "syncro-mcp is not connected to a Syncro account yet:\n"
        f"{items}\n"
        "Environment variables must be set where the MCP client starts the server (for Claude Code: the "
        "shell you start it from); restart the client after changing them. Or put the settings in the "
        "config file.\n"
        f"To try the tools on demo data instead: {env_name('sandbox')}=1 (or sandbox: true in the config "
        "file, or syncro-mcp serve --sandbox).\n"
        "Then syncro-mcp check verifies the key and shows its permissions (not on PATH? "
        "uvx --from /path/to/syncro-mcp syncro-mcp check)."
    )


# --- the loader ---------------------------------------------------------------------------


def env_name(field: str) -> str:
    """Environment variable for a setting: ``SYNCRO_`` + upper-case name."""
    return ENV_PREFIX + field.upper()


def _suggest(key: str) -> str:
    norm = key.strip().lower().replace("-", "_").removeprefix("syncro_")
    if norm in FIELDS and norm != key:
        return f" (did you mean '{norm}'?)"
    close = difflib.get_close_matches(norm, FIELDS, n=1, cutoff=0.75)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _expanded_or_none(text: str) -> Path | None:
    """``~``/``$VARS`` expanded, or None when a variable is unset (validation reports it)."""
    try:
        return Path(secrets.expand_word(text, "path"))
    except SecretSourceError:
        return None


def _config_path(text: str, where: str) -> Path:
    try:
        return Path(secrets.expand_word(text, where))
    except SecretSourceError as exc:
        raise ConfigError(f"config file {exc}") from None


def _find_config(config_path: Path | None, env: Mapping[str, str]) -> Path | None:
    if config_path is not None:
        path, how = _config_path(str(config_path), "--config"), "given with --config"
    elif env.get(CONFIG_ENV, "").strip():
        path, how = _config_path(env[CONFIG_ENV].strip(), CONFIG_ENV), f"named by {CONFIG_ENV}"
    else:
        path = default_config_path()
        return path if path.is_file() else None
    if not path.is_file():
        raise ConfigError(f"config file {path}: not found ({how})")
    return path


def _read_config_file(path: Path, warnings: list[str]) -> dict[str, Any]:
    where = f"config file {path}"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: cannot be read ({type(exc).__name__})") from None
    import yaml  # only when a config file exists: start-up without one does not pay for it

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        # Only the position and problem: YAML's context snippet could quote a key line.
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise ConfigError(f"{where}: not valid YAML{at}: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise ConfigError(f"{where}: must be a mapping of setting names to values, not a {kind}")
    unknown = [str(k) for k in data if str(k) not in FIELDS]
    if unknown:
        raise ConfigError(
            "\n".join(f"{where}: unknown setting '{k}'{_suggest(k)}" for k in unknown)
            + f"\nValid settings: {', '.join(FIELDS)}"
        )
    values = {str(k): v for k, v in data.items() if v is not None}
    for key in _FILE_RELATIVE_PATHS & values.keys():
        raw = values[key]
        if isinstance(raw, str) and raw.strip():
            try:
                p = Path(secrets.expand_word(raw.strip(), key))
            except SecretSourceError as exc:
                raise ConfigError(f"{where}: setting '{key}': {str(exc).removeprefix(key + ': ')}") from None
            values[key] = p if p.is_absolute() else path.parent / p
    if {"api_key", "http_token"} & values.keys() and os.name == "posix":
        try:
            if path.stat().st_mode & 0o077:
                warnings.append(f"{where} holds a secret but other users can read it; run: chmod 600 {path}")
        except OSError:
            pass
    return values


def _parse_labor_env(raw: str, var: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in (p.strip() for p in raw.split(",")):
        if not pair:
            continue
        name, sep, product = pair.partition("=")
        if not sep or not name.strip() or not product.strip():
            raise ConfigError(
                f"environment {var}: expected name=product_id pairs separated by commas, "
                f"e.g. remote=1190473,onsite=26118 (could not read '{pair}')"
            )
        out[name.strip()] = product.strip()
    return out


def _read_env(env: Mapping[str, str], warnings: list[str]) -> tuple[dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for field in FIELDS:
        var = env_name(field)
        raw = env.get(var)
        if raw is None or not raw.strip():
            continue
        value: Any = raw
        if field in ("labor_types", "prepaid_labor_rules"):
            value = _parse_labor_env(raw, var)
        values[field] = value
        sources[field] = f"environment {var}"
    known = {env_name(f) for f in FIELDS} | {CONFIG_ENV}
    for var in env:
        if var.startswith(ENV_PREFIX) and var not in known:
            close = difflib.get_close_matches(var, sorted(known), n=1, cutoff=0.8)
            if close:
                warnings.append(
                    f"environment {var} is not a syncro-mcp setting (did you mean {close[0]}?); ignored"
                )
    return values, sources


_SHORT_PROBLEMS = {
    "int_parsing": "not a whole number",
    "int_type": "not a whole number",
    "int_from_float": "not a whole number",
    "float_parsing": "not a number",
    "float_type": "not a number",
    "bool_parsing": "not true or false",
    "bool_type": "not true or false",
    "string_type": "not text",
    "dict_type": "not a mapping of names to values",
    "list_type": "not a list",
    "path_type": "not a file path",
}


def _problem(err: Mapping[str, Any], field: str) -> str:
    kind = err.get("type", "")
    if kind == "value_error":
        return str(err.get("msg", "")).removeprefix("Value error, ")
    text = _SHORT_PROBLEMS.get(kind) or str(err.get("msg", "invalid")).replace("Input should be", "must be")
    value = err.get("input")
    if (
        field not in SECRET_FIELDS
        and isinstance(value, (str, int, float, bool))
        and len(repr(value)) <= 60
    ):
        text += f" (got {value!r})"
    return text


def _describe(exc: ValidationError, sources: Mapping[str, str]) -> str:
    """One message for every problem, each naming the setting and its source; no secret values."""
    lines: list[str] = []
    seen: set[str] = set()
    for err in exc.errors():
        loc = err.get("loc") or ()
        field = str(loc[0]) if loc else ""
        if field in seen:  # a union reports once per member
            continue
        seen.add(field)
        where = sources.get(field, "default")
        detail = ""
        if field == "labor_types" and len(loc) > 1:
            detail = f" (labor type '{loc[1]}')"
        if where.startswith("environment "):
            prefix = f"{where}{detail}"
        else:
            prefix = f"{where}: setting '{field}'{detail}" if field else where
        lines.append(f"{prefix}: {_problem(err, field)}")
    return lines[0] if len(lines) == 1 else "invalid configuration:\n  " + "\n  ".join(lines)


def load_settings(
    config_path: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Settings:
    """Build :class:`Settings` from defaults, the config file, ``env`` (default ``os.environ``) and
    ``overrides`` (setting name → value; ``None`` values are skipped so CLI flags can pass through).

    Raises :class:`ConfigError` with one message naming each bad setting and where it came from.
    """
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    warnings: list[str] = []

    path = _find_config(config_path, env)
    if path is not None:
        for key, value in _read_config_file(path, warnings).items():
            values[key] = value
            sources[key] = f"config file {path}"

    env_values, env_sources = _read_env(env, warnings)
    values.update(env_values)
    sources.update(env_sources)

    for key, value in (overrides or {}).items():
        if key not in FIELDS:
            raise ConfigError(f"command line: unknown setting '{key}'{_suggest(key)}")
        if value is not None:
            values[key] = value
            sources[key] = "command line"

    if "timezone" not in values:
        values["timezone"] = local_timezone_name(env)
        sources["timezone"] = "default (this machine's time zone)"

    try:
        settings = Settings.model_validate(values)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, sources)) from None
    settings._sources = sources
    settings._config_file = path
    settings._warnings = warnings
    for note in warnings:
        log.warning("%s", note)
    return settings
