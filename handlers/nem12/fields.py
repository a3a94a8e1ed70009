"""The text of a field as the NEM12 and NEM13 writers write it (:mod:`.writer`, :mod:`.writer_nem13`)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from .errors import NemWriteError

__all__ = ["field_text", "format_value", "stamp"]


def format_value(value: Decimal | int) -> str:
    """A value as a NEM12 field: plain notation, no exponent, no float noise, no ``-0``."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise NemWriteError(f"value {value!r} must be a Decimal or int (floats carry noise)")
    number = Decimal(value)
    if not number.is_finite():
        raise NemWriteError(f"value {value!r} is not finite")
    if number.is_zero():
        number = abs(number)
    return format(number, "f")


def field_text(text: str, what: str) -> str:
    """A field's text, refused if a comma or line break would break the record."""
    if any(c in text for c in ",\r\n"):
        raise NemWriteError(f"{what} {text!r} contains a comma or line break")
    return text


def stamp(moment: datetime, digits: int) -> str:
    """A date-time as the format writes it (14 digits, or 12 in a 100 header)."""
    return moment.strftime("%Y%m%d%H%M%S" if digits == 14 else "%Y%m%d%H%M")
