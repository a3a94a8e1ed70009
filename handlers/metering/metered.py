"""From a validated reading to energy per channel: unit conversion, registers, rollover.

Pure arithmetic shared by CalculateUsage, DetectAnomaly and GenerateBill (each may need the usage
before or without the others' results, the two machines running them in different orders).

- Interval reads: per channel, per NEM day and per interval, converted to kWh (or MJ).
- Accumulation reads: current - previous per register; when current < previous the register
  wrapped: usage = 10^digits - previous + current (validation has checked it is plausible).
- Units: Wh / 1000, MWh x 1000 -> kWh; gas m3 x heating value (MJ/m3) x pressure factor -> MJ.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from handlers.metering.consumption import ChannelUsage, Usage
from handlers.metering.errors import BadEvent
from handlers.metering.milli import sum_of
from handlers.metering.money import ZERO, format_quantity, round_milli
from handlers.metering.periods import days_between, nem_date
from handlers.metering.readings import ELECTRIC_UNITS, Reading
from handlers.metering.recent import KeptByIdentity
from handlers.metering.store import Meter

__all__ = ["Metered", "PreviousRead", "billing_unit", "highest_per_day", "measure", "unit_factor"]


@dataclass(frozen=True)
class PreviousRead:
    """The register index a reading is measured from, and when it was read."""

    value: Decimal
    read_at: datetime


def billing_unit(meter: Meter) -> str:
    """kWh for electricity, MJ for gas."""
    return "MJ" if meter.fuel == "GAS" else "kWh"


#: units whose factor is exactly 1 (``Decimal(1)``: exponent 0), so scaling changes no value's digits
_UNIT_FACTOR_ONE = frozenset({"kWh", "MJ"})


def unit_factor(reading: Reading, meter: Meter) -> Decimal:
    """Multiply a value in the reading's unit by this to get the billing unit."""
    if reading.unit in ELECTRIC_UNITS:
        return ELECTRIC_UNITS[reading.unit]
    if reading.unit == "MJ":
        return Decimal(1)
    heating = reading.heating_value or meter.heating_value
    pressure = reading.pressure_factor or meter.pressure_factor
    return heating * pressure


def highest_per_day(rows: Mapping[date, Sequence[Decimal]]) -> dict[date, Decimal]:
    """The highest interval of each day that has any."""
    return {day: max(row) for day, row in rows.items() if row}


@dataclass(frozen=True)
class Metered:
    """Energy over ``[period_start, period_end)`` in ``unit``, per channel (E1, E2, B1)."""

    reading: Reading
    meter: Meter
    unit: str
    period_start: date
    period_end: date
    totals: Mapping[str, Decimal]
    intervals: Mapping[str, Mapping[date, Sequence[Decimal]]] = field(default_factory=dict)
    rolled_over: tuple[str, ...] = ()
    #: each channel's energy per NEM day (``sum(values, ZERO)`` of each day of ``intervals``), summed
    #: once when measured: the usage record, the anomaly rules and the bill engine all read it
    day_sums: Mapping[str, Mapping[date, Decimal]] = field(default_factory=dict)
    #: each channel's highest interval per NEM day, found when measured (the parse's for values as read)
    day_highest: Mapping[str, Mapping[date, Decimal]] = field(default_factory=dict)

    @property
    def days(self) -> int:
        """Days in the period."""
        return days_between(self.period_start, self.period_end)

    @property
    def general(self) -> Decimal:
        """General usage (E1)."""
        return self.totals.get("E1", ZERO)

    def daily(self, suffix: str = "E1") -> dict[date, Decimal]:
        """Energy per NEM day of a channel (interval reads only; empty otherwise)."""
        summed = self.day_sums.get(suffix)
        if summed is not None:
            return dict(summed)
        return {day: sum_of(values) for day, values in self.intervals.get(suffix, {}).items()}

    def day_maxima(self, suffix: str = "E1") -> Mapping[date, Decimal]:
        """The highest interval of each NEM day of a channel (interval reads only; empty otherwise):
        the usage record and the spike rule both look at them. Read only."""
        found = self.day_highest.get(suffix)
        return found if found is not None else highest_per_day(self.intervals.get(suffix, {}))

    def to_usage(self) -> Usage:
        """The bill engine's view: intervals where the meter has them, totals otherwise (built once
        per Metered: an interval reading's is shared by the handlers that measure it, see
        :func:`measure`; a Usage is frozen)."""
        return self._usage

    @functools.cached_property
    def _usage(self) -> Usage:
        def channel(suffix: str) -> ChannelUsage | None:
            if suffix in self.intervals:
                minutes = self.reading.interval_minutes or 30
                if suffix in self.day_sums:  # rows a parse checked (count, finite, >= 0), summed once
                    return ChannelUsage.from_checked_intervals(
                        self.intervals[suffix], self.day_sums[suffix], interval_minutes=minutes
                    )
                return ChannelUsage.from_intervals(self.intervals[suffix], interval_minutes=minutes)
            if suffix in self.totals:
                return ChannelUsage.from_total(self.totals[suffix])
            return None

        general = channel("E1")
        assert general is not None
        return Usage(general=general, controlled_load=channel("E2"), feed_in=channel("B1"))

    def to_record(self, *, tou: Mapping[str, Decimal] | None = None) -> dict[str, Any]:
        """The ``usageRecord`` JSON: quantities as strings with three decimals."""
        record: dict[str, Any] = {
            "readingId": self.reading.reading_id,
            "meterId": self.meter.meter_id,
            "accountId": self.reading.account_id,
            "nmi": self.reading.nmi,
            "readingType": self.reading.reading_type,
            "fuel": self.meter.fuel,
            "unit": self.unit,
            "periodStart": self.period_start.isoformat(),
            "periodEnd": self.period_end.isoformat(),
            "days": self.days,
            "totalUsage": format_quantity(self.general),
            "averageDailyUsage": format_quantity(self.general / self.days),
            "channels": {suffix: format_quantity(q) for suffix, q in sorted(self.totals.items())},
        }
        if self.intervals:
            record["intervalLength"] = self.reading.interval_minutes
            record["dailyUsage"] = {
                d.isoformat(): format_quantity(q) for d, q in sorted(self.daily().items())
            }
            record["maxIntervalUsage"] = format_quantity(max(self.day_maxima().values(), default=ZERO))
        if tou:
            record["touUsage"] = {band: format_quantity(q) for band, q in tou.items()}
        if self.rolled_over:
            record["rollover"] = list(self.rolled_over)
        return record


def _interval_period(reading: Reading) -> tuple[date, date]:
    days = [row.day for row in reading.intervals["E1"]]
    start = reading.period_start or min(days)
    end = reading.period_end or date.fromordinal(max(days).toordinal() + 1)
    return start, end


def measure(
    reading: Reading, meter: Meter, previous: Mapping[str, PreviousRead] | None = None
) -> Metered:
    """The reading's energy. Accumulation reads need ``previous`` (or previousRead in the event).

    Raises :class:`BadEvent` when a previous index is nowhere to be found or the period is empty.
    """
    if reading.is_interval:
        return _measured_intervals(reading, meter)
    factor = unit_factor(reading, meter)
    unit = billing_unit(meter)

    def convert(value: Decimal) -> Decimal:
        # m3 -> MJ multiplies by an inexact heating value: keep watt-hour / kilojoule precision
        return round_milli(value * factor) if reading.unit == "m3" else value * factor

    totals: dict[str, Decimal] = {}
    rolled: list[str] = []
    started: datetime | None = reading.previous_read_at
    for suffix, register in reading.registers.items():
        before = register.previous
        if before is None:
            known = (previous or {}).get(suffix)
            if known is None:
                raise BadEvent(
                    f"registers {suffix}: no previousRead in the event and none recorded for "
                    f"meter {meter.meter_id}"
                )
            before = known.value
            started = started or known.read_at
        if register.current >= before:
            raw = register.current - before
        else:
            raw = meter.rollover_at - before + register.current
            rolled.append(suffix)
        totals[suffix] = convert(raw)
    if started is None:
        raise BadEvent("previousReadAt: required when previousRead is given in the event")
    start, end = nem_date(started), nem_date(reading.read_at)
    if end <= start:
        raise BadEvent(
            f"readAt {reading.read_at.isoformat()} must be on a later NEM day than the previous "
            f"read {started.isoformat()}"
        )
    return Metered(reading, meter, unit, start, end, totals, {}, tuple(rolled))


#: the last few interval readings measured, by their Reading and its meter
_recent_intervals: KeptByIdentity[Metered] = KeptByIdentity(8)


def _measured_intervals(reading: Reading, meter: Meter) -> Metered:
    """An interval reading's energy, measured once for the handlers that each measure it.

    :func:`~handlers.metering.readings.parse_reading` hands the later handlers of a pipeline the
    very Reading object the first one parsed, so the last few measurements are kept by that
    object's identity (the entry holds the Reading, so its id cannot be reused while kept) and
    the meter's row (a meter changed in the database is measured afresh). Reading, Meter and
    Metered are frozen; nothing writes to what they hold."""
    kept = _recent_intervals.find((reading,), meter)
    if kept is not None:
        return kept
    factor = unit_factor(reading, meter)

    def convert(value: Decimal) -> Decimal:  # m3 -> MJ: see measure()
        return round_milli(value * factor)

    start, end = _interval_period(reading)
    scale = convert if reading.unit == "m3" else factor.__mul__  # the same products, without a call per value
    unscaled = reading.unit in _UNIT_FACTOR_ONE  # x 1 gives each value back digit for digit: skip it
    intervals = {
        suffix: {row.day: row.values if unscaled else tuple(map(scale, row.values)) for row in rows}
        for suffix, rows in reading.intervals.items()
    }
    day_sums = {s: {day: sum_of(r) for day, r in days.items()} for s, days in intervals.items()}
    summed = {s: sum(sums.values(), ZERO) for s, sums in day_sums.items()}
    day_highest: dict[str, Any]
    if unscaled:  # the values as read: each day's highest is the parse's
        day_highest = {s: {row.day: row.highest for row in rows if row.values}
                       for s, rows in reading.intervals.items()}
    else:
        day_highest = {s: highest_per_day(days) for s, days in intervals.items()}
    metered = Metered(reading, meter, billing_unit(meter), start, end, summed, intervals, day_sums=day_sums,
                      day_highest=day_highest)
    _recent_intervals.keep((reading,), meter, metered)
    return metered
