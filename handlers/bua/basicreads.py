"""Estimated basic (accumulation) reads at the end of the unbilled period.

Reset (``ResetBasicRead``): delete the reads this run estimated before, for the batch's NMIs, so
the stage can run again and give the same reads. Create (``BasicRead``): for each unbilled basic
account, from its latest actual read on or before the end of its unbilled days,

    estimate = (previous read + sum of daily estimates from the read's day to the end)
               mod 10^digits kWh,

dated the first day after the unbilled days (reads are taken at the start of their day, as bills
end on the closing read's day). No estimate is needed when an actual read already sits there;
none can be made without any actual read (flag ``NO_READ``: invoices then use the estimates).
"""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

from .config import RunInfo
from .estimates import estimate_total, load_scalars, require_scalar, round_wh
from .events import Batch
from .profile import ProfileSet

__all__ = ["create_basic_reads", "reset_basic_reads", "rollover_wh"]


def rollover_wh(digits: int) -> int:
    """Where a register of ``digits`` whole-kWh digits wraps to zero, in Wh."""
    return 10 ** digits * 1000


_DELETE_ESTIMATES = (
    "DELETE FROM basic_read WHERE source = 'BUA' AND run_date = :run AND nmi IN (SELECT nmi "
    "FROM bua_account WHERE run_date = :run AND account_id BETWEEN :first AND :last "
    "AND meter_type = 'BASIC')")


def _batch_of_run(run: RunInfo, batch: Batch) -> dict[str, str]:
    return {"run": run.run_date.isoformat(), "first": batch.first, "last": batch.last}


def reset_basic_reads(conn: sqlite3.Connection, run: RunInfo, batch: Batch) -> dict[str, Any]:
    """Delete this run's estimated reads for the batch's basic NMIs."""
    deleted = conn.execute(_DELETE_ESTIMATES, _batch_of_run(run, batch)).rowcount
    return {"reads_deleted": deleted}


def create_basic_reads(conn: sqlite3.Connection, run: RunInfo, batch: Batch,
                       profile: ProfileSet) -> dict[str, Any]:
    """Estimated reads for the batch's unbilled basic accounts (replacing this run's earlier ones)."""
    key = run.run_date.isoformat()
    # this run's earlier estimates go first (the reads below never look at them, so the delete
    # may also be one of the writes kept for the end: steps_accrual's writes_last)
    conn.execute(_DELETE_ESTIMATES, _batch_of_run(run, batch))
    accounts = conn.execute(
        "SELECT a.account_id, a.nmi, a.jurisdiction, a.customer_class, a.tariff_type, "
        "a.unbilled_start, a.unbilled_end, g.register_id, g.digits, "
        "(SELECT read_date || ' ' || value_wh FROM basic_read b WHERE b.nmi = a.nmi AND "
        " b.register_id = g.register_id AND b.source = 'METER' AND b.read_date <= a.unbilled_end "
        " ORDER BY b.read_date DESC LIMIT 1) AS previous "
        "FROM bua_account a JOIN register g ON g.nmi = a.nmi AND g.register_id = (SELECT "
        " MIN(register_id) FROM register r WHERE r.nmi = a.nmi AND r.suffix LIKE 'E%') "
        "WHERE a.run_date = ? AND a.account_id BETWEEN ? AND ? AND a.meter_type = 'BASIC' "
        "AND a.unbilled_start IS NOT NULL ORDER BY a.account_id",
        (key, batch.first, batch.last)).fetchall()
    scalars = load_scalars(conn, run.run_date, batch.first, batch.last)
    rows, counts = [], {"estimated": 0, "actual_at_end": 0, "no_read": 0, "rollovers": 0}
    for a in accounts:
        if a["previous"] is None:
            counts["no_read"] += 1
            continue
        read_day, value = a["previous"].split(" ")
        previous_day, previous_wh = date.fromisoformat(read_day), int(value)
        end = date.fromisoformat(a["unbilled_end"])
        if previous_day >= end:
            counts["actual_at_end"] += 1
            continue
        segment = (a["jurisdiction"], a["customer_class"], a["tariff_type"])
        scalar = require_scalar(scalars, a["account_id"])
        used = round_wh(estimate_total(profile, segment, scalar, previous_day, end))
        limit = rollover_wh(a["digits"])
        estimate = (previous_wh + used) % limit
        if estimate < previous_wh:
            counts["rollovers"] += 1
        rows.append((a["nmi"], a["register_id"], end.isoformat(), "BUA", estimate, "E", key))
        counts["estimated"] += 1
    conn.executemany("INSERT INTO basic_read (nmi, register_id, read_date, source, value_wh, "
                     "quality, run_date) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    return {"accounts": len(accounts), **counts}
