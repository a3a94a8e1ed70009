"""The import's tables in the shared SQLite database (prefixed ``erp_`` to stay out of the way).

Meters and counters keep their attributes as JSON, plus one ``*_key`` row per scalar attribute so a
lookup by any unique id (``meter_number``, ``external_id``...) is an indexed query. Key values are
canonical text (``key_text``): ``"M001"``, ``1001`` and ``1001.0`` as ``1001``.

A reading keeps its UTC instant twice: ISO text for people and microseconds since the epoch (to
order candidates by nearness), plus its German calendar day (``berlin_day``), its reading date for
strict-date matching and deduplication. ``counter_id`` is NULL for meters imported without ``meter_counter``.
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["SCHEMA", "key_text"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS erp_meter (
    id          INTEGER PRIMARY KEY,
    attributes  TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS erp_meter_key (
    meter_id    INTEGER NOT NULL REFERENCES erp_meter(id) ON DELETE CASCADE,
    attribute   TEXT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (attribute, value, meter_id)
);
CREATE TABLE IF NOT EXISTS erp_counter (
    id          INTEGER PRIMARY KEY,
    meter_id    INTEGER NOT NULL REFERENCES erp_meter(id) ON DELETE CASCADE,
    attributes  TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS erp_counter_key (
    counter_id  INTEGER NOT NULL REFERENCES erp_counter(id) ON DELETE CASCADE,
    meter_id    INTEGER NOT NULL REFERENCES erp_meter(id) ON DELETE CASCADE,
    attribute   TEXT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (meter_id, attribute, value, counter_id)
);
CREATE TABLE IF NOT EXISTS erp_reading (
    id           INTEGER PRIMARY KEY,
    meter_id     INTEGER NOT NULL REFERENCES erp_meter(id) ON DELETE CASCADE,
    counter_id   INTEGER REFERENCES erp_counter(id) ON DELETE CASCADE,
    external_id  TEXT,
    timestamp    TEXT NOT NULL,
    epoch_us     INTEGER NOT NULL,
    berlin_day   TEXT NOT NULL,
    direction    TEXT,
    reading_type TEXT,
    source       TEXT NOT NULL CHECK (source IN ('ERP', 'ECP', '360', 'journey-submission')),
    value        NUMERIC NOT NULL CHECK (value >= 0),
    reason       TEXT CHECK (reason IS NULL OR reason IN ('regular', 'irregular', 'last', 'first',
                     'meter_change', 'contract_change', 'meter_adjustment')),
    attributes   TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS erp_reading_by_external_id ON erp_reading (meter_id, external_id);
CREATE INDEX IF NOT EXISTS erp_reading_by_day ON erp_reading (meter_id, berlin_day);
CREATE INDEX IF NOT EXISTS erp_reading_by_time ON erp_reading (meter_id, epoch_us);
"""


def key_text(value: Any) -> str | None:
    """The canonical text a unique-id value is stored and compared as (``None``: not usable)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
