"""``upsert-prune-scope``: after the upsert, delete the meter+counter's readings the payload lacks.

The scope of a prune is one meter + counter (the whole meter when the configuration names no
``meter_counter``), restricted to ``scope.source`` when set. Kept: every reading the payload created,
updated or matched as a duplicate (same reading date). Deletion is permanent.

Two protections the documentation leaves to us (decisions, see README):

* A scope in which any payload reading was rejected (bad value, ambiguous match...) is not pruned;
  the report carries a warning. A partly unreadable payload is not a trustworthy "source of truth".
* Zero readings: "all readings in scope will be deleted". The scope is then taken from the payload
  root: the configuration's meter (and counter) unique ids are resolved against the root object, so
  ``{"meter_id": "M1", "counter_id": "C1", "readings": []}`` prunes meter M1 / counter C1. When the
  root names no known meter, nothing is deleted and the report says why.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from .config import FieldMapping, ReadingConfig
from .entity_store import counter_attributes, meter_attributes
from .lookup import resolve_counter, resolve_meter
from .mapping import apply_fields
from .reading_store import ANY, CounterRef, delete_readings, in_scope
from .readings import ScopeKey, ScopeTracker
from .report import ImportReport
from .rules import RuleViolation

__all__ = ["prune_scopes", "scope_from_root"]


def prune_scopes(
    conn: sqlite3.Connection, config: ReadingConfig, tracker: ScopeTracker, report: ImportReport
) -> None:
    """Delete what the payload did not keep, scope by scope."""
    for scope, keep in tracker.keep.items():
        meter_id, counter = scope
        label = _scope_label(conn, config, meter_id, counter)
        if scope in tracker.failed:
            report.warnings.append(
                f"Meter readings configuration (item {config.item}): prune skipped for {label} "
                "because some of its readings in the payload were rejected"
            )
            continue
        rows = in_scope(conn, meter_id, counter, config.scope_source)
        doomed = [row for row in rows if row["id"] not in keep]
        delete_readings(conn, [row["id"] for row in doomed])
        report.pruned += len(doomed)
        report.prune_log.append(
            {
                "item": config.item,
                "scope": label,
                "meter_id": meter_id,
                "counter_id": None if counter is ANY else counter,
                "source": config.scope_source,
                "deleted": len(doomed),
                "deleted_external_ids": [row["external_id"] for row in doomed],
            }
        )


def scope_from_root(conn: sqlite3.Connection, config: ReadingConfig, root: Any, report: ImportReport) -> ScopeKey | None:
    """The meter+counter a reading-less payload is about, from the payload root (or None + warning)."""
    short_names = {uid.attribute for uid in config.meter_ids if uid.field is None}
    if config.counter_ids:
        short_names |= {uid.attribute for uid in config.counter_ids if uid.field is None}
    identity_fields: list[FieldMapping] = [m for m in config.fields if m.attribute in short_names]
    where = f"Meter readings configuration (item {config.item})"
    try:
        attributes = apply_fields(identity_fields, root, root)
        meter_id = resolve_meter(conn, config.meter_ids, attributes, root, root)
        counter: CounterRef = ANY
        if config.counter_ids is not None:
            counter = resolve_counter(conn, meter_id, config.counter_ids, attributes, root, root)
    except RuleViolation as violation:
        report.warnings.append(
            f"{where}: the payload yields zero readings and its root names no known meter/counter "
            f"({violation.error.message}: {violation.error.details}); nothing pruned"
        )
        return None
    return meter_id, counter


def _scope_label(conn: sqlite3.Connection, config: ReadingConfig, meter_id: int, counter: CounterRef) -> str:
    """``meter external_id=M1 / counter external_id=C1``: the scope in the configuration's own terms."""
    meter = meter_attributes(conn, meter_id)
    text = "meter " + " ".join(f"{uid.attribute}={meter.get(uid.attribute)}" for uid in config.meter_ids)
    if counter is ANY or config.counter_ids is None:
        return text + " (all counters)"
    attributes = counter_attributes(conn, counter)  # type: ignore[arg-type]
    return text + " / counter " + " ".join(f"{uid.attribute}={attributes.get(uid.attribute)}" for uid in config.counter_ids)
