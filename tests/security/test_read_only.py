"""Read-only mode, twice over: no write tool exists (not even by name), and the client itself refuses."""

from __future__ import annotations

import inspect
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from mcp import Client
from syncro_mcp.client import ReadOnlyError, SyncroClient
from syncro_mcp.server.serving import open_client
from syncro_mcp.server.settings import OPT_IN_TOOLSETS, TOOLSETS, Settings
from syncro_mcp.testing import in_memory

WRITE_TOOLS = {
    "create_ticket": {"customer": "Jerry Burger", "subject": "x"},
    "update_ticket": {"number": 32164, "status": "New"},
    "close_ticket": {"number": 32164, "resolution": "x"},
    "delete_ticket": {"number": 32164},
    "add_comment": {"number": 32164, "body": "x"},
    "write_session_log": {"number": 32164},
    "log_time": {"number": 32164, "minutes": 5, "labor_type": "remote", "notes": "x"},
    "bill_ticket": {"number": 32164, "minutes": 5, "labor_type": "remote", "notes": "x"},
    "create_customer": {"business_name": "x"},
    "create_invoice": {"number": 32164},
    "add_invoice_line_item": {"invoice": "1", "labor_type_or_product": "remote", "quantity": 1},
    "delete_invoice": {"invoice": "1"},
    "update_time_entry": {"number": 32164, "entry_id": 1, "minutes": 5},
    "delete_time_entry": {"number": 32164, "entry_id": 1},
    "email_invoice": {"invoice": "1044"},
    "schedule_appointment": {"number": 32164, "start": "2026-11-27T09:30:00-07:00", "minutes": 60},
    "move_appointment": {"appointment_id": 5560200291, "start": "2026-11-30T08:00:00-07:00"},
    "ticket_from_alert": {"alert_id": 61450145},
    "resume_write": {"entry_id": 1},
    "abandon_write": {"entry_id": 1},
}
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=timezone.utc)
# every write method of the client, with arguments that would be valid
CLIENT_WRITES = {
    "create_ticket": ({"customer_id": 1, "subject": "x"},),
    "update_ticket": (1, {"status": "New"}),
    "delete_ticket": (1,),
    "add_comment": (1,),
    "add_timer_entry": (1,),
    "charge_timer_entry": (1, 2),
    "update_timer_entry": (1, 2, {"notes": "x"}),
    "delete_timer_entry": (1, 2),
    "add_ticket_line_item": (1,),
    "create_customer": ({"business_name": "x"},),
    "create_invoice": (),
    "add_invoice_line_item": (1,),
    "delete_invoice": (1,),
    "email_invoice": (1,),
    "create_appointment": ({"summary": "s", "start_at": NOW, "end_at": NOW + timedelta(minutes=5)},),
    "update_appointment": (1, {"start_at": NOW}),
}
CLIENT_KW = {
    "add_comment": {"subject": "s", "body": "b"},
    "add_timer_entry": {"start_at": NOW, "end_at": NOW + timedelta(minutes=5), "notes": "n", "product_id": 1190473},
    "add_ticket_line_item": {"name": "n", "description": "d"},
    "create_invoice": {"customer_id": 1},
    "add_invoice_line_item": {"item": "i", "name": "n", "quantity": Decimal(1), "price": Decimal(1)},
}


@pytest.mark.parametrize("toolsets", [None, *[[t] for t in TOOLSETS + OPT_IN_TOOLSETS]])
async def test_no_write_tool_is_listed_or_callable_by_name(tmp_path, toolsets):
    async with in_memory(tmp_path, read_only=True, toolsets=toolsets) as env, Client(env.server, mode="legacy") as c:
        listed = {t.name: t for t in (await c.list_tools()).tools}
        assert listed and all(t.annotations.read_only_hint for t in listed.values())
        assert not set(WRITE_TOOLS) & set(listed)
        for name, args in WRITE_TOOLS.items():
            r = await c.call_tool(name, args)
            assert r.is_error, name
            r2 = await c.call_tool(name, {**args, "confirm_token": "anything"})
            assert r2.is_error, name
        assert not any(n in env.app.registrar.registered for n in WRITE_TOOLS)
    assert env.sandbox.requests.writes() == []


def test_every_client_write_method_is_covered():
    """If a write method is added to the client, it must be added to the refusal test below."""
    writes = {
        n for n, f in inspect.getmembers(SyncroClient, inspect.iscoroutinefunction)
        if n.split("_")[0] in ("create", "update", "delete", "add", "charge", "email") and not n.startswith("_")
    }
    assert writes == set(CLIENT_WRITES)


async def test_read_only_client_refuses_every_write_before_any_io():
    from syncro_mcp.sandbox import Sandbox

    sb = Sandbox(rate_limit_per_min=None)
    async with SyncroClient(base_url=sb.base_url, api_key=sb.api_key, transport=sb.transport(),
                            read_only=True) as client:
        for name, args in CLIENT_WRITES.items():
            with pytest.raises(ReadOnlyError):
                await getattr(client, name)(*args, **CLIENT_KW.get(name, {}))
        assert await client.me()  # reads still work
    assert sb.requests.writes() == [] and [q.path for q in sb.requests] == ["/me"]


async def test_a_read_only_server_gets_a_read_only_client(tmp_path: Path):
    settings = Settings(state_dir=tmp_path, read_only=True, subdomain="acme", api_key="k" * 20)
    assert settings.client_options()["read_only"] is True
    async with open_client(settings, sandbox=True) as client:
        assert client.read_only is True
        with pytest.raises(ReadOnlyError):
            await client.add_comment(1, subject="s", body="b")
