"""The readings ledger: every reading the pipeline has judged, with its validation result.

It makes validation idempotent (a retried reading id gets its first verdict back), lets duplicate
detection see readings validated a moment ago by another Map iteration, and keeps the previous
register indexes a reading was measured from, so later steps and retries measure it the same way
even after the register has moved on.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from handlers.metering.metered import PreviousRead
from handlers.metering.store import MeteringStore

__all__ = ["DUPLICATE_WINDOW", "find_duplicate", "previous_reads", "record_result", "stored_result"]

DUPLICATE_WINDOW = timedelta(hours=24)


def stored_result(store: MeteringStore, reading_id: str) -> tuple[str, dict[str, Any]] | None:
    """``(content_hash, validation result)`` of a reading already judged, or None."""
    row = store.conn.execute(
        "SELECT content_hash, result FROM metering_readings WHERE reading_id = ?", (reading_id,)
    ).fetchone()
    return (row["content_hash"], json.loads(row["result"])) if row else None


def find_duplicate(
    store: MeteringStore, reading_id: str, meter_id: str, reading_type: str, read_at: datetime
) -> str | None:
    """Another VALID reading of the same meter and type read within 24 h of this one."""
    epoch = read_at.timestamp()
    window = DUPLICATE_WINDOW.total_seconds()
    row = store.conn.execute(
        "SELECT reading_id FROM metering_readings WHERE meter_id = ? AND reading_type = ? "
        "AND status = 'VALID' AND reading_id <> ? AND read_at_epoch > ? AND read_at_epoch < ? "
        "ORDER BY read_at_epoch LIMIT 1",
        (meter_id, reading_type, reading_id, epoch - window, epoch + window),
    ).fetchone()
    return row["reading_id"] if row else None


def record_result(
    store: MeteringStore,
    result: dict[str, Any],
    *,
    content_hash: str,
    account_id: str | None,
    reading_type: str | None,
    read_at: datetime | None,
    received_at: datetime,
) -> None:
    """Insert or replace the verdict on a reading (call inside a transaction)."""
    store.conn.execute(
        "INSERT OR REPLACE INTO metering_readings VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            result["readingId"],
            result["meterId"],
            account_id,
            reading_type,
            read_at.isoformat() if read_at else None,
            read_at.timestamp() if read_at else None,
            result.get("periodStart"),
            result.get("periodEnd"),
            result["status"],
            json.dumps(result),
            content_hash,
            received_at.isoformat(),
        ),
    )


def previous_reads(store: MeteringStore, reading_id: str) -> dict[str, PreviousRead]:
    """The previous register indexes validation resolved for a reading (empty if none)."""
    found = stored_result(store, reading_id)
    if found is None:
        return {}
    return {
        suffix: PreviousRead(Decimal(item["value"]), datetime.fromisoformat(item["readAt"]))
        for suffix, item in found[1].get("previousReads", {}).items()
    }
