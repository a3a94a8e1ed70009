"""DetectAnomaly: should this reading's bill be held for a person to look at?

Rules (DOMAIN.md defaults), in the order they rank as the headline ``anomalyType``:

- TAMPER: an uncleared tamper alarm in the meter log or on the reading.
- REVERSE_FLOW: the meter reports reverse energy (event REVERSE_ENERGY, NEM12 reason 39), or
  energy was exported (B1) through a meter not set up for export.
- SPIKE: the largest E1 interval exceeds 2 x the third largest AND 1 kWh (electricity intervals).
- HIGH: average daily use above 2.5 x the meter's history (needs >= 3 earlier periods).
- ZERO: 3 or more consecutive days of zero use (a whole zero period of >= 3 days for basic meters)
  on an ACTIVE account.
- LOW: average daily use below 0.2 x history (>= 3 periods; not reported together with ZERO).

History is the average daily E1 use over the meter's last (up to 6) usage records ending on or
before this period starts, excluding this reading. Findings are stored per reading (idempotent).
Returns ``{"isAnomaly", "anomalyType" (null when clean), "anomalies": [{"type", ...}], ...}``.
"""

from __future__ import annotations

import heapq
import itertools
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from handlers.marks import reads_event_only
from handlers.metering.clock import Clock, system_clock
from handlers.metering.events import reading_event
from handlers.metering.metered import Metered
from handlers.metering.milli import largest_values
from handlers.metering.money import ZERO, format_quantity
from handlers.metering.readings import alarm_flags
from handlers.metering.status import tamper_evidence
from handlers.metering.store import MeteringStore, open_store
from handlers.metering.usage import measure_event

__all__ = ["RANKING", "Thresholds", "detect_anomaly", "handler"]

RANKING = ("TAMPER", "REVERSE_FLOW", "SPIKE", "HIGH", "ZERO", "LOW")


class Thresholds:
    """The defaults from DOMAIN.md, named so a test or a caller can see (and vary) them."""

    HIGH_FACTOR = Decimal("2.5")
    LOW_FACTOR = Decimal("0.2")
    MIN_HISTORY_PERIODS = 3
    HISTORY_PERIODS = 6
    ZERO_DAYS = 3
    SPIKE_FACTOR = Decimal(2)
    SPIKE_MIN_KWH = Decimal(1)


def _history(store: MeteringStore, metered: Metered) -> list[tuple[Decimal, int]]:
    rows = store.conn.execute(
        "SELECT total, days FROM metering_usage WHERE meter_id = ? AND reading_id <> ? "
        "AND period_end <= ? ORDER BY period_end DESC LIMIT ?",
        (
            metered.meter.meter_id,
            metered.reading.reading_id,
            metered.period_start.isoformat(),
            Thresholds.HISTORY_PERIODS,
        ),
    ).fetchall()
    return [(Decimal(row["total"]), row["days"]) for row in rows]


def _longest_zero_run(metered: Metered) -> int:
    if not metered.intervals:
        return metered.days if metered.general == 0 else 0
    longest = run = 0
    daily = metered.daily("E1")
    for day in sorted(daily):
        run = run + 1 if daily[day] == 0 else 0
        longest = max(longest, run)
    return longest


def _third_highest(rows: Mapping[date, Sequence[Decimal]], maxima: Mapping[date, Decimal]) -> Decimal | None:
    """The third highest interval of the channel (None: fewer than three intervals). Three days
    each hold a value at least the third highest of the days' maxima, so the three highest
    intervals are all at or above it: only the days reaching it are looked into (ranking all 1,536
    intervals of a month in Python was a third of the handler)."""
    if len(maxima) < 3:  # (a short reading: rank every value)
        highest = heapq.nlargest(3, itertools.chain.from_iterable(rows.values()))
        return highest[2] if len(highest) == 3 else None
    least = heapq.nlargest(3, maxima.values())[2]
    candidates = [value for day, row in rows.items() if maxima.get(day, least) >= least for value in row
                  if value >= least]
    return heapq.nlargest(3, candidates)[2]


def _three_largest(rows: Mapping[date, Sequence[Decimal]],
                   maxima: Mapping[date, Decimal]) -> list[tuple[Decimal, date, int]]:
    """``(value, day, slot)`` of the three largest intervals (fewer for a reading of fewer)."""
    floor = _third_highest(rows, maxima)
    if floor is None:
        return []
    return heapq.nlargest(  # are among those at or above the third highest value: rank just those
        3,
        (
            (value, day, slot)
            for day, row in rows.items()
            if row and maxima[day] >= floor
            for slot, value in enumerate(row)
            if value >= floor
        ),
    )


def _spike(metered: Metered) -> dict[str, Any] | None:
    if metered.unit != "kWh" or "E1" not in metered.intervals:
        return None
    rows = metered.intervals["E1"]
    ranked = largest_values(rows, 3)  # (the values a parse holds as thousandths: from the integers)
    if ranked is None:
        ranked = _three_largest(rows, metered.day_maxima("E1"))
    if len(ranked) < 3:
        return None
    top, day, slot = ranked[0]
    third = ranked[2][0]
    if top > Thresholds.SPIKE_FACTOR * third and top > Thresholds.SPIKE_MIN_KWH:
        return {
            "type": "SPIKE",
            "date": day.isoformat(),
            "interval": slot + 1,
            "value": format_quantity(top),
            "thirdHighest": format_quantity(third),
        }
    return None


def _findings(
    store: MeteringStore, metered: Metered, event: Mapping[str, Any], now: datetime
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    found: list[dict[str, Any]] = []
    meter = metered.meter
    tamper = tamper_evidence(store, meter.meter_id, event, now)
    if tamper:
        found.append({"type": "TAMPER", "evidence": tamper})
    exported = metered.totals.get("B1", ZERO)
    if "REVERSE_ENERGY" in alarm_flags(event):
        found.append({"type": "REVERSE_FLOW", "reason": "meter reported reverse energy"})
    elif exported > 0 and not meter.export_enabled:
        found.append(
            {
                "type": "REVERSE_FLOW",
                "exported": format_quantity(exported),
                "reason": "energy exported through a meter not set up for export",
            }
        )
    spike = _spike(metered)
    if spike:
        found.append(spike)
    history = _history(store, metered)
    average = metered.general / metered.days
    facts: dict[str, Any] = {
        "averageDailyUsage": format_quantity(average),
        "historyPeriods": len(history),
    }
    zero_run = _longest_zero_run(metered)
    account = store.account(metered.reading.account_id)
    active = account is not None and account.status == "ACTIVE"
    if active and zero_run >= Thresholds.ZERO_DAYS:
        found.append({"type": "ZERO", "consecutiveZeroDays": zero_run})
    if len(history) >= Thresholds.MIN_HISTORY_PERIODS:
        usual = sum((total for total, _ in history), ZERO) / sum(days for _, days in history)
        facts["historicalAverageDailyUsage"] = format_quantity(usual)
        if usual > 0:
            ratio = average / usual
            facts["ratioToHistory"] = str(ratio.quantize(Decimal("0.01")))
            if ratio > Thresholds.HIGH_FACTOR:
                found.append({"type": "HIGH", "ratio": facts["ratioToHistory"]})
            elif ratio < Thresholds.LOW_FACTOR and not any(f["type"] == "ZERO" for f in found):
                found.append({"type": "LOW", "ratio": facts["ratioToHistory"]})
    found.sort(key=lambda finding: RANKING.index(finding["type"]))
    return found, facts


def detect_anomaly(event: object, *, store: MeteringStore, now: datetime) -> dict[str, Any]:
    """Apply every rule to the event's reading; store and return the findings."""
    state = reading_event(event)
    metered = measure_event(event, store)
    found, facts = _findings(store, metered, state, now)
    reading_id = metered.reading.reading_id
    if found:  # (a clean reading writes nothing: no transaction to take a turn for)
        with store.transaction():
            for finding in found:
                store.conn.execute(
                    "INSERT OR IGNORE INTO metering_anomalies VALUES (?, ?, ?, ?, ?)",
                    (
                        reading_id,
                        metered.meter.meter_id,
                        finding["type"],
                        json.dumps(finding),
                        now.isoformat(),
                    ),
                )
    return {
        "readingId": reading_id,
        "meterId": metered.meter.meter_id,
        "isAnomaly": bool(found),
        "anomalyType": found[0]["type"] if found else None,
        "anomalies": found,
        **facts,
    }


@reads_event_only
def handler(
    event: object, context: object = None, *, db: str | None = None, clock: Clock | None = None
) -> dict[str, Any]:
    """Lambda entry point (DetectAnomaly)."""
    with open_store(db) as store:
        return detect_anomaly(event, store=store, now=(clock or system_clock)())
