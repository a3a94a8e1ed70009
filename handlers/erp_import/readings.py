"""One reading through the documented flow: map, find the meter, check, match, write.

Upsert (``mode: upsert`` and ``upsert-prune-scope``):

1. Apply ``fields`` (field paths, constants, JSONata), find the meter (and counter).
2. Check the core attributes (external_id, timestamp, source, value, reason).
3. Match an existing reading. ``external_id`` (default): the same external id on the meter (and
   counter). ``strict-date``: the same external id first, else the same meter + counter + direction
   on the same German calendar day; one match is updated (as the seed says; but an *earlier* reading
   of the same source with another external id does not overwrite the day's later one, see
   ``_superseded_by``), several are an error (logged, reading skipped), none falls through.
4. No match: deduplicate - a reading of the same meter (+ counter, + direction and reading type when
   specified) with the same reading date (the German calendar day, 23 or 25 hours long across the
   clock changes) means this one is skipped, as the seed judges duplicates "based on ... reading date".
5. Otherwise create it.

Delete (``mode: delete``): the reading with the same external id on the meter is deleted; with
``strict-date``, when no external id matches, the one reading of that German day is deleted
(several: error). Nothing to delete is "skipped", not an error.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .config import ReadingConfig
from .errors import AMBIGUOUS_READING_MATCH, INVALID_READING, INVALID_TIMESTAMP, MISSING_FIELD, ReadingError
from .lookup import resolve_counter, resolve_meter
from .mapping import apply_fields
from .reading_store import (
    ANY,
    CounterRef,
    ReadingRecord,
    by_external_id,
    delete_readings,
    insert_reading,
    on_berlin_day,
    update_reading,
    on_same_day,
)
from .rules import RuleViolation, check_external_id, check_reason, check_source, check_value, optional_text
from .timestamps import Instant, TimestampError, parse_timestamp

__all__ = ["CORE_ATTRIBUTES", "Outcome", "ScopeKey", "ScopeTracker", "process_reading"]

log = logging.getLogger(__name__)

CORE_ATTRIBUTES = ("external_id", "timestamp", "source", "value", "reason", "direction", "reading_type")
ScopeKey = tuple[int, CounterRef]


@dataclass
class ScopeTracker:
    """What ``upsert-prune-scope`` needs: per meter+counter, the rows to keep and whether any failed."""

    keep: dict[ScopeKey, set[int]] = field(default_factory=dict)
    failed: set[ScopeKey] = field(default_factory=set)

    def seen(self, scope: ScopeKey) -> None:
        self.keep.setdefault(scope, set())

    def kept(self, scope: ScopeKey, row_id: int) -> None:
        self.keep.setdefault(scope, set()).add(row_id)


@dataclass(frozen=True)
class Outcome:
    """What happened to one reading (an ``ImportReport.record`` entry)."""

    action: str
    reading_id: int | None = None
    external_id: str | None = None
    note: str | None = None


def process_reading(
    conn: sqlite3.Connection, config: ReadingConfig, raw: Any, root: Any, tracker: ScopeTracker
) -> Outcome:
    """Import (or delete) one extracted reading; raises RuleViolation when it is rejected."""
    if not isinstance(raw, Mapping):
        raise RuleViolation(
            ReadingError(INVALID_READING, "Reading must be an object", {"received_type": type(raw).__name__})
        )
    attributes = apply_fields(config.fields, raw, root)
    meter_id = resolve_meter(conn, config.meter_ids, attributes, raw, root)
    counter: CounterRef = ANY
    if config.counter_ids is not None:
        counter = resolve_counter(conn, meter_id, config.counter_ids, attributes, raw, root)
    scope = (meter_id, counter)
    tracker.seen(scope)
    try:
        if config.mode == "delete":
            return _delete(conn, config, attributes, meter_id, counter)
        return _upsert(conn, config, attributes, meter_id, counter, tracker)
    except RuleViolation:
        tracker.failed.add(scope)
        raise


def _upsert(
    conn: sqlite3.Connection,
    config: ReadingConfig,
    attributes: dict[str, Any],
    meter_id: int,
    counter: CounterRef,
    tracker: ScopeTracker,
) -> Outcome:
    record = _record(config, attributes, meter_id, counter)
    scope = (meter_id, counter)
    match = _find_match(conn, config, record, counter)
    if match is not None:
        changed = update_reading(conn, match, record)
        tracker.kept(scope, match["id"])
        external_id = record.external_id or match["external_id"]
        return Outcome("updated" if changed else "unchanged", match["id"], external_id)
    duplicates = on_same_day(
        conn, meter_id, counter, record.direction, record.reading_type, record.instant.berlin_day,
        record.instant.epoch_us,
    )
    if duplicates:
        first = duplicates[0]
        tracker.kept(scope, first["id"])
        note = (f"duplicate of reading {first['id']} ({first['timestamp']}): the same reading date, "
                f"{record.instant.berlin_day} (German day)")
        return Outcome("skipped", first["id"], record.external_id, note)
    row_id = insert_reading(conn, record)
    tracker.kept(scope, row_id)
    return Outcome("created", row_id, record.external_id)


def _find_match(
    conn: sqlite3.Connection, config: ReadingConfig, record: ReadingRecord, counter: CounterRef
) -> sqlite3.Row | None:
    if record.external_id is not None:
        rows = by_external_id(conn, record.meter_id, counter, record.external_id)
        if len(rows) == 1:
            return rows[0]
        if rows:
            raise _ambiguous(rows, "external_id", record.external_id)
    if config.matching != "strict-date":
        return None
    rows = [
        row
        for row in on_berlin_day(conn, record.meter_id, counter, record.direction, record.instant.berlin_day)
        if not _superseded_by(row, record)
    ]
    if len(rows) > 1:
        raise _ambiguous(rows, "date", record.instant.berlin_day)
    return rows[0] if rows else None


def _superseded_by(row: sqlite3.Row, record: ReadingRecord) -> bool:
    """Whether the incoming reading is an *older* reading of the same source than ``row`` (another
    external id, an earlier time of the same German day): then ``row`` is the day's newer reading
    and stays; the incoming one is not a match (it is then a duplicate of that reading date, skipped).

    A later (or simultaneous) one updates ``row``, as the seed's "single match: updates" says, so a
    second ERP reading of a day is kept, not lost; and importing the same payload again changes
    nothing, since the earlier reading of the day no longer re-labels the later one."""
    return (row["external_id"] is not None and row["external_id"] != record.external_id
            and row["source"] == record.source and record.instant.epoch_us < row["epoch_us"])


def _delete(
    conn: sqlite3.Connection, config: ReadingConfig, attributes: dict[str, Any], meter_id: int, counter: CounterRef
) -> Outcome:
    strict = config.matching == "strict-date"
    external_id = check_external_id(attributes.get("external_id"), required=not strict)
    if external_id is not None:
        rows = by_external_id(conn, meter_id, counter, external_id)
        if len(rows) > 1:
            raise _ambiguous(rows, "external_id", external_id)
        if rows:
            delete_readings(conn, [rows[0]["id"]])
            return Outcome("deleted", rows[0]["id"], external_id)
    if not strict:
        return Outcome("skipped", None, external_id, f"no reading with external_id {external_id!r} on this meter")
    instant = _instant(attributes.get("timestamp"))
    direction = optional_text(attributes.get("direction"))
    rows = on_berlin_day(conn, meter_id, counter, direction, instant.berlin_day)
    if len(rows) > 1:
        raise _ambiguous(rows, "date", instant.berlin_day)
    if not rows:
        return Outcome("skipped", None, external_id, f"no reading on {instant.berlin_day} (German day) to delete")
    delete_readings(conn, [rows[0]["id"]])
    return Outcome("deleted", rows[0]["id"], rows[0]["external_id"] or external_id, "matched by German date")


def _record(config: ReadingConfig, attributes: dict[str, Any], meter_id: int, counter: CounterRef) -> ReadingRecord:
    """Check the core attributes and build the row; extra attributes are kept as JSON."""
    external_id = check_external_id(attributes.get("external_id"), required=config.matching == "external_id")
    instant = _instant(attributes.get("timestamp"))
    source = check_source(attributes.get("source"))
    value = check_value(attributes.get("value"))
    reason = check_reason(attributes.get("reason"))
    extra = {key: value for key, value in attributes.items() if key not in CORE_ATTRIBUTES}
    if instant.naive_input:
        extra.setdefault("timestamp_as_given", attributes.get("timestamp"))
    return ReadingRecord(
        meter_id=meter_id,
        counter_id=None if counter is ANY else counter,  # type: ignore[arg-type]
        external_id=external_id,
        instant=instant,
        source=source,
        value=value,
        reason=reason,
        direction=optional_text(attributes.get("direction")),
        reading_type=optional_text(attributes.get("reading_type")),
        attributes=extra,
    )


def _instant(value: Any) -> Instant:
    if value is None or value == "":
        raise RuleViolation(ReadingError(MISSING_FIELD, "Missing required field", {"field": "timestamp"}))
    try:
        return parse_timestamp(value)
    except TimestampError as exc:
        raise RuleViolation(
            ReadingError(INVALID_TIMESTAMP, "Invalid timestamp", {"field": "timestamp", "received": str(value), "reason": str(exc)})
        ) from None


def _ambiguous(rows: list[sqlite3.Row], by: str, key: str) -> RuleViolation:
    ids = [row["id"] for row in rows]
    log.error("meter reading import: %d existing readings match by %s %s (ids %s); reading skipped", len(ids), by, key, ids)
    return RuleViolation(
        ReadingError(
            AMBIGUOUS_READING_MATCH,
            "Several existing readings match; reading skipped to avoid duplicates",
            {"matched_by": by, "key": key, "reading_ids": ids},
        )
    )
