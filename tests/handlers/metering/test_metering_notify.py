"""NotifyCustomer and the outbox: messages queued once, anomaly alerts hold the bill."""

from __future__ import annotations

import json

import pytest
from tests.helpers.metering import NOW, interval_event, wrapped

from handlers.metering import notify
from handlers.metering.bill import generate_bill
from handlers.metering.errors import BadEvent
from handlers.metering.notify import notify_customer
from handlers.metering.outbox import list_outbox, main


@pytest.fixture
def state(store):
    event = interval_event()
    document = generate_bill(event, store=store, now=NOW)["bill"]
    return {
        **event,
        "billingAnalysis": [
            wrapped({"isAnomaly": True, "anomalyType": "HIGH"}),
            wrapped({"bill": document}),
        ],
    }


def send(store, event):
    return notify_customer(event, store=store, now=NOW)


def test_bill_ready_message(store, state, db_path):
    document = state["billingAnalysis"][1]["Payload"]["bill"]
    state["payment"] = wrapped({"status": "PAID"})
    message = send(store, {"notificationType": "BILL_READY", "reading": state, "bill": document})
    assert message["notificationType"] == "BILL_READY" and message["status"] == "PENDING"
    assert message["recipient"] == "acc-1@example.com" and message["channel"] == "EMAIL"
    assert message["body"] == (
        f"Hi Customer ACC-1, your bill {document['billId']} for 12 Sep 2024 to 13 Oct 2024 "
        f"(32 days) is ready. Total ${document['total']} including GST ${document['gst']}. "
        "It has been paid with your card on file, thank you."
    )
    assert list_outbox(db_path) == [message]


def test_unpaid_bill_message_gives_the_due_date(store, state):
    document = state["billingAnalysis"][1]["Payload"]["bill"]
    message = send(store, {"notificationType": "BILL_READY", "reading": state, "bill": document})
    assert f"Amount due: ${document['amountDue']} by 28 Oct 2024." in message["body"]


def test_retries_queue_one_message(store, state, db_path):
    event = {
        "notificationType": "BILL_READY",
        "reading": state,
        "bill": state["billingAnalysis"][1]["Payload"]["bill"],
    }
    first = send(store, event)
    again = send(store, event)
    assert again["replayed"] is True and again["messageId"] == first["messageId"]
    assert len(list_outbox(db_path)) == 1


def test_anomaly_alert_holds_the_bill(store, state, db_path):
    message = send(store, {"notificationType": "ANOMALY_ALERT", "reading": state})
    assert "(HIGH)" in message["body"] and "on hold" in message["body"]
    assert message["payload"]["findings"]["anomalyType"] == "HIGH"
    status = store.conn.execute("SELECT status FROM metering_bills").fetchone()[0]
    assert status == "HELD"
    assert [m["notificationType"] for m in list_outbox(db_path, account_id="ACC-1")] == [
        "ANOMALY_ALERT"
    ]


def test_outbox_filters_and_cli(store, state, db_path, capsys):
    send(store, {"notificationType": "ANOMALY_ALERT", "reading": state})
    send(
        store,
        {
            "notificationType": "BILL_READY",
            "reading": state,
            "bill": state["billingAnalysis"][1]["Payload"]["bill"],
        },
    )
    assert [
        m["notificationType"] for m in list_outbox(db_path, notification_type="BILL_READY")
    ] == ["BILL_READY"]
    assert list_outbox(db_path, account_id="ACC-2") == []
    assert main(["--db", db_path, "--json", "--type", "ANOMALY_ALERT"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert json.loads(line)["notificationType"] == "ANOMALY_ALERT"
    main(["--db", db_path, "--account", "ACC-9"])
    assert "(the outbox is empty)" in capsys.readouterr().out


def test_bad_events(store, state):
    with pytest.raises(BadEvent, match="notificationType"):
        send(store, {"notificationType": "SMS", "reading": state})
    with pytest.raises(BadEvent, match="no bill"):
        send(store, {"notificationType": "BILL_READY", "reading": {"accountId": "ACC-1"}})
    with pytest.raises(BadEvent, match="readingId"):
        send(store, {"notificationType": "ANOMALY_ALERT", "reading": {"accountId": "ACC-1"}})


def test_lambda_entry_point(db_path, clock, state):
    message = notify.handler(
        {"notificationType": "ANOMALY_ALERT", "reading": state}, None, db=db_path, clock=clock
    )
    assert message["accountId"] == "ACC-1"
