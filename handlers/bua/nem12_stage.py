"""Missing interval days: estimate them, write them as NEM12, read the file back, load it.

For each unbilled interval account of a batch, each unbilled day without meter data gets
``k_a x M(d)`` Wh (rounded to whole Wh), shaped by the segment's half-hour shape for that day
(each half hour split evenly into 15- or 5-minute intervals for such meters), every interval
of quality ``E`` with the run's estimation method. The batch's days go into one NEM12 file written
by our writer; the file is read back by ``nemreader`` (strict mode) and must give exactly the
intended values before its rows are loaded into ``interval_read`` as ``source = 'BUA'``. That is
the production "generate NEM12, load it through meter data" step, checked end to end.

Re-running a batch first deletes this run's earlier estimates for its NMIs; file names and
timestamps derive from the run date, so a re-run writes the same file.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from handlers.nem12 import Channel, IntervalDay, read_nem, write_nem12_file

from .accounts import list_missing_periods
from .config import RunInfo
from .errors import DataError
from .estimates import estimate_days, load_scalars, require_scalar, round_wh, shape_day
from .events import Batch
from .profile import ProfileSet
from .store import WH_DTYPE, pack_wh

__all__ = ["generate_batch", "nem12_folder"]


def nem12_folder(out: Path) -> Path:
    return out / "nem12"


def generate_batch(conn: sqlite3.Connection, run: RunInfo, batch: Batch, profile: ProfileSet,
                   out: Path) -> dict[str, Any]:
    """Estimate, write, read back and load the batch's missing interval days."""
    key = run.run_date.isoformat()
    conn.execute(
        "DELETE FROM interval_read WHERE source = 'BUA' AND run_date = :run AND nmi IN (SELECT nmi "
        "FROM bua_account WHERE run_date = :run AND account_id BETWEEN :first AND :last "
        "AND meter_type = 'INTERVAL')", {"run": key, "first": batch.first, "last": batch.last})
    periods = list_missing_periods(conn, run, batch.first, batch.last)
    target = nem12_folder(out) / f"BUA_{run.run_date:%Y%m%d}_{batch.number:05d}.csv"
    if not periods:
        target.unlink(missing_ok=True)
        return {"missing_days": 0, "files": 0}
    accounts = {r[0]: r for r in conn.execute(
        "SELECT account_id, jurisdiction, customer_class, tariff_type, interval_length FROM "
        "bua_account WHERE run_date = ? AND account_id BETWEEN ? AND ?",
        (key, batch.first, batch.last))}
    scalars = load_scalars(conn, run.run_date, batch.first, batch.last)
    quality = run.config.nem12_quality
    days: list[IntervalDay] = []
    intended: dict[tuple[str, date], np.ndarray] = {}
    for period in periods:
        account = accounts[period["account_id"]]
        segment = (account[1], account[2], account[3])
        length = account[4] or 30
        scalar = require_scalar(scalars, period["account_id"])
        totals = estimate_days(profile, segment, scalar, period["start"], period["end"])
        channel = Channel(nmi=period["nmi"], suffix="E1", interval_length=length, uom="kWh",
                          register_id="1", nmi_configuration="E1")
        for offset, total in enumerate(totals):
            day = date.fromordinal(period["start"].toordinal() + offset)
            values = shape_day(round_wh(total), profile.shape(segment, day), length)
            intended[(period["nmi"], day)] = values
            days.append(IntervalDay(channel=channel, day=day,
                                    values=tuple(Decimal(int(v)).scaleb(-3) for v in values),
                                    qualities=(quality,) * len(values)))
    stamp = datetime(run.run_date.year, run.run_date.month, run.run_date.day)
    write_nem12_file(target, days, from_participant=run.config.nem12_from,
                     to_participant=run.config.nem12_to, created=stamp)
    loaded = _read_back(target, intended)
    conn.executemany(
        "INSERT INTO interval_read (nmi, suffix, day, interval_length, wh, day_wh, est_intervals, "
        "quality, source, run_date) VALUES (?, 'E1', ?, ?, ?, ?, ?, ?, 'BUA', ?)",
        [(nmi, day.isoformat(), 1440 // len(values), pack_wh(values), int(values.sum()),
          len(values), quality, key) for (nmi, day), values in loaded.items()])
    return {"missing_days": len(days), "nmis": len({p["nmi"] for p in periods}), "files": 1}


def _read_back(path: Path, intended: dict[tuple[str, date], np.ndarray]) -> dict:
    """The file's days as read by ``nemreader``; :class:`DataError` unless identical."""
    nem = read_nem(path, strict=True)
    loaded: dict[tuple[str, date], np.ndarray] = {}
    for day in nem.days:
        wh = [int(v.scaleb(3)) for v in day.values]
        try:
            loaded[(day.channel.nmi, day.day)] = np.array(wh, dtype=WH_DTYPE)  # (as the database stores them)
        except OverflowError:
            raise DataError(f"{path.name}: {day.channel.nmi} {day.day.isoformat()}: an interval of {max(wh, key=abs)} "
                            "Wh, past the 32-bit integers the database stores") from None
    if loaded.keys() != intended.keys():
        raise DataError(f"{path.name}: read back {len(loaded)} days, wrote {len(intended)}")
    for where, values in intended.items():
        if not np.array_equal(values, loaded[where]):
            raise DataError(f"{path.name}: {where[0]} {where[1].isoformat()} reads back "
                            "different values than were written")
    return loaded
