"""``json.dumps(value, sort_keys=True)``'s exact text, written faster for readings' value lists.

Rows stored before the canonical fingerprints (:mod:`handlers.metering.fingerprint`) keep the
hash of that text, and readings that are not plain JSON still get it, so the text must not
change by a byte. ``json.dumps`` formats each float with ``float.__repr__``; a month of half-hour
values is 1,536 of them (a third of the validation handler's time when every fingerprint hashed
this text). A fleet's values repeat (a few thousand distinct ones to three
decimals), so :func:`sorted_json_text` keeps each float's text once met and joins a list of
floats in C. Anything outside plain JSON (a non-string key, an object ``json`` would hand to its
``default``) is left to ``json.dumps`` itself, so the answer is always that text.
"""

from __future__ import annotations

import itertools
import json
import math
from json.encoder import encode_basestring_ascii  # json.dumps' string writer (ensure_ascii)
from typing import Any

__all__ = ["INTERVAL_DAY_KEYS", "has_negative_zero", "sorted_json_text"]


class _FloatText(dict):  # type: ignore[type-arg]
    """float -> its JSON text, kept for the finite values met (up to ``LIMIT``). ``-0.0`` equals
    ``0.0`` as a key yet is written with its sign: the one zero kept is ``0.0``, and a list
    holding a ``-0.0`` is written value by value (:func:`_floats`)."""

    LIMIT = 200_000

    def __missing__(self, value: float) -> str:
        if value != value:
            return "NaN"
        if value in (math.inf, -math.inf):
            return "Infinity" if value > 0 else "-Infinity"
        text = float.__repr__(value)
        if value and len(self) < self.LIMIT:  # a -0.0 is written, never kept
            self[value] = text
        return text


_FLOAT_TEXT = _FloatText({0.0: "0.0"})
_FLOAT_ONLY = frozenset({float})
_STR_ONLY = frozenset({str})
#: the keys of an interval day as readings carry it (in key order: date < quality < values)
INTERVAL_DAY_KEYS = frozenset({"date", "quality", "values"})
_ONES = itertools.repeat(1.0)


class _NotPlain(Exception):
    """A value this writer does not write the way ``json.dumps`` would: hand it to json."""


def sorted_json_text(value: Any, default: Any = None) -> str:
    """``json.dumps(value, sort_keys=True, default=default)``, byte for byte."""
    try:
        return _text(value)
    except (_NotPlain, RecursionError):
        return json.dumps(value, sort_keys=True, default=default)


def has_negative_zero(values: list[float]) -> bool:
    """Whether a list of floats holds a ``-0.0`` (it equals ``0.0``, so a lookup keyed by value
    would take it for one), checked in C."""
    return 0.0 in values and -1.0 in map(math.copysign, _ONES, values)


def _floats(values: list[Any]) -> str:
    if has_negative_zero(values):  # written value by value
        return ", ".join([float.__repr__(v) if v == 0 else _FLOAT_TEXT[v] for v in values])
    return ", ".join(map(_FLOAT_TEXT.__getitem__, values))


def _days_text(days: list[Any] | tuple[Any, ...]) -> str | None:
    """A channel's list of interval days in the usual shape (each ``{"date", "quality", "values"}``
    with text, text and plain floats, no ``-0.0``), its values checked and looked up all at once:
    per day, those checks cost as much as the lookups. None for any other list."""
    if not all(type(day) is dict and day.keys() == INTERVAL_DAY_KEYS for day in days):
        return None
    lists = [day["values"] for day in days]
    if not all(type(values) is list and values for values in lists):
        return None
    flat = list(itertools.chain.from_iterable(lists))
    if not _FLOAT_ONLY.issuperset(map(type, flat)) or has_negative_zero(flat):
        return None
    if not all(type(day["date"]) is str and type(day["quality"]) is str for day in days):
        return None
    texts = list(map(_FLOAT_TEXT.__getitem__, flat))
    written, start = [], 0
    for day, values in zip(days, lists):
        end = start + len(values)
        written.append(f'{{"date": {encode_basestring_ascii(day["date"])}, "quality": '
                       f'{encode_basestring_ascii(day["quality"])}, "values": [{", ".join(texts[start:end])}]}}')
        start = end
    return f"[{', '.join(written)}]"


def _text(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return encode_basestring_ascii(value)
    if kind is float:
        return _FLOAT_TEXT[value] if value else float.__repr__(value)
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        if _FLOAT_ONLY.issuperset(map(type, value)):
            return f"[{_floats(value)}]"  # type: ignore[arg-type]
        days = _days_text(value)
        if days is not None:
            return days
        return f"[{', '.join(map(_text, value))}]"
    if kind is dict:
        if value.keys() == INTERVAL_DAY_KEYS:  # a reading's interval day, the usual shape: one format
            date, quality, values = value["date"], value["quality"], value["values"]
            if (type(date) is str and type(quality) is str and type(values) is list and values
                    and _FLOAT_ONLY.issuperset(map(type, values))):
                return (f'{{"date": {encode_basestring_ascii(date)}, "quality": '
                        f'{encode_basestring_ascii(quality)}, "values": [{_floats(values)}]}}')
        if not value:
            return "{}"
        if not _STR_ONLY.issuperset(map(type, value)):
            raise _NotPlain  # json turns such keys into text, and may refuse to sort them
        return "{" + ", ".join([f"{encode_basestring_ascii(key)}: {_text(value[key])}"
                                for key in sorted(value)]) + "}"
    raise _NotPlain
