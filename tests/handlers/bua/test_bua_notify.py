"""lambda-bua-notify's StartExecution request for one SQS record: the run date from the message, else
from when the notification was published (the SNS envelope's Timestamp, else the record's
SentTimestamp), the execution named after it and the message id; a record that says neither is
refused naming what is missing, whatever shape its attributes have."""

from __future__ import annotations

import json
from typing import Any

import pytest

from handlers.bua.errors import BadEvent
from handlers.bua.notify import start_request

MACHINE = "arn:aws:states:ap-southeast-2:123456789012:stateMachine:bua"
SENT_2024_10_01 = str(1727740800000 + 3_600_000)  # 2024-10-01T01:00:00Z in milliseconds


SENT = {"SentTimestamp": SENT_2024_10_01}


def record(message: Any, *, attributes: Any = SENT, envelope: dict[str, Any] | None = None) -> dict[str, Any]:
    body = json.dumps(message)
    if envelope is not None:  # the SNS envelope around it (no raw message delivery)
        body = json.dumps({"Type": "Notification", "Message": body, **envelope})
    return {"messageId": "m-1", "body": body, "attributes": attributes}


def started(request: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    assert request["stateMachineArn"] == MACHINE
    return request["name"], json.loads(request["input"])


def test_the_run_date_is_the_day_sqs_received_the_message_when_the_message_names_none():
    assert started(start_request(record({"snapshot": "snap-1"}), MACHINE)) == (
        "bua-2024-10-01-m-1", {"run_date": "2024-10-01", "snapshot": "snap-1"})


def test_the_messages_own_run_date_comes_first():
    assert started(start_request(record({"run_date": "2024-09-01"}), MACHINE)) == (
        "bua-2024-09-01-m-1", {"run_date": "2024-09-01"})


def test_a_record_without_sent_timestamp_still_starts_when_the_message_names_the_run_date():
    for attributes in ({}, {"SentTimestamp": None}, {"SentTimestamp": "soon"}, "not an object"):
        request = start_request(record({"run_date": "2024-09-01"}, attributes=attributes), MACHINE)
        assert started(request) == ("bua-2024-09-01-m-1", {"run_date": "2024-09-01"})


def test_the_sns_envelope_gives_the_message_id_and_the_day_it_was_published():
    envelope = {"MessageId": "sns-7", "Timestamp": "2024-10-02T23:59:00.000Z"}
    assert started(start_request(record({}, envelope=envelope), MACHINE)) == (
        "bua-2024-10-02-sns-7", {"run_date": "2024-10-02"})
    without_sent = record({}, envelope=envelope, attributes={})
    assert started(start_request(without_sent, MACHINE))[1] == {"run_date": "2024-10-02"}


@pytest.mark.parametrize("attributes", [{}, {"SentTimestamp": "later"}, {"SentTimestamp": str(10**30)},
                                        {"SentTimestamp": "-99999999999999999"}, None, "not an object"])
def test_a_record_that_says_no_date_anywhere_is_refused_naming_what_is_missing(attributes):
    bad = record({"snapshot": "snap-1"}, attributes=attributes)
    with pytest.raises(BadEvent, match="the record has no SentTimestamp and the message no run_date"):
        start_request(bad, MACHINE)


@pytest.mark.parametrize("message, words", [
    ({"run_date": "1 Oct"}, "run_date: expected a date YYYY-MM-DD"),
    ({"snapshot": 7}, "snapshot: expected the shared snapshot's identifier"),
    ([1, 2], "the message body is not a JSON object"),
])
def test_an_unusable_message_is_refused_saying_why(message, words):
    with pytest.raises(BadEvent, match=words):
        start_request(record(message), MACHINE)
