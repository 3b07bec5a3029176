"""bill_ticket (issue 14): the preview is the invoice, one labor line per bill, truthful state after.

Every figure is checked against what the sandbox holds (its invoice, its lines, its request log).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from support.harness import call, call_confirmed, harness, text
from syncro_mcp.sandbox import Sandbox
from syncro_mcp.server.settings import DEFAULT_LABOR_TYPES

LABOR = {**DEFAULT_LABOR_TYPES, "remote15": 1190481}
PREPAID_CUSTOMER = 29140091  # Sonoran Veterinary Clinic: 10 prepaid hours


def bill(number: int, minutes: int = 50, labor: str = "remote") -> dict:
    return {"number": number, "minutes": minutes, "labor_type": labor, "notes": f"Billed work on #{number}."}


def new_invoices(sb: Sandbox, number: int) -> list[dict]:
    tid = sb.ticket(number)["id"]
    return [i for i in sb.state.invoices.values() if i["ticket_id"] == tid]


def invoice_lines(sb: Sandbox, invoice_id: int) -> list[dict]:
    return sb.state.children("invoice_line_items", "invoice_id", invoice_id)


async def preview_then_bill(h, args: dict) -> tuple[dict, dict]:
    """The needs_confirmation answer (the preview), then the confirmed bill's answer."""
    first = await call(h.app.server, "bill_ticket", args)
    assert not first.is_error, text(first)
    preview = first.structured_content
    assert preview["status"] == "needs_confirmation"
    done = await call(h.app.server, "bill_ticket", {**args, "confirm_token": preview["confirm_token"]})
    assert not done.is_error, text(done)
    assert done.structured_content["status"] == "done", text(done)
    return preview, done.structured_content


async def add_part(h, number: int, quantity: int = 2) -> None:
    tid = h.sandbox.ticket(number)["id"]
    await h.client.add_ticket_line_item(
        tid, name="Netgear GS308", description="8-port switch", product_id=31000417, quantity=quantity,
        price_retail=Decimal("49.99"), taxable=True,
    )


async def test_the_preview_lists_every_line_the_invoice_will_carry_and_its_total(tmp_path):
    # #32160 holds 45 + 30 min of uncharged remote time: "Make Invoice" sweeps both in with this bill's 50.
    async with harness(tmp_path) as h:
        preview, done = await preview_then_bill(h, bill(32160))
        assert [(li["kind"], Decimal(li["quantity"])) for li in preview["lines"]] == [
            ("timer", Decimal("0.75")), ("timer", Decimal("0.50")), ("labor", Decimal("0.83")),
        ]
        assert Decimal(preview["total"]) == Decimal("260.00")  # (0.75 + 0.5 + 0.83) h × $125
        assert "Total $260.00" in preview["preview"] and "other uncharged time (2 entries)" in preview["preview"]
        (inv,) = new_invoices(h.sandbox, 32160)
        assert Decimal(inv["total"]) == Decimal("260.00") == Decimal(done["total"])
        assert not done.get("differences") and done["invoice"]["number"] == inv["number"]
        assert f"invoice #{inv['number']} ($260.00)" in done["message"]
        assert len([li for li in invoice_lines(h.sandbox, inv["id"]) if li["product_id"] == 1190473]) == 3


async def test_the_other_timers_show_their_day_and_a_clipped_note(tmp_path):
    """The preview names each timer the invoice sweeps in by its day (account time) and its note."""
    async with harness(tmp_path, timezone="America/Phoenix") as h:
        [_, second] = h.sandbox.state.children("timers", "ticket_id", h.sandbox.ticket_id(32160))
        second["notes"] = "Reinstalled printer\non three PCs"
        first = await call(h.app.server, "bill_ticket", bill(32160))
        lines = first.structured_content["lines"]
        assert [(li["started"], li["note"]) for li in lines if li["kind"] == "timer"] == [
            ("2026-11-05", "Diagnosed printer IP change, set DHCP r…"),  # 49 characters, clipped to 40
            ("2026-11-05", "Reinstalled printer on three PCs"),
        ]
        assert [li.get("note") for li in lines if li["kind"] != "timer"] == [None]
        out = first.structured_content["preview"]
        assert '(45m) [2026-11-05 "Diagnosed printer IP change, set DHCP r…"]: 0.75 ×' in out
        assert '(30m) [2026-11-05 "Reinstalled printer on three PCs"]: 0.50 ×' in out
        assert h.sandbox.requests.writes() == []


PRIOR = ["none", "other_timers", "parts", "rounding", "prepaid", "billed_elsewhere"]


async def prior_state(h, prior: str) -> dict:
    """Set the ticket up as ``prior`` says and return the bill's arguments."""
    if prior == "other_timers":
        return bill(32160)
    if prior == "billed_elsewhere":  # an invoice made in Syncro's web UI first (it copies the timers, or not)
        ticket = await h.client.get_ticket(h.sandbox.ticket_id(32160))
        await h.client.create_invoice(customer_id=ticket.customer_id, ticket_id=ticket.id)
        return bill(32160)
    if prior == "parts":
        await add_part(h, 32164)
    if prior == "rounding":
        return bill(32164, 50, "remote15")
    if prior == "prepaid":
        t = await h.client.create_ticket({"customer_id": PREPAID_CUSTOMER, "subject": "Printer offline"})
        return bill(t.number or 0, 90, "onsite")
    return bill(32164)


MODES = ["make_invoice", "charge_timer", "line_item"]


def expect_differences(mode: str, prior: str, copies: bool) -> bool:
    """Where Syncro's invoice cannot match the preview, and the answer must say so first."""
    # Syncro rounds a copied timer on its product; charge_timer's line is made on the default product
    # (not rounded) and then patched; line_item sends the hours itself. Other uncharged timers Syncro
    # did not copy are added by the bill at the preview's price: no difference either way.
    return prior == "rounding" and mode == "make_invoice" and copies


def timers_with(sb: Sandbox, number: int, notes: str) -> list[dict]:
    tid = sb.ticket(number)["id"]
    return [t for t in sb.state.timers.values() if t["ticket_id"] == tid and t.get("notes") == notes]


@pytest.mark.parametrize("copies", [True, False], ids=["copies_timers", "no_copy"])
@pytest.mark.parametrize("prior", PRIOR)
@pytest.mark.parametrize("mode", MODES)
async def test_the_invoice_in_syncro_is_the_preview(tmp_path, mode: str, prior: str, copies: bool):
    sb = Sandbox(rate_limit_per_min=None, invoice_copies_timers=copies, labor_rounding=True,
                 charge_uses_default_product=True, timer_entry_ignores_billable=True)
    async with harness(tmp_path, sandbox=sb, labor_types=LABOR, billing_mode=mode) as h:
        args = await prior_state(h, prior)
        preview, done = await preview_then_bill(h, args)
        inv = new_invoices(sb, args["number"])[-1]
        assert inv["id"] == done["invoice"]["id"]
        lines = invoice_lines(sb, inv["id"])
        product = LABOR[args["labor_type"]]
        # one line per billed timer, copied or added; time the earlier invoice carries is not billed again
        swept = prior == "other_timers" or (prior == "billed_elsewhere" and not copies)
        expected_labor = 3 if swept else 1
        assert len([li for li in lines if li["product_id"] == product]) == expected_labor  # never a second line
        assert Decimal(done["total"]) == Decimal(inv["total"])
        if expect_differences(mode, prior, copies):
            assert done.get("differences") and done["message"].startswith("Differs from the preview: ")
        else:
            assert not done.get("differences"), done.get("differences")
            assert Decimal(inv["subtotal"]) == Decimal(preview["total"])
        if prior == "rounding" and expect_differences(mode, prior, copies):
            assert "Syncro billed this labor as 1.00 h (asked 0.83 h)" in done["message"]
        if prior == "parts":
            assert [li["kind"] for li in preview["lines"]] == ["part", "labor"]
            assert Decimal(preview["total"]) == Decimal("99.98") + Decimal("103.75")
        if prior == "billed_elsewhere":
            assert [li["kind"] for li in preview["lines"]] == (["labor"] if copies else ["timer", "timer", "labor"])
        if prior == "prepaid":
            assert Decimal(preview["prepay_hours"]) == 10 and "prepaid hours: 10" in preview["preview"]
        timers = timers_with(sb, args["number"], args["notes"])
        assert len(timers) == (0 if mode == "line_item" else 1)
        if mode == "charge_timer":
            assert timers[0]["recorded"] is True


async def test_charge_timer_patches_the_default_product_line_to_the_bills_labor(tmp_path):
    sb = Sandbox(rate_limit_per_min=None, charge_uses_default_product=True)
    async with harness(tmp_path, sandbox=sb, billing_mode="charge_timer") as h:
        preview, done = await preview_then_bill(h, bill(32164, 60, "onsite"))
        (put,) = [q for q in sb.requests if q.method == "PUT" and q.path.endswith("/update_line_item")]
        assert put.body["product_id"] == 26118 and Decimal(str(put.body["price_retail"])) == Decimal("150.00")
        (inv,) = new_invoices(sb, 32164)
        got = [(li["product_id"], Decimal(li["quantity"]), Decimal(li["price"])) for li in invoice_lines(sb, inv["id"])]
        assert got == [(26118, Decimal("1.00"), Decimal("150.00"))]
        assert Decimal(inv["total"]) == Decimal(preview["total"]) == Decimal("150.00")
        assert "Charge the time entry" in preview["preview"] and not done.get("differences")


async def test_line_item_bills_with_name_description_and_the_live_price_and_no_timer(tmp_path):
    sb = Sandbox(rate_limit_per_min=None)
    async with harness(tmp_path, sandbox=sb, billing_mode="line_item") as h:
        preview, _ = await preview_then_bill(h, bill(32164, 45, "onsite"))
        (post,) = [q for q in sb.requests if q.method == "POST" and q.path.endswith("/add_line_item")]
        assert post.body["name"] == "Labor - Onsite Business" and post.body["description"] == "Billed work on #32164."
        assert Decimal(str(post.body["quantity"])) == Decimal("0.75") and post.body["taxable"] is False
        assert Decimal(str(post.body["price_retail"])) == Decimal("150.00")
        assert not [q for q in sb.requests if q.path.endswith("/timer_entry")]
        (inv,) = new_invoices(sb, 32164)
        assert Decimal(inv["total"]) == Decimal(preview["total"]) == Decimal("112.50")
        assert "time tracking will not show" in preview["preview"]


@pytest.mark.parametrize("copies", [True, False], ids=["copies_timers", "no_copy"])
@pytest.mark.parametrize("mode", ["make_invoice", "charge_timer"])
async def test_billed_time_never_reads_uncharged_afterwards(tmp_path, mode: str, copies: bool):
    # Syncro's timer does not say which invoice holds it (and without the copy it stays "not charged"):
    # the journal knows, whichever path billed it.
    sb = Sandbox(rate_limit_per_min=None, invoice_copies_timers=copies, charge_uses_default_product=True)
    async with harness(tmp_path, sandbox=sb, billing_mode=mode) as h:
        _, done = await preview_then_bill(h, bill(32164, 45))
        number = done["invoice"]["number"]
        detail = await call(h.app.server, "get_ticket", {"number": 32164})
        (entry,) = detail.structured_content["time_entries"]
        assert entry["charged"] is True and entry["invoice"] == number
        assert detail.structured_content["billing"]["uncharged_minutes"] == 0
        assert f"billed on invoice #{number}" in text(detail) and "45m uncharged" not in text(detail)
        entries = await call(h.app.server, "list_time_entries", {"number": 32164})
        assert entries.structured_content["uncharged_minutes"] == 0
        assert f"billed on invoice #{number}" in text(entries)


async def test_a_second_bill_does_not_preview_time_the_first_one_invoiced(tmp_path):
    async with harness(tmp_path) as h:
        await call_confirmed(h.app.server, "bill_ticket", bill(32160))
        preview, done = await preview_then_bill(h, bill(32160, 20))
        assert [li["kind"] for li in preview["lines"]] == ["labor"]
        assert not done.get("differences")
        assert len(new_invoices(h.sandbox, 32160)) == 2


async def test_emergency_labor_for_a_prepaid_customer_is_flagged_in_the_preview(tmp_path):
    async with harness(tmp_path) as h:
        t = await h.client.create_ticket({"customer_id": PREPAID_CUSTOMER, "subject": "Server down at night"})
        first = await call(h.app.server, "bill_ticket", bill(t.number or 0, 90, "emergency"))
        assert "Warning: emergency labor for a prepaid customer (10" in first.structured_content["preview"]
        other = await call(h.app.server, "bill_ticket", bill(t.number or 0, 90, "onsite"))
        assert "Warning" not in other.structured_content["preview"]
        plain = await call(h.app.server, "bill_ticket", bill(32164, 90, "emergency"))  # no prepaid block
        assert "Warning" not in plain.structured_content["preview"]
    assert [q for q in h.sandbox.requests if q.method != "GET" and q.path != "/tickets"] == []


async def test_add_ticket_part_adds_a_catalogue_line_and_the_bill_preview_lists_it(tmp_path):
    async with harness(tmp_path) as h:
        part = {"number": 32164, "product": "GS308", "quantity": 2}
        r = await call_confirmed(h.app.server, "add_ticket_part", part)
        assert r.structured_content["status"] == "done", text(r)
        (post,) = [q for q in h.sandbox.requests if q.method == "POST"]
        assert post.path.endswith("/add_line_item")
        assert post.body["name"] == "Netgear GS308 8-Port Gigabit Switch" and post.body["description"]
        assert post.body["product_id"] == 31000417 and Decimal(str(post.body["price_retail"])) == Decimal("49.99")
        assert Decimal(str(post.body["quantity"])) == 2 and post.body["taxable"] is True
        (line,) = h.sandbox.state.children("ticket_line_items", "ticket_id", h.sandbox.ticket(32164)["id"])
        assert line["id"] == r.structured_content["line_item_id"]
        preview = (await call(h.app.server, "bill_ticket", bill(32164, 30))).structured_content
        assert [li["kind"] for li in preview["lines"]] == ["part", "labor"]
        assert preview["lines"][0]["item"] == "Netgear GS308 8-Port Gigabit Switch"
        assert Decimal(preview["total"]) == Decimal("99.98") + Decimal("62.50")


@pytest.mark.parametrize(
    "product, error",
    [("Labor", "matches"), ("no such widget", "No product"), ("999", "No product with id 999")],
)
async def test_add_ticket_part_never_guesses_the_product(tmp_path, product, error):
    async with harness(tmp_path) as h:
        r = await call(h.app.server, "add_ticket_part", {"number": 32164, "product": product, "quantity": 1})
        assert r.is_error and error in text(r), text(r)
        if error == "matches":
            assert "Give the product id" in text(r) and "id 26118" in text(r)
    assert [q for q in h.sandbox.requests if q.method != "GET"] == []


@pytest.mark.parametrize("copies", [True, False], ids=["copies_timers", "no_copy"])
@pytest.mark.parametrize("mode", MODES)
async def test_no_charge_time_ends_as_a_zero_line_checked_on_the_invoice(tmp_path, mode: str, copies: bool):
    sb = Sandbox(rate_limit_per_min=None, invoice_copies_timers=copies, charge_uses_default_product=True,
                 timer_entry_ignores_billable=True)
    labor = {**DEFAULT_LABOR_TYPES, "warranty": 26118}
    async with harness(tmp_path, sandbox=sb, labor_types=labor, billing_mode=mode) as h:
        preview, done = await preview_then_bill(h, bill(32160, 60, "warranty"))  # + 45 and 30 min of remote time
        (labor_line,) = [li for li in preview["lines"] if li["kind"] == "labor"]
        assert Decimal(labor_line["price"]) == 0 and "no charge" in labor_line["item"]
        (inv,) = new_invoices(sb, 32160)
        (zero,) = [li for li in invoice_lines(sb, inv["id"]) if li["product_id"] == 26118]
        assert Decimal(zero["price"]) == 0 and Decimal(zero["quantity"]) == 1
        assert "$0 on the invoice" in preview["preview"]
        # copied by Syncro or (not copied) added by the bill at the preview's price: the preview either way
        assert not done.get("differences") and Decimal(inv["subtotal"]) == Decimal(preview["total"]) == 156.25


@pytest.mark.parametrize("copies", [True, False], ids=["copies_timers", "no_copy"])
@pytest.mark.parametrize("mode", MODES)
async def test_a_prepaid_rule_bills_emergency_as_onsite_at_one_and_a_half_times_in_every_mode(
    tmp_path, mode: str, copies: bool
):
    sb = Sandbox(rate_limit_per_min=None, invoice_copies_timers=copies, charge_uses_default_product=True,
                 timer_entry_ignores_billable=True)
    rules = {"emergency": "onsite x1.5"}
    async with harness(tmp_path, sandbox=sb, billing_mode=mode, prepaid_labor_rules=rules) as h:
        t = await h.client.create_ticket({"customer_id": PREPAID_CUSTOMER, "subject": "Server down at night"})
        args = bill(t.number or 0, 70, "emergency")
        preview, done = await preview_then_bill(h, args)
        assert "prepaid rule applied: emergency for a prepaid customer bills as onsite at 1.5×" in preview["preview"]
        assert "Warning: emergency labor for a prepaid" not in preview["preview"]
        (line,) = preview["lines"]
        assert line["product_id"] == 26118 and Decimal(line["quantity"]) == Decimal("1.75")
        (inv,) = new_invoices(sb, t.number or 0)
        got = [(li["product_id"], Decimal(li["quantity"])) for li in invoice_lines(sb, inv["id"])]
        assert got == [(26118, Decimal("1.75"))]  # one line, the ruled one; never the emergency product too
        assert Decimal(inv["total"]) == Decimal("262.50") == Decimal(preview["total"]) == Decimal(done["total"])
        assert not done.get("differences"), done["differences"]  # not 437.50
        timers = timers_with(sb, t.number or 0, args["notes"])
        if mode == "line_item":
            assert timers == []
        else:  # Syncro's time tracking keeps the real time: 70 min of emergency labor, charged
            (timer,) = timers
            assert (timer["product_id"], timer["active_duration"], timer["recorded"]) == (26184, 4200, True)
            assert "as the prepaid rule says" in preview["preview"]


def test_a_prepaid_rule_must_read_labor_x_factor(tmp_path):
    from syncro_mcp.server.settings import ConfigError, load_settings

    with pytest.raises(ConfigError, match=r"onsite x1\.5"):
        load_settings(None, {"SYNCRO_PREPAID_LABOR_RULES": "emergency=onsite", "SYNCRO_SUBDOMAIN": "acme",
                             "SYNCRO_STATE_DIR": str(tmp_path)})
    ok = load_settings(None, {"SYNCRO_PREPAID_LABOR_RULES": "Emergency=onsite x1.5", "SYNCRO_SUBDOMAIN": "acme",
                              "SYNCRO_STATE_DIR": str(tmp_path)})
    assert ok.prepaid_labor_rules == {"emergency": "onsite x1.5"}


def test_billing_mode_comes_from_syncro_billing_mode_and_a_typo_is_refused(tmp_path):
    """The issue names the environment variable: SYNCRO_BILLING_MODE picks the path; make_invoice by default."""
    from syncro_mcp.server.settings import ConfigError, load_settings

    env = {"SYNCRO_SUBDOMAIN": "acme", "SYNCRO_STATE_DIR": str(tmp_path)}
    assert load_settings(None, env).billing_mode == "make_invoice"
    for mode in MODES:
        assert load_settings(None, {**env, "SYNCRO_BILLING_MODE": mode}).billing_mode == mode
    with pytest.raises(ConfigError, match="SYNCRO_BILLING_MODE: must be 'make_invoice', 'charge_timer' or 'line_item'"):
        load_settings(None, {**env, "SYNCRO_BILLING_MODE": "timer"})


async def test_the_final_answer_lists_syncros_lines_by_kind(tmp_path):
    async with harness(tmp_path) as h:
        await add_part(h, 32164, 1)
        _, done = await preview_then_bill(h, bill(32164, 30, "onsite"))
        assert [(li["kind"], li["product_id"]) for li in done["lines"]] == [("part", 31000417), ("labor", 26118)]
