"""Pricing a period's usage against a tariff schedule: the bill engine's arithmetic.

:func:`price_usage` cuts ``[period_start, period_end)`` wherever a tariff version changes (and, on
request, at month starts), then prices each segment: supply days x c/day, general usage (flat,
pro-rated blocks, or time-of-use bands), controlled load, and the feed-in credit. Each line is
rounded to the cent with ROUND_HALF_UP on its own; :func:`bill_totals` adds GST (10 %) to the
taxable lines only, feed-in credits being GST-free.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from handlers.metering.consumption import ChannelUsage, Usage
from handlers.metering.errors import TariffError
from handlers.metering.milli import MilliChannel, MilliValues, label_row
from handlers.metering.recent import KeptByIdentity
from handlers.metering.money import (
    ZERO,
    cents_to_dollars,
    format_amount,
    format_quantity,
    round_cents,
    round_milli,
)
from handlers.metering.periods import days_between, month_starts_between
from handlers.metering.tariff_model import (
    BlockUsage,
    FlatUsage,
    Tariff,
    TariffSchedule,
    TimeOfUseUsage,
    local_start,
)

if TYPE_CHECKING:
    import numpy as np

__all__ = ["GST_RATE", "BillLine", "BillTotals", "band_totals", "bill_totals", "price_usage"]

GST_RATE = Decimal("0.10")


@dataclass(frozen=True)
class BillLine:
    """One priced line: ``quantity`` x ``cents_per_unit`` / 100 = ``amount`` dollars (to the cent).

    ``kind`` is SUPPLY, USAGE, CONTROLLED_LOAD_SUPPLY, CONTROLLED_LOAD or FEED_IN. Credits have a
    negative ``amount``. ``band`` names the block ("BLOCK 2") or time-of-use band ("PEAK").
    """

    kind: str
    description: str
    period_start: date
    period_end: date
    quantity: Decimal
    unit: str
    cents_per_unit: Decimal
    amount: Decimal
    gst_free: bool
    tariff_code: str
    band: str | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON form: dates ISO, quantities and rates as strings, ``amount`` as "12.34"."""
        return {
            "kind": self.kind,
            "description": self.description,
            "periodStart": self.period_start.isoformat(),
            "periodEnd": self.period_end.isoformat(),
            "quantity": str(self.quantity)
            if self.unit == "day"
            else format_quantity(self.quantity),
            "unit": self.unit,
            "centsPerUnit": str(self.cents_per_unit),
            "amount": format_amount(self.amount),
            "gstFree": self.gst_free,
            "tariffCode": self.tariff_code,
            **({"band": self.band} if self.band else {}),
        }


@dataclass(frozen=True)
class BillTotals:
    """Sums of a bill: taxable lines, GST on them, GST-free lines (credits), and the total."""

    taxable: Decimal
    gst: Decimal
    gst_free: Decimal
    total: Decimal

    def to_json(self) -> dict[str, str]:
        """Amounts as strings of dollars."""
        return {
            "taxableSubtotal": format_amount(self.taxable),
            "gst": format_amount(self.gst),
            "gstFreeSubtotal": format_amount(self.gst_free),
            "total": format_amount(self.total),
        }


def bill_totals(lines: Iterable[BillLine]) -> BillTotals:
    """GST is 10 % of the taxable subtotal, rounded half up once (not per line)."""
    items = list(lines)
    taxable = sum((line.amount for line in items if not line.gst_free), ZERO)
    gst_free = sum((line.amount for line in items if line.gst_free), ZERO)
    gst = round_cents(taxable * GST_RATE)
    return BillTotals(taxable=taxable, gst=gst, gst_free=gst_free, total=taxable + gst + gst_free)


def price_usage(
    tariff_schedule: TariffSchedule | Tariff | Sequence[Tariff],
    period_start: date,
    period_end: date,
    usage: Usage,
    *,
    split_by_month: bool = False,
) -> list[BillLine]:
    """Price ``usage`` over ``[period_start, period_end)`` (end exclusive) as bill lines.

    Segments: a new segment starts on every day a tariff version takes effect and, when
    ``split_by_month`` is true, on every first of a month, so each line belongs to one month.
    Raises :class:`TariffError` for an empty period, a day with no tariff in force, usage outside
    the period, time-of-use pricing without intervals, or E2/B1 energy on a tariff with no rate.
    """
    schedule = TariffSchedule.of(tariff_schedule)
    days_between(period_start, period_end)
    channels = {
        "general (E1)": usage.general,
        "controlled load (E2)": usage.controlled_load,
        "feed-in (B1)": usage.feed_in,
    }
    for name, channel in channels.items():
        if channel is not None:
            channel.check_within(period_start, period_end, name)

    segments = schedule.segments(period_start, period_end)
    if split_by_month:
        segments = [
            (left, right, tariff)
            for seg_start, seg_end, tariff in segments
            for left, right in _month_cuts(seg_start, seg_end)
        ]
    edges = [segments[0][0], *(right for _, right, _ in segments)]
    general = usage.general.split(edges)
    controlled = usage.controlled_load.split(edges) if usage.controlled_load is not None else None
    exported = usage.feed_in.split(edges) if usage.feed_in is not None else None

    lines: list[BillLine] = []
    for index, (start, end, tariff) in enumerate(segments):
        lines.append(_supply_line(tariff, start, end))
        lines.extend(_general_lines(tariff, start, end, general[index], usage.general))
        if controlled is not None:  # a site without a controlled-load register pays no CL supply
            lines.extend(_controlled_lines(tariff, start, end, controlled[index]))
        if exported is not None and exported[index] != 0:
            lines.append(_feed_in_line(tariff, start, end, exported[index]))
    return lines


def _month_cuts(start: date, end: date) -> list[tuple[date, date]]:
    edges = [start, *month_starts_between(start, end), end]
    return list(zip(edges, edges[1:]))


def _line(
    tariff: Tariff,
    kind: str,
    description: str,
    start: date,
    end: date,
    quantity: Decimal,
    unit: str,
    cents: Decimal,
    *,
    band: str | None = None,
    credit: bool = False,
) -> BillLine:
    amount = round_cents(quantity * cents_to_dollars(cents))
    return BillLine(
        kind=kind,
        description=description,
        period_start=start,
        period_end=end,
        quantity=quantity,
        unit=unit,
        cents_per_unit=cents,
        amount=-amount if credit else amount,
        gst_free=credit,
        tariff_code=tariff.code,
        band=band,
    )


def _supply_line(tariff: Tariff, start: date, end: date) -> BillLine:
    days = Decimal((end - start).days)
    return _line(
        tariff,
        "SUPPLY",
        "Daily supply charge",
        start,
        end,
        days,
        "day",
        tariff.supply_cents_per_day,
    )


def _general_lines(
    tariff: Tariff, start: date, end: date, quantity: Decimal, channel: ChannelUsage
) -> list[BillLine]:
    pricing = tariff.usage
    if isinstance(pricing, FlatUsage):
        return [
            _line(
                tariff,
                "USAGE",
                "General usage",
                start,
                end,
                quantity,
                tariff.unit,
                pricing.cents_per_unit,
            )
        ]
    if isinstance(pricing, BlockUsage):
        return _block_lines(tariff, pricing, start, end, quantity)
    return _tou_lines(tariff, pricing, start, end, channel)


def _block_lines(
    tariff: Tariff, pricing: BlockUsage, start: date, end: date, quantity: Decimal
) -> list[BillLine]:
    """Thresholds are pro-rated to the segment's days (to 0.001 unit) before filling blocks."""
    days = (end - start).days
    lines: list[BillLine] = []
    floor = ZERO
    remaining = quantity
    for number, block in enumerate(pricing.blocks, start=1):
        if block.up_to is None:
            step = remaining
        else:
            ceiling = round_milli(block.up_to * days / pricing.threshold_days)
            step = min(remaining, max(ceiling - floor, ZERO))
            floor = ceiling
        if step > 0 or number == 1:
            lines.append(
                _line(
                    tariff,
                    "USAGE",
                    f"General usage block {number}",
                    start,
                    end,
                    step,
                    tariff.unit,
                    block.cents_per_unit,
                    band=f"BLOCK {number}",
                )
            )
        remaining -= step
    return lines


class _BandLayout:
    """Where each time-of-use band falls among a NEM day's intervals, for one tariff's pricing,
    time zone and interval length: per day, each band's runs of consecutive intervals, found once
    per day and kept (days repeat across the readings and accounts priced on one tariff)."""

    DAYS_KEPT = 4096  # past this many days the kept layouts are dropped and found again

    def __init__(self, pricing: TimeOfUseUsage, zone_name: str, minutes: int) -> None:
        self.pricing, self.zone, self.minutes = pricing, ZoneInfo(zone_name), minutes
        self.days: dict[date, tuple[tuple[str, tuple[tuple[int, int], ...]], ...]] = {}
        self.labelled: dict[date, np.ndarray] = {}

    def runs(self, day: date) -> tuple[tuple[str, tuple[tuple[int, int], ...]], ...]:
        """``(band name, ((first, stop), ...))`` for the bands of ``day`` that hold an interval."""
        found = self.days.get(day)
        if found is None:
            names = [self.pricing.band_for(local_start(day, slot, self.minutes, self.zone)).name
                     for slot in range(1440 // self.minutes)]
            runs: dict[str, list[tuple[int, int]]] = {}
            first = 0
            for slot in range(1, len(names) + 1):
                if slot == len(names) or names[slot] != names[first]:
                    runs.setdefault(names[first], []).append((first, slot))
                    first = slot
            if len(self.days) >= self.DAYS_KEPT:
                self.days.clear()
            found = self.days[day] = tuple((name, tuple(spans)) for name, spans in runs.items())
        return found

    def labels(self, day: date) -> np.ndarray:
        """Each interval's band of ``day``, as its index in the pricing's bands (a read-only array)."""
        found = self.labelled.get(day)
        if found is None:
            index = {band.name: number for number, band in enumerate(self.pricing.bands)}
            labels = [0] * (1440 // self.minutes)
            for name, spans in self.runs(day):
                for first, stop in spans:
                    labels[first:stop] = [index[name]] * (stop - first)
            found = label_row(labels)
            if len(self.labelled) >= self.DAYS_KEPT:
                self.labelled.clear()
            self.labelled[day] = found
        return found


@lru_cache(maxsize=256)
def _band_layout(pricing: TimeOfUseUsage, zone_name: str, minutes: int) -> _BandLayout:
    return _BandLayout(pricing, zone_name, minutes)


def _sum_by_band(tariff: Tariff, pricing: TimeOfUseUsage, channel: ChannelUsage,
                 start: date | None = None, end: date | None = None) -> dict[str, Decimal]:
    """:func:`_band_sums`, kept for the last few channels: the usage record and the bill of a reading
    both sum its channel by band (the bill over its whole period, or each part of it). A
    :class:`ChannelUsage` is frozen; the entry holds it and the pricing, so neither id is reused."""
    assert channel.intervals is not None
    if start is not None and end is not None and all(start <= day < end for day in channel.intervals):
        start = end = None  # (every day: the same sums as the usage record's)
    other = (tariff.timezone, start, end)
    sums = _recent_band_sums.find((channel, pricing), other)
    if sums is None:
        sums = _band_sums(tariff, pricing, channel, start, end)
        _recent_band_sums.keep((channel, pricing), other, sums)
    return dict(sums)


_recent_band_sums: KeptByIdentity[dict[str, Decimal]] = KeptByIdentity(8)


def _band_sums(tariff: Tariff, pricing: TimeOfUseUsage, channel: ChannelUsage,
               start: date | None = None, end: date | None = None) -> dict[str, Decimal]:
    """Energy per band of ``pricing`` over the channel's interval days (those in ``[start, end)``
    when given): each band's intervals added up, a day's runs by ``sum`` in C, or the days a parse
    holds as thousandths (:class:`~handlers.metering.milli.MilliValues`) all at once from their
    integers. Decimal addition is exact at these sizes (its result takes the smallest exponent of
    its terms), so the totals are the same whatever the order."""
    assert channel.intervals is not None and channel.interval_minutes is not None
    layout = _band_layout(pricing, tariff.timezone, channel.interval_minutes)
    totals = {band.name: ZERO for band in pricing.bands}
    in_thousandths: dict[MilliChannel, tuple[list[date], list[int], list[np.ndarray]]] = {}
    for day, values in channel.intervals.items():
        if start is not None and not start <= day < end:  # type: ignore[operator]
            continue
        if type(values) is MilliValues:
            days, rows, labels = in_thousandths.setdefault(values.channel, ([], [], []))
            days.append(day)
            rows.append(values.day)
            labels.append(layout.labels(day))
            continue
        _add_runs(totals, layout.runs(day), values)
    for milli, (days, rows, labels) in in_thousandths.items():
        sums = milli.sums_by_label(rows, labels, len(pricing.bands))
        if sums is None:  # (sums past int64: the Decimals)
            for day, row in zip(days, rows):
                _add_runs(totals, layout.runs(day), milli.row(row))
            continue
        for band, total in zip(pricing.bands, sums):
            totals[band.name] += total
    return totals


def _add_runs(totals: dict[str, Decimal], runs: tuple[tuple[str, tuple[tuple[int, int], ...]], ...],
              values: Sequence[Decimal]) -> None:
    for name, spans in runs:
        total = totals[name]
        for first, stop in spans:
            total = sum(values[first:stop], total)
        totals[name] = total


def band_totals(tariff: Tariff, channel: ChannelUsage) -> dict[str, Decimal]:
    """Energy per time-of-use band of ``tariff`` (intervals needed; empty for other tariffs)."""
    pricing = tariff.usage
    if not isinstance(pricing, TimeOfUseUsage) or channel.intervals is None or channel.interval_minutes is None:
        return {}
    return _sum_by_band(tariff, pricing, channel)


def _tou_lines(
    tariff: Tariff, pricing: TimeOfUseUsage, start: date, end: date, channel: ChannelUsage
) -> list[BillLine]:
    if channel.intervals is None or channel.interval_minutes is None:
        raise TariffError(
            f"tariff {tariff.code} is time-of-use: general usage must be given as interval reads "
            "(ChannelUsage.from_intervals), not as a total or daily figures"
        )
    by_band = _sum_by_band(tariff, pricing, channel, start, end)
    lines = [
        _line(
            tariff,
            "USAGE",
            _band_description(band.name),
            start,
            end,
            by_band[band.name],
            tariff.unit,
            band.cents_per_unit,
            band=band.name,
        )
        for band in pricing.bands
        if by_band[band.name] != 0
    ]
    if not lines:
        default = next(band for band in pricing.bands if not band.windows)
        lines.append(
            _line(
                tariff,
                "USAGE",
                _band_description(default.name),
                start,
                end,
                ZERO,
                tariff.unit,
                default.cents_per_unit,
                band=default.name,
            )
        )
    return lines


def _band_description(name: str) -> str:
    """``OFF_PEAK`` -> "General usage off peak": the same words whether or not the band used energy."""
    return f"General usage {name.replace('_', ' ').lower()}"


def _controlled_lines(tariff: Tariff, start: date, end: date, quantity: Decimal) -> list[BillLine]:
    rate = tariff.controlled_load
    if rate is None:
        if quantity != 0:
            raise TariffError(
                f"tariff {tariff.code} has no controlled-load rate but {quantity} {tariff.unit} "
                f"of controlled load (E2) was metered from {start.isoformat()}"
            )
        return []
    lines = []
    if rate.supply_cents_per_day:
        lines.append(
            _line(
                tariff,
                "CONTROLLED_LOAD_SUPPLY",
                "Controlled load supply",
                start,
                end,
                Decimal((end - start).days),
                "day",
                rate.supply_cents_per_day,
            )
        )
    lines.append(
        _line(
            tariff,
            "CONTROLLED_LOAD",
            "Controlled load usage",
            start,
            end,
            quantity,
            tariff.unit,
            rate.cents_per_unit,
        )
    )
    return lines


def _feed_in_line(tariff: Tariff, start: date, end: date, quantity: Decimal) -> BillLine:
    if tariff.feed_in is None:
        raise TariffError(
            f"tariff {tariff.code} has no feed-in rate but {quantity} {tariff.unit} was exported "
            f"(B1) from {start.isoformat()}"
        )
    return _line(
        tariff,
        "FEED_IN",
        "Solar feed-in credit",
        start,
        end,
        quantity,
        tariff.unit,
        tariff.feed_in.cents_per_unit,
        credit=True,
    )
