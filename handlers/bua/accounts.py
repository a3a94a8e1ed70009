"""Which accounts the run accrues, over which days, and which days are checked.

The production stored procedures ``bua_list_all_accounts``, ``bua_list_unbilled_accounts``,
``bua_dates_to_check`` and ``bua_list_missing_periods``, as set-based SQL:

- an account is listed when it was open some time during the period ``[Ps, Pe)`` or still has
  unbilled days (a closed account awaiting its final bill);
- its unbilled days ``U_a = [max(last billed end, open date), min(Pe, close date))``, where the
  last billed end is the latest ``period_end`` of its bills issued before the run date (bills are
  half-open: the closing read's day is the first unbilled day);
- its reference period is its last bill (what the micro scalar compares the profile with);
- the profile window ``[W, Pe)`` starts at the earliest unbilled or reference day (never before
  ``Pe - max_lookback_days``, never after ``Ps``): every day a later stage needs M(d) for.
"""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

from handlers.db import connect_read_only

from .config import RunInfo
from .errors import DataError

__all__ = ["list_missing_periods", "prepare_accounts"]

_ACCOUNTS_SQL = """
WITH last_bill AS (
    SELECT account_id, MAX(period_end) AS last_end
    FROM bill WHERE issued_date < :run GROUP BY account_id
),
kind AS (SELECT tariff_code, MIN(tariff_type) AS tariff_type, COUNT(DISTINCT tariff_type) AS kinds
         FROM tariff GROUP BY tariff_code),
spans AS (
    SELECT a.account_id, a.nmi, n.jurisdiction, a.customer_class, k.tariff_type, a.tariff_code,
           n.meter_type, n.interval_length, a.open_date, a.close_date,
           l.last_end,
           MAX(COALESCE(l.last_end, a.open_date), a.open_date) AS u_start,
           MIN(COALESCE(a.close_date, :pe), :pe) AS u_end
    FROM account a
    JOIN nmi n ON n.nmi = a.nmi
    LEFT JOIN kind k ON k.tariff_code = a.tariff_code
    LEFT JOIN last_bill l ON l.account_id = a.account_id
)
INSERT INTO bua_account (run_date, account_id, nmi, jurisdiction, customer_class, tariff_type,
    tariff_code, meter_type, interval_length, open_during_period, last_billed_end,
    unbilled_start, unbilled_end, ref_start, ref_end, ref_wh)
SELECT :run, s.account_id, s.nmi, s.jurisdiction, s.customer_class, COALESCE(s.tariff_type, '?'),
       s.tariff_code, s.meter_type, s.interval_length,
       (s.open_date < :pe AND (s.close_date IS NULL OR s.close_date > :ps)),
       s.last_end,
       CASE WHEN s.u_start < s.u_end THEN s.u_start END,
       CASE WHEN s.u_start < s.u_end THEN s.u_end END,
       b.period_start, b.period_end, b.usage_wh
FROM spans s
LEFT JOIN bill b ON b.account_id = s.account_id AND b.period_end = s.last_end
WHERE (s.open_date < :pe AND (s.close_date IS NULL OR s.close_date > :ps))
   OR s.u_start < s.u_end
"""


def prepare_accounts(conn: sqlite3.Connection, run: RunInfo) -> dict[str, Any]:
    """Fill ``bua_account`` and ``bua_date`` for the run and set its profile window (idempotent)."""
    key = run.run_date.isoformat()
    params = {"run": key, "ps": run.period_start.isoformat(), "pe": run.period_end.isoformat()}
    _check_tariffs(conn)
    conn.execute("DELETE FROM bua_account WHERE run_date = ?", (key,))
    conn.execute(_ACCOUNTS_SQL, params)
    unknown = conn.execute("SELECT account_id, tariff_code FROM bua_account WHERE run_date = ? "
                           "AND tariff_type = '?' LIMIT 5", (key,)).fetchall()
    if unknown:
        names = ", ".join(f"{r['account_id']} ({r['tariff_code']})" for r in unknown)
        raise DataError(f"accounts with a tariff code missing from the tariff table: {names}")
    window = _window_start(conn, run, params)
    conn.execute("UPDATE bua_run SET window_start = ? WHERE run_date = ?", (window.isoformat(), key))
    conn.execute("DELETE FROM bua_date WHERE run_date = ?", (key,))
    days = []
    day = window
    while day < run.period_end:
        days.append((key, day.isoformat(), int(day >= run.period_start)))
        day += timedelta(days=1)
    conn.executemany("INSERT INTO bua_date (run_date, day, in_period) VALUES (?, ?, ?)", days)
    counts = conn.execute(
        "SELECT COUNT(*) AS listed, SUM(open_during_period) AS open_in_period, "
        "SUM(unbilled_start IS NOT NULL) AS unbilled, "
        "SUM(unbilled_start IS NOT NULL AND meter_type = 'INTERVAL') AS unbilled_interval, "
        "SUM(unbilled_start IS NOT NULL AND meter_type = 'BASIC') AS unbilled_basic, "
        "SUM(unbilled_start IS NOT NULL AND ref_end IS NULL) AS no_history "
        "FROM bua_account WHERE run_date = ?", (key,)).fetchone()
    return {**{k: counts[k] or 0 for k in counts.keys()}, "window_start": window.isoformat(),
            "days_to_check": len(days)}


def _window_start(conn: sqlite3.Connection, run: RunInfo, params: dict[str, str]) -> date:
    """The first profile day: every unbilled day is covered; reference periods are covered back
    to the first day any interval meter has data (earlier bills are pro-rated: CLIPPED)."""
    row = conn.execute("SELECT MIN(unbilled_start), MIN(ref_start) FROM bua_account "
                       "WHERE run_date = :run AND unbilled_start IS NOT NULL", params).fetchone()
    lookback = run.period_end - timedelta(days=run.config.max_lookback_days)
    window = run.period_start
    if row[0]:
        window = min(window, date.fromisoformat(row[0]))
    if row[1]:
        reference = date.fromisoformat(row[1])
        # (meter data from before the reference, or before the lookback limit, cannot move the window)
        first_data = _first_meter_day_after(conn, max(reference, lookback))
        if first_data:
            reference = max(reference, date.fromisoformat(first_data))
        window = min(window, reference)
    return max(window, lookback)


_FIRST_DAY_READERS = 8
"""Connections that look up the NMIs' first days side by side: the lookups wait on the disk when
the database is bigger than memory, and the disk answers several at once (a million accounts,
nothing cached: 64 s with one, 20 s with eight)."""

_NMIS_PER_READER = 1000
"""Fewer NMIs than this per connection: one connection does it (a few seeks need no threads)."""

_FIRST_DAY_SQL = (
    "SELECT (SELECT r.day FROM interval_read r WHERE r.nmi = n.nmi AND r.suffix = 'E1' "
    "AND r.source = 'METER' ORDER BY r.day LIMIT 1) FROM nmi n WHERE n.meter_type = 'INTERVAL' "
    "AND n.nmi >= ? AND (? IS NULL OR n.nmi < ?)")


def _first_meter_day_after(conn: sqlite3.Connection, threshold: date) -> str | None:
    """The first day any interval meter has data, when that is after ``threshold``; else None.

    NMI by NMI, stopping as soon as one has data by then (usually the first one tried); otherwise
    each interval NMI's first row is sought, at a million accounts a read of most of
    ``interval_read``, in key ranges on connections of their own (it reads only committed meter
    data, which the caller's transaction does not change)."""
    limit = threshold.isoformat()
    first = conn.execute(f"{_FIRST_DAY_SQL} ORDER BY n.nmi LIMIT 1", ("", None, None)).fetchone()
    if first is not None and first[0] is not None and first[0] <= limit:
        return None  # (the usual case, known before counting and splitting the NMIs)
    path = next((r[2] for r in conn.execute("PRAGMA database_list") if r[1] == "main"), "")
    count = conn.execute("SELECT COUNT(*) FROM nmi WHERE meter_type = 'INTERVAL'").fetchone()[0]
    readers = min(_FIRST_DAY_READERS, count // _NMIS_PER_READER) if path else 0
    if readers < 2:
        return _first_day_in_range(conn, limit, "", None, threading.Event())
    bounds = [conn.execute("SELECT nmi FROM nmi WHERE meter_type = 'INTERVAL' ORDER BY nmi "
                           "LIMIT 1 OFFSET ?", (count * i // readers,)).fetchone()[0]
              for i in range(1, readers)]
    ranges = list(zip(["", *bounds], [*bounds, None]))
    covered = threading.Event()

    def read_range(first: str, end: str | None) -> str | None:
        reader = connect_read_only(path)
        try:
            return _first_day_in_range(reader, limit, first, end, covered)
        finally:
            reader.close()

    with ThreadPoolExecutor(readers, thread_name_prefix="first-meter-day") as pool:
        found = [day for day in pool.map(read_range, *zip(*ranges)) if day is not None]
    return None if covered.is_set() or not found else min(found)


def _first_day_in_range(conn: sqlite3.Connection, limit: str, first: str, end: str | None,
                        covered: threading.Event) -> str | None:
    earliest = None
    for (day,) in conn.execute(_FIRST_DAY_SQL, (first, end, end)):
        if covered.is_set():
            return None
        if day is None:
            continue
        if day <= limit:
            covered.set()
            return None
        if earliest is None or day < earliest:
            earliest = day
    return earliest


def _check_tariffs(conn: sqlite3.Connection) -> None:
    mixed = conn.execute("SELECT tariff_code FROM tariff GROUP BY tariff_code "
                         "HAVING COUNT(DISTINCT tariff_type) > 1 LIMIT 5").fetchall()
    if mixed:
        raise DataError("tariff codes whose versions change usage kind (FLAT/BLOCK/TOU), which "
                        f"would move accounts between segments: {', '.join(r[0] for r in mixed)}")


def list_missing_periods(conn: sqlite3.Connection, run: RunInfo, first: str,
                         last: str) -> list[dict[str, Any]]:
    """Unbilled days without meter data for the interval accounts ``first..last``, as runs of days.

    A day counts as missing when the NMI has no ``METER`` row for it (rows this pipeline estimated
    in an earlier attempt do not count: they are replaced).
    """
    rows = conn.execute(
        "SELECT a.account_id, a.nmi, d.day FROM bua_account a "
        "JOIN bua_date d ON d.run_date = a.run_date AND d.day >= a.unbilled_start "
        "AND d.day < a.unbilled_end "
        "WHERE a.run_date = ? AND a.account_id BETWEEN ? AND ? AND a.meter_type = 'INTERVAL' "
        "AND a.unbilled_start IS NOT NULL AND NOT EXISTS (SELECT 1 FROM interval_read r "
        "WHERE r.nmi = a.nmi AND r.suffix = 'E1' AND r.day = d.day AND r.source = 'METER') "
        "ORDER BY a.account_id, d.day", (run.run_date.isoformat(), first, last)).fetchall()
    periods: list[dict[str, Any]] = []
    for row in rows:
        day = date.fromisoformat(row["day"])
        current = periods[-1] if periods else None
        if current and current["account_id"] == row["account_id"] and current["end"] == day:
            current["end"] = day + timedelta(days=1)
            current["days"] += 1
        else:
            periods.append({"account_id": row["account_id"], "nmi": row["nmi"], "start": day,
                            "end": day + timedelta(days=1), "days": 1})
    return periods
