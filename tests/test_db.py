"""The shared embedded database helper: schema on first use, all-or-nothing transactions."""

import pytest

from handlers.db import connect, transaction

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
