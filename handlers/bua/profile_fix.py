"""Mark invalid segment profiles, fill them, validate, and publish the macro profile.

Mark (``bua_mark_segment_jurisdiction_entries``): a profile built from fewer than
``min_segment_accounts`` interval accounts is THIN (all its days); otherwise a day is MISSING when
no account had usable data and NEGATIVE when M(d) < 0.

Fill (``bua_fill_marked_segment_jurisdiction_entries``), the nation first, then jurisdictions,
then segments, so each can lean on the level above it:

- THIN: every day from the level above (jurisdiction-wide for a segment, national for a
  jurisdiction). Only the level is taken: k_a rescales each account, so the level cancels out.
- a MISSING/NEGATIVE run of at most ``max_interpolation_gap_days`` between good days: linear
  interpolation of M(d), the neighbours' shapes averaged;
- a longer run, or one at the window's edge: the level above, scaled to this profile's level
  (ratio of their sums over the days both have good data); the nation, having nothing above,
  takes its nearest good day.

Validate: every segment has a final value for every day, finite and not negative, and a shape
summing to 1; days far from their segment's median (``anomaly_factor``) are reported in
``segment_anomaly``. Macro profile (``bua_create_macro_profile``): the final values of the
segments the run's accounts belong to, into ``macro_profile``.
"""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

import numpy as np

from .config import RunInfo
from .errors import DataError
from .profile import ALL, HALF_HOURS, Segment, pack_shape, unpack_shape

__all__ = ["create_macro_profile", "fill_segments", "mark_segments", "validate_segments"]


def _level(segment: Segment) -> int:
    """0 national, 1 jurisdiction-wide, 2 segment (the order they are filled in)."""
    return 0 if segment[0] == ALL else 1 if segment[1] == ALL else 2


def _parent(segment: Segment) -> Segment | None:
    level = _level(segment)
    return None if level == 0 else (ALL, ALL, ALL) if level == 1 else (segment[0], ALL, ALL)


def mark_segments(conn: sqlite3.Connection, run: RunInfo) -> dict[str, Any]:
    """Set each profile day's status and each profile's validity (idempotent)."""
    key = run.run_date.isoformat()
    minimum = run.config.min_segment_accounts
    conn.execute("UPDATE segment_profile SET status = CASE "
                 "WHEN (SELECT accounts FROM segment_summary s WHERE s.run_date = segment_profile.run_date "
                 "AND s.jurisdiction = segment_profile.jurisdiction AND s.customer_class = "
                 "segment_profile.customer_class AND s.tariff_type = segment_profile.tariff_type) < ? "
                 "THEN 'THIN' WHEN accounts = 0 THEN 'MISSING' WHEN avg_wh < 0 THEN 'NEGATIVE' "
                 "ELSE 'OK' END, fill = NULL, final_wh = NULL, final_shape = NULL "
                 "WHERE run_date = ?", (minimum, key))
    conn.execute(
        "UPDATE segment_summary SET valid = (accounts >= :min AND NOT EXISTS (SELECT 1 FROM "
        "segment_profile p WHERE p.run_date = segment_summary.run_date AND p.jurisdiction = "
        "segment_summary.jurisdiction AND p.customer_class = segment_summary.customer_class AND "
        "p.tariff_type = segment_summary.tariff_type AND p.status <> 'OK')), "
        "reason = CASE WHEN accounts < :min THEN accounts || ' interval accounts (< ' || :min || ')' "
        "ELSE (SELECT group_concat(n || ' ' || status, ', ') FROM (SELECT status, COUNT(*) AS n "
        "FROM segment_profile p WHERE p.run_date = segment_summary.run_date AND p.jurisdiction = "
        "segment_summary.jurisdiction AND p.customer_class = segment_summary.customer_class AND "
        "p.tariff_type = segment_summary.tariff_type AND p.status <> 'OK' GROUP BY status)) END, "
        "fill = NULL WHERE run_date = :run", {"min": minimum, "run": key})
    row = conn.execute("SELECT COUNT(*) AS profiles, SUM(valid = 0) AS invalid FROM segment_summary "
                       "WHERE run_date = ?", (key,)).fetchone()
    days = conn.execute("SELECT status, COUNT(*) FROM segment_profile WHERE run_date = ? "
                        "GROUP BY status", (key,)).fetchall()
    return {"profiles": row["profiles"], "invalid_profiles": row["invalid"] or 0,
            **{f"days_{r[0].lower()}": r[1] for r in days}}


def _load(conn: sqlite3.Connection, key: str) -> dict[Segment, dict[str, Any]]:
    profiles: dict[Segment, dict[str, Any]] = {}
    for row in conn.execute("SELECT jurisdiction, customer_class, tariff_type, day, avg_wh, shape, "
                            "status FROM segment_profile WHERE run_date = ? ORDER BY 1, 2, 3, 4",
                            (key,)):
        entry = profiles.setdefault((row[0], row[1], row[2]),
                                    {"days": [], "wh": [], "shape": [], "status": []})
        entry["days"].append(row[3])
        entry["wh"].append(row[4] if row[4] is not None else np.nan)
        entry["shape"].append(unpack_shape(row[5]) if row[5] else np.full(HALF_HOURS, np.nan))
        entry["status"].append(row[6])
    for entry in profiles.values():
        entry["wh"] = np.array(entry["wh"], dtype=float)
        entry["shape"] = np.array(entry["shape"], dtype=float).reshape(-1, HALF_HOURS)
    return profiles


def _runs(bad: np.ndarray) -> list[tuple[int, int]]:
    """``[start, end)`` index runs where ``bad`` is true."""
    runs, start = [], None
    for i, flag in enumerate(bad):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append((start, i))
            start = None
    if start is not None:
        runs.append((start, len(bad)))
    return runs


def _fill_one(entry: dict[str, Any], parent: dict[str, Any] | None, max_gap: int,
              name: str) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
    wh, shape, status = entry["wh"].copy(), entry["shape"].copy(), entry["status"]
    fill: list[str | None] = [None] * len(wh)
    from_above = "JURISDICTION" if name.count(ALL) == 0 else "NATIONAL"
    if all(s == "THIN" for s in status):
        if parent is not None:
            return parent["final_wh"].copy(), parent["final_shape"].copy(), [from_above] * len(wh)
        # the nation itself is thin: use what it has (nothing above to borrow from)
        status = ["OK" if np.isfinite(v) and v >= 0 else "MISSING" for v in wh]
        fill = ["NATIONAL_THIN" if s == "OK" else None for s in status]
    good = np.array([s == "OK" for s in status])
    if not good.any():
        if parent is not None:
            return parent["final_wh"].copy(), parent["final_shape"].copy(), [from_above] * len(wh)
        # no interval data at all: a flat profile, so k_a x M(d) is the average daily load of
        # the account's last billed period (DOMAIN's simplest fallback)
        return np.ones(len(wh)), np.full((len(wh), HALF_HOURS), 1 / HALF_HOURS), ["FLAT"] * len(wh)
    ratio = 1.0
    if parent is not None:
        theirs = parent["final_wh"][good].sum()
        ratio = float(wh[good].sum() / theirs) if theirs > 0 else 1.0
    for a, b in _runs(~good):
        bounded = a > 0 and b < len(wh)
        if bounded and b - a <= max_gap:
            left, right = a - 1, b
            for i in range(a, b):
                t = (i - left) / (right - left)
                wh[i] = wh[left] * (1 - t) + wh[right] * t
                shape[i] = shape[left] * (1 - t) + shape[right] * t
                fill[i] = "INTERPOLATED"
        elif parent is not None:
            wh[a:b] = parent["final_wh"][a:b] * ratio
            shape[a:b] = parent["final_shape"][a:b]
            fill[a:b] = [f"{from_above}_SCALED"] * (b - a)
        else:
            for i in range(a, b):
                nearest = a - 1 if a > 0 and (b >= len(wh) or i - (a - 1) <= b - i) else b
                wh[i], shape[i], fill[i] = wh[nearest], shape[nearest], "NEAREST"
    return wh, shape, fill


def fill_segments(conn: sqlite3.Connection, run: RunInfo) -> dict[str, Any]:
    """Final M(d) and shapes for every profile (see the module docstring for the rules)."""
    key = run.run_date.isoformat()
    profiles = _load(conn, key)
    if not profiles:
        return {"profiles": 0, "days_filled": 0}
    filled = 0
    for segment in sorted(profiles, key=_level):
        entry = profiles[segment]
        parent_key = _parent(segment)
        parent = profiles.get(parent_key) if parent_key else None
        wh, shape, fill = _fill_one(entry, parent, run.config.max_interpolation_gap_days,
                                    "/".join(segment))
        totals = shape.sum(axis=1, keepdims=True)
        shape = np.where(totals > 0, shape / np.where(totals > 0, totals, 1), 1 / HALF_HOURS)
        entry["final_wh"], entry["final_shape"] = wh, shape
        filled += sum(1 for f in fill if f)
        conn.executemany("UPDATE segment_profile SET final_wh = ?, final_shape = ?, fill = ? "
                         "WHERE run_date = ? AND jurisdiction = ? AND customer_class = ? AND "
                         "tariff_type = ? AND day = ?",
                         [(float(wh[i]), pack_shape(shape[i]), fill[i], key, *segment, day)
                          for i, day in enumerate(entry["days"])])
        summary = sorted({f for f in fill if f})
        conn.execute("UPDATE segment_summary SET fill = ? WHERE run_date = ? AND jurisdiction = ? "
                     "AND customer_class = ? AND tariff_type = ?",
                     (",".join(summary) or None, key, *segment))
    return {"profiles": len(profiles), "days_filled": filled}


def validate_segments(conn: sqlite3.Connection, run: RunInfo) -> dict[str, Any]:
    """Check every final profile; store anomalies; :class:`DataError` if a value is unusable."""
    key = run.run_date.isoformat()
    conn.execute("DELETE FROM segment_anomaly WHERE run_date = ?", (key,))
    factor = run.config.anomaly_factor
    anomalies = []
    by_segment: dict[Segment, list] = {}
    for row in conn.execute("SELECT jurisdiction, customer_class, tariff_type, day, final_wh, "
                            "final_shape FROM segment_profile WHERE run_date = ?", (key,)):
        by_segment.setdefault((row[0], row[1], row[2]), []).append(row)
    for segment, rows in by_segment.items():
        name = "/".join(segment)
        for row in rows:
            if row[4] is None or not np.isfinite(row[4]) or row[4] < 0 or row[5] is None:
                raise DataError(f"profile {name} on {row[3]}: no usable value after filling "
                                f"({row[4]!r})")
            shape = unpack_shape(row[5])
            if (shape < 0).any() or abs(shape.sum() - 1) > 1e-6:
                raise DataError(f"profile {name} on {row[3]}: half-hour shape does not sum to 1")
        values = np.array([r[4] for r in rows])
        median = float(np.median(values))
        for row in rows:
            if median > 0 and row[4] > factor * median:
                anomalies.append((key, *segment, row[3], "HIGH",
                                  f"M(d) {row[4]:.0f} Wh > {factor:g} x median {median:.0f} Wh"))
            elif median > 0 and row[4] < median / factor:
                anomalies.append((key, *segment, row[3], "LOW",
                                  f"M(d) {row[4]:.0f} Wh < median {median:.0f} Wh / {factor:g}"))
    conn.executemany("INSERT INTO segment_anomaly (run_date, jurisdiction, customer_class, "
                     "tariff_type, day, kind, detail) VALUES (?, ?, ?, ?, ?, ?, ?)", anomalies)
    return {"profiles_validated": len(by_segment), "anomalies": len(anomalies)}


def create_macro_profile(conn: sqlite3.Connection, run: RunInfo) -> dict[str, Any]:
    """Publish the final profiles of the segments the run's accounts are in (idempotent)."""
    key = run.run_date.isoformat()
    conn.execute("DELETE FROM macro_profile WHERE run_date = ?", (key,))
    conn.execute(
        "INSERT INTO macro_profile (run_date, jurisdiction, customer_class, tariff_type, day, wh, "
        "shape, source) SELECT p.run_date, p.jurisdiction, p.customer_class, p.tariff_type, p.day, "
        "p.final_wh, p.final_shape, COALESCE(p.fill, 'MEASURED') FROM segment_profile p "
        "WHERE p.run_date = ? AND p.customer_class <> '*' AND p.final_wh IS NOT NULL", (key,))
    conn.execute("INSERT INTO macro_profile_version (run_date, token) VALUES (?, ?) "
                 "ON CONFLICT (run_date) DO UPDATE SET token = excluded.token", (key, uuid.uuid4().hex))
    count = conn.execute("SELECT COUNT(DISTINCT jurisdiction || customer_class || tariff_type), "
                         "COUNT(*) FROM macro_profile WHERE run_date = ?", (key,)).fetchone()
    return {"macro_segments": count[0], "macro_days": count[1], "window_start":
            run.window_start.isoformat() if run.window_start else None,
            "window_end": run.period_end.isoformat()}
