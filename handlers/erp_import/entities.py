"""``entities``: upsert the meters and meter counters readings will link to.

The documentation's best practice is "Ensure Meters Exist First": process meters before readings,
in the same configuration. Each entity item extracts records with its ``jsonataExpression`` (none:
the payload itself, or each element when the payload is a list), maps ``fields``, and upserts by
``unique_ids``: found -> attributes merged, not found -> created. A ``{"attribute", "field"}`` unique
id also sets that attribute from the field. A ``meter_counter`` item links each counter to its meter
through ``meter.unique_ids``, exactly like a reading does.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from .config import EntityConfig
from .entity_store import find_counters, find_meters, save_counter, save_meter, usable_identity
from .errors import INVALID_READING, METER_AMBIGUOUS, MISSING_FIELD, ErpExtractionError, ReadingError
from .jsonata_eval import JsonataFailure, as_list
from .lookup import resolve_meter
from .mapping import apply_fields, resolve_path
from .report import ImportReport
from .rules import RuleViolation

__all__ = ["extract_records", "import_entities"]


def extract_records(config: Any, payload: Any, kind: str = "Entity configuration") -> list[Any]:
    """The records a configuration item describes: its jsonataExpression applied to the payload
    (or the payload itself); ``kind`` names the item in the error ("Meter readings configuration")."""
    if config.expression is None:
        return as_list(payload)
    try:
        return as_list(config.expression.evaluate(payload))
    except JsonataFailure as exc:
        raise ErpExtractionError(
            f"{kind} (item {config.item}): jsonataExpression failed on the payload: {exc}"
        ) from None


def import_entities(conn: sqlite3.Connection, config: EntityConfig, payload: Any, report: ImportReport) -> None:
    """Upsert every record of one entity item; rejected records go to the report."""
    kind = "meters" if config.schema == "meter" else "meter_counters"
    for index, record in enumerate(extract_records(config, payload)):
        try:
            action = _upsert(conn, config, record, payload)
        except RuleViolation as violation:
            report.fail(violation.error.located(config.item, index, section="entities"))
            continue
        report.entity(kind, action)


def _upsert(conn: sqlite3.Connection, config: EntityConfig, record: Any, payload: Any) -> str:
    if not isinstance(record, Mapping):
        raise RuleViolation(
            ReadingError(INVALID_READING, "Entity record must be an object", {"received_type": type(record).__name__})
        )
    attributes = apply_fields(config.fields, record, payload)
    for uid in config.unique_ids:
        if uid.field is not None:
            attributes[uid.attribute] = resolve_path(uid.field, record, payload)
    identity = {uid.attribute: attributes.get(uid.attribute) for uid in config.unique_ids}
    keys = usable_identity(identity)
    if keys is None:
        raise RuleViolation(
            ReadingError(MISSING_FIELD, f"Missing unique id for {config.schema}", {"unique_ids": identity})
        )
    if config.schema == "meter":
        found = find_meters(conn, keys)
        _at_most_one(found, identity, config.schema)
        return save_meter(conn, found[0] if found else None, attributes)[1]
    assert config.meter_ids is not None
    meter_id = resolve_meter(conn, config.meter_ids, attributes, record, payload)
    found = find_counters(conn, meter_id, keys)
    _at_most_one(found, identity, config.schema)
    return save_counter(conn, meter_id, found[0] if found else None, attributes)[1]


def _at_most_one(found: list[int], identity: dict[str, Any], schema: str) -> None:
    if len(found) > 1:
        raise RuleViolation(
            ReadingError(METER_AMBIGUOUS, f"Several {schema} entities match the unique ids", {**identity, "matches": len(found)})
        )
