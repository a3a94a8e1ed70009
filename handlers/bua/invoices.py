"""Invoice simulation for the unbilled days, with the billing pipeline's bill engine.

Each unbilled account gets the invoice it would receive for ``[first unbilled day, period end)``:
:func:`handlers.metering.tariffs.price_usage` with ``split_by_month=True``, so every line belongs
to one month (supply days, flat/block/time-of-use usage; price changes split the period). GST is
the engine's (10 % of the taxable subtotal, rounded once) and is then shared over the taxable lines
in proportion to their amounts, to the cent, so monthly GST adds up to the invoice's.

Usage is handed to the engine as daily figures, or as intervals for time-of-use tariffs (a basic
meter on a time-of-use tariff gets its segment's half-hour shape). An account that cannot be
priced (bad tariff, no tariff in force) does not fail its batch: it is reported with an
``ERROR:`` flag and zero amounts, so one bad record cannot hold up the accrual.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np

from handlers.db import read_tuples
from handlers.metering.consumption import VALID_INTERVAL_MINUTES
from handlers.metering.milli import MilliChannel, MilliValues, decimals_of_thousandths
from handlers.metering.tariffs import (
    ChannelUsage,
    Tariff,
    TariffError,
    TariffSchedule,
    TimeOfUseUsage,
    Usage,
    bill_totals,
    price_usage,
)

from .basicreads import rollover_wh
from .config import RunInfo
from .errors import BuaError
from .estimates import apportion, apportion_few, load_scalars, require_scalar, shape_day
from .events import Batch
from .profile import ProfileSet
from .usage import AccountUsage, basic_usage, interval_usage

__all__ = ["simulate_batch"]

_CENTS = Decimal(100)


#: Wh as Decimal kWh (``Decimal(wh).scaleb(-3)``), memoised for the process: the same small values recur
#: millions of times, in every batch, and a channel of three-decimal thousandths reads the same memo
_KWH = decimals_of_thousandths(3)


def _schedules(conn: sqlite3.Connection) -> dict[str, TariffSchedule | str]:
    """Tariff schedules by code (or the error text of a code whose definition is bad)."""
    versions: dict[str, list] = {}
    for row in conn.execute("SELECT tariff_code, effective_from, definition FROM tariff "
                            "ORDER BY tariff_code, effective_from"):
        versions.setdefault(row[0], []).append((row[1], row[2]))
    return {code: _schedule(code, tuple(rows)) for code, rows in versions.items()}


@functools.lru_cache(maxsize=1024)
def _schedule(code: str, versions: tuple[tuple[str, str], ...]) -> TariffSchedule | str:
    """One code's schedule from its ``(effective_from, definition)`` rows, parsed once per
    distinct rows: every batch of a run reads the same table, and the very same (frozen) tariff
    objects then meet the bill engine's time-of-use band cache by identity."""
    try:
        return TariffSchedule([Tariff.from_json(json.loads(text), where=f"tariff {code} from {since}")
                               for since, text in versions])
    except (TariffError, ValueError) as exc:
        return str(exc)


@functools.lru_cache(maxsize=4096)
def _days(start: date, count: int) -> tuple[date, ...]:
    """The ``count`` days from ``start`` (accounts of a run share a few unbilled periods)."""
    return tuple(start + timedelta(days=offset) for offset in range(count))


def _channel(usage: AccountUsage, tou: bool, kwh: dict[int, Decimal], profile: ProfileSet,
             segment: tuple[str, str, str]) -> ChannelUsage:
    days = _days(usage.start, len(usage.daily))
    if not tou:
        return ChannelUsage.from_daily(dict(zip(days, map(kwh.__getitem__, usage.daily.tolist()))))
    rows = []
    for day, wh in zip(days, usage.daily.tolist()):
        values = usage.intervals.get(day)
        if values is None:  # a basic meter on a time-of-use tariff: the segment's shape
            values = shape_day(wh, profile.shape(segment, day), usage.interval_length)
        rows.append(values)
    per_day = 1440 // usage.interval_length if usage.interval_length in VALID_INTERVAL_MINUTES else 0
    if rows and all(len(values) == per_day for values in rows):
        wh = np.vstack(rows).astype(np.int64, copy=False)
        if wh.min() >= 0:  # checked here, as a whole
            # Wh are thousandths of a kWh: the days' values are kWh of three decimals, made only if
            # read (the same Decimals as kwh's), their sums and band sums from the integers
            channel = MilliChannel(wh, decimals=3)
            return ChannelUsage.from_checked_intervals(
                {day: MilliValues(channel, index) for index, day in enumerate(days)},
                dict(zip(days, map(channel.day_sum, range(len(days))))),
                interval_minutes=usage.interval_length)
    # no days, or a day of the wrong length or with a negative value: from_intervals refuses the
    # latter naming the day and interval
    intervals = {day: tuple(map(kwh.__getitem__, np.asarray(values).tolist()))
                 for day, values in zip(days, rows)}
    return ChannelUsage.from_intervals(intervals, interval_minutes=usage.interval_length)


def _gst_shares(amounts: list[Decimal], gst: Decimal) -> list[int]:
    """The invoice's GST (cents) shared over lines in proportion to their amounts."""
    weights = [max(float(a), 0.0) for a in amounts]
    if len(weights) < 8:
        return apportion_few(int(gst * _CENTS), weights)
    return [int(v) for v in apportion(int(gst * _CENTS), np.array(weights))]


def simulate_batch(conn: sqlite3.Connection, run: RunInfo, batch: Batch,
                   profile: ProfileSet) -> dict[str, Any]:
    """Price the batch's unbilled accounts into ``invoice_line`` and ``invoice_summary``."""
    key = run.run_date.isoformat()
    where = {"run": key, "first": batch.first, "last": batch.last}
    accounts = conn.execute(
        "SELECT a.account_id, a.nmi, a.jurisdiction, a.customer_class, a.tariff_type, "
        "a.tariff_code, a.meter_type, a.interval_length, a.unbilled_start, a.unbilled_end "
        "FROM bua_account a WHERE a.run_date = :run AND a.account_id BETWEEN :first AND :last "
        "AND a.unbilled_start IS NOT NULL ORDER BY a.account_id", where).fetchall()
    scalars = load_scalars(conn, run.run_date, batch.first, batch.last)
    schedules = _schedules(conn)
    interval_rows: dict[str, list] = {}
    for row in read_tuples(
            conn, "SELECT a.account_id, r.day, r.interval_length, r.wh, r.day_wh, r.source "
            "FROM bua_account a JOIN interval_read r ON r.nmi = a.nmi AND r.suffix = 'E1' "
            "AND r.day >= a.unbilled_start AND r.day < a.unbilled_end "
            "AND (r.source = 'METER' OR r.run_date = :run) "
            "WHERE a.run_date = :run AND a.account_id BETWEEN :first AND :last "
            "AND a.meter_type = 'INTERVAL' AND a.unbilled_start IS NOT NULL "
            "ORDER BY a.account_id, r.day", where):
        interval_rows.setdefault(row[0], []).append(row[1:])
    read_rows: dict[str, list] = {}
    for row in read_tuples(
            conn, "SELECT a.account_id, b.read_date, b.value_wh, b.source, g.digits "
            "FROM bua_account a JOIN register g ON g.nmi = a.nmi AND g.register_id = (SELECT "
            " MIN(register_id) FROM register r WHERE r.nmi = a.nmi AND r.suffix LIKE 'E%') "
            "JOIN basic_read b ON b.nmi = a.nmi AND b.register_id = g.register_id "
            "AND b.read_date <= a.unbilled_end AND (b.source = 'METER' OR b.run_date = :run) "
            "WHERE a.run_date = :run AND a.account_id BETWEEN :first AND :last "
            "AND a.meter_type = 'BASIC' AND a.unbilled_start IS NOT NULL "
            "ORDER BY a.account_id, b.read_date, b.source DESC", where):
        read_rows.setdefault(row[0], []).append(row[1:])
    conn.execute("DELETE FROM invoice_line WHERE run_date = :run AND account_id BETWEEN :first "
                 "AND :last", where)
    conn.execute("DELETE FROM invoice_summary WHERE run_date = :run AND account_id BETWEEN "
                 ":first AND :last", where)
    kwh = _KWH
    lines_out, summaries, errors = [], [], 0
    for a in accounts:
        account_id = a["account_id"]
        segment = (a["jurisdiction"], a["customer_class"], a["tariff_type"])
        start, end = date.fromisoformat(a["unbilled_start"]), date.fromisoformat(a["unbilled_end"])
        scalar = require_scalar(scalars, account_id)
        flags = [scalar.flag]
        try:
            if a["meter_type"] == "INTERVAL":
                usage = interval_usage(start, end, interval_rows.get(account_id, []), profile,
                                       segment, scalar, a["interval_length"] or 30)
            else:
                reads = read_rows.get(account_id, [])
                digits = reads[0][3] if reads else 9
                usage = basic_usage(start, end, [r[:3] for r in reads], rollover_wh(digits),
                                    profile, segment, scalar)
            flags += usage.flags
            schedule = schedules.get(a["tariff_code"])
            if not isinstance(schedule, TariffSchedule):
                raise TariffError(schedule or f"tariff {a['tariff_code']} is not in the tariff table")
            tou = any(isinstance(t.usage, TimeOfUseUsage) for t in schedule.versions)
            channel = _channel(usage, tou, kwh, profile, segment)
            lines = price_usage(schedule, start, end, Usage(general=channel), split_by_month=True)
        except (TariffError, BuaError) as exc:
            errors += 1
            summaries.append((key, account_id, (end - start).days, 0, 0, 0, 0,
                              ";".join(flags + [f"ERROR: {exc}"])))
            continue
        totals = bill_totals(lines)
        taxable = [i for i, line in enumerate(lines) if not line.gst_free]
        shares = dict(zip(taxable, _gst_shares([lines[i].amount for i in taxable], totals.gst)))
        for number, line in enumerate(lines, start=1):
            lines_out.append((key, account_id, number, f"{line.period_start:%Y-%m}", line.kind,
                              line.description, line.band, line.period_start.isoformat(),
                              line.period_end.isoformat(), str(line.quantity), line.unit,
                              str(line.cents_per_unit), int(line.amount * _CENTS),
                              shares.get(number - 1, 0), int(line.gst_free)))
        summaries.append((key, account_id, (end - start).days, usage.actual_wh, usage.estimated_wh,
                          int((totals.taxable + totals.gst_free) * _CENTS), int(totals.gst * _CENTS),
                          ";".join(flags)))
    conn.executemany("INSERT INTO invoice_line (run_date, account_id, line_no, month, kind, "
                     "description, band, period_start, period_end, quantity, unit, cents_per_unit, "
                     "amount_cents, gst_cents, gst_free) VALUES "
                     "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", lines_out)
    conn.executemany("INSERT INTO invoice_summary (run_date, account_id, unbilled_days, actual_wh, "
                     "estimated_wh, amount_cents, gst_cents, flags) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     summaries)
    return {"accounts": len(accounts), "invoice_lines": len(lines_out), "account_errors": errors}
