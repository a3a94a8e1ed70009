"""CalculateUsage: the reading's energy per channel, persisted as the period's usage record.

Interval reads: sum of intervals per channel, per NEM day, and per time-of-use band when the
account's tariff is time-of-use. Accumulation reads: current - previous index per register (with
rollover at 10^digits), the previous index being the one validation resolved for this reading.
Units become kWh (Wh, MWh) or MJ (gas m3 x heating value x pressure factor).

Returns ``{"usageRecord": {...}}`` (quantities as strings, see :meth:`Metered.to_record`). The
record is stored once per reading id: a retry returns the stored record unchanged.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from handlers.marks import reads_event_only
from handlers.metering.clock import Clock, system_clock
from handlers.metering.events import reading_event
from handlers.metering.metered import Metered, PreviousRead, measure
from handlers.metering.pricing import band_totals
from handlers.metering.reading_log import previous_reads
from handlers.metering.readings import require_reading
from handlers.metering.store import MeteringStore, open_store

__all__ = ["calculate_usage", "handler", "measure_event", "store_usage_record", "stored_usage"]


def measure_event(event: object, store: MeteringStore) -> Metered:
    """Measure the reading inside ``event`` (pure apart from reading the database).

    Accumulation reads are measured from the previous indexes validation resolved for this
    reading id; a handler called on its own, without validation, falls back to the register
    in the database when that was read before this reading.
    """
    reading = require_reading(reading_event(event))
    meter = store.require_meter(reading.meter_id)
    previous = previous_reads(store, reading.reading_id)
    for suffix in reading.registers:
        if suffix not in previous:
            known = store.register(meter.meter_id, suffix)
            if known is not None and known[1] < reading.read_at:
                previous[suffix] = PreviousRead(*known)
    return measure(reading, meter, previous)


def stored_usage(store: MeteringStore, reading_id: str) -> dict[str, Any] | None:
    """The usage record already stored for a reading, or None."""
    row = store.conn.execute(
        "SELECT record FROM metering_usage WHERE reading_id = ?", (reading_id,)
    ).fetchone()
    return json.loads(row["record"]) if row else None


def store_usage_record(store: MeteringStore, record: dict[str, Any], now: datetime) -> None:
    """Keep a usage record (once per reading id); the meter's history for anomaly checks."""
    with store.transaction():
        store.conn.execute(
            "INSERT OR IGNORE INTO metering_usage VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                record["readingId"],
                record["meterId"],
                record["accountId"],
                record["periodStart"],
                record["periodEnd"],
                record["days"],
                record["unit"],
                record["totalUsage"],
                json.dumps(record),
                now.isoformat(),
            ),
        )


def calculate_usage(event: object, *, store: MeteringStore, now: datetime) -> dict[str, Any]:
    """Measure, store and return the usage record of the event's reading."""
    metered = measure_event(event, store)
    reading = metered.reading
    earlier = stored_usage(store, reading.reading_id)
    if earlier is not None:
        return {"usageRecord": earlier, "replayed": True}
    account = store.require_account(reading.account_id)
    tariff = store.tariff_schedule(account.tariff_code).tariff_on(metered.period_start)
    tou = band_totals(tariff, metered.to_usage().general)
    record = metered.to_record(tou=tou)
    store_usage_record(store, record, now)
    return {"usageRecord": record}


@reads_event_only
def handler(
    event: object, context: object = None, *, db: str | None = None, clock: Clock | None = None
) -> dict[str, Any]:
    """Lambda entry point (CalculateUsage)."""
    with open_store(db) as store:
        return calculate_usage(event, store=store, now=(clock or system_clock)())
