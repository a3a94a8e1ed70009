"""The embedded database the pipelines keep their state in (SQLite, from the standard library).

One file per data set, created on first use, kept between runs. Every module that owns tables
passes its schema (idempotent ``CREATE TABLE IF NOT EXISTS`` statements) to :func:`connect`, and
writes inside :func:`transaction`, so a batch that fails part-way leaves no half-written rows.

Where the file lives: the ``path`` argument, else ``$ASLRUN_DB``, else ``.aslrun/aslrun.sqlite3``
under the current directory. ``":memory:"`` gives a private in-memory database (tests).

Handlers called thousands of times in one process take :func:`shared_connection` instead of
:func:`connect`: closing a connection to a WAL database checkpoints it and syncs the disk (about
8 ms, most of a bulk-machine handler call when each call opened and closed its own). A shared
connection stays open for the thread that opened it; before it is handed out again the file's
identity (device and inode) is checked, so a database deleted or replaced by another file gets a
fresh connection, never the old file's rows. As SQLite requires of any open database, whoever
deletes or replaces the file removes its ``-wal`` and ``-shm`` with it (``samples --fresh`` does).
A connection whose file was replaced is never closed: closing checkpoints and deletes the WAL *by
name*, which now names the new database's WAL; it is set aside instead (a few per process).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEFAULT_PATH = Path(".aslrun") / "aslrun.sqlite3"

__all__ = ["DEFAULT_PATH", "DeferredWrites", "apply_schema", "connect", "connect_read_only", "database_path",
           "file_identity", "shared_connection", "transaction", "used_until_now"]

#: how many databases a thread keeps open at once (the least recently used is closed past it)
SHARED_PER_THREAD = 4


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
        apply_schema(conn, schema)
    return conn


def connect_read_only(path: str | os.PathLike[str], **options: Any) -> sqlite3.Connection:
    """A read-only connection to the existing database file at ``path``, whatever characters its
    name holds (``#``, ``?`` or ``%`` written into a ``file:`` URI as they are would cut the name
    short, drop ``mode=ro`` and create another file): the name is percent-escaped."""
    uri = f"file:{urllib.parse.quote(os.path.abspath(os.fspath(path)))}?mode=ro"
    return sqlite3.connect(uri, uri=True, **options)


def apply_schema(conn: sqlite3.Connection, schema: str) -> None:
    """Run a schema script's idempotent statements in one transaction."""
    with transaction(conn):
        for statement in _statements(schema):
            conn.execute(statement)


class _Shared(threading.local):
    """A thread's open connections: path -> (connection, (st_dev, st_ino) of the file it opened, and
    with ``watch_content`` its st_mtime_ns and st_size when last used)."""

    def __init__(self) -> None:
        self.open: OrderedDict[str, tuple[sqlite3.Connection, tuple[int, ...]]] = OrderedDict()


_shared = _Shared()


def shared_connection(path: str | os.PathLike[str] | None = None, *, schema: str | None = None,
                      prepare: Callable[[sqlite3.Connection], None] | None = None,
                      watch_content: bool = False) -> sqlite3.Connection:
    """This thread's open connection to the database (opened as :func:`connect` does on first use).

    Do not close it. ``schema`` is applied, and ``prepare`` called (pragmas of the connection), when
    the connection is opened. ``":memory:"`` is never shared (each call is a database of its own).
    With ``watch_content`` the file's size and modification time count too: a file someone else
    wrote since this thread last used it (:func:`used_until_now` after each use records this thread's
    own writes) gets a fresh connection, which reads the file as it is now (a connection kept open
    could go on answering from the pages it holds, not seeing that the file was damaged)."""
    target = database_path(path)
    if target == ":memory:":
        return _prepared(connect(target, schema=schema), prepare)
    key = os.path.abspath(target)
    held = _shared.open.get(key)
    if held is not None:
        conn, identity = held
        if file_identity(key, watch_content) == identity:
            _shared.open.move_to_end(key)
            if conn.in_transaction:  # left open by a caller that did not use transaction()
                conn.execute("ROLLBACK")
            return conn
        del _shared.open[key]
        _set_aside(conn)
    conn = _prepared(connect(target, schema=schema), prepare)
    opened = file_identity(key, watch_content)
    if opened is None:  # nothing at that path to recognise later (cannot happen for a file SQLite opened)
        return conn
    _shared.open[key] = (conn, opened)
    while len(_shared.open) > SHARED_PER_THREAD:
        path_of_oldest, (oldest, its_identity) = _shared.open.popitem(last=False)
        if file_identity(path_of_oldest) == its_identity[:2]:  # (its file, whatever was written since)
            oldest.close()
        else:
            _set_aside(oldest)
    return conn


def _prepared(conn: sqlite3.Connection, prepare: Callable[[sqlite3.Connection], None] | None) -> sqlite3.Connection:
    if prepare is not None:
        try:
            prepare(conn)
        except BaseException:
            conn.close()
            raise
    return conn


_SET_ASIDE_KEPT = 32
_set_aside_connections: list[sqlite3.Connection] = []


def _set_aside(conn: sqlite3.Connection) -> None:
    """Keep a connection whose file was deleted or replaced open (see the module docstring); the
    oldest past a few dozen is let go (its file long gone, its WAL name long reused or removed)."""
    _set_aside_connections.append(conn)
    if len(_set_aside_connections) > _SET_ASIDE_KEPT:
        del _set_aside_connections[0]


def used_until_now(path: str | os.PathLike[str] | None = None) -> None:
    """Count the file as it is now as what this thread's connection (``watch_content``) has seen:
    called after each use, so that the thread's own writes never make it open the file again."""
    key = os.path.abspath(database_path(path))
    held = _shared.open.get(key)
    if held is not None and len(held[1]) == 4:
        identity = file_identity(key, True)
        if identity is not None and identity[:2] == held[1][:2]:  # (still the same file)
            _shared.open[key] = (held[0], identity)


def file_identity(path: str, watch_content: bool = False) -> tuple[int, ...] | None:
    """``(st_dev, st_ino)`` of the file at ``path`` (which file it is: a replaced file is another),
    with ``watch_content`` also its ``st_mtime_ns`` and ``st_size``; None when there is none."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    if watch_content:
        return status.st_dev, status.st_ino, status.st_mtime_ns, status.st_size
    return status.st_dev, status.st_ino


class transaction:  # (named as the function it replaced: ``with transaction(conn):``)
    """All writes inside happen, or none do (a nested use joins the outer transaction)::

        with transaction(conn):
            conn.execute(...)

    A class rather than a generator: handlers enter one per call, thousands of times a run, and
    a generator-based context manager costs several times more to enter and leave."""

    __slots__ = ("conn", "outer")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.outer = False

    def __enter__(self) -> sqlite3.Connection:
        conn = self.conn
        self.outer = not conn.in_transaction
        if self.outer:
            conn.execute("BEGIN IMMEDIATE")
        return conn

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        if self.outer:
            self.conn.execute("COMMIT" if exc_type is None else "ROLLBACK")


class DeferredWrites:
    """A connection for work that reads, computes, then writes: its reads (``SELECT``, ``WITH``) run at
    once, its writes are kept and made together by :meth:`apply`, in one transaction.

    A transaction that begins with the work holds the database's write lock while it computes, so
    processes working on other batches of the same database wait for it: with the writes kept for
    the end, they compute side by side and only the writes take turns. The outcome is the same for
    work that never reads back what it wrote itself (its reads see what was committed before).
    Work that fails part-way writes nothing, as a rolled-back transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.writes: list[tuple[bool, str, Any]] = []  # (many, statement, parameters), in order

    def execute(self, sql: str, parameters: Any = ()) -> sqlite3.Cursor | None:
        if sql.lstrip()[:6].upper().startswith(("SELECT", "WITH")):
            return self.conn.execute(sql, parameters)
        self.writes.append((False, sql, parameters))
        return None

    def executemany(self, sql: str, rows: Any) -> None:
        self.writes.append((True, sql, list(rows)))

    def apply(self) -> None:
        """Make the kept writes, in order, in one transaction."""
        with transaction(self.conn):
            for many, sql, parameters in self.writes:
                (self.conn.executemany if many else self.conn.execute)(sql, parameters)
        self.writes.clear()


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
