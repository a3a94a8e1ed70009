"""Unbilled energy per day for one account: what the invoice simulation prices.

Interval accounts: the meter's days, and this run's NEM12 estimates for the days it lacked.
Basic accounts: the difference between consecutive reads (actual reads taken since the last bill,
then this run's estimated read at the end), spread over the days between them in proportion to
the account's daily estimates k_a x M(d), so a month split follows the profile; days after the
last read (no read could be estimated) are the estimates themselves.

Everything is whole watt-hours; :func:`apportion` keeps every spread adding up to its read
difference exactly. Each day is marked actual or estimated, for the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from .estimates import Scalar, apportion, estimate_days, round_wh, shape_day
from .profile import ProfileSet, Segment
from .store import unpack_wh

__all__ = ["AccountUsage", "basic_usage", "interval_usage"]


@dataclass
class AccountUsage:
    """Wh per day of ``[start, end)``; intervals per day when the meter (or a shape) gives them."""

    start: date
    end: date
    daily: np.ndarray                     # int64 Wh per day
    estimated: np.ndarray                 # bool per day
    intervals: dict[date, np.ndarray] = field(default_factory=dict)  # Wh per interval
    interval_length: int = 30
    flags: list[str] = field(default_factory=list)

    @property
    def actual_wh(self) -> int:
        return int(self.daily[~self.estimated].sum())

    @property
    def estimated_wh(self) -> int:
        return int(self.daily[self.estimated].sum())

    def day(self, offset: int) -> date:
        return self.start + timedelta(days=offset)


def interval_usage(start: date, end: date, rows: list[tuple[str, int, bytes, int, str]],
                   profile: ProfileSet, segment: Segment, scalar: Scalar,
                   interval_length: int) -> AccountUsage:
    """From ``(day, interval_length, wh blob, day_wh, source)`` rows of the unbilled days."""
    days = (end - start).days
    usage = AccountUsage(start=start, end=end, daily=np.zeros(days, dtype=np.int64),
                         estimated=np.zeros(days, dtype=bool), interval_length=interval_length)
    seen = np.zeros(days, dtype=bool)
    offsets, day_whs, estimated = [], [], []
    for day_text, length, blob, day_wh, source in rows:
        day = date.fromisoformat(day_text)
        offsets.append((day - start).days)
        day_whs.append(day_wh)
        estimated.append(source == "BUA")
        usage.intervals[day] = unpack_wh(blob)  # a read-only view of the row's values
        usage.interval_length = length
    if offsets:  # one row per day (the table's key), set in one assignment each
        usage.daily[offsets], usage.estimated[offsets], seen[offsets] = day_whs, estimated, True
    if not seen.all():
        # days neither metered nor estimated as NEM12 (should not happen after the nem12 stage)
        fill = estimate_days(profile, segment, scalar, start, end)
        for d in np.nonzero(~seen)[0]:
            day = usage.day(int(d))
            wh = round_wh(fill[d])
            usage.daily[d], usage.estimated[d] = wh, True
            usage.intervals[day] = shape_day(wh, profile.shape(segment, day), usage.interval_length)
        usage.flags.append("DAYS_ESTIMATED_AT_INVOICE")
    return usage


def basic_usage(start: date, end: date, reads: list[tuple[str, int, str]], rollover: int,
                profile: ProfileSet, segment: Segment, scalar: Scalar) -> AccountUsage:
    """From the register's reads ``(read_date, value_wh, source)`` up to ``end``, sorted by date.

    The read on or before ``start`` anchors the first difference; a difference that started
    before ``start`` (no read on the first unbilled day) is shared by days (the days before may
    lie outside the profile window) and only the unbilled days' part is counted.
    """
    days = (end - start).days
    weights = estimate_days(profile, segment, scalar, start, end)
    usage = AccountUsage(start=start, end=end, daily=np.zeros(days, dtype=np.int64),
                         estimated=np.ones(days, dtype=bool))
    anchor = None
    points = []
    for read_date, value, source in reads:
        day = date.fromisoformat(read_date)
        if day <= start:
            anchor = (day, value, source)
        elif day <= end:
            points.append((day, value, source))
    covered = 0  # days before this offset are done
    if anchor is None:
        usage.flags.append("NO_READ_AT_START")
    else:
        previous = anchor
        for point in points:
            diff = (point[1] - previous[1]) % rollover
            a = max((previous[0] - start).days, 0)
            b = (point[0] - start).days
            share = diff
            if previous[0] < start:
                before = (start - previous[0]).days
                # the part of the difference used before the unbilled days, by days
                share = round_wh(diff * (b / (b + before))) if b + before else 0
            usage.daily[a:b] = apportion(share, weights[a:b])
            usage.estimated[a:b] = point[2] == "BUA"
            covered, previous = b, point
    if covered < days:
        tail = weights[covered:]
        usage.daily[covered:] = apportion(round_wh(float(tail.sum())), tail)
        usage.estimated[covered:] = True
        if anchor is not None:
            usage.flags.append("ESTIMATED_AFTER_LAST_READ")
    return usage
