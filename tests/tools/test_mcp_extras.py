"""Resources, prompts and progress notifications."""

from __future__ import annotations

from mcp import Client
from support.harness import elicitation, harness


async def test_ticket_and_customer_resources(tmp_path):
    async with harness(tmp_path, resources=True) as h, Client(h.app.server, mode="legacy") as c:
        templates = {t.uri_template for t in (await c.list_resource_templates()).resource_templates}
        assert {"syncro://tickets/{number}", "syncro://customers/{customer_id}"} <= templates
        ticket = await c.read_resource("syncro://tickets/32164")
        assert ticket.contents[0].text.startswith("#32164 Own cloud thing again")
        customer_id = (await h.client.find_ticket(32164)).customer_id
        customer = await c.read_resource(f"syncro://customers/{customer_id}")
        assert "Jerry Burger" in customer.contents[0].text and "#32164" in customer.contents[0].text


async def test_resources_are_opt_in(h):
    """Not declared by default: a client that sees resources adds its own tools to every conversation."""
    async with Client(h.app.server, mode="legacy") as c:
        assert c.server_capabilities.resources is None
        assert c.server_capabilities.prompts is not None and c.server_capabilities.tools is not None


async def test_prompts_follow_the_seed_flows(tmp_path):
    async with harness(tmp_path) as h, Client(h.app.server, mode="legacy") as c:
        names = {p.name for p in (await c.list_prompts()).prompts}
        assert names == {"daily_review", "bill_ticket"}
        bill = await c.get_prompt("bill_ticket", {"number": "32164"})
        text = bill.messages[0].content.text
        assert "how many minutes" in text and "labor type" in text and "Never" in text
    async with harness(tmp_path, read_only=True) as h, Client(h.app.server, mode="legacy") as c:
        assert {p.name for p in (await c.list_prompts()).prompts} == {"daily_review"}


async def test_bill_reports_progress_per_step(h):
    seen: list[tuple[float, float | None, str | None]] = []

    async def progress(value: float, total: float | None, message: str | None) -> None:
        seen.append((value, total, message))

    async with Client(h.app.server, mode="legacy", elicitation_callback=elicitation("accept")) as c:
        r = await c.call_tool(
            "bill_ticket",
            {"number": 32170, "minutes": 30, "labor_type": "remote", "notes": "Done."},
            progress_callback=progress,
        )
    assert not r.is_error
    assert [v for v, _, _ in seen] == [0, 1, 2, 3, 4, 5]
    assert seen[0][1] == 5 and "comment" in (seen[0][2] or "") and seen[-1][2] == "done"


async def test_prompts_and_resources_follow_the_toolsets(tmp_path):
    """Issue 11: --toolsets hid tools but not the prompts and resources of the disabled toolsets."""
    cases = {
        ("time",): (set(), set()),
        ("customers",): (set(), {"syncro://customers/{customer_id}"}),
        ("billing",): ({"bill_ticket"}, set()),
        ("tickets", "invoices"): ({"daily_review"}, {"syncro://tickets/{number}"}),
    }
    for toolsets, (prompts, templates) in cases.items():
        async with (
            harness(tmp_path, toolsets=list(toolsets), resources=True) as h,
            Client(h.app.server, mode="legacy") as c,
        ):
            assert {p.name for p in (await c.list_prompts()).prompts} == prompts, toolsets
            listed = {t.uri_template for t in (await c.list_resource_templates()).resource_templates}
            assert listed == templates, toolsets
    async with harness(tmp_path, toolsets=["billing"], read_only=True) as h, Client(h.app.server) as c:
        assert (await c.list_prompts()).prompts == []
