"""The fixture generator and the sample database: reproducible, atomic, and doing what they say."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from datetime import datetime

import pytest
from tests.helpers.metering import wrapped

from fixtures.metering.generate import DEFECTS, generate, load_dataset
from fixtures.metering.generate import main as generate_main
from fixtures.metering.samples import SAMPLES_DIR, create_sample_database, sample_inputs
from handlers.metering.clock import FixedClock
from handlers.metering.lambdas import build_handlers
from handlers.metering.periods import NEM_TZ
from handlers.metering.store import open_store

CLOCK = FixedClock(datetime(2024, 10, 15, 9, 0, tzinfo=NEM_TZ))


def bulk_outcome(handlers, reading):
    """The bulk machine's per-reading logic, called directly: SKIP, FLAG:<type> or BILL."""
    state = dict(reading)
    verdict = handlers["ValidateMeterReading"](state, None)
    if not verdict["isValid"]:
        return "SKIP:" + verdict["errors"][0]["code"]
    state["validation"] = wrapped(verdict)
    used = handlers["CalculateUsage"](state, None)
    found = handlers["DetectAnomaly"](state, None)
    if found["isAnomaly"]:
        return "FLAG:" + found["anomalyType"]
    handlers["GenerateBill"]({"reading": state, "usage": used["usageRecord"]}, None)
    return "BILL"


EXPECTED = {
    "CLEAN": {"BILL"},
    "ROLLOVER": {"BILL"},
    "OFFLINE": {"BILL"},  # bulk does not check comms
    "NEGATIVE": {"SKIP:INVALID_READING_VALUE"},
    "NAN": {"SKIP:INVALID_READING_VALUE"},
    "MISSING_FIELD": {"SKIP:MISSING_FIELD"},
    "FUTURE_TIMESTAMP": {"SKIP:FUTURE_TIMESTAMP"},
    "DUPLICATE": {"SKIP:DUPLICATE_READING"},
    "SPIKE": {"FLAG:SPIKE"},
    "ZERO_RUN": {"FLAG:ZERO"},
    "TAMPER": {"FLAG:TAMPER"},
    "REVERSE_FLOW": {"FLAG:REVERSE_FLOW"},
    "HIGH": {"FLAG:HIGH"},
}


def test_same_seed_same_dataset():
    one, two = generate(seed=9, meters=25), generate(seed=9, meters=25)
    assert one.readings == two.readings and one.expected == two.expected
    assert one.history == two.history and one.registers == two.registers
    assert generate(seed=10, meters=25).readings != one.readings


def test_every_defect_does_what_its_label_says(tmp_path):
    dataset = generate(seed=1, meters=80, defect_rate=0.8)
    labels = Counter(dataset.expected.values())
    assert set(labels) == set(DEFECTS) | {"CLEAN"}, labels  # this seed covers every defect
    path = tmp_path / "gen.sqlite3"
    load_dataset(dataset, path)
    handlers = build_handlers(db=path, clock=CLOCK)
    for reading in dataset.readings:
        label = dataset.expected[reading["readingId"]]
        assert bulk_outcome(handlers, reading) in EXPECTED[label], (reading["readingId"], label)


def test_fleet_has_every_kind_of_meter():
    sites = generate(seed=5, meters=160).sites
    assert {s.meter.fuel for s in sites} == {"ELECTRICITY", "GAS"}
    assert {s.meter.phases for s in sites} == {1, 3}
    assert {s.account.tariff_code for s in sites} == {
        "RES-TOU",
        "RES-FLAT",
        "RES-BLOCK",
        "GAS-BLOCK",
    }
    assert any(s.meter.export_enabled for s in sites)


def test_loading_is_all_or_nothing(tmp_path):
    dataset = generate(seed=2, meters=10)
    broken = dataset.sites[-1]
    dataset.sites[-1] = replace(broken, meter=replace(broken.meter, account_id="ACC-MISSING"))
    path = tmp_path / "atomic.sqlite3"
    with pytest.raises(Exception, match="FOREIGN KEY"):
        load_dataset(dataset, path)
    with open_store(path) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM metering_meters").fetchone()[0] == 0
        assert store.conn.execute("SELECT COUNT(*) FROM metering_tariffs").fetchone()[0] == 0


def test_command_line(tmp_path, capsys):
    batch = tmp_path / "batch.json"
    assert (
        generate_main(
            [
                "--seed",
                "4",
                "--meters",
                "12",
                "--db",
                str(tmp_path / "c.sqlite3"),
                "--batch",
                str(batch),
            ]
        )
        == 0
    )
    assert len(json.loads(batch.read_text())["readings"]) == 12
    assert "12 readings" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        generate_main(["--meters", "0"])


def test_checked_in_samples_match_the_generator():
    for key, document in sample_inputs().items():
        path = SAMPLES_DIR / f"{key}.json"
        assert json.loads(path.read_text()) == document, f"{path} is stale: run --write"


def test_sample_database_in_one_call_and_again(tmp_path):
    path = tmp_path / "samples.sqlite3"
    create_sample_database(path)
    create_sample_database(path)  # refreshing does not duplicate the meter logs
    with open_store(path) as store:
        assert len(store.meter_events("MTR-2010")) == 2
        assert (
            store.tariff_schedule("RES-FLAT").versions[1].effective_from.isoformat() == "2024-10-01"
        )
    create_sample_database(path, fresh=True)
    with open_store(path) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM metering_readings").fetchone()[0] == 0
