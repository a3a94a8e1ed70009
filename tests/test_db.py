"""The shared embedded database helper: schema on first use, all-or-nothing transactions."""

import os
import sqlite3
import tempfile
import threading
from pathlib import Path

import pytest

from handlers.db import (SHARED_PER_THREAD, DeferredWrites, connect, read_tuples, shared_connection, transaction,
                         used_until_now)

SCHEMA = """
CREATE TABLE IF NOT EXISTS item (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
"""


def test_schema_is_applied_once_and_persists(tmp_path):
    path = tmp_path / "db" / "x.sqlite3"
    conn = connect(path, schema=SCHEMA)
    with transaction(conn):
        conn.execute("INSERT INTO item(name) VALUES ('a')")
    conn.close()
    again = connect(path, schema=SCHEMA)
    assert [r["name"] for r in again.execute("SELECT name FROM item")] == ["a"]


def test_failed_batch_leaves_no_rows(tmp_path):
    conn = connect(tmp_path / "x.sqlite3", schema=SCHEMA)
    with pytest.raises(Exception):
        with transaction(conn):
            conn.execute("INSERT INTO item(name) VALUES ('a')")
            conn.execute("INSERT INTO item(name) VALUES ('a')")  # violates UNIQUE
    assert conn.execute("SELECT COUNT(*) FROM item").fetchone()[0] == 0


def test_nested_transaction_joins_outer(tmp_path):
    conn = connect(tmp_path / "x.sqlite3", schema=SCHEMA)
    with pytest.raises(RuntimeError):
        with transaction(conn):
            conn.execute("INSERT INTO item(name) VALUES ('a')")
            with transaction(conn):
                conn.execute("INSERT INTO item(name) VALUES ('b')")
            raise RuntimeError("boom")
    assert conn.execute("SELECT COUNT(*) FROM item").fetchone()[0] == 0


def test_shared_connection_is_kept_for_the_thread(tmp_path):
    path = tmp_path / "x.sqlite3"
    first = shared_connection(path, schema=SCHEMA)
    assert shared_connection(path) is first
    assert shared_connection(str(path)) is first


def test_shared_connection_sees_a_replaced_file(tmp_path):
    path = tmp_path / "x.sqlite3"
    old = shared_connection(path, schema=SCHEMA)
    with transaction(old):
        old.execute("INSERT INTO item(name) VALUES ('old')")
    replacement = tmp_path / "new.sqlite3"
    fresh = connect(replacement, schema=SCHEMA)
    with transaction(fresh):
        fresh.execute("INSERT INTO item(name) VALUES ('new')")
    fresh.close()
    for suffix in ("-wal", "-shm"):  # what replacing an SQLite database takes (see handlers.db)
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.replace(replacement, path)
    again = shared_connection(path)
    assert again is not old
    assert [r["name"] for r in again.execute("SELECT name FROM item")] == ["new"]


def test_shared_connection_to_a_deleted_file_opens_a_new_database(tmp_path):
    path = tmp_path / "x.sqlite3"
    old = shared_connection(path, schema=SCHEMA)
    with transaction(old):
        old.execute("INSERT INTO item(name) VALUES ('gone')")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink()
    again = shared_connection(path, schema=SCHEMA)
    assert again is not old
    assert again.execute("SELECT COUNT(*) FROM item").fetchone()[0] == 0


def test_shared_connection_is_per_thread_and_memory_is_never_shared(tmp_path):
    path = tmp_path / "x.sqlite3"
    mine = shared_connection(path, schema=SCHEMA)
    theirs = []
    worker = threading.Thread(target=lambda: theirs.append(shared_connection(path)))
    worker.start()
    worker.join()
    assert theirs[0] is not mine
    assert shared_connection(":memory:") is not shared_connection(":memory:")


def test_shared_connections_past_the_bound_are_closed(tmp_path):
    paths = [tmp_path / f"{n}.sqlite3" for n in range(SHARED_PER_THREAD + 1)]
    first = shared_connection(paths[0], schema=SCHEMA)
    for path in paths[1:]:
        shared_connection(path, schema=SCHEMA)
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        first.execute("SELECT 1")
    assert shared_connection(paths[0]) is not first


def test_shared_connection_left_in_a_transaction_is_rolled_back(tmp_path):
    path = tmp_path / "x.sqlite3"
    conn = shared_connection(path, schema=SCHEMA)
    conn.execute("BEGIN")
    conn.execute("INSERT INTO item(name) VALUES ('half')")
    again = shared_connection(path)
    assert again is conn and not again.in_transaction
    assert again.execute("SELECT COUNT(*) FROM item").fetchone()[0] == 0


def test_deferred_writes_read_at_once_and_write_together_at_the_end_holding_no_lock_before(tmp_path):
    """Work that reads, computes, then writes, through DeferredWrites: its reads run at once, its
    writes wait for apply() and are made in order in one transaction; until then another connection
    writes at once (no lock is held), and work that fails before apply() leaves nothing."""
    path = tmp_path / "x.sqlite3"
    conn = connect(path, schema=SCHEMA)
    with transaction(conn):
        conn.execute("INSERT INTO item(name) VALUES ('old')")
    kept = DeferredWrites(conn)
    names = [r["name"] for r in kept.execute("SELECT name FROM item")]
    assert names == ["old"]
    assert kept.execute("DELETE FROM item WHERE name = ?", ("old",)) is None
    kept.executemany("INSERT INTO item(name) VALUES (?)", iter([("a",), ("b",)]))
    assert [r["name"] for r in kept.execute("WITH t AS (SELECT name FROM item) SELECT * FROM t")] == ["old"]
    other = connect(path, schema=SCHEMA)
    other.execute("PRAGMA busy_timeout = 0")  # a held write lock would fail this at once
    with transaction(other):
        other.execute("INSERT INTO item(name) VALUES ('other')")
    kept.apply()
    assert sorted(r["name"] for r in conn.execute("SELECT name FROM item")) == ["a", "b", "other"]
    assert kept.writes == [] and not conn.in_transaction

    failed = DeferredWrites(conn)
    failed.execute("DELETE FROM item")
    failed.executemany("INSERT INTO item(name) VALUES (?)", [("z",), ("z",)])  # a duplicate: apply() fails on it
    with pytest.raises(sqlite3.IntegrityError):
        failed.apply()
    assert sorted(r["name"] for r in conn.execute("SELECT name FROM item")) == ["a", "b", "other"]  # all or none


def test_prepare_is_called_once_when_the_connection_is_opened(tmp_path):
    path = tmp_path / "x.sqlite3"
    calls = []

    def prepare(conn):
        calls.append(conn)
        conn.execute("PRAGMA busy_timeout = 1234")

    first = shared_connection(path, schema=SCHEMA, prepare=prepare)
    assert shared_connection(path, prepare=prepare) is first and calls == [first]
    assert first.execute("PRAGMA busy_timeout").fetchone()[0] == 1234


def test_watch_content_opens_again_after_someone_else_wrote_the_file(tmp_path):
    path = tmp_path / "x.sqlite3"
    mine = shared_connection(path, schema=SCHEMA, watch_content=True)
    with transaction(mine):
        mine.execute("INSERT INTO item(name) VALUES ('mine')")
    mine.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # this thread's own write reaches the file
    used_until_now(path)
    assert shared_connection(path, watch_content=True) is mine  # its own writes: kept
    other = connect(path)
    with transaction(other):
        other.execute("INSERT INTO item(name) VALUES ('theirs')")
    other.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    other.close()
    os.utime(path, ns=(0, 0))  # (a write inside the file system's timestamp tick looks the same: make it plain)
    again = shared_connection(path, watch_content=True)
    assert again is not mine
    assert sorted(r["name"] for r in again.execute("SELECT name FROM item")) == ["mine", "theirs"]
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):  # the same file: closed, not kept open with its
        mine.execute("SELECT 1")  # page cache (two BUA workers writing by turns kept 32 each, ~400 MiB a worker)


def test_a_read_only_connection_opens_the_file_named_whatever_its_name_holds(tmp_path):
    """'#', '?' and '%' in a file: URI would cut the name short, drop mode=ro and create a file."""
    from handlers.db import connect_read_only

    path = tmp_path / "run #1?x=%41 y.sqlite3"
    with connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.execute("INSERT INTO t VALUES (1)")
    reader = connect_read_only(path)
    try:
        assert reader.execute("SELECT x FROM t").fetchall() == [(1,)]
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader.execute("INSERT INTO t VALUES (2)")
    finally:
        reader.close()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm"))) == [path.name]


# -- processes: a forked child's own connections, and the turn to write --------------------------------------

def _in_a_forked_child(check) -> int:
    """Run ``check()`` in a forked child; its exit status (0: it returned true)."""
    pid = os.fork()
    if pid == 0:  # (the child: nothing but the check, then out without the parent's clean-up)
        try:
            os._exit(0 if check() else 1)
        except BaseException:
            os._exit(2)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forks")
def test_a_forked_child_opens_connections_of_its_own_and_leaves_the_parents_alone(tmp_path):
    path = tmp_path / "x.sqlite3"
    parents = shared_connection(path, schema=SCHEMA)

    def child_writes_through_its_own():
        conn = shared_connection(path, schema=SCHEMA)
        with transaction(conn):
            conn.execute("INSERT INTO item(name) VALUES ('from the child')")
        return conn is not parents

    assert _in_a_forked_child(child_writes_through_its_own) == 0
    with transaction(parents):  # the parent's connection goes on working
        parents.execute("INSERT INTO item(name) VALUES ('from the parent')")
    assert [r["name"] for r in parents.execute("SELECT name FROM item ORDER BY id")] == ["from the child",
                                                                                        "from the parent"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forks")
def test_a_shared_connections_transaction_holds_the_databases_turn_which_other_processes_wait_for(tmp_path):
    import fcntl

    path = tmp_path / "x.sqlite3"
    conn = shared_connection(path, schema=SCHEMA)

    stat = path.stat()
    turn = Path(tempfile.gettempdir()) / f"aslrun-write-turns-{os.getuid()}" / f"{stat.st_dev}-{stat.st_ino}"

    def turn_is_free():
        handle = os.open(turn, os.O_RDONLY)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    with transaction(conn):
        conn.execute("INSERT INTO item(name) VALUES ('a')")
        assert _in_a_forked_child(turn_is_free) == 1  # another process finds it taken...
    assert _in_a_forked_child(turn_is_free) == 0  # ...until the transaction ends
    with pytest.raises(sqlite3.IntegrityError):
        with transaction(conn):
            conn.execute("INSERT INTO item(name) VALUES ('a')")
    assert _in_a_forked_child(turn_is_free) == 0  # (and when it fails)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.sqlite3", "x.sqlite3-shm", "x.sqlite3-wal"]  # no file more


def test_read_tuples_gives_plain_tuples_on_a_row_connection_and_through_deferred_writes(tmp_path):
    conn = connect(tmp_path / "t.sqlite3", schema="CREATE TABLE IF NOT EXISTS t (a INTEGER, b TEXT);")
    conn.execute("INSERT INTO t VALUES (1, 'x'), (2, 'y')")
    assert conn.row_factory is sqlite3.Row
    assert read_tuples(conn, "SELECT a, b FROM t ORDER BY a").fetchall() == [(1, "x"), (2, "y")]
    deferred = DeferredWrites(conn)
    assert read_tuples(deferred, "  with x AS (SELECT a FROM t) SELECT a FROM x ORDER BY a").fetchall() == [(1,), (2,)]
    assert type(conn.execute("SELECT a FROM t").fetchone()) is sqlite3.Row  # (the connection's own rows as before)
    with pytest.raises(ValueError, match="only reads"):
        read_tuples(deferred, "DELETE FROM t")
    assert conn.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 2
    conn.close()
