"""Opening the run database, reading the run back, and packing interval values.

Where the run database lives: the event's ``db`` field, else ``$ASLRUN_DB``, else
``.aslrun/bua/run-<run_date>.sqlite3`` under the current directory: one database per run date,
as production restores one RDS instance per run.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt

from handlers.db import connect, shared_connection

from .config import RunConfig, RunInfo
from .errors import RunDatabaseDamaged, RunNotReady
from .schema import SCHEMA

__all__ = [
    "WH_DTYPE",
    "damage_named",
    "load_run",
    "open_db",
    "shared_db",
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
    """Connect with the BUA schema applied, waiting (not failing) while another batch writes;
    :class:`RunDatabaseDamaged` when the file is not a readable SQLite database. The caller closes it."""
    with damage_named(path):
        conn = connect(path, schema=SCHEMA)
        _run_db_pragmas(conn)
    return conn


def shared_db(path: str) -> sqlite3.Connection:
    """:func:`open_db`'s connection, kept open for this thread (:func:`handlers.db.shared_connection`,
    which opens it again when the file was replaced or removed): a stage's handler calls share it
    instead of each opening the database, applying the schema and closing it (closing a WAL
    database checkpoints it): about 0.5 ms a call. Never close it. A file written by anyone else
    since this thread last used it (``watch_content``; :func:`handlers.db.used_until_now` after each
    use) gets a fresh connection, which finds damage where a fresh open always did."""
    with damage_named(path):
        return shared_connection(path, schema=SCHEMA, prepare=_run_db_pragmas, watch_content=True)


def _run_db_pragmas(conn: sqlite3.Connection) -> None:
    # a connection kept open keeps the write-ahead log at the largest size it reached (a stage's
    # writes go in one transaction: gigabytes at a million accounts) until its last connection
    # closes; SQLite cuts it back to this size after each checkpoint instead
    conn.execute(f"PRAGMA journal_size_limit = {64 * 2**20}")
    conn.execute("PRAGMA busy_timeout = 120000")
    conn.execute("PRAGMA cache_size = -65536")
    conn.execute("PRAGMA temp_store = MEMORY")


@contextmanager
def damage_named(path: str) -> Iterator[None]:
    """SQLite's "database disk image is malformed" / "file is not a database" raised in the block
    becomes :class:`RunDatabaseDamaged` naming the file and how to recover. (Only that error itself:
    its subclasses, a locked database or a broken constraint, are other problems.)"""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        if type(exc) is not sqlite3.DatabaseError:
            raise
        raise RunDatabaseDamaged(
            f"run database {path} cannot be read ({exc}): it is damaged or not an SQLite database. "
            'Run again with "rerun": true: the restore stage moves it aside and rebuilds it from the snapshot, '
            'and every stage runs again; or give another "db"') from None


def load_run(conn: sqlite3.Connection, run_date: date) -> RunInfo:
    """The run as created by the restore stage; :class:`RunNotReady` for an unknown run date."""
    row = conn.execute("SELECT * FROM bua_run WHERE run_date = ?", (run_date.isoformat(),)).fetchone()
    if row is None:
        files = [r[2] for r in conn.execute("PRAGMA database_list") if r[1] == "main"]
        where = f" ({files[0]})" if files and files[0] else ""
        raise RunNotReady(f"run {run_date.isoformat()} has not been created in this database{where}: run the "
                          "restore stage first (with the same run date). If restore already succeeded for this "
                          'run date, the database was replaced or emptied since: run again with "rerun": true')
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


def pack_wh(values: npt.ArrayLike) -> bytes:
    """Integer watt-hours as the BLOB stored in ``interval_read.wh``: 32-bit integers, so a value past
    their range is refused (``OverflowError``), never stored wrapped round (numpy converts an array of
    wider integers silently; a list it refuses itself)."""
    packed = np.asarray(values, dtype=WH_DTYPE)
    if isinstance(values, np.ndarray) and values.dtype != packed.dtype and not np.array_equal(packed, values):
        raise OverflowError(f"watt-hours that are not whole or past a 32-bit integer's range: {values.min()} to "
                            f"{values.max()} (interval values of {values.size} intervals)")
    return packed.tobytes()


def unpack_wh(blob: bytes) -> np.ndarray:
    """The interval values of one ``interval_read`` row (int32 watt-hours)."""
    return np.frombuffer(blob, dtype=WH_DTYPE)
