"""Settings for a team: rate_limit_url / rate_limit_key reach the client; a bad URL is a config error
that never echoes the URL (it may hold a Redis password), and that password is redacted from logs."""

from __future__ import annotations

import pytest
from syncro_mcp.client import SyncroClient
from syncro_mcp.client.ratelimit import TokenBucket
from syncro_mcp.client.redis_bucket import RedisTokenBucket
from syncro_mcp.server.secrets import redact
from syncro_mcp.server.settings import ConfigError, load_settings

BASE_ENV = {"SYNCRO_SUBDOMAIN": "acme", "SYNCRO_API_KEY": "T-team-settings-key-123"}


async def test_default_is_this_process_and_redis_url_shares_a_bucket_per_account():
    plain = SyncroClient(**load_settings(env=BASE_ENV).client_options())
    assert isinstance(plain.limiter, TokenBucket)
    await plain.aclose()
    env = {**BASE_ENV, "SYNCRO_RATE_LIMIT_URL": "redis://127.0.0.1:1/0"}
    shared = SyncroClient(**load_settings(env=env).client_options())
    assert isinstance(shared.limiter, RedisTokenBucket) and shared.limiter.key == "syncro-mcp:rate:acme.syncromsp.com"
    await shared.aclose()
    keyed = SyncroClient(**load_settings(env={**env, "SYNCRO_RATE_LIMIT_KEY": "office-ip"}).client_options())
    assert keyed.limiter.key == "office-ip"
    await keyed.aclose()


def test_bad_rate_limit_url_is_a_config_error_without_the_url():
    with pytest.raises(ConfigError) as exc:
        load_settings(env={**BASE_ENV, "SYNCRO_RATE_LIMIT_URL": "http://user:hunter2-secret@redis:6379"})
    assert "SYNCRO_RATE_LIMIT_URL" in str(exc.value) and "redis://" in str(exc.value)
    assert "hunter2" not in str(exc.value)


def test_redis_password_is_redacted():
    load_settings(env={**BASE_ENV, "SYNCRO_RATE_LIMIT_URL": "redis://:pw-Zq81xkd@redis:6379/0"})
    assert "pw-Zq81xkd" not in redact("connecting to redis://:pw-Zq81xkd@redis:6379/0")


def test_allowed_hosts_take_a_comma_list():
    s = load_settings(env={**BASE_ENV, "SYNCRO_HTTP_ALLOWED_HOSTS": "mcp.office.lan, syncro-mcp-1"})
    assert s.http_allowed_hosts == ["mcp.office.lan", "syncro-mcp-1"]
