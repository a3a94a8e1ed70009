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

import atexit
import os
import sqlite3
import tempfile
import threading
import urllib.parse
import weakref
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # (not on Windows: there a write waits for SQLite's busy handler alone)
    fcntl = None  # type: ignore[assignment]

DEFAULT_PATH = Path(".aslrun") / "aslrun.sqlite3"

__all__ = ["DEFAULT_PATH", "DeferredWrites", "apply_schema", "connect", "connect_read_only", "database_path",
           "file_identity", "read_tuples", "shared_connection", "transaction", "used_until_now"]

#: how many databases a thread keeps open at once (the least recently used is closed past it)
SHARED_PER_THREAD = 4


def database_path(path: str | os.PathLike[str] | None = None) -> str:
    """The database file to use: the argument, ``$ASLRUN_DB``, or the default under the cwd."""
    if path is not None:
        return os.fspath(path)
    return os.environ.get("ASLRUN_DB") or os.fspath(DEFAULT_PATH)


def connect(path: str | os.PathLike[str] | None = None, *, schema: str | None = None,
            write_turns: bool = False) -> sqlite3.Connection:
    """Open (creating if needed) the database and apply ``schema`` to it.

    The connection runs in autocommit mode; group writes with :func:`transaction`. With
    ``write_turns`` its transactions take turns with the other processes' and threads' through
    :class:`WriteTurn` (the shared connections do).
    """
    target = database_path(path)
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    conn: sqlite3.Connection
    if write_turns and target != ":memory:":
        taking_turns = sqlite3.connect(target, isolation_level=None, check_same_thread=False, factory=_TakingTurns)
        taking_turns.write_turn = WriteTurn.of(target)
        conn = taking_turns
    else:
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
_inherited: list[_Shared] = []


def _forget_inherited_connections() -> None:
    """In a forked child (a Map's iterations in worker processes): SQLite forbids using a connection
    opened before the fork, and closing one could checkpoint and delete the WAL under the parent. The
    parent's connections are kept here, never used or closed, and the child opens its own."""
    global _shared
    _inherited.append(_shared)
    _shared = _Shared()
    WriteTurn.forget_inherited()


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
        _let_go(conn, key, identity)
    conn = _prepared(connect(target, schema=schema, write_turns=True), prepare)
    opened = file_identity(key, watch_content)
    if opened is None:  # nothing at that path to recognise later (cannot happen for a file SQLite opened)
        return conn
    _shared.open[key] = (conn, opened)
    while len(_shared.open) > SHARED_PER_THREAD:
        path_of_oldest, (oldest, its_identity) = _shared.open.popitem(last=False)
        _let_go(oldest, path_of_oldest, its_identity)
    return conn


def _let_go(conn: sqlite3.Connection, path: str, identity: tuple[int, ...]) -> None:
    """A shared connection no longer handed out: closed while ``path`` is still the file it opened
    (whatever was written to it since: another process's checkpoint is the usual reason, and each
    connection kept would keep its page cache, up to 64 MiB for a BUA run database), else set
    aside (the file was deleted or replaced, see the module docstring)."""
    if file_identity(path) == identity[:2]:
        conn.close()
    else:
        _set_aside(conn)


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


class WriteTurn:
    """Whose turn it is to write to a database, among this process's threads and other processes.

    SQLite lets one connection write at a time; one that finds the database locked is put to sleep
    by SQLite's busy handler for 1, 2, 5, 10... ms before it looks again, while a handler's
    transaction lasts a tenth of a millisecond: two processes writing often (a Map's iterations in
    worker processes) spent a fifth of their time asleep. A transaction of a shared connection
    first takes the database's turn: a lock between this process's threads, then an exclusive
    ``flock`` between processes, which the kernel hands to the next one the moment it is let go
    (SQLite's own locks still guard the database against every writer). The ``flock`` is of a file
    of the turn's own in the temporary directory (``aslrun-write-turns-<uid>/``), named after the
    database file's identity (device and inode), so nothing is added beside the database, and so
    that closing it never touches SQLite's locks: closing any descriptor of a file drops the
    process's ``fcntl`` locks on it, SQLite's included. A turn is closed (its file removed unless another
    process holds it) once no connection holds it, and at the process's exit.
    A forked child opens the file again: an ``flock`` belongs to the open file, which it shares
    with its parent."""

    _turns: weakref.WeakValueDictionary[tuple[int, int], WriteTurn] = weakref.WeakValueDictionary()
    _turns_lock = threading.Lock()
    _inherited: list[WriteTurn] = []

    def __init__(self, identity: tuple[int, int]) -> None:
        self._threads = threading.Lock()
        self._file: int | None = None
        if fcntl is not None:
            folder = Path(tempfile.gettempdir()) / f"aslrun-write-turns-{getattr(os, 'getuid', lambda: 0)()}"
            try:
                folder.mkdir(mode=0o700, exist_ok=True)
                self._path = folder / f"{identity[0]}-{identity[1]}"
                self._file = os.open(self._path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
            except OSError:  # (then only this process's threads take turns)
                pass

    def __del__(self) -> None:
        self.close()

    def close(self) -> None:
        """Close the turn's file, and remove it when nobody holds it (one that still has it open only
        loses its turns' speed)."""
        if self._file is None or not self._threads.acquire(blocking=False):  # (a thread of ours holds it)
            return
        try:
            try:
                fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                os.unlink(self._path)
            except OSError:
                pass
            os.close(self._file)
            self._file = None
        finally:
            self._threads.release()

    @classmethod
    def close_all(cls) -> None:
        """At exit: this process's turns closed, their files removed (connections still open keep
        their own turn no more: the process is ending)."""
        with cls._turns_lock:
            turns = list(cls._turns.values())
        for turn in turns:
            turn.close()

    @classmethod
    def of(cls, path: str) -> WriteTurn | None:
        """This process's turn of the database file at ``path`` (None when there is no file)."""
        identity = file_identity(os.path.abspath(path))
        if identity is None:
            return None
        key = (identity[0], identity[1])
        with cls._turns_lock:
            turn = cls._turns.get(key)
            if turn is None:
                turn = cls._turns[key] = WriteTurn(key)
            return turn

    def take(self) -> None:
        self._threads.acquire()
        if self._file is None:
            return
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def give_back(self) -> None:
        try:
            if self._file is not None:
                fcntl.flock(self._file, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    @classmethod
    def forget_inherited(cls) -> None:
        """In a forked child: the parent's turns are the parent's (kept, unused: closing one would
        only close this process's descriptor, but nothing here needs them)."""
        cls._inherited.extend(cls._turns.values())
        cls._turns = weakref.WeakValueDictionary()
        cls._turns_lock = threading.Lock()


class _TakingTurns(sqlite3.Connection):
    """A connection whose transactions take the database's :class:`WriteTurn`."""

    write_turn: WriteTurn | None


class transaction:  # (named as the function it replaced: ``with transaction(conn):``)
    """All writes inside happen, or none do (a nested use joins the outer transaction)::

        with transaction(conn):
            conn.execute(...)

    A class rather than a generator: handlers enter one per call, thousands of times a run, and
    a generator-based context manager costs several times more to enter and leave."""

    __slots__ = ("conn", "outer", "turn")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.outer = False
        self.turn: WriteTurn | None = None  # the turn this transaction took, given back at its end

    def __enter__(self) -> sqlite3.Connection:
        conn = self.conn
        self.outer = not conn.in_transaction
        if self.outer:
            turn = self.turn = getattr(conn, "write_turn", None)
            if turn is not None:
                turn.take()
            try:
                conn.execute("BEGIN IMMEDIATE")
            except BaseException:
                if turn is not None:
                    turn.give_back()
                raise
        return conn

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        if self.outer:
            try:
                self.conn.execute("COMMIT" if exc_type is None else "ROLLBACK")
            finally:
                if self.turn is not None:
                    self.turn.give_back()


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
        if _reads_only(sql):
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


def read_tuples(conn: sqlite3.Connection | DeferredWrites, sql: str, parameters: Any = ()) -> sqlite3.Cursor:
    """A query's rows as plain tuples, whatever the connection's ``row_factory``: for reads of many
    rows taken apart by position (a :class:`sqlite3.Row` per row made the BUA extraction's fetch
    and column picking about 30% dearer). Only reads: a write must go through the connection (or
    the :class:`DeferredWrites` that keeps it for the end)."""
    if not _reads_only(sql):
        raise ValueError(f"read_tuples only reads (SELECT or WITH), got: {sql.lstrip()[:40]!r}")
    cursor = (conn.conn if isinstance(conn, DeferredWrites) else conn).cursor()
    cursor.row_factory = None
    return cursor.execute(sql, parameters)


def _reads_only(sql: str) -> bool:
    """Whether the statement is a query (``SELECT`` or ``WITH``), which writes nothing."""
    return sql.lstrip()[:6].upper().startswith(("SELECT", "WITH"))


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


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_inherited_connections)
atexit.register(WriteTurn.close_all)
