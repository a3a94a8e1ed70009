"""Metered energy handed to the bill engine: per channel, as a total, daily figures or intervals.

The bill engine needs to know how much energy fell on which day (to split a bill where a price
changes or a month ends) and, for time-of-use tariffs, in which interval. Callers give what they
have, one :class:`ChannelUsage` per NEM channel:

- ``ChannelUsage.from_total(q)``: only a total for the period (an accumulation meter); the engine
  apportions it evenly over the days when it must split.
- ``ChannelUsage.from_daily({day: q})``: one figure per NEM day (e.g. estimated daily use).
- ``ChannelUsage.from_intervals({day: [q1..qN]}, interval_minutes=30)``: NEM12-style day rows;
  interval i of a day starts at 00:00 + i x length in NEM time (UTC+10). Required for time-of-use.

Quantities are in the tariff's unit (kWh, or MJ for gas). Days with no data count as zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import cast

from handlers.metering.errors import TariffError
from handlers.metering.money import ZERO, as_decimal, round_milli

__all__ = ["ChannelUsage", "Usage"]

VALID_INTERVAL_MINUTES = (5, 15, 30)


_DECIMAL_ONLY = frozenset({Decimal})


def _checked_row(day: date, values: Sequence[object]) -> tuple[Decimal, ...]:
    """A day's interval values as Decimals >= 0; a row checked upstream (every value a finite
    Decimal >= 0, the usual case) is taken as it is without building a message per value."""
    if _DECIMAL_ONLY.issuperset(map(type, values)):
        decimals = cast("Sequence[Decimal]", values)
        if all(map(Decimal.is_finite, decimals)) and (not decimals or min(decimals) >= 0):
            return tuple(decimals)
    return tuple(_number(q, f"usage on {day.isoformat()} interval {i + 1}") for i, q in enumerate(values))


def _number(value: object, where: str) -> Decimal:
    if type(value) is Decimal and value.is_finite() and value >= 0:  # already checked upstream
        return value
    try:
        quantity = as_decimal(value, where)
    except ValueError as exc:
        raise TariffError(str(exc)) from None
    if quantity < 0:
        raise TariffError(f"{where}: energy must not be negative, got {quantity}")
    return quantity


@dataclass(frozen=True)
class ChannelUsage:
    """Energy on one channel over the period; build it with one of the ``from_*`` constructors."""

    total: Decimal
    daily: Mapping[date, Decimal] | None = None
    intervals: Mapping[date, Sequence[Decimal]] | None = None
    interval_minutes: int | None = None

    @classmethod
    def from_total(cls, quantity: object) -> ChannelUsage:
        """Only the period's total is known (an accumulation read)."""
        return cls(total=_number(quantity, "usage total"))

    @classmethod
    def from_daily(cls, daily: Mapping[date, object]) -> ChannelUsage:
        """One figure per NEM day."""
        if _DECIMAL_ONLY.issuperset(map(type, daily.values())):
            figures = cast("Mapping[date, Decimal]", daily)
            if all(map(Decimal.is_finite, figures.values())) and (not figures or min(figures.values()) >= 0):
                # every figure a finite Decimal >= 0 (checked in C): taken as it is
                return cls(total=sum(figures.values(), ZERO), daily=dict(figures))
        values = {day: _number(q, f"usage on {day.isoformat()}") for day, q in daily.items()}
        return cls(total=sum(values.values(), ZERO), daily=values)

    @classmethod
    def from_intervals(
        cls, days: Mapping[date, Sequence[object]], *, interval_minutes: int = 30
    ) -> ChannelUsage:
        """NEM12-style rows of 1440 / ``interval_minutes`` values per NEM day."""
        if interval_minutes not in VALID_INTERVAL_MINUTES:
            raise TariffError(
                f"interval length must be 5, 15 or 30 minutes, got {interval_minutes}"
            )
        expected = 1440 // interval_minutes
        rows: dict[date, tuple[Decimal, ...]] = {}
        for day, values in days.items():
            if len(values) != expected:
                raise TariffError(
                    f"usage on {day.isoformat()}: expected {expected} intervals of "
                    f"{interval_minutes} min, got {len(values)}"
                )
            rows[day] = _checked_row(day, values)
        daily = {day: sum(values, ZERO) for day, values in rows.items()}
        return cls(
            total=sum(daily.values(), ZERO),
            daily=daily,
            intervals=rows,
            interval_minutes=interval_minutes,
        )

    @classmethod
    def from_checked_intervals(
        cls, days: Mapping[date, Sequence[Decimal]], daily: Mapping[date, Decimal], *,
        interval_minutes: int,
    ) -> ChannelUsage:
        """:meth:`from_intervals` for rows its caller has checked and summed already: each day
        1440 / ``interval_minutes`` finite ``Decimal`` values >= 0, ``daily`` their exact sums
        (same value and exponent as ``sum(values, ZERO)``). Nothing is checked again."""
        return cls(
            total=sum(daily.values(), ZERO),
            daily=dict(daily),
            intervals=dict(days),
            interval_minutes=interval_minutes,
        )

    def check_within(self, start: date, end: date, channel: str) -> None:
        """Refuse data on days outside ``[start, end)``: it would silently go unbilled."""
        for day in self.daily or {}:
            if not start <= day < end:
                raise TariffError(
                    f"{channel} usage has data for {day.isoformat()}, outside the billed period "
                    f"{start.isoformat()} to {end.isoformat()} (end exclusive)"
                )

    def split(self, edges: Sequence[date]) -> list[Decimal]:
        """The energy in each ``[edges[i], edges[i+1])``.

        Daily and interval data are summed per day. A bare total is apportioned by days, each
        share rounded to 0.001 and the last taking the remainder, so the shares add up exactly.
        """
        spans = list(zip(edges, edges[1:]))
        if self.daily is not None:
            daily = self.daily
            return [
                sum((q for day, q in daily.items() if left <= day < right), ZERO)
                for left, right in spans
            ]
        whole = (edges[-1] - edges[0]).days
        shares: list[Decimal] = []
        for left, right in spans[:-1]:
            shares.append(round_milli(self.total * (right - left).days / whole))
        shares.append(self.total - sum(shares, ZERO))
        return shares


@dataclass(frozen=True)
class Usage:
    """What was metered over a billing period: general (E1), controlled load (E2), feed-in (B1)."""

    general: ChannelUsage
    controlled_load: ChannelUsage | None = None
    feed_in: ChannelUsage | None = None

    @classmethod
    def of_totals(cls, general: object, controlled_load: object = None, feed_in: object = None) -> Usage:
        """Shorthand for accumulation reads: the totals of the registers the site has (a channel left
        out is a register the site does not have: no controlled-load circuit, no solar)."""
        return cls(
            general=ChannelUsage.from_total(general),
            controlled_load=None if controlled_load is None else ChannelUsage.from_total(controlled_load),
            feed_in=None if feed_in is None else ChannelUsage.from_total(feed_in),
        )
