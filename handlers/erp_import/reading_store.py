"""Meter readings in SQLite: the lookups the matching rules need, and the writes.

"Unspecified matches anything": a lookup given ``counter_id=ANY`` (the configuration names no
``meter_counter``), ``direction=None`` or ``reading_type=None`` does not filter on that column. So a
delete configuration without counters finds a reading of any counter of the meter, as the
documentation's delete example needs, and deduplication uses the reading type only "if specified".
When that leaves several candidates the caller reports an ambiguity instead of guessing.

Functions never commit; they run inside the caller's per-batch transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from .timestamps import Instant

__all__ = [
    "ANY",
    "ReadingRecord",
    "by_external_id",
    "delete_readings",
    "in_scope",
    "insert_reading",
    "on_berlin_day",
    "update_reading",
    "on_same_day",
]



class _Any:
    """The "any counter" marker (a configuration without ``meter_counter``)."""

    def __repr__(self) -> str:
        return "ANY"


ANY: Final = _Any()
CounterRef = int | None | _Any


@dataclass(frozen=True)
class ReadingRecord:
    """A checked reading, ready to store."""

    meter_id: int
    counter_id: int | None
    external_id: str | None
    instant: Instant
    source: str
    value: int | float
    reason: str | None = None
    direction: str | None = None
    reading_type: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


def by_external_id(
    conn: sqlite3.Connection, meter_id: int, counter: CounterRef, external_id: str
) -> list[sqlite3.Row]:
    """Readings of the meter (and counter, unless ANY) with this external id."""
    where, params = _scope_filter(meter_id, counter)
    return conn.execute(
        f"SELECT * FROM erp_reading WHERE {where} AND external_id = ? ORDER BY id", (*params, external_id)
    ).fetchall()


def on_berlin_day(
    conn: sqlite3.Connection, meter_id: int, counter: CounterRef, direction: str | None, day: str
) -> list[sqlite3.Row]:
    """Readings of the meter/counter/direction on one German calendar day (strict-date)."""
    where, params = _scope_filter(meter_id, counter)
    sql = f"SELECT * FROM erp_reading WHERE {where} AND berlin_day = ?"
    params = [*params, day]
    if direction is not None:
        sql += " AND direction = ?"
        params.append(direction)
    return conn.execute(sql + " ORDER BY id", params).fetchall()


def on_same_day(
    conn: sqlite3.Connection,
    meter_id: int,
    counter: CounterRef,
    direction: str | None,
    reading_type: str | None,
    day: str,
    epoch_us: int,
) -> list[sqlite3.Row]:
    """Readings of the meter (+ counter, + direction and reading type when given) on the German
    calendar day ``day``, nearest to ``epoch_us`` first: the duplicates of a reading of that date."""
    where, params = _scope_filter(meter_id, counter)
    sql = f"SELECT * FROM erp_reading WHERE {where} AND berlin_day = ?"
    params = [*params, day]
    for column, value in (("direction", direction), ("reading_type", reading_type)):
        if value is not None:
            sql += f" AND {column} = ?"
            params.append(value)
    return conn.execute(sql + " ORDER BY ABS(epoch_us - ?), id", (*params, epoch_us)).fetchall()


def in_scope(conn: sqlite3.Connection, meter_id: int, counter: CounterRef, source: str | None) -> list[sqlite3.Row]:
    """The prune scope: every reading of the meter (+ counter), optionally of one source only."""
    where, params = _scope_filter(meter_id, counter)
    sql = f"SELECT * FROM erp_reading WHERE {where}"
    if source is not None:
        sql += " AND source = ?"
        params = [*params, source]
    return conn.execute(sql + " ORDER BY id", params).fetchall()


def insert_reading(conn: sqlite3.Connection, record: ReadingRecord) -> int:
    cursor = conn.execute(
        "INSERT INTO erp_reading(meter_id, counter_id, external_id, timestamp, epoch_us, berlin_day, direction,"
        " reading_type, source, value, reason, attributes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            record.meter_id,
            record.counter_id,
            record.external_id,
            record.instant.iso,
            record.instant.epoch_us,
            record.instant.berlin_day,
            record.direction,
            record.reading_type,
            record.source,
            record.value,
            record.reason,
            _dump(record.attributes),
        ),
    )
    return int(cursor.lastrowid or 0)


def update_reading(conn: sqlite3.Connection, row: sqlite3.Row, record: ReadingRecord) -> bool:
    """Overwrite ``row`` with ``record`` (attributes merged, a missing external id kept); changed?"""
    previous = json.loads(row["attributes"])
    previous.pop("timestamp_as_given", None)  # belongs to the old timestamp; the record brings its own
    attributes = {**previous, **record.attributes}
    new = {
        "counter_id": record.counter_id if record.counter_id is not None else row["counter_id"],
        "external_id": record.external_id if record.external_id is not None else row["external_id"],
        "timestamp": record.instant.iso,
        "epoch_us": record.instant.epoch_us,
        "berlin_day": record.instant.berlin_day,
        "direction": record.direction if record.direction is not None else row["direction"],
        "reading_type": record.reading_type if record.reading_type is not None else row["reading_type"],
        "source": record.source,
        "value": record.value,
        "reason": record.reason,
        "attributes": _dump(attributes),
    }
    if all(_same(row[column], value) for column, value in new.items()):
        return False
    assignments = ", ".join(f"{column} = ?" for column in new)
    conn.execute(f"UPDATE erp_reading SET {assignments} WHERE id = ?", (*new.values(), row["id"]))
    return True


def delete_readings(conn: sqlite3.Connection, ids: Iterable[int]) -> int:
    """Delete permanently (meter readings have no soft delete); returns how many went."""
    id_list = list(ids)
    for start in range(0, len(id_list), 500):
        chunk = id_list[start : start + 500]
        conn.execute(f"DELETE FROM erp_reading WHERE id IN ({', '.join('?' for _ in chunk)})", chunk)
    return len(id_list)


def _scope_filter(meter_id: int, counter: CounterRef) -> tuple[str, list[Any]]:
    if isinstance(counter, _Any):
        return "meter_id = ?", [meter_id]
    if counter is None:
        return "meter_id = ? AND counter_id IS NULL", [meter_id]
    return "meter_id = ? AND counter_id = ?", [meter_id, counter]


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, (int, float)) and isinstance(new, (int, float)) and not isinstance(new, bool):
        return float(old) == float(new)
    return bool(old == new)


def _dump(attributes: Sequence[Any] | dict[str, Any]) -> str:
    return json.dumps(attributes, sort_keys=True, separators=(",", ":"))
