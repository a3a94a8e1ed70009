"""moto_speedups: moto's SQS queue counts read the clock once per count, not once per message, and
answer exactly what moto's own properties answer."""

from __future__ import annotations

import types

import pytest

from aslrun.localaws import LocalAws, moto_speedups

COUNTS = ("approximate_number_of_messages", "approximate_number_of_messages_delayed",
          "approximate_number_of_messages_not_visible")


@pytest.fixture
def queue():
    """A queue holding visible, in-flight (received, 60 s timeout), visible-again (received with a 0 s
    timeout) and delayed messages; yields (client, url, moto's Queue)."""
    from moto.sqs.models import sqs_backends

    with LocalAws(reset=True) as aws:
        sqs = aws.client("sqs")
        url = sqs.create_queue(QueueName="mixed")["QueueUrl"]
        for body in ("a", "b", "c", "d", "e"):
            sqs.send_message(QueueUrl=url, MessageBody=body)
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, VisibilityTimeout=60)
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=0)
        sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
        yield sqs, url, sqs_backends[aws.account][aws.region].queues["mixed"]


def test_every_count_and_the_receivable_messages_are_moto_s_own(queue):
    sqs, url, moto_queue = queue
    assert set(moto_speedups.ORIGINALS) == {"messages", *COUNTS}  # applied when the local AWS started
    assert moto_queue.messages == moto_speedups.ORIGINALS["messages"].fget(moto_queue)
    for name in COUNTS:
        assert getattr(moto_queue, name) == moto_speedups.ORIGINALS[name].fget(moto_queue), name
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (attributes["ApproximateNumberOfMessages"], attributes["ApproximateNumberOfMessagesNotVisible"],
            attributes["ApproximateNumberOfMessagesDelayed"]) == ("3", "2", "1")
    receivable = sorted(m.body for m in moto_speedups.ORIGINALS["messages"].fget(moto_queue))
    assert len(receivable) == 3
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in received) == receivable


def test_a_send_asks_no_message_whether_it_is_visible(queue, monkeypatch):
    """The cost that grew with the queue: each send asked every message for the time."""
    from moto.sqs.models import Message

    asked = []
    for name in ("visible", "delayed"):
        original = Message.__dict__[name]
        monkeypatch.setattr(Message, name, property(lambda self, o=original, n=name: (asked.append(n), o.fget(self))[1]))
    sqs, url, _ = queue
    for number in range(20):
        sqs.send_message(QueueUrl=url, MessageBody=str(number))
    assert asked == []


def test_a_message_without_the_fields_is_asked_as_moto_asks_it():
    stub = types.SimpleNamespace(visible=True, delayed=False)  # (no visible_at / delayed_until)
    from moto.sqs.models import Queue

    holder = types.SimpleNamespace(_messages=[stub])
    assert Queue.messages.fget(holder) == [stub]
    assert Queue.approximate_number_of_messages_delayed.fget(holder) == 0
    assert Queue.approximate_number_of_messages_not_visible.fget(holder) == 0


def test_a_moto_whose_queue_changed_is_left_alone(monkeypatch):
    from moto.sqs import models

    class LaterQueue:  # the properties are gone: nothing to replace
        pass

    monkeypatch.setattr(models, "Queue", LaterQueue)
    monkeypatch.setattr(moto_speedups, "ORIGINALS", {})
    monkeypatch.setattr(moto_speedups, "_APPLIED", [])
    moto_speedups.apply()
    assert moto_speedups.ORIGINALS == {} and vars(LaterQueue).get("messages") is None


def test_every_subscription_signs_with_one_key_and_the_signature_checks_out():
    """Two topics' subscriptions deliver signed envelopes; the signatures verify with the one key."""
    import base64
    import json

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    with LocalAws(reset=True) as aws:
        sns, sqs = aws.client("sns"), aws.client("sqs")
        url = sqs.create_queue(QueueName="inbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        for name in ("first", "second"):
            topic = sns.create_topic(Name=name)["TopicArn"]
            sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
            sns.publish(TopicArn=topic, Message=f"to {name}")
        envelopes = [json.loads(m["Body"]) for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
    assert sorted(e["Message"] for e in envelopes) == ["to first", "to second"]
    assert len(moto_speedups.SIGNING_KEY) == 1
    public = moto_speedups.SIGNING_KEY[0].public_key()
    for envelope in envelopes:
        fields = ["Message", envelope["Message"], "MessageId", envelope["MessageId"], "Timestamp",
                  envelope["Timestamp"], "TopicArn", envelope["TopicArn"], "Type", envelope["Type"]]
        signed = "".join(f"{field}\n" for field in fields).encode()
        public.verify(base64.b64decode(envelope["Signature"]), signed, padding.PKCS1v15(), hashes.SHA256())
