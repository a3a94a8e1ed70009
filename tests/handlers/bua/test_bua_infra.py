"""Restore, warming, scale, terminate and the command line: local stand-ins that still check."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.bua.builder import SnapshotBuilder
from handlers.bua import infra
from handlers.bua.errors import BadEvent, DataError, RunNotReady
from handlers.bua.pipeline import main


def test_restore_copies_the_snapshot_once_and_creates_the_run(cases):
    first = infra.restore(cases)
    assert first["restored"] and first["created"] and first["accounts"] == 8  # P1, P2, A, C, D, E, F, G
    assert (first["period_start"], first["period_end"]) == ("2024-09-01", "2024-10-01")
    again = infra.restore(cases)
    assert not again["restored"] and not again["created"]


@pytest.mark.parametrize(("change", "error", "message"), [
    ({"snapshot": "/no/such/file"}, BadEvent, "is not a snapshot database file"),
    ({"period_end": "2024-10-15"}, BadEvent, "is after the run date"),
    ({"period_start": "2024-10-01"}, BadEvent, "must be after period_start"),
    ({"config": {"batch_size": 0}}, BadEvent, "config.batch_size"),
])
def test_restore_refuses_bad_input_naming_it(cases, change, error, message):
    with pytest.raises(error, match=message):
        infra.restore({**cases, **change})


def test_restore_of_an_empty_snapshot_is_refused(tmp_path):
    SnapshotBuilder.create(tmp_path / "empty.sqlite3").close()
    with pytest.raises(DataError, match="holds no accounts"):
        infra.restore({"run_date": "2024-10-01", "db": str(tmp_path / "run.sqlite3"),
                       "snapshot": str(tmp_path / "empty.sqlite3")})


def test_later_stages_need_the_run_created_first(tmp_path):
    with pytest.raises(RunNotReady, match="run the restore stage first"):
        infra.scale({"run_date": "2024-10-01", "db": str(tmp_path / "none.sqlite3")})


def test_warming_analyses_tables_and_reads_indexes(cases):
    infra.restore(cases)
    targets = infra.list_warm_targets({"run_date": cases["run_date"], "db": cases["db"]})
    tables = {t["table"] for t in targets["tables"]}
    assert {"interval_read", "account", "bua_control"} <= tables
    for item in targets["tables"] + targets["indexes"]:
        infra.warm_target(item)
    conn = sqlite3.connect(cases["db"])
    assert conn.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'interval_read'").fetchone()[0]
    conn.close()
    partial = next(i for i in targets["indexes"] if i["index"] == "interval_read_estimates")
    assert partial["where"] == "source = 'BUA'" and infra.warm_target(partial)["entries"] == 0
    with pytest.raises(BadEvent, match="unknown table"):
        infra.warm_target({**targets["tables"][0], "table": "nope; DROP TABLE account"})


def test_terminate_keeps_the_database_unless_asked(cases):
    infra.restore(cases)
    kept = infra.terminate({"run_date": cases["run_date"], "db": cases["db"]})
    assert not kept["deleted"] and Path(cases["db"]).exists()
    gone = infra.terminate({"run_date": cases["run_date"], "db": cases["db"],
                            "delete_database": True})
    assert gone["deleted"] and not Path(cases["db"]).exists()


def test_command_line_runs_and_reports_failures_without_a_traceback(cases, capsys):
    args = ["--run-date", cases["run_date"], "--db", cases["db"]]
    assert main(args + ["--snapshot", "/no/such/file"]) == 1
    err = capsys.readouterr().err
    assert "BadEvent: snapshot: '/no/such/file'" in err and "Traceback" not in err
    # the failed restore is recorded; with a snapshot it resumes and finishes
    infra.restore(cases)
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["stages"]["export"]["status"] == "SUCCEEDED"


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".restoring" in p.name)


def test_a_new_run_database_is_the_snapshot_file_copied_with_the_run_schema(cases, monkeypatch):
    monkeypatch.setattr(infra, "_copy_snapshot", None)  # (SQLite's backup is not called)
    restored = infra.restore(cases)
    assert restored["restored"] and restored["accounts"] == 8
    db = Path(cases["db"])
    assert _leftovers(db.parent) == [] and not Path(f"{db}-wal").exists()
    assert db.stat().st_mode & 0o777 == 0o644 & ~_umask()  # (as SQLite creates a database: not private)
    with sqlite3.connect(db) as conn, sqlite3.connect(cases["snapshot"]) as snap:
        for table in ("account", "interval_read", "bill"):
            assert conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall() == \
                snap.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
        assert conn.execute("SELECT run_date FROM bua_run").fetchall() == [(cases["run_date"],)]
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_snapshot_with_writes_still_in_its_log_is_restored_through_sqlite(cases, tmp_path):
    """The file alone would miss what the snapshot's write-ahead log holds: the backup reads both."""
    snapshot = tmp_path / "logged.sqlite3"
    with sqlite3.connect(cases["snapshot"]) as source, sqlite3.connect(snapshot) as copy:
        source.backup(copy)
    writer = sqlite3.connect(snapshot)
    writer.execute("PRAGMA journal_mode = WAL")
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("DELETE FROM account WHERE account_id = 'G'")
    writer.commit()
    assert Path(f"{snapshot}-wal").stat().st_size > 0
    try:
        restored = infra.restore({**cases, "snapshot": str(snapshot)})
    finally:
        writer.close()
    assert restored["restored"] and restored["accounts"] == 7


def test_a_file_that_is_not_a_database_is_refused_as_a_snapshot(cases, tmp_path):
    fake = tmp_path / "fake.sqlite3"
    fake.write_text("account_id,nmi\nA,NMI0000000\n")
    with pytest.raises(BadEvent, match="not an SQLite database"):
        infra.restore({**cases, "snapshot": str(fake)})
    assert not Path(cases["db"]).exists() and _leftovers(Path(cases["db"]).parent) == []


def test_a_database_made_meanwhile_by_another_restore_is_restored_the_usual_way(cases, monkeypatch):
    """Two restores of one run at once: the one whose copy finds the name taken keeps the other's file."""
    real_link = infra.os.link

    def other_restore_first(source, target):
        sqlite3.connect(target).close()  # the other restore's (still empty) database
        return real_link(source, target)

    monkeypatch.setattr(infra.os, "link", other_restore_first)
    restored = infra.restore(cases)
    assert restored["restored"] and restored["accounts"] == 8
    assert _leftovers(Path(cases["db"]).parent) == []


def test_a_copy_left_by_a_killed_restore_is_removed_by_the_next(cases):
    """kill -9 mid-copy leaves the copy (as big as the snapshot); a live restore's copy is kept."""
    folder = Path(cases["db"]).parent
    folder.mkdir(parents=True, exist_ok=True)
    name = Path(cases["db"]).name
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    abandoned = [folder / f".{name}.{dead}.x1y2.restoring", folder / f".{name}.{dead}.x1y2.restoring-wal"]
    live = folder / f".{name}.{os.getpid()}.z3.restoring"
    for path in [*abandoned, live]:
        path.write_bytes(b"half a copy")
    assert infra.restore(cases)["restored"]
    assert _leftovers(folder) == [live.name]


def test_the_log_of_a_deleted_run_database_is_moved_aside_not_replayed_into_the_new_one(cases, monkeypatch):
    """A run database deleted without its -wal: SQLite would replay that log (an old run's rows)
    into the restored copy, a write-ahead-log database of the same name; it is moved aside and the
    quick copy taken."""
    monkeypatch.setattr(infra, "_copy_snapshot", None)  # (SQLite's backup is not called)
    old = sqlite3.connect(cases["db"])
    old.execute("PRAGMA journal_mode = WAL")
    old.execute("PRAGMA wal_autocheckpoint = 0")
    old.execute("CREATE TABLE account (account_id TEXT PRIMARY KEY)")
    old.execute("INSERT INTO account VALUES ('STALE')")
    old.commit()
    wal = Path(f"{cases['db']}-wal")
    stale = wal.read_bytes()
    old.close()
    Path(cases["db"]).unlink()
    wal.write_bytes(stale)  # (closing checkpointed and removed it: put it back, as a crash leaves it)
    restored = infra.restore(cases)
    assert restored["restored"] and restored["accounts"] == 8
    with sqlite3.connect(cases["db"]) as conn:
        assert conn.execute("SELECT COUNT(*) FROM account WHERE account_id = 'STALE'").fetchone() == (0,)
    assert [p.name.split(".orphaned-")[0] for p in Path(cases["db"]).parent.glob("*.orphaned-*")] == \
        [wal.name]
