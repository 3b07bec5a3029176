"""email_invoice, schedule_appointment, move_appointment, ticket_from_alert on the sandbox: exact
requests, lost answers never doubled, declined confirmations send nothing."""

from __future__ import annotations

import pytest
from support.harness import call, call_confirmed, elicitation, text


def writes(h):
    return h.sandbox.requests.writes()


# -- email_invoice ---------------------------------------------------------------------------------
async def test_email_invoice_preview_names_the_real_recipient_then_posts_once(h):
    first = await call(h.app.server, "email_invoice", {"invoice": "1044"})
    preview = first.structured_content["preview"]
    assert "A REAL email goes to the customer's billing contact: len@lensauto.example" in preview, preview
    assert writes(h) == [] and not h.sandbox.state.invoice_emails
    r = await call_confirmed(h.app.server, "email_invoice", {"invoice": "1044"})
    assert r.structured_content["status"] == "done", text(r)
    [post] = writes(h)
    assert post.method == "POST" and post.path == "/invoices/1649572808/email"
    [sent] = h.sandbox.state.invoice_emails.values()
    assert sent["invoice_number"] == "1044" and sent["to"] == ["len@lensauto.example"]


async def test_email_invoice_lost_answer_is_never_resent(h):
    h.sandbox.faults.add(method="POST", path="/invoices/*/email", kind="apply_then_timeout", call=1, times=1)
    r = await call_confirmed(h.app.server, "email_invoice", {"invoice": "1044"})
    assert r.is_error and "NOT sent again" in text(r), text(r)
    assert len(h.sandbox.requests.matching("POST", "/invoices/*/email")) == 1
    assert len(h.sandbox.state.invoice_emails) == 1
    pending = await call(h.app.server, "pending_writes", {})
    [entry] = pending.structured_content["entries"]
    resumed = await call_confirmed(h.app.server, "resume_write", {"entry_id": entry["entry_id"]})
    assert resumed.is_error and "NOT sent again" in text(resumed), text(resumed)
    assert len(h.sandbox.requests.matching("POST", "/invoices/*/email")) == 1, "resume never re-sends the email"


async def test_email_invoice_declined_sends_nothing(h):
    r = await call(h.app.server, "email_invoice", {"invoice": "1044"}, elicitation_callback=elicitation("decline"))
    assert r.structured_content["status"] == "cancelled", text(r)
    assert writes(h) == [] and not h.sandbox.state.invoice_emails


@pytest.mark.parametrize("ref, needle", [("abc", "not an invoice number"), ("99999", "")])
async def test_email_invoice_bad_reference_sends_nothing(h, ref, needle):
    r = await call(h.app.server, "email_invoice", {"invoice": ref})
    assert r.is_error and needle in text(r), text(r)
    assert writes(h) == []


async def test_email_invoice_refuses_a_customer_without_email(h):
    inv = h.sandbox.state.invoices[1649572808]
    h.sandbox.state.customers[inv["customer_id"]]["email"] = None
    r = await call(h.app.server, "email_invoice", {"invoice": "1044"})
    assert r.is_error and "no email address" in text(r), text(r)
    assert writes(h) == []
