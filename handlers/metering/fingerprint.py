"""A reading's fingerprint: what tells a retry (the same content again) from a conflicting resend.

The validation handler stores each reading's fingerprint beside its verdict and compares the next
reading sent under the same id with it. Two kinds are stored, told apart by their text:

* ``c2:`` and the SHA-256 of the reading's own fields in a canonical form (each object a tuple of
  its ``(key, value)`` pairs in key order, lists and scalars as they are) written by ``marshal``'s
  format 2 (the same bytes in every Python 3: binary floats, no back-references). Written for
  readings that are plain JSON, as every event from a state machine is. For such values two
  readings have the same canonical bytes exactly when ``json.dumps(reading, sort_keys=True)``
  writes the same text (both tell ``1`` from ``1.0`` from ``true``, ``0.0`` from ``-0.0``, ``{}``
  from ``[]``); no float is formatted as text, which cost a bulk reading's 1,536 values a quarter
  of its validation.
* 64 hex digits: the SHA-256 of that ``json.dumps`` text (:mod:`.sorted_json`), as rows written
  before the canonical form were, and as readings that are not plain JSON (a Python caller's
  ``Decimal`` or tuple, a key that is not text) still get.

:func:`same_content` compares a reading with a stored fingerprint of either kind.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Mapping
from typing import Any

from handlers.metering.sorted_json import INTERVAL_DAY_KEYS, sorted_json_text

__all__ = ["CANONICAL", "content_hash", "legacy_content_hash", "same_content"]

#: the prefix of a fingerprint of the canonical form
CANONICAL = "c2:"

_SCALARS = frozenset({str, int, float, bool, type(None)})
_STR_ONLY = frozenset({str})


class _NotPlain(Exception):
    """A value that is not plain JSON: its fingerprint is the JSON text's."""


def content_hash(event: Mapping[str, Any], fields: tuple[str, ...]) -> str:
    """The fingerprint to store for ``event``'s own ``fields``."""
    own = {key: event[key] for key in fields if key in event}
    try:
        canonical = _canonical(own)
    except (_NotPlain, RecursionError):
        return legacy_content_hash(own)
    return CANONICAL + hashlib.sha256(marshal.dumps(canonical, 2)).hexdigest()


def legacy_content_hash(own: Mapping[str, Any]) -> str:
    """The SHA-256 of ``json.dumps(own, sort_keys=True, default=str)``."""
    return hashlib.sha256(sorted_json_text(own, default=str).encode()).hexdigest()


def same_content(stored: str, event: Mapping[str, Any], fields: tuple[str, ...], fingerprint: str) -> bool:
    """Whether ``event`` (whose :func:`content_hash` is ``fingerprint``) has the content a reading
    stored with the fingerprint ``stored`` had, whichever kind each is."""
    if stored == fingerprint:
        return True
    if stored.startswith(CANONICAL) or not fingerprint.startswith(CANONICAL):
        return False  # (two of a kind that differ; or a stored canonical one beside a reading that is not plain)
    return stored == legacy_content_hash({key: event[key] for key in fields if key in event})


def _canonical(value: Any) -> Any:
    cls = value.__class__
    if cls is dict:
        return _canonical_object(value)
    if cls is list:
        if _SCALARS.issuperset(map(type, value)):  # (a day's values: kept as they are, checked in C)
            return value
        return [_canonical(item) for item in value]
    if cls in _SCALARS:
        return value
    raise _NotPlain


def _canonical_object(value: dict[Any, Any]) -> tuple[tuple[str, Any], ...]:
    if value.keys() == INTERVAL_DAY_KEYS:  # an interval day as readings carry it: its pairs in key order at once
        day, quality, values = value["date"], value["quality"], value["values"]
        if day.__class__ is str and quality.__class__ is str and values.__class__ is list and \
                _SCALARS.issuperset(map(type, values)):
            return ("date", day), ("quality", quality), ("values", values)
    if not _STR_ONLY.issuperset(map(type, value)):
        raise _NotPlain
    pairs = sorted(value.items())  # (the keys differ: no value is compared)
    for index, (key, item) in enumerate(pairs):  # (a day: its date, quality and values kept as they are)
        cls = item.__class__
        if not (cls in _SCALARS or cls is list and _SCALARS.issuperset(map(type, item))):
            pairs[index] = (key, _canonical(item))
    return tuple(pairs)
