"""The FunctionName bindings and where the default handlers keep their database."""

from __future__ import annotations

import sqlite3

import pytest

from tests.helpers.metering import interval_event

from fixtures.metering.samples import create_sample_database, load_sample
from handlers.metering.errors import ReferenceDataMissing
from handlers.metering.lambdas import HANDLERS, build_handlers


def test_every_function_of_both_machines_is_bound():
    assert sorted(HANDLERS) == sorted(
        [
            "ValidateMeterReading",
            "CheckMeterStatus",
            "CalculateUsage",
            "DetectAnomaly",
            "GenerateBill",
            "ProcessPayment",
            "NotifyCustomer",
        ]
    )


def test_default_handlers_use_the_database_named_by_the_environment(tmp_path, monkeypatch):
    path = tmp_path / "env.sqlite3"
    create_sample_database(path)
    monkeypatch.setenv("ASLRUN_DB", str(path))
    result = HANDLERS["ValidateMeterReading"](load_sample("billing", "valid"), None)
    assert result["isValid"] is True


def test_default_database_is_under_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("ASLRUN_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ReferenceDataMissing) as refused:  # a fresh, empty database: not a verdict
        HANDLERS["ValidateMeterReading"](interval_event(), None)
    assert (tmp_path / ".aslrun" / "aslrun.sqlite3").is_file()
    # ... which the message names, with the way to the data (run from another directory by mistake?)
    message = str(refused.value)
    assert f"the database {tmp_path / '.aslrun' / 'aslrun.sqlite3'} registers no meter at all" in message
    assert "python -m fixtures.metering.samples --fresh" in message and "$ASLRUN_DB" in message
    conn = sqlite3.connect(tmp_path / ".aslrun" / "aslrun.sqlite3")
    assert conn.execute("SELECT COUNT(*) FROM metering_readings").fetchone()[0] == 0  # nothing recorded
    conn.close()


def test_built_handlers_are_bound_to_their_database(db_path, clock):
    handlers = build_handlers(db=db_path, clock=clock)
    assert handlers["ValidateMeterReading"](interval_event(), None)["isValid"] is True
    assert handlers["CheckMeterStatus"](interval_event(), None)["online"] is True
