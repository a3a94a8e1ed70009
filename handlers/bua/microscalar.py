"""Micro scalars k_a: how an account compares with its segment's macro profile.

``k_a = billed Wh over the reference period / sum of M(d) over the same days``, the reference
period being the account's last bill. Flags say how k_a was found:

- ``BILLED``: the rule above;
- ``CLIPPED``: the bill starts before the profile window; its Wh are pro-rated to the days inside;
- ``METERED``: no bill yet, but the interval meter has usable days: their Wh over their M(d);
- ``NO_HISTORY``: no bill and no meter data: k_a = 1 (DOMAIN: "no history: k = 1, flag it");
- ``ADL``: the profile sums to zero over the reference days: the estimate is the average daily
  load of the last billed period instead (DOMAIN's simplest fallback);
- ``LATER_READ``: a basic meter read again after the period end (an actual read taken after
  ``period_end`` and on or before the run date, not yet billed). The two actual reads around the
  period end, ``P`` on day ``p <= Pe`` and ``L`` on day ``l > Pe``, say how much was used in
  ``[p, l)``; they override the rules above (they are the newest evidence, and a bill-based or
  national-average k_a could put the estimated read above ``L``: a register running backwards).
  ``k_a = (L - P) / (sum of M(d) over [p, Pe) x (l - p) / (Pe - p))``: the profile's mean day over
  ``[p, Pe)`` stands in for the days after the window, so the estimate of ``[p, Pe)`` is
  ``(L - P) x (Pe - p) / (l - p)``, always between ``P`` and ``L`` (modulo the register's
  rollover). A zero profile there gives ``ADL`` at ``(L - P) / (l - p)`` a day.
  See handlers/bua/README.md.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from .basicreads import rollover_wh
from .config import RunInfo
from .estimates import Scalar, estimate_total
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
    later = _reads_around_period_end(conn, run, batch)
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
        reads = later.get(a["account_id"])
        if reads is not None:
            k, flag, profile_wh, adl = _calibrated_by_later_read(reads, segment, profile)
            ref = (reads.before_day.isoformat(), reads.after_day.isoformat(), reads.used_wh)
        flags[flag] = flags.get(flag, 0) + 1
        rows.append((key, a["account_id"], k, flag, ref[0], ref[1], ref[2], profile_wh, adl))
    conn.execute("DELETE FROM micro_scalar WHERE run_date = ? AND account_id BETWEEN ? AND ?",
                 (key, batch.first, batch.last))
    conn.executemany("INSERT INTO micro_scalar (run_date, account_id, scalar, flag, "
                     "reference_start, reference_end, reference_wh, profile_wh, adl_wh) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return {"accounts": len(rows), **{f"flag_{k.lower()}": v for k, v in sorted(flags.items())}}


@dataclass(frozen=True, slots=True)
class _ReadsAroundEnd:
    """A basic meter's actual reads either side of the period end, and where its register wraps."""

    before_day: date
    before_wh: int
    end: date
    after_day: date
    after_wh: int
    digits: int

    @property
    def used_wh(self) -> int:
        """Wh used between the two reads (a register that passed its last digit wrapped once)."""
        return (self.after_wh - self.before_wh) % rollover_wh(self.digits)


def _reads_around_period_end(conn: sqlite3.Connection, run: RunInfo,
                             batch: Batch) -> dict[str, _ReadsAroundEnd]:
    """For the batch's unbilled basic accounts read before the end of their unbilled days and again
    after it (on or before the run date): the latest actual read before the end and the first one
    after it. An actual read on the end day itself needs no estimate: such accounts are left out."""
    rows = conn.execute(
        "SELECT a.account_id, a.unbilled_end, g.digits, "
        "(SELECT read_date || ' ' || value_wh FROM basic_read b WHERE b.nmi = a.nmi AND "
        " b.register_id = g.register_id AND b.source = 'METER' AND b.read_date <= a.unbilled_end "
        " ORDER BY b.read_date DESC LIMIT 1) AS before_end, "
        "(SELECT read_date || ' ' || value_wh FROM basic_read b WHERE b.nmi = a.nmi AND "
        " b.register_id = g.register_id AND b.source = 'METER' AND b.read_date > a.unbilled_end "
        " AND b.read_date <= :run ORDER BY b.read_date LIMIT 1) AS after_end "
        "FROM bua_account a JOIN register g ON g.nmi = a.nmi AND g.register_id = (SELECT "
        " MIN(register_id) FROM register r WHERE r.nmi = a.nmi AND r.suffix LIKE 'E%') "
        "WHERE a.run_date = :run AND a.account_id BETWEEN :first AND :last "
        "AND a.meter_type = 'BASIC' AND a.unbilled_start IS NOT NULL",
        {"run": run.run_date.isoformat(), "first": batch.first, "last": batch.last}).fetchall()
    found = {}
    for account_id, end, digits, before, after in rows:
        if before is None or after is None:
            continue
        before_day, before_wh = before.split(" ")
        after_day, after_wh = after.split(" ")
        if before_day >= end:
            continue
        found[account_id] = _ReadsAroundEnd(date.fromisoformat(before_day), int(before_wh),
                                            date.fromisoformat(end), date.fromisoformat(after_day),
                                            int(after_wh), digits)
    return found


def _calibrated_by_later_read(reads: _ReadsAroundEnd, segment: tuple[str, str, str],
                              profile: ProfileSet) -> tuple[float, str, float | None, float | None]:
    """(k, flag, profile Wh, ADL Wh a day) from the reads either side of the period end."""
    read_days = (reads.after_day - reads.before_day).days
    days_to_end = (reads.end - reads.before_day).days
    profile_wh = estimate_total(profile, segment, Scalar(k=1.0, flag="LATER_READ"),
                                reads.before_day, reads.end)
    if profile_wh > 0:
        stretched = profile_wh * read_days / days_to_end
        return reads.used_wh / stretched, "LATER_READ", stretched, None
    return 1.0, "ADL", None, reads.used_wh / read_days


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
