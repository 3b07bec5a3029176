"""Issue 11: previews and listings show times in one zone (the ``timezone`` setting), labelled.

Before, a preview used the machine's clock zone and a listing Syncro's account zone, so the
same time entry read 00:00 in the preview and 08:00 in the listing.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from mcp import Client
from pydantic import SecretStr
from support.harness import FIXED_NOW, text
from syncro_mcp.client import SyncroClient
from syncro_mcp.sandbox import Sandbox
from syncro_mcp.server.app import build_app
from syncro_mcp.server.settings import Settings
from syncro_mcp.tools import formatting as fmt


@pytest.fixture(autouse=True)
def _reset_zone():
    yield
    fmt.set_display_zone(None)


async def test_preview_and_listing_agree_in_the_configured_zone(tmp_path: Path) -> None:
    sb = Sandbox(rate_limit_per_min=None)  # Syncro answers in the account's zone (America/Phoenix)
    settings = Settings(state_dir=tmp_path / "state", session_log_dir=tmp_path / "clients", timezone="Asia/Tokyo")
    async with SyncroClient(base_url=sb.base_url, api_key=SecretStr(sb.api_key), transport=sb.transport(),
                            retry_base_s=0, rate_limit_per_min=10**6) as client:
        app = build_app(settings, client, clock=lambda: FIXED_NOW)  # 15:00 UTC = 00:00 JST next day
        args = {"number": 32164, "minutes": 30, "labor_type": "remote", "notes": "Zone check"}
        async with Client(app.server, mode="legacy") as c:
            preview = await c.call_tool("log_time", args)
            shown = text(preview)
            assert "2026-11-25 23:30 JST → 2026-11-26 00:00 JST" in shown, shown
            done = await c.call_tool("log_time", {**args, "confirm_token": preview.structured_content["confirm_token"]})
            assert not done.is_error, text(done)
            listing = text(await c.call_tool("list_time_entries", {"number": 32164}))
            detail = text(await c.call_tool("get_ticket", {"number": 32164}))
    line = next(ln for ln in listing.splitlines() if "Zone check" in ln)
    assert "2026-11-25 23:30 JST" in line, listing
    assert any("2026-11-25 23:30 JST" in ln and "Zone check" in ln for ln in detail.splitlines()), detail
    # Every time in the detail carries the zone label.
    assert "Created 20" in detail and "JST" in detail.split("Created", 1)[1].splitlines()[0]


def test_when_converts_and_labels() -> None:
    utc = datetime(2026, 12, 1, 14, 30, tzinfo=timezone.utc)
    fmt.set_display_zone(Settings(timezone="America/New_York").tzinfo())
    assert fmt.when(utc) == "2026-12-01 09:30 EST"
    fmt.set_display_zone(Settings(timezone="UTC").tzinfo())
    assert fmt.when(utc) == "2026-12-01 14:30 UTC"
    assert fmt.when(datetime(2026, 12, 1, 9, 30)) == "2026-12-01 09:30"  # naive: as given, no label


def test_machine_zone_comes_from_tzlocal_when_tz_is_unset(monkeypatch) -> None:
    import tzlocal
    from syncro_mcp.server.settings import local_timezone_name

    monkeypatch.setattr(tzlocal, "get_localzone_name", lambda: "Australia/Adelaide")
    assert local_timezone_name({}) == "Australia/Adelaide"
    assert local_timezone_name({"TZ": "Europe/Oslo"}) == "Europe/Oslo"
    monkeypatch.setattr(tzlocal, "get_localzone_name", lambda: None)  # what tzlocal says on odd machines
    assert local_timezone_name({}) == "UTC"


def test_an_invoice_day_is_not_moved_to_another_zone() -> None:
    from datetime import timedelta

    phoenix_midnight = datetime(2026, 11, 25, 0, 0, tzinfo=timezone(timedelta(hours=-7)))
    fmt.set_display_zone(Settings(timezone="Pacific/Honolulu").tzinfo())
    assert fmt.day(phoenix_midnight) == "2026-11-25"
    assert fmt.when(phoenix_midnight) == "2026-11-24 21:00 HST"


async def test_without_a_timezone_setting_times_are_shown_in_the_account_zone(tmp_path: Path) -> None:
    from support.harness import harness
    from syncro_mcp.server.app import adopt_account_zone
    from syncro_mcp.server.settings import load_settings

    async with harness(tmp_path) as h:  # the sandbox account's zone is America/Phoenix
        unset = load_settings(env={"TZ": "Asia/Tokyo", "SYNCRO_STATE_DIR": str(tmp_path / "s")})
        assert unset.timezone == "Asia/Tokyo" and unset.source_of("timezone").startswith("default")
        assert await adopt_account_zone(h.app, unset) == "America/Phoenix"
        assert h.app.runtime.clock.zone == "America/Phoenix"
        async with Client(h.app.server, mode="legacy") as c:
            detail = text(await c.call_tool("get_ticket", {"number": 32164}))
        assert "Created 2026-11-09 08:08 MST" in detail, detail
        chosen = load_settings(env={"SYNCRO_TIMEZONE": "Asia/Tokyo", "SYNCRO_STATE_DIR": str(tmp_path / "s")})
        assert await adopt_account_zone(h.app, chosen) is None  # a configured zone always wins


async def test_an_unreadable_account_zone_keeps_the_machine_zone(tmp_path: Path) -> None:
    from support.harness import harness
    from syncro_mcp.server.app import adopt_account_zone
    from syncro_mcp.server.settings import load_settings

    async with harness(tmp_path) as h:
        h.sandbox.faults.add("GET", "/settings", "500", times=None)
        unset = load_settings(env={"TZ": "Asia/Tokyo", "SYNCRO_STATE_DIR": str(tmp_path / "s")})
        assert await adopt_account_zone(h.app, unset) is None
        assert h.app.runtime.clock.zone == "UTC"  # what the harness configured, untouched
