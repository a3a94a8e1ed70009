"""Micro scalars k_a: how an account compares with its segment's macro profile.

``k_a = billed Wh over the reference period / sum of M(d) over the same days``, the reference
period being the account's last bill. Flags say how k_a was found:

- ``BILLED``: the rule above;
- ``CLIPPED``: the bill starts before the profile window; its Wh are pro-rated to the days inside;
- ``METERED``: no bill yet, but the interval meter has usable days: their Wh over their M(d);
- ``NO_HISTORY``: no bill and no meter data: k_a = 1 (DOMAIN: "no history: k = 1, flag it");
- ``ADL``: the profile sums to zero over the reference days: the estimate is the average daily
  load of the last billed period instead (DOMAIN's simplest fallback).
"""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

import numpy as np

from .config import RunInfo
from .events import Batch
from .profile import ProfileSet

__all__ = ["compute_scalars"]


def compute_scalars(conn: sqlite3.Connection, run: RunInfo, batch: Batch,
                    profile: ProfileSet) -> dict[str, Any]:
    """Micro scalars of the batch's unbilled accounts into ``micro_scalar`` (replacing its rows)."""
    key = run.run_date.isoformat()
    accounts = conn.execute(
        "SELECT account_id, jurisdiction, customer_class, tariff_type, meter_type, unbilled_start, "
        "unbilled_end, ref_start, ref_end, ref_wh FROM bua_account WHERE run_date = ? AND "
        "account_id BETWEEN ? AND ? AND unbilled_start IS NOT NULL ORDER BY account_id",
        (key, batch.first, batch.last)).fetchall()
    metered = _metered_days(conn, run, batch, profile)
    rows = []
    flags: dict[str, int] = {}
    for a in accounts:
        segment = (a["jurisdiction"], a["customer_class"], a["tariff_type"])
        k, flag, profile_wh, adl = 1.0, "NO_HISTORY", None, None
        ref = (a["ref_start"], a["ref_end"], a["ref_wh"])
        if ref[0] is not None:
            start, end = date.fromisoformat(ref[0]), date.fromisoformat(ref[1])
            billed_days = (end - start).days
            inside = max(start, profile.start)
            if inside < end and billed_days > 0:
                profile_wh = profile.total(segment, inside, end)
                billed = ref[2] * (end - inside).days / billed_days
                flag = "BILLED" if inside == start else "CLIPPED"
                if profile_wh > 0:
                    k = billed / profile_wh
                else:
                    flag, adl = "ADL", ref[2] / billed_days
            elif billed_days > 0:
                flag, adl = "ADL", ref[2] / billed_days
        elif a["account_id"] in metered:
            wh, expected = metered[a["account_id"]]
            if expected > 0:
                k, flag, profile_wh = wh / expected, "METERED", expected
        flags[flag] = flags.get(flag, 0) + 1
        rows.append((key, a["account_id"], k, flag, ref[0], ref[1], ref[2], profile_wh, adl))
    conn.execute("DELETE FROM micro_scalar WHERE run_date = ? AND account_id BETWEEN ? AND ?",
                 (key, batch.first, batch.last))
    conn.executemany("INSERT INTO micro_scalar (run_date, account_id, scalar, flag, "
                     "reference_start, reference_end, reference_wh, profile_wh, adl_wh) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return {"accounts": len(rows), **{f"flag_{k.lower()}": v for k, v in sorted(flags.items())}}


def _metered_days(conn: sqlite3.Connection, run: RunInfo, batch: Batch,
                  profile: ProfileSet) -> dict[str, tuple[float, float]]:
    """For unbilled interval accounts without a bill: (metered Wh, sum of M(d)) over their usable
    meter days inside the window."""
    rows = conn.execute(
        "SELECT a.account_id, a.jurisdiction, a.customer_class, a.tariff_type, r.day, r.day_wh "
        "FROM bua_account a JOIN interval_read r ON r.nmi = a.nmi AND r.suffix = 'E1' "
        "AND r.source = 'METER' AND r.day >= MAX(a.unbilled_start, :ws) AND r.day < a.unbilled_end "
        "AND r.est_intervals <= :fraction * (1440 / r.interval_length) "
        "WHERE a.run_date = :run AND a.account_id BETWEEN :first AND :last "
        "AND a.meter_type = 'INTERVAL' AND a.unbilled_start IS NOT NULL AND a.ref_end IS NULL",
        {"ws": profile.start.isoformat(), "fraction": run.config.max_estimated_fraction,
         "run": run.run_date.isoformat(), "first": batch.first, "last": batch.last}).fetchall()
    found: dict[str, tuple[float, float]] = {}
    for row in rows:
        segment = (row[1], row[2], row[3])
        offset = profile.offset(date.fromisoformat(row[4]))
        expected = float(profile.wh[profile.segment(segment), offset])
        wh, total = found.get(row[0], (0.0, 0.0))
        found[row[0]] = (wh + row[5], total + expected)
    return {k: v for k, v in found.items() if np.isfinite(v[1])}
