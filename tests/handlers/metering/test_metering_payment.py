"""ProcessPayment: one charge per bill whatever the retries; the simulated gateway's test tokens."""

from __future__ import annotations

import pytest
from tests.helpers.metering import NOW, interval_event, wrapped

from handlers.metering import payment
from handlers.metering.bill import generate_bill
from handlers.metering.errors import BadEvent, PaymentGatewayError
from handlers.metering.gateway import SimulatedGateway, fail_first_from_env
from handlers.metering.payment import process_payment
from handlers.metering.store import Account


def issued_bill(store, token="tok_visa", **event_fields):
    account = store.account("ACC-1")
    store.put_account(
        Account(
            account.account_id,
            account.customer_name,
            account.email,
            account.tariff_code,
            token,
            account.status,
        )
    )
    return generate_bill(interval_event(**event_fields), store=store, now=NOW)["bill"]


def pay(store, document, gateway=None):
    event = {"reading": {"meterId": "MTR-1"}, "bill": document}
    return process_payment(event, store=store, now=NOW, gateway=gateway or SimulatedGateway(store))


def count(store, table):
    return store.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def bill_status(store, bill_id):
    return store.conn.execute(
        "SELECT status FROM metering_bills WHERE bill_id = ?", (bill_id,)
    ).fetchone()[0]


def test_pays_the_amount_due_once(store):
    document = issued_bill(store)
    result = pay(store, document)
    assert result["status"] == "PAID" and result["amount"] == document["amountDue"]
    assert result["chargeId"].startswith("ch_") and result["attempts"] == 1
    again = pay(store, document)
    assert again["replayed"] is True and again["chargeId"] == result["chargeId"]
    assert count(store, "metering_gateway_charges") == 1 and count(store, "metering_payments") == 1
    assert bill_status(store, document["billId"]) == "PAID"


def test_flaky_gateway_fails_twice_then_pays_once(store):
    document = issued_bill(store, token="tok_flaky")
    for attempt in (1, 2):
        with pytest.raises(PaymentGatewayError, match=f"attempt {attempt}"):
            pay(store, document)
        assert count(store, "metering_payments") == 0
    result = pay(store, document)
    assert result["status"] == "PAID" and result["attempts"] == 3
    assert count(store, "metering_gateway_charges") == 1


def test_gateway_down_never_charges(store):
    document = issued_bill(store, token="tok_down")
    for _ in range(4):
        with pytest.raises(PaymentGatewayError):
            pay(store, document)
    assert count(store, "metering_payments") == 0 and count(store, "metering_gateway_charges") == 0
    logged = store.conn.execute("SELECT outcome FROM metering_payment_attempts").fetchall()
    assert [row[0] for row in logged] == ["GATEWAY_ERROR"] * 4
    assert bill_status(store, document["billId"]) == "ISSUED"


def test_configurable_failures_whatever_the_token(store):
    document = issued_bill(store)
    gateway = SimulatedGateway(store, fail_first=1)
    with pytest.raises(PaymentGatewayError):
        pay(store, document, gateway)
    assert pay(store, document, gateway)["status"] == "PAID"


def test_failure_count_from_the_environment(monkeypatch):
    monkeypatch.setenv("ASLRUN_GATEWAY_FAIL_FIRST", "2")
    assert fail_first_from_env() == 2
    monkeypatch.setenv("ASLRUN_GATEWAY_FAIL_FIRST", "two")
    with pytest.raises(ValueError, match="whole number"):
        fail_first_from_env()


def test_crash_after_charging_does_not_charge_twice(store):
    document = issued_bill(store)
    gateway = SimulatedGateway(store)
    # the gateway charged, then the Lambda died before recording the payment
    first = gateway.charge(
        idempotency_key=document["billId"], token="tok_visa", amount=document["amountDue"], now=NOW
    )
    result = pay(store, document, gateway)
    assert result["status"] == "PAID" and result["chargeId"] == first.charge_id
    assert count(store, "metering_gateway_charges") == 1


def test_declined_card_is_an_outcome_not_an_error(store):
    document = issued_bill(store, token="tok_declined")
    result = pay(store, document)
    assert result["status"] == "DECLINED" and result["chargeId"] is None
    assert bill_status(store, document["billId"]) == "PAYMENT_DECLINED"


def test_no_card_on_file_waits_for_bpay(store):
    document = issued_bill(store, token=None)
    assert pay(store, document)["status"] == "AWAITING_PAYMENT"
    assert count(store, "metering_gateway_charges") == 0


def test_credit_bill_is_not_charged(store):
    document = issued_bill(store, value=0.01, export=1.5)
    assert pay(store, document)["status"] == "NO_PAYMENT_DUE"


def test_held_bill_is_not_charged(store):
    document = issued_bill(store)
    store.conn.execute("UPDATE metering_bills SET status = 'HELD'")
    assert pay(store, document)["status"] == "HELD"
    assert count(store, "metering_gateway_charges") == 0


def test_amount_comes_from_the_stored_bill_not_the_event(store):
    document = issued_bill(store)
    tampered = {**document, "amountDue": "0.01", "total": "0.01"}
    assert pay(store, tampered)["amount"] == document["amountDue"]


def test_bill_found_in_the_billing_state(store):
    document = issued_bill(store)
    state = {"billingAnalysis": [wrapped({"isAnomaly": False}), wrapped({"bill": document})]}
    result = process_payment(
        {"reading": state}, store=store, now=NOW, gateway=SimulatedGateway(store)
    )
    assert result["billId"] == document["billId"]


def test_bad_events(store):
    with pytest.raises(BadEvent, match="no bill"):
        pay(store, None)
    with pytest.raises(BadEvent, match="BILL-NOPE"):
        pay(store, {"billId": "BILL-NOPE"})


def test_lambda_entry_point_with_an_injected_gateway(db_path, clock, store):
    document = issued_bill(store)
    calls = []

    class Recorder(SimulatedGateway):
        def charge(self, **kwargs):
            calls.append(kwargs["idempotency_key"])
            return super().charge(**kwargs)

    result = payment.handler({"bill": document}, None, db=db_path, clock=clock, gateway=Recorder)
    assert result["status"] == "PAID" and calls == [document["billId"]]
