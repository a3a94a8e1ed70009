"""A damaged or emptied run database: every stage names the file and how to recover, and the restore
stage (which a run with "rerun": true runs again) moves a damaged one aside and rebuilds it."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.bua import infra
from handlers.bua.errors import RunDatabaseDamaged, RunNotReady
from handlers.bua.events import open_context


def _garble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for at in range(100, len(data), 997):
        data[at] = 0x5A
    path.write_bytes(bytes(data))


def test_a_stage_on_a_damaged_database_names_it_and_the_way_back(cases):
    infra.restore(cases)
    _garble(Path(cases["db"]))
    with pytest.raises(RunDatabaseDamaged) as raised, open_context(cases):
        pass
    message = str(raised.value)
    assert message.startswith(f"run database {cases['db']} cannot be read (")
    assert 'Run again with "rerun": true' in message and "Traceback" not in message


def test_a_file_that_is_not_a_database_is_named_too(cases):
    Path(cases["db"]).write_text("these are not the bytes of a database" * 200)
    with pytest.raises(RunDatabaseDamaged, match="file is not a database"), open_context(cases):
        pass


def test_restore_moves_a_damaged_database_aside_and_rebuilds_it(cases):
    infra.restore(cases)
    path = Path(cases["db"])
    _garble(path)
    damaged = path.read_bytes()
    again = infra.restore(cases)
    kept = Path(again["damaged_database_moved_to"])
    assert kept.read_bytes() == damaged  # nothing deleted: the damaged file is kept for a look
    assert again["restored"] and again["created"] and again["accounts"] == 8
    with open_context(cases) as context:
        assert context.run is not None


def test_an_emptied_database_says_restore_or_rerun(cases):
    infra.restore(cases)
    Path(cases["db"]).unlink()
    with pytest.raises(RunNotReady) as raised, open_context(cases):
        pass
    assert f"({cases['db']})" in str(raised.value)
    assert 'the database was replaced or emptied since: run again with "rerun": true' in str(raised.value)


def test_damage_done_while_this_thread_holds_the_database_is_named_too(cases):
    """The stages share one connection per thread (store.shared_db): a database damaged after it was
    opened is named just the same when the next stage reads it."""
    infra.restore(cases)
    with open_context(cases) as context:
        assert context.run is not None
    _garble(Path(cases["db"]))
    with pytest.raises(RunDatabaseDamaged), open_context(cases) as context:
        context.conn.execute("SELECT COUNT(*) FROM account").fetchone()
