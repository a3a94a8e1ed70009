"""One import batch: check the configuration, extract, then write everything in one transaction.

Order: (1) parse the configuration (nothing else happens if it is malformed); (2) evaluate every
reading configuration's ``jsonataExpression`` on the payload (a failure aborts before any write);
(3) in ONE transaction: entities in their order, then each reading configuration in its order,
pruning after its upserts. Rejected readings are reported and skipped; any exception inside the
transaction (a database error, a bug) rolls the whole batch back, so no half-written batch remains.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from handlers.db import connect, transaction

from .config import ImportConfig, ReadingConfig, parse_config
from .entities import extract_records, import_entities
from .errors import ErpPayloadError
from .prune import prune_scopes, scope_from_root
from .readings import ScopeTracker, process_reading
from .report import ImportReport
from .rules import RuleViolation
from .schema import SCHEMA

__all__ = ["extract_readings", "import_batch", "open_database", "run_import"]


def open_database(path: str | os.PathLike[str] | None = None) -> sqlite3.Connection:
    """The shared SQLite database with the import's tables (``path``, ``$ASLRUN_DB`` or default)."""
    return connect(path, schema=SCHEMA)


def extract_readings(config: ImportConfig, payload: Any) -> list[list[Any]]:
    """Each reading configuration's readings, in configuration order (no database access)."""
    return [_extract(reading_config, payload) for reading_config in config.readings]


def run_import(
    config: Mapping[str, Any] | ImportConfig,
    payload: Any,
    conn: sqlite3.Connection,
    *,
    extracted: Sequence[Sequence[Any]] | None = None,
) -> dict[str, Any]:
    """Parse ``config`` (unless already parsed) and import ``payload``; returns the report JSON."""
    parsed = config if isinstance(config, ImportConfig) else parse_config(config)
    return import_batch(parsed, payload, conn, extracted=extracted).to_json()


def import_batch(
    config: ImportConfig, payload: Any, conn: sqlite3.Connection, *, extracted: Sequence[Sequence[Any]] | None = None
) -> ImportReport:
    """Run one batch in one transaction; ``extracted`` skips step (2) when given."""
    readings = [list(r) for r in extracted] if extracted is not None else extract_readings(config, payload)
    if len(readings) != len(config.readings):
        raise ErpPayloadError(
            f"extracted readings have {len(readings)} list(s) but the configuration has "
            f"{len(config.readings)} meter_readings item(s)"
        )
    report = ImportReport(warnings=list(config.warnings))
    with transaction(conn):
        for entity_config in config.entities:
            import_entities(conn, entity_config, payload, report)
        for reading_config, batch in zip(config.readings, readings, strict=True):
            _import_readings(conn, reading_config, batch, payload, report)
    return report


def _import_readings(
    conn: sqlite3.Connection, config: ReadingConfig, readings: list[Any], payload: Any, report: ImportReport
) -> None:
    tracker = ScopeTracker()
    for index, raw in enumerate(readings):
        try:
            outcome = process_reading(conn, config, raw, payload, tracker)
        except RuleViolation as violation:
            report.fail(violation.error.located(config.item, index))
            continue
        report.record(
            config.item,
            index,
            outcome.action,
            reading_id=outcome.reading_id,
            external_id=outcome.external_id,
            note=outcome.note,
        )
    if config.mode != "upsert-prune-scope":
        return
    if not readings:
        scope = scope_from_root(conn, config, payload, report)
        if scope is not None:
            tracker.seen(scope)
    prune_scopes(conn, config, tracker, report)


def _extract(config: ReadingConfig, payload: Any) -> list[Any]:
    return extract_records(config, payload, "Meter readings configuration")
