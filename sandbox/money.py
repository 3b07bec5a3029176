"""Money as Syncro serialises it.

Invoice totals and invoice line prices are Ruby BigDecimal strings ("0.0", "125.0", "64.99");
ticket line items use integer cents plus float dollars. Arithmetic stays in Decimal so totals
never drift.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def to_decimal(value: object, default: Decimal | None = None) -> Decimal | None:
    """Accept numbers or numeric strings from a client body."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return default
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return default


def dec_str(value: Decimal | int | float | str) -> str:
    """BigDecimal#to_s style: at least one decimal place, no trailing zeros beyond it."""
    d = Decimal(str(value))
    text = format(d.normalize(), "f")
    if "." not in text:
        text += ".0"
    return text


def money(value: Decimal) -> Decimal:
    """Round to cents, half up, as invoices do."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def cents(value: Decimal | None) -> int | None:
    return None if value is None else int(money(value) * 100)


def dollars_number(value: Decimal | None) -> int | float | None:
    """Ticket line items show dollars as JSON numbers (15, 10.5), not strings."""
    if value is None:
        return None
    d = money(value)
    return int(d) if d == d.to_integral_value() else float(d)
