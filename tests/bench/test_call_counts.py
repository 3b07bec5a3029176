"""Syncro requests per seed command: the bench's own scenarios, asserted so a regression fails.

The counts come from the sandbox's request log (deterministic). Bounds: each command's budget in
``bench/calls.py`` (today's warm figures; a cold run may add one account-list read), never below
the API's minimum (else the count or the minimum is wrong), and the issue's targets.
"""

from __future__ import annotations

import re

import pytest

from bench.calls import COLD_EXTRA_READS, COMMANDS, Command, measure


@pytest.mark.parametrize("cmd", COMMANDS, ids=[c.key for c in COMMANDS])
async def test_requests_per_command_stay_within_budget(cmd: Command):
    cold, warm = await measure(cmd)
    assert cold.ok and warm.ok, (cold.requests, warm.requests)
    reads, writes = cmd.budget
    assert warm.preview_reads <= reads, f"{cmd.key}: the preview alone reads more than its budget: {warm.requests}"
    reads += cmd.witness  # the write path's read right before the first write (Syncro as the shared witness)
    assert warm.reads <= reads and warm.writes <= writes, (
        f"{cmd.key}: warm {warm.reads} reads + {warm.writes} writes > budget {cmd.budget}: {warm.requests}"
    )
    assert cold.reads <= reads + max(COLD_EXTRA_READS, cmd.cold_extra) and cold.writes <= writes, (
        f"{cmd.key}: cold {cold.reads}+{cold.writes}: {cold.requests}"
    )
    assert warm.reads >= cmd.min_reads and warm.writes >= cmd.min_writes, (
        f"{cmd.key}: fewer requests than the API minimum? {warm.requests}"
    )


def _by_key(key: str) -> Command:
    return next(c for c in COMMANDS if c.key == key)


async def test_issue_targets():
    cold, warm = await measure(_by_key("get ticket N"))
    assert cold.total <= 2 and warm.total <= 2 and cold.writes == 0

    cold, warm = await measure(_by_key("comment with time"))
    for c in (cold, warm):
        assert c.writes == 2 and c.preview_reads <= 1 and c.reads <= 2, c.requests
        assert [r.split()[1].rsplit("/", 1)[-1] for r in c.requests if not r.startswith("GET")] == [
            "comment", "timer_entry"
        ]

    _, warm = await measure(_by_key("bill"))
    assert warm.writes <= 4 and warm.reads <= 4 and warm.preview_reads <= 2, warm.requests


async def test_confirmed_writes_cost_no_extra_read_for_the_token_repeat():
    """The preview resolves the ticket; the token call reuses it (the number lookup is not repeated)."""
    for key in ("comment", "comment with time", "log time", "close", "bill"):
        _, warm = await measure(_by_key(key))
        assert warm.confirmed, key
        assert sum(r.startswith("GET /tickets?") for r in warm.requests) == 1, (key, warm.requests)


def _shape(requests: list[str]) -> list[str]:
    """Record ids as ``{id}`` (ticket and customer ids differ between fresh sandboxes' runs)."""
    return [re.sub(r"/\d{5,}", "/{id}", r) for r in requests]


ISSUE_15 = {  # command → (cold requests, warm requests), exactly
    "overdue": (["GET /tickets?page&status"], ["GET /tickets?page&status"]),
    "whole thread": (
        ["GET /tickets?number&page", "GET /tickets/{id}", "GET /tickets/{id}/comments?page&per_page"],
        ["GET /tickets?number&page", "GET /tickets/{id}", "GET /tickets/{id}/comments?page&per_page"],
    ),
    "appointments": (
        ["GET /appointments?date_from&date_to&page", "GET /tickets/settings"],  # + the tech names, once
        ["GET /appointments?date_from&date_to&mine&page"],
    ),
    "find asset": (["GET /customer_assets?page&query"], ["GET /customer_assets?page&query"]),
    "alerts": (
        ["GET /rmm_alerts?page&status", *["GET /customers/{id}"] * 3],  # one read per customer shown
        ["GET /customers?page&query", "GET /rmm_alerts?page&status"],
    ),
    "schedule": (
        ["GET /tickets/settings", "GET /tickets?number&page", "POST /appointments"],  # tech by name: user list
        ["GET /tickets?number&page", "POST /appointments"],
    ),
    "move appointment": (
        ["GET /appointments/{id}", "GET /appointments/{id}", "PUT /appointments/{id}"],
        ["GET /appointments/{id}", "GET /appointments/{id}", "PUT /appointments/{id}"],
    ),
    "ticket from alert": (  # the token call re-reads the alert and a ticket made for it (safety), keeps the customer
        ["GET /rmm_alerts/{id}", "GET /tickets?customer_id&page&since_updated_at", "GET /customers/{id}",
         "GET /rmm_alerts/{id}", "GET /tickets?customer_id&page&since_updated_at", "POST /tickets"],
        ["GET /rmm_alerts/{id}", "GET /tickets?customer_id&page&since_updated_at", "GET /customers/{id}",
         "GET /rmm_alerts/{id}", "GET /tickets?customer_id&page&since_updated_at", "POST /tickets"],
    ),
}


@pytest.mark.parametrize("key", sorted(ISSUE_15))
async def test_issue_15_tools_send_exactly_these_requests(key: str):
    cold, warm = await measure(_by_key(key))
    assert cold.ok and warm.ok, (cold.requests, warm.requests)
    assert (_shape(cold.requests), _shape(warm.requests)) == ISSUE_15[key]
