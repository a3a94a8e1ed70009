"""Daily estimates k_a x M(d), and whole watt-hours that add up.

One rule for every stage that estimates (basic reads, NEM12 days, invoices), so their figures
agree: an account's estimate for day d is ``k_a x M(d)`` of its segment, or its average daily load
when the micro scalar stage flagged ADL (the profile could not be compared with its bill).
Fractional watt-hours are turned into integers by :func:`apportion` (largest remainder), so the
parts always add up to the rounded whole.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from .errors import RunNotReady
from .profile import ProfileSet, Segment

__all__ = [
    "Scalar",
    "apportion",
    "estimate_days",
    "estimate_total",
    "load_scalars",
    "require_scalar",
    "round_wh",
    "shape_day",
]


@dataclass(frozen=True, slots=True)
class Scalar:
    """An account's micro scalar: ``k`` and how it was found (``flag``)."""

    k: float
    flag: str
    adl_wh: float | None = None


def load_scalars(conn: sqlite3.Connection, run_date: date, first: str,
                 last: str) -> dict[str, Scalar]:
    """The micro scalars of the accounts ``first..last``."""
    rows = conn.execute("SELECT account_id, scalar, flag, adl_wh FROM micro_scalar WHERE "
                        "run_date = ? AND account_id BETWEEN ? AND ?",
                        (run_date.isoformat(), first, last)).fetchall()
    return {r[0]: Scalar(k=r[1], flag=r[2], adl_wh=r[3]) for r in rows}


def require_scalar(scalars: dict[str, Scalar], account_id: str) -> Scalar:
    try:
        return scalars[account_id]
    except KeyError:
        raise RunNotReady(f"account {account_id} has no micro scalar: run the microscalar stage "
                          "first") from None


def _profile_days(profile: ProfileSet, segment: Segment, start: date, end: date) -> np.ndarray:
    """M(d) for each day of ``[start, end)``; days before the profile window (an old last read)
    take the window's first day, so one stale account cannot stop a batch."""
    before = max(min(profile.offset(end), 0) - profile.offset(start), 0)
    inside_start = max(start, profile.start)
    inside = profile.daily(segment, inside_start, end) if inside_start < end else np.zeros(0)
    if before:
        first = profile.daily(segment, profile.start, profile.start + timedelta(days=1))[0]
        return np.concatenate([np.full(before, first), inside])
    return inside


def estimate_days(profile: ProfileSet, segment: Segment, scalar: Scalar, start: date,
                  end: date) -> np.ndarray:
    """Estimated Wh for each day of ``[start, end)`` (floats)."""
    if scalar.flag == "ADL":
        return np.full(max((end - start).days, 0), float(scalar.adl_wh or 0.0))
    return scalar.k * _profile_days(profile, segment, start, end)


def estimate_total(profile: ProfileSet, segment: Segment, scalar: Scalar, start: date,
                   end: date) -> float:
    """Estimated Wh over ``[start, end)``."""
    if end <= start:
        return 0.0
    if scalar.flag == "ADL":
        return float(scalar.adl_wh or 0.0) * (end - start).days
    if start >= profile.start:
        return scalar.k * profile.total(segment, start, end)
    return float(scalar.k * _profile_days(profile, segment, start, end).sum())


def round_wh(value: float) -> int:
    """Half-up rounding of a non-negative energy in Wh."""
    return int(math.floor(value + 0.5))


def apportion_few(total: int, weights: list[float]) -> list[int]:
    """:func:`apportion` for fewer than 8 weights (each >= 0, NaN or infinite), in plain Python:
    the same floats in the same order (numpy adds fewer than 8 values one after another, as
    ``sum`` does), so the same parts, without numpy's cost per call on tiny arrays (an invoice's
    GST over its few lines)."""
    if len(weights) >= 8:
        raise ValueError("apportion_few takes fewer than 8 weights (numpy adds more pairwise)")
    if not weights:
        return []
    mass = sum(weights)
    if not math.isfinite(mass) or mass <= 0:
        weights, mass = [1.0] * len(weights), float(len(weights))
    exact = [(weight / mass) * total for weight in weights]
    parts = [math.floor(share) for share in exact]
    short = int(total - sum(parts))
    if short > 0:
        for index in sorted(range(len(parts)), key=lambda i: -(exact[i] - parts[i]))[:short]:
            parts[index] += 1
    return parts


def apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """``total`` split into integers proportional to ``weights`` (largest remainder; equal split
    when the weights are all zero). The result sums to ``total`` exactly."""
    weights = np.asarray(weights, dtype=float)
    if weights.size == 0:
        return np.zeros(0, dtype=np.int64)
    mass = weights.sum()
    if not np.isfinite(mass) or mass <= 0:
        weights, mass = np.ones_like(weights), float(weights.size)
    exact = (weights / mass) * total  # shares first: no overflow for tiny weights
    parts = np.floor(exact).astype(np.int64)
    short = int(total - parts.sum())
    if short > 0:
        order = np.argsort(-(exact - parts), kind="stable")[:short]
        parts[order] += 1
    return parts


def shape_day(day_wh: int, shape: np.ndarray, interval_length: int) -> np.ndarray:
    """``day_wh`` spread over the day's intervals by a 48 half-hour ``shape`` (whole Wh); each
    half hour is split evenly into 15- or 5-minute intervals for such meters."""
    per = 30 // interval_length
    shape = np.asarray(shape, dtype=float)
    if shape.size != 48 or per * interval_length != 30:
        raise ValueError(f"cannot shape a day of {interval_length}-minute intervals from "
                         f"{shape.size} half-hour fractions")
    return apportion(day_wh, np.repeat(shape / per, per))
