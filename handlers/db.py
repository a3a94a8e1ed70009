"""The embedded database the pipelines keep their state in (SQLite, from the standard library).

One file per data set, created on first use, kept between runs. Every module that owns tables
passes its schema (idempotent ``CREATE TABLE IF NOT EXISTS`` statements) to :func:`connect`, and
writes inside :func:`transaction`, so a batch that fails part-way leaves no half-written rows.

Where the file lives: the ``path`` argument, else ``$ASLRUN_DB``, else ``.aslrun/aslrun.sqlite3``
under the current directory. ``":memory:"`` gives a private in-memory database (tests).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DEFAULT_PATH = Path(".aslrun") / "aslrun.sqlite3"

__all__ = ["DEFAULT_PATH", "connect", "database_path", "transaction"]


def database_path(path: str | os.PathLike[str] | None = None) -> str:
    """The database file to use: the argument, ``$ASLRUN_DB``, or the default under the cwd."""
    if path is not None:
        return os.fspath(path)
    return os.environ.get("ASLRUN_DB") or os.fspath(DEFAULT_PATH)


def connect(path: str | os.PathLike[str] | None = None, *, schema: str | None = None) -> sqlite3.Connection:
    """Open (creating if needed) the database and apply ``schema`` to it.

    The connection runs in autocommit mode; group writes with :func:`transaction`.
    """
    target = database_path(path)
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    if target != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    if schema:
        with transaction(conn):
            for statement in _statements(schema):
                conn.execute(statement)
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """All writes inside happen, or none do (a nested call joins the outer transaction)."""
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _statements(schema: str) -> list[str]:
    """Split a schema script into statements (``sqlite3.complete_statement`` knows the grammar)."""
    out: list[str] = []
    buf = ""
    for line in schema.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip().strip(";").strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
