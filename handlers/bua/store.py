"""Opening the run database, reading the run back, and packing interval values.

Where the run database lives: the event's ``db`` field, else ``$ASLRUN_DB``, else
``.aslrun/bua/run-<run_date>.sqlite3`` under the current directory: one database per run date,
as production restores one RDS instance per run.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import date
from pathlib import Path

import numpy as np

from handlers.db import connect

from .config import RunConfig, RunInfo
from .errors import RunNotReady
from .schema import SCHEMA

__all__ = [
    "WH_DTYPE",
    "load_run",
    "open_db",
    "output_dir",
    "pack_wh",
    "run_db_path",
    "unpack_wh",
]

WH_DTYPE = np.dtype("<i4")
"""Interval values in a BLOB: little-endian int32 watt-hours (exact to 0.001 kWh)."""


def run_db_path(db: str | os.PathLike[str] | None, run_date: date) -> str:
    """The run database: explicit path, ``$ASLRUN_DB``, or ``.aslrun/bua/run-<date>.sqlite3``."""
    if db:
        return os.fspath(db)
    return os.environ.get("ASLRUN_DB") or os.fspath(
        Path(".aslrun") / "bua" / f"run-{run_date.isoformat()}.sqlite3")


def open_db(path: str) -> sqlite3.Connection:
    """Connect with the BUA schema applied, waiting (not failing) while another batch writes."""
    conn = connect(path, schema=SCHEMA)
    conn.execute("PRAGMA busy_timeout = 120000")
    conn.execute("PRAGMA cache_size = -65536")
    conn.execute("PRAGMA temp_store = MEMORY")
    return conn


def load_run(conn: sqlite3.Connection, run_date: date) -> RunInfo:
    """The run as created by the restore stage; :class:`RunNotReady` for an unknown run date."""
    row = conn.execute("SELECT * FROM bua_run WHERE run_date = ?", (run_date.isoformat(),)).fetchone()
    if row is None:
        raise RunNotReady(f"run {run_date.isoformat()} has not been created in this database: "
                          "run the restore stage first (with the same run date)")
    return RunInfo(run_date=date.fromisoformat(row["run_date"]),
                   period_start=date.fromisoformat(row["period_start"]),
                   period_end=date.fromisoformat(row["period_end"]),
                   window_start=date.fromisoformat(row["window_start"]) if row["window_start"] else None,
                   config=RunConfig.model_validate_json(row["config"]))


def output_dir(run: RunInfo, db_path: str) -> Path:
    """Where the run's files go: ``config.output_dir`` or ``<db folder>/bua-out/<run_date>``."""
    if run.config.output_dir:
        return Path(run.config.output_dir)
    base = Path(db_path).parent if db_path != ":memory:" else Path(".aslrun") / "bua"
    return base / "bua-out" / run.run_date.isoformat()


def pack_wh(values: np.ndarray) -> bytes:
    """Integer watt-hours as the BLOB stored in ``interval_read.wh``."""
    return np.asarray(values, dtype=WH_DTYPE).tobytes()


def unpack_wh(blob: bytes) -> np.ndarray:
    """The interval values of one ``interval_read`` row (int32 watt-hours)."""
    return np.frombuffer(blob, dtype=WH_DTYPE)
