"""Segments, half-hour shapes, and the macro profile M(d) held in memory for the later stages.

A segment is (jurisdiction, customer class, tariff type); the jurisdiction-wide profile of NSW is
``("NSW", "*", "*")`` and the national one ``("*", "*", "*")``. A profile day is M(d), the average
Wh per account that day, with a 48-value shape (fractions of the day per half hour, summing to 1).

:class:`ProfileSet` loads a run's macro profile once per batch (36 segments x a few hundred days x
48 half hours is a few megabytes) and answers sums of M(d) over day ranges in O(1) from
cumulative sums: what micro scalars, basic reads and invoices need per account.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from .errors import DataError, RunNotReady

__all__ = [
    "ALL",
    "CLASSES",
    "HALF_HOURS",
    "JURISDICTIONS",
    "TARIFF_TYPES",
    "ProfileSet",
    "Segment",
    "half_hours",
    "pack_shape",
    "unpack_shape",
]

JURISDICTIONS = ("NSW", "VIC", "QLD", "SA", "ACT", "TAS")
CLASSES = ("RESIDENTIAL", "BUSINESS")
TARIFF_TYPES = ("FLAT", "BLOCK", "TOU")
ALL = "*"
HALF_HOURS = 48

Segment = tuple[str, str, str]


def pack_shape(shape: np.ndarray) -> bytes:
    return np.asarray(shape, dtype="<f8").tobytes()


def unpack_shape(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f8")


def half_hours(values: np.ndarray, interval_length: int) -> np.ndarray:
    """Rows of 1440/L interval values summed into 48 half hours (L = 5, 15 or 30)."""
    per = 30 // interval_length
    if per == 1:
        return values
    return values.reshape(values.shape[0], HALF_HOURS, per).sum(axis=2)


@dataclass
class ProfileSet:
    """The run's macro profile: M(d) and shapes per segment over the profile window."""

    start: date
    days: int
    index: dict[Segment, int]
    wh: np.ndarray          # [segments, days]
    cum: np.ndarray         # [segments, days + 1], cum[:, 0] == 0
    shapes: np.ndarray      # [segments, days, 48]

    @classmethod
    def load(cls, conn: sqlite3.Connection, run_date: date, start: date, end: date) -> ProfileSet:
        """Read ``macro_profile`` for the run; :class:`RunNotReady` if the segments stage has not
        produced it."""
        rows = conn.execute("SELECT jurisdiction, customer_class, tariff_type, day, wh, shape "
                            "FROM macro_profile WHERE run_date = ?", (run_date.isoformat(),)).fetchall()
        if not rows:
            raise RunNotReady(f"no macro profile for run {run_date.isoformat()}: run the segments "
                              "stage first")
        days = (end - start).days
        index: dict[Segment, int] = {}
        for row in rows:
            index.setdefault((row[0], row[1], row[2]), len(index))
        wh = np.full((len(index), days), np.nan)
        shapes = np.zeros((len(index), days, HALF_HOURS))
        for row in rows:
            d = (date.fromisoformat(row[3]) - start).days
            if 0 <= d < days:
                s = index[(row[0], row[1], row[2])]
                wh[s, d] = row[4]
                shapes[s, d] = unpack_shape(row[5])
        if np.isnan(wh).any():
            seg, day = np.argwhere(np.isnan(wh))[0]
            name = next(k for k, v in index.items() if v == seg)
            raise DataError(f"macro profile of segment {'/'.join(name)} has no value for "
                            f"{(start + timedelta(days=int(day))).isoformat()}")
        cum = np.zeros((len(index), days + 1))
        np.cumsum(wh, axis=1, out=cum[:, 1:])
        return cls(start=start, days=days, index=index, wh=wh, cum=cum, shapes=shapes)

    def segment(self, key: Segment) -> int:
        try:
            return self.index[key]
        except KeyError:
            raise DataError(f"no macro profile for segment {'/'.join(key)}") from None

    def offset(self, day: date) -> int:
        return (day - self.start).days

    def covers(self, start: date, end: date) -> bool:
        """Whether ``[start, end)`` lies inside the profile window."""
        return self.offset(start) >= 0 and self.offset(end) <= self.days

    def total(self, key: Segment, start: date, end: date) -> float:
        """Sum of M(d) over ``[start, end)`` (must lie inside the window)."""
        a, b = self.offset(start), self.offset(end)
        if a < 0 or b > self.days or b < a:
            raise DataError(f"days {start.isoformat()} to {end.isoformat()} are outside the profile "
                            f"window starting {self.start.isoformat()} ({self.days} days)")
        s = self.segment(key)
        return float(self.cum[s, b] - self.cum[s, a])

    def daily(self, key: Segment, start: date, end: date) -> np.ndarray:
        """M(d) for each day of ``[start, end)``."""
        self.total(key, start, end)  # range check
        return self.wh[self.segment(key), self.offset(start):self.offset(end)]

    def shape(self, key: Segment, day: date) -> np.ndarray:
        """The 48 half-hour fractions of M(day)."""
        return self.shapes[self.segment(key), self.offset(day)]
