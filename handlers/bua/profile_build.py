"""Segment profiles from interval data: extract per batch (Map), then average (reduce).

Extract: for the interval accounts of one batch, every usable NMI-day in the window (meter data,
on a day the account was supplied, with at most ``max_estimated_fraction`` non-actual intervals)
is added into per-segment, per-day sums: accounts, Wh, and Wh per half hour. Rows this pipeline
estimated are never used. Average: the batch sums are added up into ``segment_profile`` for
every segment the run needs, each jurisdiction (``J/*/*``) and the nation (``*/*/*``):
M(d) = Wh / accounts and the day's shape = half-hour Wh / Wh.

Both steps replace their own rows for the run date, so running them again gives the same result
(the production warning "never run profiling twice" no longer applies).
"""

from __future__ import annotations

import itertools
import operator
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import numpy as np

from handlers.db import read_tuples

from .config import RunInfo
from .events import Batch
from .profile import (
    ALL,
    CLASSES,
    HALF_HOURS,
    JURISDICTIONS,
    TARIFF_TYPES,
    Segment,
    half_hours,
    pack_shape,
    unpack_shape,
)
from .store import WH_DTYPE

__all__ = ["average_profiles", "extract_batch", "profile_account_ids"]

_SEGMENTS: list[Segment] = [(j, c, t) for j in JURISDICTIONS for c in CLASSES for t in TARIFF_TYPES]

_KIND = ("SELECT tariff_code, MIN(tariff_type) AS tariff_type FROM tariff GROUP BY tariff_code")

_SEGMENT_ROWS = ", ".join(f"('{j}', '{c}', '{t}', {i})" for i, (j, c, t) in enumerate(_SEGMENTS))

# The joins are taken in the order written (CROSS JOIN): account range, its NMI, tariff kind,
# segment, reads. A usable day's row comes out as (cell, interval length, Wh blob, day Wh), the cell
# being segment index x days + the day's offset in the window, worked out by SQLite: each Python
# object a row makes costs (the account's text and the day's, looked up in a dict, cost a sixth
# of the extraction). The accounts with a usable day are counted per segment by a query of their
# own, which stops at each account's first such day.
_USABLE_DAY = """
r.nmi = a.nmi AND r.suffix = 'E1'
     AND r.day >= MAX(a.open_date, :ws) AND r.day < MIN(COALESCE(a.close_date, :pe), :pe)
     AND r.source = 'METER'
     AND r.est_intervals <= :fraction * (1440 / r.interval_length)"""

_BATCH_SEGMENTS = f"""
WITH segment(jurisdiction, customer_class, tariff_type, idx) AS (VALUES {_SEGMENT_ROWS})
SELECT {{columns}}
FROM account a
CROSS JOIN nmi n ON n.nmi = a.nmi AND n.meter_type = 'INTERVAL'
CROSS JOIN ({_KIND}) k ON k.tariff_code = a.tariff_code
CROSS JOIN segment s ON s.jurisdiction = n.jurisdiction AND s.customer_class = a.customer_class
     AND s.tariff_type = k.tariff_type"""

_EXTRACT_SQL = _BATCH_SEGMENTS.format(
    columns="s.idx * :days + CAST(julianday(r.day) - julianday(:ws) AS INTEGER), r.interval_length, r.wh, "
            "r.day_wh") + f"""
CROSS JOIN interval_read r ON {_USABLE_DAY}
WHERE a.account_id BETWEEN :first AND :last
"""

_MEMBERS_SQL = _BATCH_SEGMENTS.format(columns="s.idx, COUNT(*)") + f"""
WHERE a.account_id BETWEEN :first AND :last
  AND EXISTS (SELECT 1 FROM interval_read r WHERE {_USABLE_DAY})
GROUP BY s.idx
"""

# a row's columns, taken out of a chunk of rows with map() (transposing it with zip(*rows) cost
# more than SQLite's step: 0.68 -> 0.25 us a row)
_CELL, _LENGTH, _WH, _DAY_WH = (operator.itemgetter(i) for i in range(4))


def _window(run: RunInfo) -> tuple[date, int]:
    if run.window_start is None:
        raise ValueError("the run has no profile window yet (accounts step not run)")
    return run.window_start, (run.period_end - run.window_start).days


def profile_account_ids(conn: sqlite3.Connection, run: RunInfo) -> list[str]:
    """The interval accounts supplied some time in the profile window, sorted."""
    start, _ = _window(run)
    return [r[0] for r in conn.execute(
        "SELECT a.account_id FROM account a JOIN nmi n ON n.nmi = a.nmi "
        "WHERE n.meter_type = 'INTERVAL' AND a.open_date < ? AND "
        "(a.close_date IS NULL OR a.close_date > ?) ORDER BY a.account_id",
        (run.period_end.isoformat(), start.isoformat()))]


def extract_batch(conn: sqlite3.Connection, run: RunInfo, batch: Batch) -> dict[str, Any]:
    """Per-segment, per-day sums of one batch's usable interval days, into ``profile_partial``."""
    start, days = _window(run)
    key = run.run_date.isoformat()
    cells = len(_SEGMENTS) * days
    counts = np.zeros(cells, dtype=np.int64)
    totals = np.zeros(cells, dtype=np.int64)
    shapes = np.zeros((cells, HALF_HOURS))
    where = {"ws": start.isoformat(), "pe": run.period_end.isoformat(), "first": batch.first,
             "last": batch.last, "fraction": run.config.max_estimated_fraction}
    cursor = read_tuples(conn, _EXTRACT_SQL, {**where, "days": days})
    used = 0
    while rows := cursor.fetchmany(20_000):  # each chunk's columns taken out in C
        n = len(rows)
        used += n
        cell = np.fromiter(map(_CELL, rows), dtype=np.int64, count=n)
        weights = np.fromiter(map(_DAY_WH, rows), dtype=np.float64, count=n)
        met = dict.fromkeys(map(_LENGTH, rows))  # the interval lengths met, in order (usually one)
        for length in met:
            picked_blobs: Iterator[bytes]
            if len(met) == 1:
                picked, picked_blobs = slice(None), map(_WH, rows)
            else:
                picked = np.fromiter(map(_LENGTH, rows), dtype=np.int64, count=n) == length
                picked_blobs = itertools.compress(map(_WH, rows), picked)
            group_cell = cell[picked]
            values = np.frombuffer(b"".join(picked_blobs), dtype=WH_DTYPE)
            values = half_hours(values.reshape(len(group_cell), -1).astype(np.int64), length)
            counts += np.bincount(group_cell, minlength=cells)
            totals += np.bincount(group_cell, weights=weights[picked], minlength=cells).astype(np.int64)
            for h in range(HALF_HOURS):
                shapes[:, h] += np.bincount(group_cell, weights=values[:, h], minlength=cells)
    members = dict(conn.execute(_MEMBERS_SQL, where).fetchall())  # segment index -> accounts with a usable day
    conn.execute("DELETE FROM profile_partial WHERE run_date = ? AND batch_no = ?", (key, batch.number))
    conn.execute("DELETE FROM profile_member WHERE run_date = ? AND batch_no = ?", (key, batch.number))
    filled = np.nonzero(counts)[0]
    conn.executemany(
        "INSERT INTO profile_partial (run_date, batch_no, jurisdiction, customer_class, "
        "tariff_type, day, accounts, wh_sum, shape_sum) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(key, batch.number, *_SEGMENTS[c // days], (start + timedelta(days=int(c % days))).isoformat(),
          int(counts[c]), int(totals[c]), pack_shape(shapes[c])) for c in filled])
    conn.executemany(
        "INSERT INTO profile_member (run_date, batch_no, jurisdiction, customer_class, "
        "tariff_type, accounts) VALUES (?, ?, ?, ?, ?, ?)",
        [(key, batch.number, *_SEGMENTS[seg], accounts)
         for seg, accounts in sorted(members.items())])
    return {"accounts": sum(members.values()), "nmi_days": used}


def _levels(segment: Segment) -> list[Segment]:
    """The profiles a segment's data counts towards: itself, its jurisdiction, the nation."""
    return [segment, (segment[0], ALL, ALL), (ALL, ALL, ALL)]


def average_profiles(conn: sqlite3.Connection, run: RunInfo) -> dict[str, Any]:
    """Add the batch sums up into ``segment_profile`` rows (measured M(d) and shapes)."""
    start, days = _window(run)
    key = run.run_date.isoformat()
    needed: set[Segment] = {(r[0], r[1], r[2]) for r in conn.execute(
        "SELECT DISTINCT jurisdiction, customer_class, tariff_type FROM bua_account "
        "WHERE run_date = ? AND unbilled_start IS NOT NULL", (key,))}
    sums: dict[Segment, list] = {}

    def cell(segment: Segment) -> list:
        if segment not in sums:
            sums[segment] = [np.zeros(days, dtype=np.int64), np.zeros(days, dtype=np.int64),
                             np.zeros((days, HALF_HOURS)), 0]
        return sums[segment]

    for segment in needed:
        for level in _levels(segment):
            cell(level)
    for row in conn.execute("SELECT jurisdiction, customer_class, tariff_type, day, accounts, "
                            "wh_sum, shape_sum FROM profile_partial WHERE run_date = ?", (key,)):
        d = (date.fromisoformat(row[3]) - start).days
        if not 0 <= d < days:
            continue
        shape = unpack_shape(row[6])
        for level in _levels((row[0], row[1], row[2])):
            target = cell(level)
            target[0][d] += row[4]
            target[1][d] += row[5]
            target[2][d] += shape
    for row in conn.execute("SELECT jurisdiction, customer_class, tariff_type, SUM(accounts) "
                            "FROM profile_member WHERE run_date = ? GROUP BY 1, 2, 3", (key,)):
        for level in _levels((row[0], row[1], row[2])):
            cell(level)[3] += row[3]
    conn.execute("DELETE FROM segment_profile WHERE run_date = ?", (key,))
    conn.execute("DELETE FROM segment_summary WHERE run_date = ?", (key,))
    uniform = pack_shape(np.full(HALF_HOURS, 1 / HALF_HOURS))
    rows = []
    for segment, (accounts, wh, shape, members) in sorted(sums.items()):
        for d in range(days):
            n = int(accounts[d])
            average = float(wh[d]) / n if n else None
            fractions: bytes | None
            if n and wh[d] > 0:
                fractions = pack_shape(shape[d] / float(wh[d]))
            else:
                fractions = uniform if n else None
            rows.append((key, *segment, (start + timedelta(days=d)).isoformat(), n, average,
                         fractions))
        conn.execute("INSERT INTO segment_summary (run_date, jurisdiction, customer_class, "
                     "tariff_type, accounts, valid) VALUES (?, ?, ?, ?, ?, 1)",
                     (key, *segment, members))
    conn.executemany("INSERT INTO segment_profile (run_date, jurisdiction, customer_class, "
                     "tariff_type, day, accounts, avg_wh, shape) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     rows)
    return {"segments": sum(1 for s in sums if ALL not in s),
            "jurisdictions": sum(1 for s in sums if s[0] != ALL and s[1] == ALL),
            "profile_days": days}
