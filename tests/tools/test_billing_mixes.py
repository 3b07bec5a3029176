"""Hypothesis over mixes of prior time and parts on a ticket, for each billing path (issue 14):
whatever the ticket already holds, and whether Syncro's "Make Invoice" copies uncharged timers or not,
the invoice Syncro ends with is the preview (same subtotal, no difference reported) and carries one
labor line per billed timer: the bill's own, once."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.harness import FIXED_NOW, call, harness, text
from syncro_mcp.sandbox import Sandbox

NUMBER = 32164  # no time and no parts in the seed
LABOR = {"remote": 1190473, "onsite": 26118, "travel": 26117}
PARTS = {31000417: Decimal("49.99"), 31000418: Decimal("119.99")}

timers = st.lists(st.tuples(st.sampled_from(sorted(LABOR.values())), st.integers(1, 240)), max_size=4)
parts = st.lists(st.tuples(st.sampled_from(sorted(PARTS)), st.integers(1, 3)), max_size=3)


async def scenario(root: Path, mode: str, prior: list[tuple[int, int]], items: list[tuple[int, int]], labor: str,
                   minutes: int, copies: bool = True):
    sb = Sandbox(rate_limit_per_min=None, charge_uses_default_product=True, timer_entry_ignores_billable=True,
                 invoice_copies_timers=copies)
    with tempfile.TemporaryDirectory(dir=root) as tmp:  # a fresh folder per example
        async with harness(Path(tmp), sandbox=sb, billing_mode=mode) as h:
            tid = sb.ticket(NUMBER)["id"]
            for i, (product, mins) in enumerate(prior):
                end = FIXED_NOW - timedelta(days=1, hours=i * 5)
                await h.client.add_timer_entry(tid, start_at=end - timedelta(minutes=mins), end_at=end,
                                               notes=f"earlier work {i}", product_id=product)
            for product, qty in items:
                await h.client.add_ticket_line_item(tid, name=f"part {product}", description="part",
                                                    product_id=product, quantity=qty, price_retail=PARTS[product])
            args = {"number": NUMBER, "minutes": minutes, "labor_type": labor, "notes": "This bill's work."}
            first = await call(h.app.server, "bill_ticket", args)
            assert not first.is_error, text(first)
            preview = first.structured_content
            done = await call(h.app.server, "bill_ticket", {**args, "confirm_token": preview["confirm_token"]})
            assert not done.is_error and done.structured_content["status"] == "done", text(done)
            (inv,) = [i for i in sb.state.invoices.values() if i["ticket_id"] == tid]
            lines = sb.state.children("invoice_line_items", "invoice_id", inv["id"])
            assert not done.structured_content.get("differences"), done.structured_content["differences"]
            assert Decimal(inv["subtotal"]) == Decimal(preview["total"])
            assert len(preview["lines"]) == len(lines) == len(prior) + len(items) + 1
            same = sum(1 for p, _ in prior if p == LABOR[labor])
            assert sum(1 for li in lines if li["product_id"] == LABOR[labor]) == same + 1


@pytest.mark.parametrize("mode", ["make_invoice", "charge_timer", "line_item"])
@settings(max_examples=12, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # tmp_path: only the examples' parent
@given(prior=timers, items=parts, labor=st.sampled_from(sorted(LABOR)), minutes=st.integers(1, 480),
       copies=st.booleans())
def test_any_mix_of_prior_time_and_parts_bills_as_previewed(tmp_path, mode, prior, items, labor, minutes, copies):
    asyncio.run(scenario(tmp_path, mode, prior, items, labor, minutes, copies))
