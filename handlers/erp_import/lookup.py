"""Finding the meter (and counter) a reading belongs to, with the documented error shapes.

A missing meter is the documented METER_NOT_FOUND::

    {"status": "error", "message": "Meter not found",
     "error": {"code": "METER_NOT_FOUND", "details": {"meter_number": "M999"}}}

``details`` holds the unique-id attributes and the values looked up. Meters are never created
implicitly from readings ("Ensure Meters Exist First"): create them through ``entities``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from .config import UniqueId
from .entity_store import find_counters, find_meters, usable_identity
from .errors import METER_AMBIGUOUS, METER_COUNTER_NOT_FOUND, METER_NOT_FOUND, ReadingError
from .mapping import identity_values
from .rules import RuleViolation

__all__ = ["resolve_counter", "resolve_meter"]


def resolve_meter(
    conn: sqlite3.Connection, unique_ids: Iterable[UniqueId], attributes: Mapping[str, Any], record: Any, root: Any
) -> int:
    """The id of the one meter the record names; RuleViolation when none or several match."""
    identity = identity_values(unique_ids, attributes, record, root)
    keys = usable_identity(identity)
    if keys is None:
        raise RuleViolation(ReadingError(METER_NOT_FOUND, "Meter not found (no meter identifier in the record)", identity))
    found = find_meters(conn, keys)
    if not found:
        raise RuleViolation(ReadingError(METER_NOT_FOUND, "Meter not found", identity))
    if len(found) > 1:
        raise RuleViolation(
            ReadingError(METER_AMBIGUOUS, "Several meters match the unique ids", {**identity, "matches": len(found)})
        )
    return found[0]


def resolve_counter(
    conn: sqlite3.Connection,
    meter_id: int,
    unique_ids: Iterable[UniqueId],
    attributes: Mapping[str, Any],
    record: Any,
    root: Any,
) -> int:
    """The id of the meter's one counter the record names (multi-tariff meters)."""
    identity = identity_values(unique_ids, attributes, record, root)
    keys = usable_identity(identity)
    message = "Meter counter not found"
    if keys is None:
        raise RuleViolation(ReadingError(METER_COUNTER_NOT_FOUND, f"{message} (no counter identifier in the record)", identity))
    found = find_counters(conn, meter_id, keys)
    if len(found) != 1:
        detail = {**identity, "matches": len(found)} if found else identity
        text = message if not found else "Several meter counters match the unique ids"
        raise RuleViolation(ReadingError(METER_COUNTER_NOT_FOUND if not found else METER_AMBIGUOUS, text, detail))
    return found[0]
