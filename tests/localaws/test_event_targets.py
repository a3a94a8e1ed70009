"""Deliveries moto does not make itself (:mod:`aslrun.localaws.event_targets`): a topic's ``lambda``
subscriptions and a bucket's notifications to functions, handed to whoever registered a ``lambda``
deliverer (``aslrun serve`` does), else skipped with a line on the error output; the Publish or the
PutObject never fails for them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from aslrun.localaws import LocalAws
from aslrun.localaws.event_targets import deliver_to

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:notified"


@pytest.fixture
def sns() -> Iterator[Any]:
    with LocalAws(reset=True) as aws:
        yield aws.client("sns")


def _topic_for_function(sns: Any, **attributes: str) -> tuple[str, str]:
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    subscription = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=FUNCTION, ReturnSubscriptionArn=True,
                                 Attributes=attributes)["SubscriptionArn"]
    return topic, subscription


def test_a_notification_for_a_function_goes_to_the_lambda_deliverer_as_lambdas_sns_event(sns: Any) -> None:
    topic, subscription = _topic_for_function(sns, FilterPolicy=json.dumps({"kind": ["order"]}))
    delivered: list[tuple[str, Any]] = []
    deliver_to("lambda", lambda arn, event: delivered.append((arn, event)))
    try:
        sns.publish(TopicArn=topic, Message="an order", Subject="new",
                    MessageAttributes={"kind": {"DataType": "String", "StringValue": "order"}})
        sns.publish(TopicArn=topic, Message="a refund",
                    MessageAttributes={"kind": {"DataType": "String", "StringValue": "refund"}})
        sns.publish(TopicArn=topic, MessageStructure="json", Message=json.dumps(
            {"default": "plain", "lambda": "for functions"}), MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "order"}})
    finally:
        deliver_to("lambda", None)
    assert [arn for arn, _ in delivered] == [FUNCTION, FUNCTION]  # the refund is filtered out
    records = [event["Records"] for _, event in delivered]
    assert [len(r) for r in records] == [1, 1]
    first, second = records[0][0], records[1][0]
    assert (first["EventSource"], first["EventVersion"], first["EventSubscriptionArn"]) == \
        ("aws:sns", "1.0", subscription)
    assert (first["Sns"]["Type"], first["Sns"]["TopicArn"], first["Sns"]["Message"], first["Sns"]["Subject"]) == \
        ("Notification", topic, "an order", "new")
    assert first["Sns"]["MessageAttributes"] == {"kind": {"Type": "String", "Value": "order"}}
    assert first["Sns"]["MessageId"] and first["Sns"]["Timestamp"]
    assert second["Sns"]["Message"] == "for functions"  # MessageStructure json: the lambda protocol's text


def test_without_a_deliverer_the_publish_still_succeeds_and_says_what_was_skipped(sns: Any, capsys) -> None:
    topic, _ = _topic_for_function(sns)
    assert sns.publish(TopicArn=topic, Message="hello")["MessageId"]
    assert f"its subscriber {FUNCTION} is not delivered to" in capsys.readouterr().err


def test_a_failing_deliverer_does_not_fail_the_publish(sns: Any, capsys) -> None:
    topic, _ = _topic_for_function(sns)

    def fails(arn: str, event: Any) -> None:
        raise RuntimeError("no such function")

    deliver_to("lambda", fails)
    try:
        assert sns.publish(TopicArn=topic, Message="hello")["MessageId"]
    finally:
        deliver_to("lambda", None)
    assert "failed: RuntimeError: no such function" in capsys.readouterr().err


def test_a_buckets_notification_to_a_function_goes_to_the_lambda_deliverer_with_s3s_event(capsys) -> None:
    with LocalAws(reset=True) as aws:
        s3 = aws.client("s3")
        s3.create_bucket(Bucket="inbox")
        s3.put_bucket_notification_configuration(Bucket="inbox", NotificationConfiguration={
            "LambdaFunctionConfigurations": [{"LambdaFunctionArn": FUNCTION, "Events": ["s3:ObjectCreated:*"],
                                              "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".csv"}]}}}]})
        s3.put_object(Bucket="inbox", Key="skipped.csv", Body=b"x")  # no deliverer yet: said, the put stands
        assert "an S3 notification for " + FUNCTION + " is not delivered" in capsys.readouterr().err
        delivered: list[tuple[str, Any]] = []
        deliver_to("lambda", lambda arn, event: delivered.append((arn, event)))
        try:
            s3.put_object(Bucket="inbox", Key="readings.csv", Body=b"id\n1\n")
            s3.put_object(Bucket="inbox", Key="notes.txt", Body=b"no")  # the filter keeps it away
        finally:
            deliver_to("lambda", None)
    assert [arn for arn, _ in delivered] == [FUNCTION]
    (record,) = delivered[0][1]["Records"]
    assert (record["eventSource"], record["s3"]["bucket"]["name"], record["s3"]["object"]["key"]) == \
        ("aws:s3", "inbox", "readings.csv")
    assert record["eventName"].startswith("ObjectCreated:")
