"""How intrinsic functions look at JSON values: argument checks, rounding, equality, text.

Step Functions runs on the JVM and it shows in intrinsic results, so these helpers copy Java:

* non-integer arguments where an integer is expected are rounded with ``Math.round`` (half up:
  ``2.5 -> 3``, ``-2.5 -> -2``), not Python's half-to-even ``round``;
* ``States.Format`` prints objects and arrays the way ``java.util.Map`` / ``List`` ``toString``
  do (``{Arg1=1, Arg2=[]}``), numbers the way ``Double.toString`` does;
* values compare as JSON values (``true`` is not ``1``, object member order does not matter).

A check that fails raises :class:`ArgumentProblem` with the detail only; the caller adds which
function call failed and turns it into ``States.Runtime``.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

from .json_types import json_type

__all__ = [
    "ArgumentProblem",
    "describe",
    "expect_array",
    "expect_integer",
    "expect_object",
    "expect_string",
    "format_text",
    "java_double_text",
    "java_round",
    "json_key",
    "json_text",
]


class ArgumentProblem(Exception):
    """An argument has the wrong type or value; ``str()`` says which and why."""


def json_text(value: Any) -> str:
    """Compact JSON, as Step Functions serialises (no spaces, non-ASCII characters kept)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def describe(value: Any, limit: int = 120) -> str:
    """A short JSON rendering of ``value`` for error causes."""
    text = json_text(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."




def _wrong_type(value: Any, position: int, expected: str) -> ArgumentProblem:
    return ArgumentProblem(
        f"argument {position} must be {expected}, but was the {json_type(value)} {describe(value)}"
    )


def expect_array(value: Any, position: int) -> list[Any]:
    if value.__class__ is not list:
        raise _wrong_type(value, position, "an array")
    return value  # type: ignore[no-any-return]


def expect_object(value: Any, position: int) -> dict[str, Any]:
    if value.__class__ is not dict:
        raise _wrong_type(value, position, "a JSON object")
    return value  # type: ignore[no-any-return]


def expect_string(value: Any, position: int) -> str:
    if value.__class__ is not str:
        raise _wrong_type(value, position, "a string")
    return value  # type: ignore[no-any-return]


def expect_integer(value: Any, position: int, *, round_fraction: bool = True) -> int:
    """An integer argument. Fractions are rounded as Java's ``Math.round`` does, or refused."""
    if value.__class__ is int:
        return value  # type: ignore[no-any-return]
    if value.__class__ is float and math.isfinite(value):
        if value.is_integer():
            return int(value)
        if round_fraction:
            return java_round(value)
        raise ArgumentProblem(f"argument {position} must be an integer, but was {describe(value)}")
    raise _wrong_type(value, position, "an integer")


def java_round(number: float) -> int:
    """``Math.round``: the nearest integer, halves rounded up (towards positive infinity)."""
    return math.floor(number + 0.5)


def json_key(value: Any) -> Any:
    """A hashable key equal for equal JSON values (numbers by value, objects ignoring order)."""
    cls = value.__class__
    if cls is str:
        return value
    if cls is bool:
        return ("bool", value)
    if cls is int or cls is float:
        return ("number", value)
    if value is None:
        return ("null",)
    if cls is list:
        return ("array", tuple(json_key(item) for item in value))
    return ("object", frozenset((key, json_key(item)) for key, item in value.items()))


def format_text(value: Any) -> str:
    """``value`` as ``States.Format`` inserts it: strings raw, containers Java-``toString`` style."""
    cls = value.__class__
    if cls is str:
        return value  # type: ignore[no-any-return]
    if value is None:
        return "null"
    if cls is bool:
        return "true" if value else "false"
    if cls is int:
        return str(value)
    if cls is float:
        return java_double_text(value)
    if cls is list:
        return "[" + ", ".join(format_text(item) for item in value) + "]"
    return "{" + ", ".join(f"{key}={format_text(item)}" for key, item in value.items()) + "}"


def java_double_text(number: float) -> str:
    """``Double.toString``: ``1.0``, ``0.001``, ``1.0E7``, ``1.5E-5`` (shortest round-trip digits)."""
    if not math.isfinite(number):
        return "NaN" if math.isnan(number) else ("Infinity" if number > 0 else "-Infinity")
    if number == 0:
        return "-0.0" if math.copysign(1.0, number) < 0 else "0.0"
    if 1e-3 <= abs(number) < 1e7:
        return repr(number)  # positional here too, and repr() always writes the '.' (1.0, 9999999.0)
    sign, digits, exponent = Decimal(repr(number)).normalize().as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits))
    mantissa = text[0] + "." + (text[1:] or "0")
    return ("-" if sign else "") + f"{mantissa}E{len(text) - 1 + exponent}"
