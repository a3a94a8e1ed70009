"""Values crossing the border between the engine and jsonata-python, made to look like AWS's.

AWS evaluates JSONata with the JavaScript implementation, where JSON ``null`` and "no value"
(``undefined``) are different things and every number is a double. jsonata-python spells them
differently, so values are translated at the border:

* into JSONata (:func:`to_jsonata`): a JSON ``null`` (Python ``None``) becomes jsonata-python's
  ``Utils.NULL_VALUE``; in jsonata-python ``None`` means *undefined*, so without this
  ``$states.input.a`` with ``{"a": null}`` would read as missing;
* out of JSONata (:func:`from_jsonata`): ``NULL_VALUE`` becomes ``None`` again, internal
  sequences become plain lists, a whole-valued float becomes an int (JavaScript prints ``2.0``
  and ``-0`` as ``2`` and ``0``), and an undefined result is reported as :data:`UNDEFINED`.

Both return their argument itself when nothing needs changing, so the usual case (no ``null``
inside, no float) costs one walk and no copy.

:func:`js_number_text` and :func:`js_string` give JavaScript's number formatting (``1e+21``,
``1e-7``, fifteen significant digits in ``$string``), which jsonata-python's port does not.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

from jsonata.jsonata import Jsonata
from jsonata.parser import Parser
from jsonata.utils import Utils

__all__ = [
    "NULL",
    "UNDEFINED",
    "deep_copy",
    "from_jsonata",
    "js_json",
    "js_number_text",
    "js_string",
    "json_type",
    "to_jsonata",
]

NULL = Utils.NULL_VALUE
_NULL_CLASS = type(NULL)
_FUNCTION_TYPES = (Jsonata.JFunction, Jsonata.JLambda, Parser.Symbol)
_LARGEST_PLAIN_INTEGER = 1e21  # JavaScript switches to exponent notation from here on


class _Undefined:
    """JSONata's *undefined*: an expression that produced no value at all."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNDEFINED"

    def __bool__(self) -> bool:
        return False


UNDEFINED = _Undefined()


# -- into JSONata ---------------------------------------------------------------------------------

def to_jsonata(value: Any) -> Any:
    """``value`` with every JSON null as jsonata-python's NULL_VALUE (the same object if none)."""
    if value is None:
        return NULL
    cls = value.__class__
    if cls is dict:
        changed = None
        for key, item in value.items():
            converted = to_jsonata(item) if item is None or item.__class__ in (dict, list) else item
            if converted is not item:
                if changed is None:
                    changed = dict(value)
                changed[key] = converted
        return value if changed is None else changed
    if cls is list:
        changed_list = None
        for index, item in enumerate(value):
            converted = to_jsonata(item) if item is None or item.__class__ in (dict, list) else item
            if converted is not item:
                if changed_list is None:
                    changed_list = list(value)
                changed_list[index] = converted
        return value if changed_list is None else changed_list
    return value


def deep_copy(value: Any) -> Any:
    """A copy of a jsonata-python value whose containers can be changed (NULL_VALUE kept)."""
    if isinstance(value, dict):
        return {key: deep_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [deep_copy(item) for item in value]
    return value


# -- out of JSONata -------------------------------------------------------------------------------

def from_jsonata(value: Any) -> Any:
    """A JSONata result as a JSON value, or :data:`UNDEFINED` when there is none."""
    if value is None or isinstance(value, _FUNCTION_TYPES):
        return UNDEFINED
    return _json(value)


def _json(value: Any) -> Any:
    cls = value.__class__
    if cls is str or cls is bool or cls is int:
        return value
    if cls is float:
        return _number(value)
    if cls is _NULL_CLASS:
        return None
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        same = cls is dict
        for key, item in value.items():
            if item is None or isinstance(item, _FUNCTION_TYPES):
                same = False  # JSON.stringify leaves out undefined members and functions
                continue
            converted = _json(item)
            same = same and converted is item
            out[key] = converted
        return value if same else out
    if isinstance(value, list):
        items = []
        same = cls is list
        for item in value:
            converted = None if item is None or isinstance(item, _FUNCTION_TYPES) else _json(item)
            same = same and converted is item
            items.append(converted)
        return value if same else items
    if isinstance(value, (int, float)):  # an int or float subclass
        return _number(float(value)) if isinstance(value, float) else int(value)
    return value


def _number(value: float) -> Any:
    if not math.isfinite(value):
        return None  # JSON.stringify writes Infinity and NaN as null
    if value.is_integer() and abs(value) < _LARGEST_PLAIN_INTEGER:
        return int(value)
    return value


# -- JavaScript's text of numbers and values ------------------------------------------------------

def js_number_text(number: float | int) -> str:
    """``Number.prototype.toString()``: shortest round-trip digits, exponent from 1e21 and below 1e-6."""
    if number.__class__ is int or isinstance(number, int):
        if abs(number) < _LARGEST_PLAIN_INTEGER:
            return str(number)
        number = float(number)
    if number != number:
        return "NaN"
    if number in (math.inf, -math.inf):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "0"
    sign, digit_tuple, exponent = Decimal(repr(number)).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    assert isinstance(exponent, int)
    # value = 0.d1d2...dk * 10**point
    point = exponent + len(digit_tuple)
    k = len(digits)
    prefix = "-" if sign else ""
    if k <= point <= 21:
        return prefix + digits + "0" * (point - k)
    if 0 < point <= 21:
        return prefix + digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return prefix + "0." + "0" * (-point) + digits
    power = point - 1
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{prefix}{mantissa}e{'+' if power >= 0 else '-'}{abs(power)}"


def _fifteen_digits(number: float | int) -> float | int:
    """``Number(n.toPrecision(15))``: how JSONata's ``$string`` rounds away float noise."""
    if number.__class__ is int and abs(number) < 10**15:
        return number
    return float(f"{float(number):.15g}")


def js_json(value: Any, *, indent: bool = False, precision15: bool = False) -> str:
    """``JSON.stringify`` of a jsonata-python value (NULL_VALUE as null, JS number text)."""
    parts: list[str] = []
    _write_json(value, parts, "\n" if indent else "", precision15)
    return "".join(parts)


def _write_json(value: Any, out: list[str], newline: str, precision15: bool, level: int = 1) -> None:
    if value is None or value is NULL:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            out.append("null")
        else:
            out.append(js_number_text(_fifteen_digits(value) if precision15 else value))
    elif isinstance(value, _FUNCTION_TYPES):
        out.append('""')  # JSONata's $string writes a function as an empty string
    elif isinstance(value, dict):
        entries = [(k, v) for k, v in value.items() if v is not None]
        if not entries:
            out.append("{}")
            return
        out.append("{")
        pad = newline and newline + "  " * level
        for i, (key, item) in enumerate(entries):
            if i:
                out.append(",")
            out.append(pad)
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(": " if newline else ":")
            _write_json(item, out, newline, precision15, level + 1)
        out.append(newline and newline + "  " * (level - 1))
        out.append("}")
    elif isinstance(value, list):
        if not value:
            out.append("[]")
            return
        out.append("[")
        pad = newline and newline + "  " * level
        for i, item in enumerate(value):
            if i:
                out.append(",")
            out.append(pad)
            _write_json(item, out, newline, precision15, level + 1)
        out.append(newline and newline + "  " * (level - 1))
        out.append("]")
    else:
        out.append(json.dumps(value, ensure_ascii=False, default=str))


def js_string(value: Any, prettify: bool = False) -> Any:
    """JSONata's ``$string``: strings unchanged, everything else as JSON with 15-digit numbers."""
    if isinstance(value, Utils.JList) and value.outer_wrapper:
        value = value[0]
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isfinite(value):
        from jsonata.jexception import JException

        raise JException("D3001", 0, value)
    return js_json(value, indent=bool(prettify), precision15=True)


def json_type(value: Any) -> str:
    """The JSON type name of a value, as AWS names it in causes ('array', 'number', ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
