"""The bulk meter machine (machines/bulk-meter.asl.json) end to end: Map of 5 at a time.

Per reading: ValidateReading, then CalculateUsage and DetectAnomaly in parallel, then a bill or a
flag. The checked-in batch holds 13 readings whose fates are known (fixtures/metering/samples.py).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from aslrun import StateMachine
from fixtures.metering.faults import lambda_service_errors
from fixtures.metering.generate import generate, load_dataset
from fixtures.metering.samples import create_sample_database, load_sample
from handlers.metering.clock import FixedClock
from handlers.metering.lambdas import build_handlers
from handlers.metering.periods import NEM_TZ
from handlers.metering.store import open_store

ROOT = Path(__file__).resolve().parents[2]
SUBSTITUTIONS = json.loads((ROOT / "machines" / "metering.substitutions.json").read_text())
CLOCK = FixedClock(datetime(2024, 10, 15, 9, 0, tzinfo=NEM_TZ))
BILLED = {"MTR-2002", "MTR-2003", "MTR-2004", "MTR-2005", "MTR-2012"}
FLAGGED = {"MTR-2008": "SPIKE", "MTR-2009": "ZERO", "MTR-2010": "TAMPER", "MTR-2011": "HIGH"}


@pytest.fixture(scope="module")
def machine():
    return StateMachine.from_file(
        ROOT / "machines" / "bulk-meter.asl.json", substitutions=SUBSTITUTIONS
    )


@pytest.fixture
def db(tmp_path):
    return create_sample_database(tmp_path / "bulk.sqlite3")


def run(machine, db, batch, **overrides):
    handlers = build_handlers(db=db, clock=CLOCK)
    handlers.update(overrides)
    return machine.execute(batch, handlers=handlers, history_keep=None)


def fate(item):
    if item.get("skipped"):
        return "SKIPPED"
    if item.get("flagged"):
        return "FLAGGED:" + item["anomalyType"]
    return "BILLED:" + item["bill"]["Payload"]["bill"]["total"]


def peak_iterations(execution):
    """The most Map iterations running at once, from the history."""
    running = peak = 0
    for event in execution.history:
        if event.type == "MapIterationStarted":
            running += 1
            peak = max(peak, running)
        elif event.type in ("MapIterationSucceeded", "MapIterationFailed", "MapIterationAborted"):
            running -= 1
    return peak


def count_rows(db, table):
    with open_store(db) as store:
        return store.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def check_sample_fates(output):
    fates = {}
    for item in output:
        fates.setdefault(item["meterId"], []).append(fate(item))
    assert len(output) == 13
    for meter in BILLED:
        assert fates[meter][0].startswith("BILLED:"), meter
    for meter, kind in FLAGGED.items():
        assert fates[meter] == [f"FLAGGED:{kind}"]
    assert fates["MTR-2006"] == fates["MTR-2007"] == ["SKIPPED"]  # negative value, no readAt
    # MTR-2001 was sent twice, 3 h apart: one copy is billed, the other skipped as a duplicate
    assert sorted(f.split(":")[0] for f in fates["MTR-2001"]) == ["BILLED", "SKIPPED"]


def test_sample_batch(machine, db):
    execution = run(machine, db, load_sample("bulk", "batch"))
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    check_sample_fates(execution.output)
    assert count_rows(db, "metering_bills") == 6
    assert count_rows(db, "metering_anomalies") == 4
    with open_store(db) as store:
        statuses = dict(
            store.conn.execute(
                "SELECT reading_id, status FROM metering_readings WHERE reading_id LIKE 'RD-2001%'"
            )
        )
    assert sorted(statuses.values()) == ["DUPLICATE", "VALID"]


def test_map_runs_at_most_five_readings_at_once(machine, db):
    # Each validation first fails like a throttled Lambda and is retried 2 s later (virtual time);
    # while one waits, the Map starts the next reading, up to MaxConcurrency = 5.
    handlers = build_handlers(db=db, clock=CLOCK)
    flaky = lambda_service_errors(handlers["ValidateMeterReading"], times=1)
    execution = run(machine, db, load_sample("bulk", "batch"), ValidateMeterReading=flaky)
    assert execution.status == "SUCCEEDED"
    assert peak_iterations(execution) == 5
    assert sum(flaky.calls.values()) == 26  # 13 readings, each failed once then validated
    check_sample_fates(execution.output)


def test_validation_that_keeps_failing_fails_the_batch(machine, db):
    handlers = build_handlers(db=db, clock=CLOCK)
    broken = lambda_service_errors(handlers["ValidateMeterReading"], times=99)
    execution = run(machine, db, load_sample("bulk", "batch"), ValidateMeterReading=broken)
    assert (execution.status, execution.error) == ("FAILED", "ValidationError")
    assert max(broken.calls.values()) == 3  # the first call and 2 retries (MaxAttempts 2)
    assert count_rows(db, "metering_bills") == 0


def test_a_crashing_analysis_fails_the_batch_without_half_written_rows(machine, db):
    crash = load_sample("billing", "handler_crash")  # its account's tariff is missing
    batch = {"readings": [load_sample("bulk", "batch")["readings"][1], crash]}
    execution = run(machine, db, batch)
    assert (execution.status, execution.error) == ("FAILED", "AnalysisError")
    with open_store(db) as store:
        billed = [r[0] for r in store.conn.execute("SELECT reading_id FROM metering_bills")]
        usage = [
            r[0]
            for r in store.conn.execute(
                "SELECT reading_id FROM metering_usage WHERE reading_id = 'RD-1008-20241014'"
            )
        ]
    assert billed == ["RD-2002-20241014"]  # the reading before it was billed in full
    assert usage == []  # nothing of the crashed reading was kept


def test_generated_batch_matches_its_labels(machine, tmp_path):
    # 60 meters x 4 days keeps the Map's output under Step Functions' 256 KB payload limit
    # (a month of half-hourly data is ~10-20 KB a reading: some 15 readings per execution)
    dataset = generate(seed=1, meters=60, defect_rate=0.6, period_days=4)
    assert len(set(dataset.expected.values())) == 13  # every defect label, and CLEAN
    path = tmp_path / "generated.sqlite3"
    load_dataset(dataset, path)
    execution = run(machine, str(path), dataset.batch())
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    skipped = {"NEGATIVE", "NAN", "MISSING_FIELD", "FUTURE_TIMESTAMP", "DUPLICATE"}
    billed = {"CLEAN", "ROLLOVER", "OFFLINE"}  # the bulk machine does not check communications
    for reading, item in zip(dataset.readings, execution.output, strict=True):
        label = dataset.expected[reading["readingId"]]
        outcome = fate(item)
        if label in skipped:
            assert outcome == "SKIPPED", (reading["readingId"], label)
        elif label in billed:
            assert outcome.startswith("BILLED:"), (reading["readingId"], label, outcome)
        else:
            anomaly = {"ZERO_RUN": "ZERO"}.get(label, label)
            assert outcome == f"FLAGGED:{anomaly}", (reading["readingId"], label, outcome)


def test_oversized_batches_hit_the_payload_limit_as_on_aws(machine, tmp_path):
    dataset = generate(seed=1, meters=20, defect_rate=0)  # 20 monthly readings, mostly interval
    path = tmp_path / "big.sqlite3"
    load_dataset(dataset, path)
    execution = run(machine, str(path), dataset.batch())
    assert (execution.status, execution.error) == ("FAILED", "States.DataLimitExceeded")


def test_an_item_without_meter_id_fails_the_whole_map(machine, db):
    # a limit of the seed's definition, kept as is: SkipInvalidReading reads $.meterId
    batch = load_sample("bulk", "batch")
    del batch["readings"][5]["meterId"]
    execution = run(machine, db, batch)
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")
    assert "SkipInvalidReading" in execution.cause and "$.meterId" in execution.cause
