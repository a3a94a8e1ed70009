"""Decimal money and energy quantities: parsing, cent rounding, pro-rating.

Why Decimal: bills are added up by customers and auditors; binary floats drift (0.1 + 0.2). Inside
the bill engine every amount is a :class:`~decimal.Decimal`; on the JSON boundary amounts are
strings of dollars with two decimals (``"123.45"``) and energy quantities are strings too
(``"812.345"``), so no float noise ever reaches a bill. Inputs may be JSON numbers or numeric
strings: a float is converted through its shortest repr (``0.1`` becomes ``Decimal("0.1")``).

Rounding is ROUND_HALF_UP (half a cent rounds away from zero), done with an explicit
``quantize`` on each value, never by changing the global decimal context.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = [
    "CENT",
    "MILLI",
    "ZERO",
    "as_decimal",
    "cents_to_dollars",
    "format_amount",
    "format_quantity",
    "pro_rata",
    "round_cents",
    "round_milli",
]

CENT = Decimal("0.01")
MILLI = Decimal("0.001")
ZERO = Decimal(0)


def as_decimal(value: object, field: str) -> Decimal:
    """``value`` (int, float, Decimal or numeric string) as a finite Decimal.

    Raises ``ValueError`` naming ``field`` for booleans, non-numeric text, NaN and infinities, so
    the caller can turn it into a validation error or a clear exception.
    """
    kind = type(value)
    if kind is float:  # the common case (JSON numbers), checked first
        if not math.isfinite(value):  # type: ignore[arg-type]
            raise ValueError(f"{field}: expected a finite number, got {value!r}")
        return Decimal(repr(value))
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{field}: expected a number, got {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        return as_decimal(float(value), field)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{field}: expected a number, got {value!r}") from None
    else:
        raise ValueError(f"{field}: expected a number, got {type(value).__name__} {value!r}")
    if not result.is_finite():
        raise ValueError(f"{field}: expected a finite number, got {value!r}")
    return result


def round_cents(amount: Decimal) -> Decimal:
    """Dollars rounded to the cent, half away from zero (1.005 -> 1.01, -1.005 -> -1.01)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def round_milli(quantity: Decimal) -> Decimal:
    """An energy quantity rounded to 0.001 (a watt-hour when the unit is kWh)."""
    return quantity.quantize(MILLI, rounding=ROUND_HALF_UP)


def cents_to_dollars(cents: Decimal) -> Decimal:
    """Exact conversion of a cent figure (rates are quoted in cents) to dollars, unrounded."""
    return cents / 100


def pro_rata(amount: Decimal, part_days: int, whole_days: int) -> Decimal:
    """``amount`` x part_days / whole_days, rounded once to the cent at the end.

    Rounding once matters: (950 / 31) x 12 is 367.74, whereas rounding the daily figure first
    (30.65 x 12) would give 367.80.
    """
    if whole_days <= 0:
        raise ValueError(f"whole_days must be positive, got {whole_days}")
    if part_days < 0:
        raise ValueError(f"part_days must not be negative, got {part_days}")
    return round_cents(amount * part_days / whole_days)


def format_amount(amount: Decimal) -> str:
    """Dollars as the JSON boundary carries them: a string with exactly two decimals."""
    return str(round_cents(amount))


def format_quantity(quantity: Decimal) -> str:
    """An energy quantity as a string with three decimals (no exponent, no float noise)."""
    return str(round_milli(quantity))
