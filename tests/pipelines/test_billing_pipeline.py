"""The billing machine (machines/billing.asl.json) end to end on the engine, one test per path.

Each test builds the sample database (fixtures/metering/samples.py), runs a checked-in sample
input through ``StateMachine.execute`` with the real handlers, and checks the end state, the
history (which tasks ran, how often, with which errors) and what the database kept.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from aslrun import StateMachine
from fixtures.metering.faults import lambda_service_errors
from fixtures.metering.samples import create_sample_database, load_sample
from handlers.metering.clock import FixedClock
from handlers.metering.lambdas import build_handlers
from handlers.metering.outbox import list_outbox
from handlers.metering.periods import NEM_TZ
from handlers.metering.store import open_store

ROOT = Path(__file__).resolve().parents[2]
SUBSTITUTIONS = json.loads((ROOT / "machines" / "metering.substitutions.json").read_text())
CLOCK = FixedClock(datetime(2024, 10, 15, 9, 0, tzinfo=NEM_TZ))


@pytest.fixture(scope="module")
def machine():
    return StateMachine.from_file(
        ROOT / "machines" / "billing.asl.json", substitutions=SUBSTITUTIONS
    )


@pytest.fixture
def db(tmp_path):
    return create_sample_database(tmp_path / "billing.sqlite3")


def run(machine, db, sample, **handler_overrides):
    handlers = build_handlers(db=db, clock=CLOCK)
    handlers.update(handler_overrides)
    return machine.execute(load_sample("billing", sample), handlers=handlers, history_keep=None)


def attempts(execution, state):
    """(number of times a Task state's resource was scheduled, the errors of its failures)."""
    scheduled, errors, current = 0, [], None
    for event in execution.history:
        if event.type == "TaskStateEntered":
            current = event.details["name"]
        elif event.type == "TaskScheduled" and current == state:
            scheduled += 1
        elif event.type == "TaskFailed" and current == state:
            errors.append(event.details["error"])
    return scheduled, errors


def states_entered(execution):
    return [e.details["name"] for e in execution.history if e.type.endswith("StateEntered")]


def scalar(db, sql, *params):
    with open_store(db) as store:
        row = store.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]


def test_the_substitutions_name_every_function():
    text = (ROOT / "machines" / "billing.asl.json").read_text()
    assert text.count("${") == 8  # the deployable file keeps its placeholders
    for name in (
        "ValidateMeterReading",
        "CheckMeterStatus",
        "CalculateUsage",
        "DetectAnomaly",
        "GenerateBill",
        "ProcessPayment",
        "NotifyCustomer",
    ):
        assert (
            SUBSTITUTIONS[f"{name}FunctionArn"]
            == f"arn:aws:lambda:ap-southeast-2:123456789012:function:{name}"
        )


def test_valid_interval_reading_is_billed_paid_and_notified(machine, db):
    execution = run(machine, db, "valid")
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    output = execution.output
    bill = output["billingAnalysis"][1]["Payload"]["bill"]
    assert output["validation"]["Payload"]["isValid"] is True
    assert output["meterStatus"]["Payload"]["online"] is True
    assert output["billingAnalysis"][0]["Payload"]["isAnomaly"] is False
    assert output["payment"]["Payload"]["status"] == "PAID"
    assert output["notification"]["Payload"]["notificationType"] == "BILL_READY"
    # RES-FLAT changes price on 1 Oct: the bill has two supply lines (19 and 13 days)
    assert [l["quantity"] for l in bill["lines"] if l["kind"] == "SUPPLY"] == ["19", "13"]
    assert states_entered(execution)[-1] == "BillingComplete"
    assert (
        scalar(db, "SELECT status FROM metering_bills WHERE bill_id = ?", bill["billId"]) == "PAID"
    )
    assert scalar(db, "SELECT amount FROM metering_payments") == bill["amountDue"]
    assert [m["notificationType"] for m in list_outbox(db)] == ["BILL_READY"]


def test_accumulation_reading_with_rollover_awaits_bpay(machine, db):
    execution = run(machine, db, "valid_accumulation")
    assert execution.status == "SUCCEEDED"
    bill = execution.output["billingAnalysis"][1]["Payload"]["bill"]
    # E1 999712.4 -> 160.5 on a 6-digit register: 448.1 kWh; E2 161.9 kWh; 32 days on RES-BLOCK:
    # supply 32 x 98c = 31.36; 448.1 x 29.5c = 132.19 (threshold 615.385 kWh not reached);
    # controlled load 32 x 3.3c = 1.06 and 161.9 x 17.6c = 28.49; taxable 193.10, GST 19.31
    assert (bill["taxableSubtotal"], bill["gst"], bill["total"]) == ("193.10", "19.31", "212.41")
    assert execution.output["payment"]["Payload"]["status"] == "AWAITING_PAYMENT"
    assert execution.output["usage"]["Payload"]["usageRecord"]["rollover"] == ["E1"]


def test_invalid_reading_stops_at_validation(machine, db):
    execution = run(machine, db, "invalid")
    assert (execution.status, execution.error) == ("FAILED", "InvalidMeterReading")
    assert states_entered(execution) == [
        "ValidateMeterReading",
        "IsReadingValid",
        "ValidationError",
    ]
    assert (
        scalar(db, "SELECT status FROM metering_readings WHERE reading_id = 'RD-1001-BAD'")
        == "INVALID"
    )


@pytest.mark.parametrize("sample", ["offline", "tamper"])
def test_offline_or_tampered_meter_needs_inspection(machine, db, sample):
    execution = run(machine, db, sample)
    assert (execution.status, execution.error) == ("FAILED", "MeterStatusError")
    assert "CalculateUsage" not in states_entered(execution)
    assert scalar(db, "SELECT COUNT(*) FROM metering_bills") == 0


def test_anomaly_holds_the_bill_and_alerts(machine, db):
    execution = run(machine, db, "anomaly")
    assert (execution.status, execution.error) == ("FAILED", "AnomalyDetected")
    assert "FlagForReview" in states_entered(execution)
    assert "ProcessPayment" not in states_entered(execution)
    [alert] = list_outbox(db)
    assert alert["notificationType"] == "ANOMALY_ALERT" and "(HIGH)" in alert["body"]
    assert scalar(db, "SELECT status FROM metering_bills") == "HELD"
    assert scalar(db, "SELECT COUNT(*) FROM metering_gateway_charges") == 0


def test_payment_retried_after_gateway_failures_charges_once(machine, db):
    execution = run(machine, db, "payment_retry")
    assert execution.status == "SUCCEEDED"
    assert attempts(execution, "ProcessPayment") == (3, ["PaymentGatewayError"] * 2)
    assert execution.output["payment"]["Payload"]["attempts"] == 3
    assert scalar(db, "SELECT COUNT(*) FROM metering_gateway_charges") == 1
    # Retry: IntervalSeconds 2, BackoffRate 2 -> waits of 2 s then 4 s (virtual clock)
    scheduled = [e.timestamp for e in execution.history if e.type == "TaskScheduled"][-4:-1]
    assert [round(b - a) for a, b in zip(scheduled, scheduled[1:])] == [2, 4]


def test_payment_failing_on_every_attempt_ends_in_payment_error(machine, db):
    execution = run(machine, db, "payment_failure")
    assert (execution.status, execution.error) == ("FAILED", "PaymentError")
    assert attempts(execution, "ProcessPayment") == (4, ["PaymentGatewayError"] * 4)
    assert scalar(db, "SELECT COUNT(*) FROM metering_payments") == 0
    assert scalar(db, "SELECT status FROM metering_bills") == "ISSUED"
    assert list_outbox(db) == []


def test_handler_crash_is_caught_after_its_retries(machine, db):
    execution = run(machine, db, "handler_crash")
    assert (execution.status, execution.error) == ("FAILED", "UsageCalculationError")
    assert attempts(execution, "CalculateUsage") == (3, ["UnknownAccount"] * 3)
    error = execution.history[-1]
    assert error.type == "ExecutionFailed"
    assert scalar(db, "SELECT COUNT(*) FROM metering_bills") == 0


def test_lambda_service_errors_are_retried_at_validation(machine, db):
    handlers = build_handlers(db=db, clock=CLOCK)
    flaky = lambda_service_errors(handlers["ValidateMeterReading"], times=2)
    execution = run(machine, db, "valid", ValidateMeterReading=flaky)
    assert execution.status == "SUCCEEDED"
    assert attempts(execution, "ValidateMeterReading") == (3, ["Lambda.ServiceException"] * 2)


def test_rerunning_the_same_reading_bills_and_charges_once(machine, db):
    first = run(machine, db, "valid")
    second = run(machine, db, "valid")
    assert first.status == second.status == "SUCCEEDED"
    bills = [e.output["billingAnalysis"][1]["Payload"]["bill"] for e in (first, second)]
    assert (bills[0]["billId"], bills[0]["lines"]) == (bills[1]["billId"], bills[1]["lines"])
    assert (bills[0]["status"], bills[1]["status"]) == ("ISSUED", "PAID")  # as it is now
    assert second.output["payment"]["Payload"]["replayed"] is True
    assert scalar(db, "SELECT COUNT(*) FROM metering_gateway_charges") == 1
    assert len(list_outbox(db)) == 1


@pytest.mark.parametrize(
    "machine_file,seed_prefix", [("billing.asl.json", "001_"), ("bulk-meter.asl.json", "000_")]
)
def test_machines_are_the_seed_definitions_unchanged(machine_file, seed_prefix):
    seeds = ROOT / ".." / "shared" / "seeds"
    found = sorted(seeds.glob(f"{seed_prefix}*.txt")) if seeds.is_dir() else []
    if not found:
        pytest.skip(f"the seed documents are not beside the repository ({seeds})")
    text = found[0].read_text()
    seed, _ = json.JSONDecoder().raw_decode(text[text.index("{") :])
    assert json.loads((ROOT / "machines" / machine_file).read_text()) == seed
