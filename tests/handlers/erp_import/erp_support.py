"""Helpers for the ERP import tests (a uniquely named module, imported by the tests and conftest)."""

from __future__ import annotations

import copy
from typing import Any

from handlers.erp_import import run_import

METER_ENTITIES = [
    {
        "entity_schema": "meter",
        "jsonataExpression": "$.meters",
        "unique_ids": [{"attribute": "external_id", "field": "meter_id"}],
        "fields": [{"attribute": "meter_number", "field": "meter_number"}],
    },
    {
        "entity_schema": "meter_counter",
        "jsonataExpression": "$.meters.counters",
        "meter": {"unique_ids": [{"attribute": "external_id", "field": "meter_id"}]},
        "unique_ids": [{"attribute": "external_id", "field": "counter_id"}],
        "fields": [{"attribute": "tariff", "field": "tariff"}, {"attribute": "direction", "field": "direction"}],
    },
]

# The documentation's "Basic Prune Scope Example" shape, used as the default reading config.
BASE_READING_CONFIG: dict[str, Any] = {
    "jsonataExpression": "$.readings",
    "meter": {"unique_ids": [{"attribute": "external_id", "field": "meter_id"}]},
    "meter_counter": {"unique_ids": [{"attribute": "external_id", "field": "counter_id"}]},
    "fields": [
        {"attribute": "external_id", "field": "reading_id"},
        {"attribute": "timestamp", "field": "read_at"},
        {"attribute": "source", "constant": "ERP"},
        {"attribute": "value", "field": "meter_value"},
    ],
}


def reading_config(**overrides: Any) -> dict[str, Any]:
    """The base reading config with top-level keys replaced (``None`` removes a key)."""
    config = copy.deepcopy(BASE_READING_CONFIG)
    for key, value in overrides.items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    return config


def reading(reading_id: str | None, read_at: str, value: Any, meter: str = "M1", counter: str = "C1", **extra: Any) -> dict[str, Any]:
    """One reading in the payload shape BASE_READING_CONFIG reads."""
    entry = {"meter_id": meter, "counter_id": counter, "reading_id": reading_id, "read_at": read_at, "meter_value": value}
    entry.update(extra)
    return entry


def seed_meters(conn, meters: dict[str, list[str]] | None = None) -> None:
    """Create meters (external_id) with their counters through an entities-only import."""
    meters = meters if meters is not None else {"M1": ["C1", "C2"], "M2": ["C1"]}
    payload = {
        "meters": [
            {
                "meter_id": meter_id,
                "meter_number": f"NO-{meter_id}",
                "counters": [
                    {"meter_id": meter_id, "counter_id": c, "tariff": c, "direction": "feed-out"} for c in counters
                ],
            }
            for meter_id, counters in meters.items()
        ]
    }
    report = run_import({"entities": METER_ENTITIES}, payload, conn)
    assert report["errors"] == [], report["errors"]


def import_readings(conn, readings: list[dict[str, Any]], config: dict[str, Any] | None = None, **root: Any) -> dict[str, Any]:
    """Run one meter_readings config over ``{"readings": readings, **root}``."""
    payload = {"readings": readings, **root}
    return run_import({"meter_readings": [config or reading_config()]}, payload, conn)


def rows(conn) -> list[dict[str, Any]]:
    """Every stored reading, oldest id first, as plain dicts."""
    return [dict(r) for r in conn.execute("SELECT * FROM erp_reading ORDER BY id")]
