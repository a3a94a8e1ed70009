"""Text sent to the queue, topic or event bus an ARN names, in the local AWS: what a schedule's target
or a Lambda destination receives (a message, a notification, an event)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .emulator import LocalAws

__all__ = ["SENT_TO", "send_text"]

SENT_TO = frozenset({"sqs", "sns", "events"})  # the services whose ARNs send_text takes


def send_text(aws: LocalAws, arn: str, text: str, *, message_group: str | None = None,
              source: str = "aslrun", detail_type: str = "aslrun") -> None:
    """Send ``text`` to the SQS queue (in ``message_group`` for a FIFO queue), SNS topic or EventBridge
    bus (an event of ``source`` and ``detail_type``, ``text`` its detail) that ``arn`` names."""
    parts = arn.split(":")
    service, region = parts[2], parts[3]
    if service == "sqs":
        sqs = aws.client("sqs", region)
        url = sqs.get_queue_url(QueueName=parts[5])["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=text, **({"MessageGroupId": message_group} if message_group else {}))
    elif service == "sns":
        aws.client("sns", region).publish(TopicArn=arn, Message=text)
    elif service == "events":
        aws.client("events", region).put_events(Entries=[{"EventBusName": arn, "Source": source,
                                                          "DetailType": detail_type, "Detail": text}])
    else:
        raise ValueError(f"{arn} is not a queue, a topic or an event bus")
