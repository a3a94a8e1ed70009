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
from .json_types import json_type  # noqa: F401  (re-exported: part of this module's API)

__all__ = [
    "NULL",
    "ConversionMemo",
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


class _Walk:
    """One translation walk; ``exact`` stays true while its input and output are exact
    translations of each other (plain JSON data on both sides, only null spelled differently)."""

    __slots__ = ("exact",)

    def __init__(self) -> None:
        self.exact = True


# -- into JSONata ---------------------------------------------------------------------------------

def to_jsonata(value: Any, memo: ConversionMemo | None = None) -> Any:
    """``value`` with every JSON null as jsonata-python's NULL_VALUE (the same object if none).

    With a ``memo``, a container translated before (or produced by :func:`from_jsonata`) in the
    same execution is not walked again: data passed from one JSONata state to the next, and
    variables read by several states, are translated once.
    """
    if value is None:
        return NULL
    cls = value.__class__
    if cls is not dict and cls is not list:
        return value
    if memo is not None:
        hit = memo.into.get(id(value))
        if hit is not None and hit[0] is value:
            return hit[1]
        walk = _Walk()
        converted = _into(value, walk)
        memo.remember(value, converted, both_ways=walk.exact)
        return converted
    return _into(value, _Walk())


def _into(value: Any, walk: _Walk) -> Any:
    """The walk of :func:`to_jsonata`; ``walk.exact`` turns false on a number JavaScript would
    write differently (2.0 as 2), whose value :func:`from_jsonata` would therefore change."""
    if value.__class__ is dict:
        changed: Any = None
        for key, item in value.items():
            if item is None:
                new: Any = NULL
            else:
                cls = item.__class__
                if cls is not dict and cls is not list:
                    if cls is float and walk.exact and _number(item) is not item:
                        walk.exact = False
                    continue
                new = _into(item, walk)
                if new is item:
                    continue
            if changed is None:
                changed = dict(value)
            changed[key] = new
        return value if changed is None else changed
    changed = None
    for index, item in enumerate(value):
        if item is None:
            new = NULL
        else:
            cls = item.__class__
            if cls is not dict and cls is not list:
                if cls is float and walk.exact and _number(item) is not item:
                    walk.exact = False
                continue
            new = _into(item, walk)
            if new is item:
                continue
        if changed is None:
            changed = list(value)
        changed[index] = new
    return value if changed is None else changed


def deep_copy(value: Any) -> Any:
    """A copy of a jsonata-python value whose containers can be changed (NULL_VALUE kept)."""
    if isinstance(value, dict):
        return {key: deep_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [deep_copy(item) for item in value]
    return value


class ConversionMemo:
    """Containers of one execution already translated, by identity, in both directions.

    ``into``: JSON container -> its JSONata form; ``out``: JSONata form -> the JSON container.
    A pair is only recorded when the two are exact translations of each other, so a hit gives
    the same value a walk would. Entries hold their objects (identities stay valid); the memo is
    small and cleared when full, and it lives as long as its execution.
    """

    __slots__ = ("into", "out")
    LIMIT = 256

    def __init__(self) -> None:
        self.into: dict[int, tuple[Any, Any]] = {}
        self.out: dict[int, tuple[Any, Any]] = {}

    def remember(self, json_value: Any, jsonata_value: Any, *, both_ways: bool = True) -> None:
        if len(self.into) >= self.LIMIT:
            self.into.clear()
            self.out.clear()
        self.into[id(json_value)] = (json_value, jsonata_value)
        if both_ways:
            self.out[id(jsonata_value)] = (jsonata_value, json_value)


# -- out of JSONata -------------------------------------------------------------------------------

class UnsupportedResult(ValueError):
    """A JSONata result that is not JSON: a function, a regular expression (AWS fails the state)."""


def from_jsonata(value: Any, memo: ConversionMemo | None = None) -> Any:
    """A JSONata result as a JSON value, or :data:`UNDEFINED` when there is none;
    :class:`UnsupportedResult` when it is a function or another value JSON cannot hold."""
    if value is None:
        return UNDEFINED
    if isinstance(value, _FUNCTION_TYPES):
        raise UnsupportedResult(type(value).__name__)
    cls = value.__class__
    if memo is not None and (cls is dict or cls is list):
        hit = memo.out.get(id(value))
        if hit is not None and hit[0] is value:
            return hit[1]
        walk = _Walk()
        converted = _json(value, walk)
        if walk.exact:
            memo.remember(converted, value)
        return converted
    return _json(value, _Walk())


def _json(value: Any, walk: _Walk) -> Any:
    cls = value.__class__
    if cls is str or cls is bool or cls is int:
        return value
    if cls is float:
        converted = _number(value)
        if converted is not value:
            walk.exact = False
        return converted
    if cls is _NULL_CLASS:
        return None
    if cls is dict:
        out: dict[str, Any] = {}
        same = True
        for key, item in value.items():
            item_cls = item.__class__
            if item_cls is str or item_cls is int or item_cls is bool:
                out[key] = item
                continue
            if item is None or isinstance(item, _FUNCTION_TYPES):
                same = walk.exact = False  # JSON.stringify leaves out undefined members and functions
                continue
            converted = _json(item, walk)
            same = same and converted is item
            out[key] = converted
        return value if same else out
    if cls is list:
        items = []
        same = True
        for item in value:
            item_cls = item.__class__
            if item_cls is str or item_cls is int or item_cls is bool:
                items.append(item)
                continue
            if item is None or isinstance(item, _FUNCTION_TYPES):
                converted = None
                walk.exact = False
            else:
                converted = _json(item, walk)
            same = same and converted is item
            items.append(converted)
        return value if same else items
    walk.exact = False  # a sequence, a subclass: not plain JSON data
    if isinstance(value, dict):
        return {key: _json(item, walk) for key, item in value.items()
                if item is not None and not isinstance(item, _FUNCTION_TYPES)}
    if isinstance(value, list):
        return [None if item is None or isinstance(item, _FUNCTION_TYPES) else _json(item, walk) for item in value]
    if isinstance(value, float):
        return _number(float(value))
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return str(value)
    raise UnsupportedResult(type(value).__name__)  # a regular expression, ...: nothing JSON can hold


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


