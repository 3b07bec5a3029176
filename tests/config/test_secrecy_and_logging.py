"""The key never shows: not in Settings' repr/str/dump, not in ConfigError texts, not in logs.
Logging goes to stderr only and scrubs registered secrets. Also the labor map lookup."""

from __future__ import annotations

import logging
import sys
from urllib.parse import quote

import pytest
from syncro_mcp.server import secrets
from syncro_mcp.server.logging_setup import configure_logging
from syncro_mcp.server.settings import ConfigError, Settings, UnknownLaborType, load_settings

CANARY = "T0ps3cr3t-CANARY-9f8e7d6c5b4a"
TOKEN = "http-T0ken-CANARY-1234"


def test_settings_repr_str_and_dumps_hide_secrets() -> None:
    s = load_settings(env={"SYNCRO_API_KEY": CANARY, "SYNCRO_HTTP_TOKEN": TOKEN, "SYNCRO_SUBDOMAIN": "acme"})
    for text in (repr(s), str(s), s.model_dump_json(), str(s.model_dump()), repr(s.load_api_key())):
        assert CANARY not in text and TOKEN not in text
    assert s.http_token is not None and s.http_token.get_secret_value() == TOKEN


def _error_text(**kw) -> str:
    with pytest.raises(ConfigError) as exc:
        load_settings(**kw)
    err = exc.value  # no chained pydantic error (its text would carry the input values)
    assert err.__cause__ is None and (err.__context__ is None or err.__suppress_context__)
    return str(exc.value)


def test_config_errors_never_quote_secret_values(write_config) -> None:
    texts = [
        # a wrong type for the key itself
        _error_text(config_path=write_config(f"api_key: [{CANARY}]\n", name="a.yaml"), env={}),
        _error_text(config_path=write_config(f"http_token: {{x: {CANARY}}}\n", name="b.yaml"), env={}),
        # another setting wrong while the key is set
        _error_text(env={"SYNCRO_API_KEY": CANARY, "SYNCRO_TIMEOUT_S": "abc"}),
        # a YAML syntax error on the line holding the key
        _error_text(config_path=write_config(f'api_key: "{CANARY}\n  bad: [\n', name="c.yaml"), env={}),
        # a key pasted into the wrong setting name
        _error_text(config_path=write_config(f"apikey: {CANARY}\n", name="d.yaml"), env={}),
        _error_text(env={"SYNCRO_API_KEY_COMMAND": f"echo '{CANARY}"}),
    ]
    for text in texts:
        assert CANARY not in text, text
    assert "setting 'api_key': not text" in texts[0]
    assert "unknown setting 'apikey' (did you mean 'api_key'?)" in texts[4]


def test_redact_covers_url_encoded_forms() -> None:
    key = "T0p/s3cr3t+key=="
    secrets.register_secret(key)
    assert secrets.redact(f"GET /tickets?api_key={quote(key, safe='')}") == "GET /tickets?api_key=[REDACTED]"
    assert secrets.redact(f"Bearer {key}") == "Bearer [REDACTED]"
    secrets.register_secret("abc")  # too short to redact safely: ignored
    assert secrets.redact("abc") == "abc"


def test_logging_goes_to_stderr_only_and_is_redacted(capsys) -> None:
    configure_logging("INFO")
    s = load_settings(env={"SYNCRO_API_KEY": CANARY})
    s.load_api_key()  # registers the key
    log = logging.getLogger("syncro_mcp.test")
    log.info("calling with key %s", CANARY)
    log.debug("hidden at INFO %s", CANARY)
    logging.getLogger("some.library").warning("url https://x/api/v1/me?api_key=%s", CANARY)
    try:
        raise RuntimeError(f"boom {CANARY}")
    except RuntimeError:
        log.exception("failed")
    out, err = capsys.readouterr()
    assert out == ""
    assert CANARY not in err
    assert "calling with key [REDACTED]" in err
    assert "api_key=[REDACTED]" in err
    assert "RuntimeError: boom [REDACTED]" in err
    assert "hidden at INFO" not in err


def test_configure_logging_is_idempotent_and_drops_stdout_handlers(capsys) -> None:
    root = logging.getLogger()
    stray = logging.StreamHandler(sys.stdout)
    root.addHandler(stray)
    try:
        configure_logging("WARNING")
        configure_logging("WARNING")
        logging.getLogger("x").warning("once")
        out, err = capsys.readouterr()
        assert out == "" and err.count("once") == 1
        assert stray not in root.handlers
    finally:
        root.removeHandler(stray)


def test_http_token_is_registered_for_redaction_on_load() -> None:
    load_settings(env={"SYNCRO_HTTP_TOKEN": TOKEN})
    assert secrets.redact(f"Authorization: Bearer {TOKEN}") == "Authorization: Bearer [REDACTED]"


# --- labor map ----------------------------------------------------------------------------


def test_labor_lookup_is_case_insensitive() -> None:
    s = Settings()
    assert s.labor_product_id("remote") == 1190473
    assert s.labor_product_id(" Onsite ") == 26118
    assert s.labor_product_id("WEBSITE") == 68055


def test_unknown_labor_type_lists_valid_names() -> None:
    s = Settings()
    with pytest.raises(UnknownLaborType) as exc:
        s.labor_product_id("remot")
    err = exc.value
    assert isinstance(err, ValueError)
    assert err.valid == ["remote", "onsite", "emergency", "project", "internal", "travel", "website"]
    assert str(err) == (
        "unknown labor type 'remot' (did you mean 'remote'?). "
        "Valid labor types: remote, onsite, emergency, project, internal, travel, website"
    )


def test_custom_labor_map_replaces_the_example_default(write_config) -> None:
    cfg = write_config("labor_types:\n  Bench: 555\n  remote: 1190473\n")
    s = load_settings(config_path=cfg, env={})
    assert s.labor_product_id("bench") == 555
    with pytest.raises(UnknownLaborType) as exc:
        s.labor_product_id("onsite")
    assert exc.value.valid == ["bench", "remote"]


def test_empty_labor_map_says_so() -> None:
    with pytest.raises(UnknownLaborType, match="no labor types are configured"):
        Settings(labor_types={}).labor_product_id("remote")
