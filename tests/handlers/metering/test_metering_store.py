"""open_store: the metering tables are made on a connection's first use, and again for a file replaced."""

from __future__ import annotations

from pathlib import Path

from handlers.metering.store import open_store


def _tables(path: Path) -> set[str]:
    rows = open_store(path).conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {row[0] for row in rows if row[0].startswith("metering_")}


def test_a_database_replaced_under_a_kept_connection_gets_its_tables_again(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    made = _tables(path)
    assert "metering_readings" in made and len(made) > 5
    assert _tables(path) == made  # (the kept connection: checked once)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    assert _tables(path) == made
