"""Small hand-built inputs of the accrual tests: a macro profile held in memory, and a run database
with exactly the rows the invoice simulation reads (accounts, scalars, tariffs, reads)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import date

import numpy as np

from handlers.bua.profile import ProfileSet, Segment
from handlers.bua.schema import SCHEMA
from handlers.bua.store import pack_wh
from handlers.db import connect

__all__ = ["KEY", "TOU_KEY", "RunDb", "half_hour_shape", "profile_of"]

KEY: Segment = ("NSW", "RESIDENTIAL", "FLAT")
TOU_KEY: Segment = ("NSW", "RESIDENTIAL", "TOU")


def half_hour_shape(fractions: Mapping[int, float]) -> np.ndarray:
    """48 half-hour fractions, zero except at the given half hours."""
    shape = np.zeros(48)
    for index, fraction in fractions.items():
        shape[index] = fraction
    return shape


def profile_of(daily: Mapping[Segment, Sequence[float]], *, start: date,
               shapes: Mapping[Segment, np.ndarray] | None = None) -> ProfileSet:
    """M(d) of each segment from ``start`` (all segments the same length); every day of a segment
    has its ``shapes`` entry (48 fractions) or an even shape."""
    keys = list(daily)
    wh = np.array([list(daily[k]) for k in keys], dtype=float)
    days = wh.shape[1]
    cum = np.concatenate([np.zeros((len(keys), 1)), np.cumsum(wh, axis=1)], axis=1)
    shape_rows = np.array([np.tile((shapes or {}).get(k, np.full(48, 1 / 48)), (days, 1))
                           for k in keys])
    return ProfileSet(start=start, days=days, index={k: i for i, k in enumerate(keys)}, wh=wh,
                      cum=cum, shapes=shape_rows)


class RunDb:
    """An in-memory run database, filled row by row (rows by name, as the handlers open it)."""

    def __init__(self) -> None:
        self.conn: sqlite3.Connection = connect(":memory:", schema=SCHEMA)

    def tariff(self, code: str, definition: Mapping | str, effective_from: str = "2020-01-01",
               kind: str = "FLAT") -> None:
        text = definition if isinstance(definition, str) else json.dumps(definition)
        self.conn.execute("INSERT INTO tariff (tariff_code, effective_from, tariff_type, definition) "
                          "VALUES (?, ?, ?, ?)", (code, effective_from, kind, text))

    def account(self, run_date: str, account_id: str, nmi: str, *, tariff_code: str,
                meter_type: str, unbilled: tuple[str, str] | None, interval_length: int | None = None,
                segment: Segment = KEY) -> None:
        start, end = unbilled if unbilled else (None, None)
        self.conn.execute(
            "INSERT INTO bua_account (run_date, account_id, nmi, jurisdiction, customer_class, "
            "tariff_type, tariff_code, meter_type, interval_length, open_during_period, "
            "unbilled_start, unbilled_end) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
            (run_date, account_id, nmi, *segment, tariff_code, meter_type, interval_length, start, end))

    def scalar(self, run_date: str, account_id: str, k: float, flag: str,
               adl_wh: float | None = None) -> None:
        self.conn.execute("INSERT INTO micro_scalar (run_date, account_id, scalar, flag, adl_wh) "
                          "VALUES (?, ?, ?, ?, ?)", (run_date, account_id, k, flag, adl_wh))

    def interval_day(self, nmi: str, day: str, values: Sequence[int], *, source: str = "METER",
                     run_date: str | None = None, suffix: str = "E1") -> None:
        self.conn.execute(
            "INSERT INTO interval_read (nmi, suffix, day, interval_length, wh, day_wh, est_intervals, "
            "quality, source, run_date) VALUES (?, ?, ?, ?, ?, ?, 0, 'A', ?, ?)",
            (nmi, suffix, day, 1440 // len(values), pack_wh(values), int(sum(values)), source,
             run_date))

    def register(self, nmi: str, register_id: str, suffix: str, digits: int) -> None:
        self.conn.execute("INSERT INTO register (nmi, register_id, suffix, digits) VALUES (?, ?, ?, ?)",
                          (nmi, register_id, suffix, digits))

    def basic_read(self, nmi: str, read_date: str, value_wh: int, *, register_id: str = "1",
                   source: str = "METER", run_date: str | None = None) -> None:
        self.conn.execute("INSERT INTO basic_read (nmi, register_id, read_date, source, value_wh, "
                          "quality, run_date) VALUES (?, ?, ?, ?, ?, 'A', ?)",
                          (nmi, register_id, read_date, source, value_wh, run_date))

    def rows(self, sql: str, *params: object) -> list[tuple]:
        return [tuple(r) for r in self.conn.execute(sql, params)]
