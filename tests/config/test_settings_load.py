"""Settings: defaults, load order, config discovery, validation messages that name setting + source."""

from __future__ import annotations

from pathlib import Path

import pytest
from syncro_mcp.server import settings as settings_mod
from syncro_mcp.server.settings import (
    DEFAULT_LABOR_TYPES,
    OPT_IN_TOOLSETS,
    TOOLSETS,
    ConfigError,
    Settings,
    load_settings,
)


def test_defaults_are_the_documented_ones(tmp_path: Path) -> None:
    s = load_settings(env={})
    assert s.subdomain is None and s.base_url is None
    assert s.auth_style == "bearer"
    assert s.labor_types == DEFAULT_LABOR_TYPES
    assert s.labor_types["remote"] == 1190473
    assert (s.close_status, s.invoice_category, s.session_log_dir) == (
        "Resolved",
        "Standard",
        Path("clients"),
    )
    assert (s.timeout_s, s.rate_limit_per_min, s.max_retries, s.retry_base_s) == (30.0, 180, 3, 2.0)
    assert s.read_only is False and s.toolsets is None and s.enabled_toolsets() == TOOLSETS
    assert s.confirm_creates is False and s.confirm_token_ttl_s == 300 and s.bill_dedupe_window_min == 60
    assert s.log_level == "WARNING"
    assert (s.http_host, s.http_port, s.http_token) == ("127.0.0.1", 8765, None)
    assert s.state_dir == settings_mod.default_state_dir()
    assert s.journal_path == s.state_dir / "journal.sqlite3"
    assert s.audit_path == s.state_dir / "audit.jsonl"
    assert s.source_of("timeout_s") == "default"
    assert s.config_file is None


def test_settings_are_immutable() -> None:
    s = load_settings(env={})
    with pytest.raises(ValueError):
        s.read_only = True  # type: ignore[misc]


def test_load_order_defaults_file_env_overrides(write_config) -> None:
    cfg = write_config("subdomain: filesub\ntimeout_s: 10\nmax_retries: 1\nclose_status: Done\n")
    env = {"SYNCRO_TIMEOUT_S": "20", "SYNCRO_MAX_RETRIES": "2"}
    s = load_settings(config_path=cfg, env=env, overrides={"max_retries": 5, "read_only": None})

    assert s.subdomain == "filesub" and s.source_of("subdomain") == f"config file {cfg}"
    assert s.close_status == "Done"
    assert s.timeout_s == 20.0 and s.source_of("timeout_s") == "environment SYNCRO_TIMEOUT_S"
    assert s.max_retries == 5 and s.source_of("max_retries") == "command line"
    assert s.read_only is False and s.source_of("read_only") == "default"  # None override = not given
    assert s.rate_limit_per_min == 180
    assert s.config_file == cfg


def test_config_file_from_env_var_and_default_location(write_config, monkeypatch, tmp_path) -> None:
    cfg = write_config("subdomain: fromenvvar\n", name="other.yaml")
    assert load_settings(env={"SYNCRO_MCP_CONFIG": str(cfg)}).subdomain == "fromenvvar"

    default = tmp_path / "xdg" / "config.yaml"
    monkeypatch.setattr(settings_mod, "default_config_path", lambda: default)
    assert load_settings(env={}).subdomain is None  # absent default file is fine
    default.parent.mkdir()
    default.write_text("subdomain: fromdefault\n")
    assert load_settings(env={}).subdomain == "fromdefault"
    # --config beats SYNCRO_MCP_CONFIG beats the default location
    assert load_settings(env={"SYNCRO_MCP_CONFIG": str(cfg)}).subdomain == "fromenvvar"
    assert load_settings(config_path=cfg, env={"SYNCRO_MCP_CONFIG": str(default)}).subdomain == "fromenvvar"


def test_named_config_file_that_is_missing_is_an_error(tmp_path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError, match=r"config file .*nope\.yaml: not found \(given with --config\)"):
        load_settings(config_path=missing, env={})
    with pytest.raises(ConfigError, match=r"not found \(named by SYNCRO_MCP_CONFIG\)"):
        load_settings(env={"SYNCRO_MCP_CONFIG": str(missing)})


def test_empty_values_mean_unset(write_config) -> None:
    cfg = write_config("subdomain:\ntimeout_s:\n")
    s = load_settings(config_path=cfg, env={"SYNCRO_SUBDOMAIN": "", "SYNCRO_MCP_CONFIG": ""})
    assert s.subdomain is None and s.timeout_s == 30.0
    assert load_settings(config_path=write_config("", name="empty.yaml"), env={}).subdomain is None


def test_relative_paths_in_config_file_are_relative_to_the_file(write_config, tmp_path) -> None:
    cfg = write_config("api_key_file: keys/syncro.key\nstate_dir: state\nsession_log_dir: notes/clients\n")
    s = load_settings(config_path=cfg, env={})
    assert s.api_key_file == tmp_path / "keys" / "syncro.key"
    assert s.state_dir == tmp_path / "state"
    assert s.journal_path == tmp_path / "state" / "journal.sqlite3"
    assert s.session_log_dir == Path("notes/clients")  # working-directory relative, like the seed


def test_state_dir_from_env_moves_journal_and_audit_unless_set(tmp_path) -> None:
    s = load_settings(env={"SYNCRO_STATE_DIR": str(tmp_path / "st")})
    assert s.journal_path == tmp_path / "st" / "journal.sqlite3"
    assert s.audit_path == tmp_path / "st" / "audit.jsonl"
    s = load_settings(env={"SYNCRO_STATE_DIR": str(tmp_path / "st"), "SYNCRO_AUDIT_PATH": str(tmp_path / "a.jsonl")})
    assert s.audit_path == tmp_path / "a.jsonl"


def test_env_forms_of_bools_lists_and_maps() -> None:
    s = load_settings(
        env={
            "SYNCRO_READ_ONLY": "yes",
            "SYNCRO_TOOLSETS": " Tickets, time ,tickets",
            "SYNCRO_LABOR_TYPES": "Remote=1190473, onsite=26118",
            "SYNCRO_LOG_LEVEL": "debug",
            "SYNCRO_HTTP_PORT": "9000",
        }
    )
    assert s.read_only is True
    assert s.toolsets == ["tickets", "time"] and s.enabled_toolsets() == ("tickets", "time")
    assert s.labor_types == {"remote": 1190473, "onsite": 26118}  # replaces the default map
    assert s.log_level == "DEBUG" and s.http_port == 9000
    every = load_settings(env={"SYNCRO_TOOLSETS": "all"})
    assert every.enabled_toolsets() == (*TOOLSETS, *OPT_IN_TOOLSETS)  # the opt-in ones too
    assert "schedule" not in load_settings(env={}).enabled_toolsets()  # unset: the default toolsets


def test_yaml_forms_of_lists_and_maps(write_config) -> None:
    cfg = write_config("toolsets: [tickets, billing]\nlabor_types:\n  Remote: 1190473\n  After Hours: '26184'\n")
    s = load_settings(config_path=cfg, env={})
    assert s.toolsets == ["tickets", "billing"]
    assert s.labor_types == {"remote": 1190473, "after hours": 26184}


# --- error messages name the setting and where it came from ------------------------------


def test_unknown_setting_in_file_names_file_and_suggests(write_config) -> None:
    cfg = write_config("subdmain: acme\n")
    with pytest.raises(ConfigError) as exc:
        load_settings(config_path=cfg, env={})
    assert f"config file {cfg}: unknown setting 'subdmain' (did you mean 'subdomain'?)" in str(exc.value)


def test_env_style_key_in_yaml_suggests_the_setting_name(write_config) -> None:
    with pytest.raises(ConfigError, match=r"unknown setting 'SYNCRO_SUBDOMAIN' \(did you mean 'subdomain'\?\)"):
        load_settings(config_path=write_config("SYNCRO_SUBDOMAIN: acme\n"), env={})


def test_unknown_override_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"command line: unknown setting 'timeout' \(did you mean 'timeout_s'\?\)"):
        load_settings(env={}, overrides={"timeout": 3})


def test_wrong_type_in_file_names_setting_and_file(write_config) -> None:
    cfg = write_config("timeout_s: soon\n")
    with pytest.raises(ConfigError) as exc:
        load_settings(config_path=cfg, env={})
    assert str(exc.value) == f"config file {cfg}: setting 'timeout_s': not a number (got 'soon')"


def test_wrong_type_in_env_names_variable() -> None:
    with pytest.raises(ConfigError) as exc:
        load_settings(env={"SYNCRO_TIMEOUT_S": "abc"})
    assert str(exc.value) == "environment SYNCRO_TIMEOUT_S: not a number (got 'abc')"


def test_several_problems_are_one_message() -> None:
    with pytest.raises(ConfigError) as exc:
        load_settings(env={"SYNCRO_AUTH_STYLE": "basic", "SYNCRO_READ_ONLY": "maybe"})
    text = str(exc.value)
    assert text.startswith("invalid configuration:")
    assert "environment SYNCRO_AUTH_STYLE: must be 'bearer', 'header' or 'query'" in text
    assert "environment SYNCRO_READ_ONLY: not true or false" in text


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"SYNCRO_RATE_LIMIT_PER_MIN": "0"},
            "environment SYNCRO_RATE_LIMIT_PER_MIN: must be greater than or equal to 1",
        ),
        ({"SYNCRO_HTTP_PORT": "70000"}, "environment SYNCRO_HTTP_PORT: must be less than or equal to 65535"),
        ({"SYNCRO_TOOLSETS": "tickets,tix"}, "environment SYNCRO_TOOLSETS: unknown toolset 'tix'"),
        ({"SYNCRO_LOG_LEVEL": "loud"}, "environment SYNCRO_LOG_LEVEL: must be one of DEBUG"),
        (
            {"SYNCRO_TIMEZONE": "Mars/Olympus"},
            "environment SYNCRO_TIMEZONE: unknown time zone 'Mars/Olympus'",
        ),
        ({"SYNCRO_LABOR_TYPES": "remote"}, "environment SYNCRO_LABOR_TYPES: expected name=product_id pairs"),
        (
            {"SYNCRO_LABOR_TYPES": "remote=x"},
            "environment SYNCRO_LABOR_TYPES (labor type 'remote'): not a whole number",
        ),
        (
            {"SYNCRO_LABOR_TYPES": "remote=0"},
            "environment SYNCRO_LABOR_TYPES: product id for 'remote' must be a positive",
        ),
        ({"SYNCRO_LABOR_TYPES": "remote=1,REMOTE=2"}, "names labor type 'remote' twice"),
        ({"SYNCRO_SOPS_FIELD": "credentials..x"}, "environment SYNCRO_SOPS_FIELD: must be a dotted path"),
    ],
)
def test_validation_messages(env: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigError) as exc:
        load_settings(env=env)
    assert expected in str(exc.value)


def test_bad_yaml_gives_position_not_content(write_config) -> None:
    cfg = write_config("subdomain: acme\ntimeout_s: [1, 2\n")
    with pytest.raises(ConfigError) as exc:
        load_settings(config_path=cfg, env={})
    assert str(exc.value).startswith(f"config file {cfg}: not valid YAML at line ")


def test_yaml_that_is_not_a_mapping(write_config) -> None:
    with pytest.raises(ConfigError, match=r"must be a mapping of setting names to values, not a list"):
        load_settings(config_path=write_config("- subdomain\n"), env={})


def test_misspelt_environment_variable_is_a_warning(caplog) -> None:
    s = load_settings(env={"SYNCRO_SUBDOMIAN": "acme", "SYNCRO_SOMETHING_ELSE_ENTIRELY": "x"})
    assert s.warnings == [
        "environment SYNCRO_SUBDOMIAN is not a syncro-mcp setting (did you mean SYNCRO_SUBDOMAIN?); ignored"
    ]
    assert "SYNCRO_SUBDOMIAN" in caplog.text


def test_world_readable_config_with_a_key_warns(write_config) -> None:
    cfg = write_config("api_key: abcdefgh\n")
    cfg.chmod(0o644)
    assert any("chmod 600" in w for w in load_settings(config_path=cfg, env={}).warnings)


# --- account / URL ------------------------------------------------------------------------


def test_subdomain_builds_the_syncro_url() -> None:
    s = load_settings(env={"SYNCRO_SUBDOMAIN": "Acme-IT"})
    assert s.subdomain == "acme-it"
    assert s.api_base_url() == "https://acme-it.syncromsp.com/api/v1"


@pytest.mark.parametrize("bad", ["acme.syncromsp.com", "https://acme.syncromsp.com", "ac_me", "-acme", "a" * 64])
def test_subdomain_must_be_a_label(bad: str) -> None:
    with pytest.raises(ConfigError, match="environment SYNCRO_SUBDOMAIN: "):
        load_settings(env={"SYNCRO_SUBDOMAIN": bad})


def test_subdomain_given_as_host_suggests_label() -> None:
    with pytest.raises(ConfigError, match=r"give only the account name, e.g. 'acme'"):
        load_settings(env={"SYNCRO_SUBDOMAIN": "acme.syncromsp.com"})


def test_base_url_wins_over_subdomain_and_gets_api_path() -> None:
    s = load_settings(env={"SYNCRO_SUBDOMAIN": "acme", "SYNCRO_BASE_URL": "https://proxy.example.com/syncro/api/v1/"})
    assert s.api_base_url() == "https://proxy.example.com/syncro/api/v1"
    assert load_settings(env={"SYNCRO_BASE_URL": "http://127.0.0.1:8766"}).api_base_url() == (
        "http://127.0.0.1:8766/api/v1"
    )


@pytest.mark.parametrize(
    "url",
    ["http://localhost:8766/api/v1", "http://127.0.0.1/api/v1", "http://127.9.9.9:1/x", "http://[::1]:8766/"],
)
def test_http_allowed_for_loopback(url: str) -> None:
    assert load_settings(env={"SYNCRO_BASE_URL": url}).api_base_url().startswith("http://")


@pytest.mark.parametrize(
    "url",
    ["http://10.0.0.5/api/v1", "http://proxy.example.com/api/v1", "http://0.0.0.0:8766", "http://[::2]/"],
)
def test_http_refused_for_other_hosts(url: str) -> None:
    with pytest.raises(ConfigError, match=r"environment SYNCRO_BASE_URL: plain http:// is only allowed for this"):
        load_settings(env={"SYNCRO_BASE_URL": url})


@pytest.mark.parametrize(
    ("url", "msg"),
    [
        ("ftp://example.com/api", "must be an http(s) URL"),
        ("https://user:pw@example.com/api/v1", "must not contain a user name or password"),
        ("https://example.com/api/v1?api_key=x", "must not contain a query string"),
    ],
)
def test_base_url_shape(url: str, msg: str) -> None:
    with pytest.raises(ConfigError) as exc:
        load_settings(env={"SYNCRO_BASE_URL": url})
    assert msg in str(exc.value)
    assert "pw@" not in str(exc.value)


def test_no_account_configured_is_an_error_only_when_needed() -> None:
    s = load_settings(env={})  # loading is fine (a sandbox run needs no account)
    with pytest.raises(ConfigError, match=r"no Syncro account configured: set subdomain \(SYNCRO_SUBDOMAIN"):
        s.api_base_url()


# --- timezone -----------------------------------------------------------------------------


def test_timezone_defaults_to_machine_zone_from_tz() -> None:
    s = load_settings(env={"TZ": "America/Chicago"})
    assert s.timezone == "America/Chicago"
    assert s.source_of("timezone") == "default (this machine's time zone)"
    assert str(s.tzinfo()) == "America/Chicago"


def test_timezone_setting_wins_over_machine_zone() -> None:
    assert load_settings(env={"TZ": "America/Chicago", "SYNCRO_TIMEZONE": "Europe/London"}).timezone == "Europe/London"


def test_unusable_tz_falls_back_to_a_valid_zone() -> None:
    name = settings_mod.local_timezone_name({"TZ": "Not/AZone"})
    assert name != "Not/AZone"
    assert load_settings(env={"TZ": "Not/AZone"}).tzinfo() is not None


def test_direct_construction_validates_too() -> None:
    with pytest.raises(ValueError):
        Settings(subdmain="acme")  # type: ignore[call-arg]
    assert Settings(subdomain="acme").api_base_url() == "https://acme.syncromsp.com/api/v1"
