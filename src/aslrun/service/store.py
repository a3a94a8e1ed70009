"""The server's store: state machines, versions, aliases, activities, executions and their
histories, in one SQLite database in the state directory.

Crash safety is the point of it:

* every change the API acknowledges (a state machine created, an execution started, a stop, a tag)
  is committed, with SQLite's ``synchronous=FULL`` in WAL mode, before the answer is sent: a server
  killed at any moment (``kill -9``, power cut) has lost nothing it said yes to;
* what executions record as they run (history events, their end) goes through one writer thread that
  commits in small batches (at most ~20 ms apart), so a busy server does not pay a disk sync per
  event; a reader sees an execution's end only together with all its events;
* on start, executions the database still lists as running were cut off by the previous server's
  end: they are closed as FAILED with ``aslrun.ServerStopped`` and an ``ExecutionFailed`` event
  that says so (they can be redriven), never silently left RUNNING.

Readers use their own connection per thread (WAL lets them read while the writer writes).
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["LOCK_FILE", "SERVER_STOPPED", "Store", "StoreError"]

SCHEMA_VERSION = 1
SERVER_STOPPED = "aslrun.ServerStopped"
_FLUSH_SECONDS = 0.02

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS state_machines (
    arn TEXT PRIMARY KEY, name TEXT NOT NULL, region TEXT NOT NULL, type TEXT NOT NULL,
    revision_id TEXT NOT NULL, created REAL NOT NULL, status TEXT NOT NULL DEFAULT 'ACTIVE',
    next_version INTEGER NOT NULL DEFAULT 1, seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS revisions (
    revision_id TEXT PRIMARY KEY, machine_arn TEXT NOT NULL, definition TEXT NOT NULL,
    role_arn TEXT NOT NULL, type TEXT NOT NULL, logging TEXT, tracing TEXT, encryption TEXT,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
    arn TEXT PRIMARY KEY, machine_arn TEXT NOT NULL, version INTEGER NOT NULL, revision_id TEXT NOT NULL,
    description TEXT, created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS versions_of_machine ON versions (machine_arn, version);
CREATE TABLE IF NOT EXISTS aliases (
    arn TEXT PRIMARY KEY, machine_arn TEXT NOT NULL, name TEXT NOT NULL, description TEXT,
    routing TEXT NOT NULL, created REAL NOT NULL, updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS tags (
    resource_arn TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (resource_arn, key)
);
CREATE TABLE IF NOT EXISTS activities (
    arn TEXT PRIMARY KEY, name TEXT NOT NULL, region TEXT NOT NULL, created REAL NOT NULL, encryption TEXT,
    seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS executions (
    arn TEXT PRIMARY KEY, machine_arn TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL,
    status TEXT NOT NULL, input TEXT NOT NULL, output TEXT, error TEXT, cause TEXT,
    start REAL NOT NULL, stop REAL, trace_header TEXT, version_arn TEXT, alias_arn TEXT,
    revision_id TEXT NOT NULL, map_run_arn TEXT, parent_arn TEXT,
    redrive_count INTEGER NOT NULL DEFAULT 0, redrive_date REAL, redrive_token TEXT, seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS executions_of_machine ON executions (machine_arn, seq);
CREATE INDEX IF NOT EXISTS executions_of_map_run ON executions (map_run_arn, seq);
CREATE INDEX IF NOT EXISTS running_executions ON executions (status) WHERE status = 'RUNNING';
CREATE TABLE IF NOT EXISTS events (
    execution_arn TEXT NOT NULL, id INTEGER NOT NULL, body TEXT NOT NULL,
    input TEXT, output TEXT, parameters TEXT,
    PRIMARY KEY (execution_arn, id)
);
CREATE TABLE IF NOT EXISTS map_runs (
    arn TEXT PRIMARY KEY, execution_arn TEXT NOT NULL, state_name TEXT NOT NULL, status TEXT NOT NULL,
    start REAL NOT NULL, stop REAL, max_concurrency INTEGER NOT NULL DEFAULT 0,
    tolerated_count INTEGER NOT NULL DEFAULT 0, tolerated_percentage REAL NOT NULL DEFAULT 0,
    redrive_count INTEGER NOT NULL DEFAULT 0, redrive_date REAL, seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS map_runs_of_execution ON map_runs (execution_arn, seq);
"""


class StoreError(Exception):
    """The state directory's database cannot be used (named, with what to do)."""


class Store:
    """One SQLite database; :meth:`write` for acknowledged changes, :meth:`queue` for history."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the state directory {path.parent}: {exc.strerror}") from None
        self._lock_file = _lock_directory(path.parent)
        self._local = threading.local()
        self._write_lock = threading.RLock()
        try:
            self._writer = self._connect()
            self._writer.executescript(_SCHEMA)
            self._check_version()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path} is not a usable aslrun state database ({exc}); move it away (or pass "
                             "another --state-dir) to start with an empty one") from None
        self._seq = self._max_seq()
        self._queue: list[tuple[str, tuple[Any, ...]]] = []
        self._queue_lock = threading.Condition()
        self._cut = 0  # batches the writer has taken from the queue
        self._committed = 0  # ... and committed
        self._urgent = False  # a flush() waits: commit without waiting for more
        self._closing = False
        self.failures = 0  # queued writes that could not be committed (reported on stderr)
        self._thread = threading.Thread(target=self._write_queued, name="aslrun-store-writer", daemon=True)
        self._thread.start()

    # -- connections ----------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.row_factory = sqlite3.Row
        return connection

    def _reader(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._connect()
            self._local.connection = connection
        return connection

    def _check_version(self) -> None:
        row = self._writer.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None:
            self._writer.execute("INSERT INTO meta (key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) != SCHEMA_VERSION:
            raise StoreError(f"{self.path} was written by another version of aslrun (schema {row[0]}, this one "
                             f"reads {SCHEMA_VERSION}); use another --state-dir")

    def _max_seq(self) -> int:
        seqs = [self._writer.execute(f"SELECT COALESCE(MAX(seq), 0) FROM {table}").fetchone()[0]
                for table in ("state_machines", "executions", "activities", "map_runs", "tags")]
        return max(seqs)

    def next_seq(self) -> int:
        """A number that orders rows by creation (lists are newest or oldest first by it)."""
        with self._write_lock:
            self._seq += 1
            return self._seq

    # -- reading ----------------------------------------------------------------------------------

    def one(self, sql: str, parameters: Sequence[Any] = ()) -> sqlite3.Row | None:
        return self._reader().execute(sql, parameters).fetchone()  # type: ignore[no-any-return]

    def all(self, sql: str, parameters: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return self._reader().execute(sql, parameters).fetchall()

    # -- acknowledged writes ----------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A transaction committed (and synced to disk) before the block's caller answers."""
        with self._write_lock:
            connection = self._writer
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    # -- what executions record while they run ------------------------------------------------------

    def queue(self, sql: str, parameters: tuple[Any, ...]) -> None:
        """A write committed by the writer thread within ~20 ms, in order with the others."""
        with self._queue_lock:
            self._queue.append((sql, parameters))
            if len(self._queue) == 1:
                self._queue_lock.notify_all()

    def flush(self, timeout: float = 30.0) -> None:
        """Commit everything queued so far now, and wait until it is committed."""
        with self._queue_lock:
            target = self._cut + (1 if self._queue else 0)
            self._urgent = True
            self._queue_lock.notify_all()
            deadline = time.monotonic() + timeout
            while self._committed < target:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._queue_lock.wait(left)

    def _write_queued(self) -> None:
        lock = self._queue_lock
        while True:
            with lock:
                while not self._queue and not self._closing:
                    lock.wait()
                if not self._queue:
                    return  # closing, and nothing left
                if not (self._urgent or self._closing):
                    lock.wait(_FLUSH_SECONDS)  # let more events join this commit (a flush cuts it short)
                batch, self._queue = self._queue, []
                self._urgent = False
                self._cut += 1
            try:
                self._commit_batch(batch)
            finally:
                with lock:
                    self._committed += 1
                    lock.notify_all()

    def _commit_batch(self, batch: list[tuple[str, tuple[Any, ...]]]) -> None:
        """Commit one batch; a failing disk is retried, then reported (the server keeps answering)."""
        for attempt in range(5):
            try:
                with self.write() as connection:
                    for sql, parameters in batch:
                        connection.execute(sql, parameters)
                return
            except sqlite3.Error as exc:
                failure = exc
                time.sleep(0.1 * 2 ** attempt)
        self.failures += len(batch)
        print(f"aslrun serve: could not write {len(batch)} history record(s) to {self.path}: {failure}",
              file=sys.stderr)

    def close(self) -> None:
        with self._queue_lock:
            self._closing = True
            self._queue_lock.notify_all()
        self._thread.join(timeout=30)
        with self._write_lock:
            self._writer.close()
        self._lock_file.close()  # releases the directory for the next server

    # -- recovery -----------------------------------------------------------------------------------

    def close_interrupted_executions(self, now: float) -> list[str]:
        """Executions left RUNNING by a server that ended: FAILED, with an event saying why."""
        rows = self._writer.execute("SELECT arn FROM executions WHERE status = 'RUNNING'").fetchall()
        closed = []
        cause = ("The aslrun server stopped while this execution was running, so it did not go on. "
                 "Its history shows how far it got; RedriveExecution continues it from the state it was in.")
        with self.write() as connection:
            for (arn,) in rows:
                last = connection.execute("SELECT COALESCE(MAX(id), 0) FROM events WHERE execution_arn = ?",
                                          (arn,)).fetchone()[0]
                event = {"id": last + 1, "previousEventId": last, "timestamp": now, "type": "ExecutionFailed",
                         "executionFailedEventDetails": {"error": SERVER_STOPPED, "cause": cause}}
                connection.execute("INSERT INTO events (execution_arn, id, body) VALUES (?, ?, ?)",
                                   (arn, last + 1, json.dumps(event, separators=(",", ":"))))
                connection.execute("UPDATE executions SET status = 'FAILED', error = ?, cause = ?, stop = ? "
                                   "WHERE arn = ?", (SERVER_STOPPED, cause, now, arn))
                closed.append(arn)
            connection.execute("UPDATE map_runs SET status = 'FAILED', stop = ? WHERE status = 'RUNNING'", (now,))
        return closed


LOCK_FILE = "aslrun-serve.lock"


def _lock_directory(folder: Path) -> Any:
    """Hold the state directory for this server alone: two servers writing one store would each
    take the other's running executions for interrupted ones."""
    path = folder / LOCK_FILE
    try:
        handle = open(path, "a+", encoding="utf-8")
    except OSError as exc:
        raise StoreError(f"cannot use the state directory {folder}: {exc.strerror}") from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        owner = handle.read().strip() or "another process"
        handle.close()
        raise StoreError(f"the state directory {folder} is in use by another aslrun serve (pid {owner}): stop it, "
                         "or pass another --state-dir") from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle
