"""Meters and meter counters in SQLite: find by unique ids, create, merge attributes.

All functions take an open connection and never commit: the caller's transaction (one per import
batch) decides whether their writes stay.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from .schema import key_text

__all__ = [
    "counter_attributes",
    "find_counters",
    "find_meters",
    "meter_attributes",
    "save_counter",
    "save_meter",
    "usable_identity",
]


def usable_identity(identity: Mapping[str, Any]) -> dict[str, str] | None:
    """``identity`` as canonical key texts, or ``None`` when any value is missing or empty."""
    keys: dict[str, str] = {}
    for attribute, value in identity.items():
        text = key_text(value)
        if text is None or text == "":
            return None
        keys[attribute] = text
    return keys


def find_meters(conn: sqlite3.Connection, keys: Mapping[str, str]) -> list[int]:
    """Ids of meters whose attributes equal every ``keys`` entry."""
    found: set[int] | None = None
    for attribute, value in keys.items():
        rows = conn.execute(
            "SELECT meter_id FROM erp_meter_key WHERE attribute = ? AND value = ?", (attribute, value)
        ).fetchall()
        ids = {row[0] for row in rows}
        found = ids if found is None else found & ids
        if not found:
            return []
    return sorted(found or ())


def find_counters(conn: sqlite3.Connection, meter_id: int, keys: Mapping[str, str]) -> list[int]:
    """Ids of the meter's counters whose attributes equal every ``keys`` entry."""
    found: set[int] | None = None
    for attribute, value in keys.items():
        rows = conn.execute(
            "SELECT counter_id FROM erp_counter_key WHERE meter_id = ? AND attribute = ? AND value = ?",
            (meter_id, attribute, value),
        ).fetchall()
        ids = {row[0] for row in rows}
        found = ids if found is None else found & ids
        if not found:
            return []
    return sorted(found or ())


def meter_attributes(conn: sqlite3.Connection, meter_id: int) -> dict[str, Any]:
    row = conn.execute("SELECT attributes FROM erp_meter WHERE id = ?", (meter_id,)).fetchone()
    return json.loads(row[0]) if row else {}


def counter_attributes(conn: sqlite3.Connection, counter_id: int) -> dict[str, Any]:
    row = conn.execute("SELECT attributes FROM erp_counter WHERE id = ?", (counter_id,)).fetchone()
    return json.loads(row[0]) if row else {}


def save_meter(conn: sqlite3.Connection, meter_id: int | None, attributes: Mapping[str, Any]) -> tuple[int, str]:
    """Create (``meter_id`` None) or merge ``attributes`` into a meter; returns (id, action)."""
    if meter_id is None:
        cursor = conn.execute("INSERT INTO erp_meter(attributes) VALUES (?)", (_dump(attributes),))
        new_id = int(cursor.lastrowid or 0)
        _index(conn, "erp_meter_key", "meter_id", new_id, attributes, extra={})
        return new_id, "created"
    current = meter_attributes(conn, meter_id)
    merged = {**current, **attributes}
    if merged == current:
        return meter_id, "unchanged"
    conn.execute("UPDATE erp_meter SET attributes = ? WHERE id = ?", (_dump(merged), meter_id))
    conn.execute("DELETE FROM erp_meter_key WHERE meter_id = ?", (meter_id,))
    _index(conn, "erp_meter_key", "meter_id", meter_id, merged, extra={})
    return meter_id, "updated"


def save_counter(
    conn: sqlite3.Connection, meter_id: int, counter_id: int | None, attributes: Mapping[str, Any]
) -> tuple[int, str]:
    """Create or merge a counter of ``meter_id``; returns (id, action)."""
    if counter_id is None:
        cursor = conn.execute(
            "INSERT INTO erp_counter(meter_id, attributes) VALUES (?, ?)", (meter_id, _dump(attributes))
        )
        new_id = int(cursor.lastrowid or 0)
        _index(conn, "erp_counter_key", "counter_id", new_id, attributes, extra={"meter_id": meter_id})
        return new_id, "created"
    current = counter_attributes(conn, counter_id)
    merged = {**current, **attributes}
    if merged == current:
        return counter_id, "unchanged"
    conn.execute("UPDATE erp_counter SET attributes = ? WHERE id = ?", (_dump(merged), counter_id))
    conn.execute("DELETE FROM erp_counter_key WHERE counter_id = ?", (counter_id,))
    _index(conn, "erp_counter_key", "counter_id", counter_id, merged, extra={"meter_id": meter_id})
    return counter_id, "updated"


def _index(
    conn: sqlite3.Connection,
    table: str,
    id_column: str,
    entity_id: int,
    attributes: Mapping[str, Any],
    *,
    extra: Mapping[str, int],
) -> None:
    """One key row per scalar attribute (lists and objects are not lookup keys)."""
    columns = [id_column, *extra, "attribute", "value"]
    placeholders = ", ".join("?" for _ in columns)
    rows = []
    for attribute, value in attributes.items():
        if isinstance(value, (list, dict)):
            continue
        text = key_text(value)
        if text is None or text == "":
            continue
        rows.append((entity_id, *extra.values(), attribute, text))
    conn.executemany(f"INSERT OR IGNORE INTO {table}({', '.join(columns)}) VALUES ({placeholders})", rows)


def _dump(attributes: Mapping[str, Any]) -> str:
    return json.dumps(dict(attributes), sort_keys=True, separators=(",", ":"))
