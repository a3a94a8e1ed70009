"""The events Lambda hands a function for its event sources, in the shapes AWS documents.

* :func:`sqs_event`: a batch of SQS messages, ``{"Records": [{"messageId", "receiptHandle", "body",
  "attributes", "messageAttributes", "md5OfBody", "eventSource": "aws:sqs", "eventSourceARN",
  "awsRegion"}, ...]}``; message attributes as Lambda spells them (``stringValue``, ``binaryValue``
  base64, ``stringListValues``, ``binaryListValues``, ``dataType``);
* :func:`sns_event`: one SNS notification, ``{"Records": [{"EventSource": "aws:sns", "EventVersion":
  "1.0", "EventSubscriptionArn", "Sns": {...}}]}``, made from the JSON envelope SNS sends a queue
  (note Lambda's ``SigningCertUrl`` / ``UnsubscribeUrl`` where the envelope has ``...URL``);
* :func:`failed_items`: which messages of a batch failed, from the function's reply when the
  mapping reports batch item failures, by Lambda's rules for that reply.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any

__all__ = ["failed_items", "sns_event", "sqs_event"]


def sqs_event(messages: list[dict[str, Any]], *, queue_arn: str, region: str) -> dict[str, Any]:
    """The event of a batch of messages as ``ReceiveMessage`` returned them (all attributes asked)."""
    return {"Records": [_sqs_record(message, queue_arn, region) for message in messages]}


def _sqs_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    body = message.get("Body", "")
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": body,
        "attributes": dict(message.get("Attributes") or {}),
        "messageAttributes": {name: _lambda_attribute(value)
                              for name, value in (message.get("MessageAttributes") or {}).items()},
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(body.encode("utf-8")).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def _lambda_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    attribute: dict[str, Any] = {"stringListValues": [], "binaryListValues": [], "dataType": value.get("DataType")}
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        raw = value["BinaryValue"]
        attribute["binaryValue"] = base64.b64encode(raw).decode("ascii") if isinstance(raw, bytes) else raw
    return attribute


def sns_event(envelope: Mapping[str, Any], *, subscription_arn: str) -> dict[str, Any]:
    """The event of one notification, from the envelope SNS delivers to a queue."""
    notification = {
        "Type": envelope.get("Type", "Notification"),
        "MessageId": envelope.get("MessageId"),
        "TopicArn": envelope.get("TopicArn"),
        "Subject": envelope.get("Subject"),
        "Message": envelope.get("Message"),
        "Timestamp": envelope.get("Timestamp"),
        "SignatureVersion": envelope.get("SignatureVersion", "1"),
        "Signature": envelope.get("Signature", ""),
        "SigningCertUrl": envelope.get("SigningCertURL", ""),
        "UnsubscribeUrl": envelope.get("UnsubscribeURL", ""),
        "MessageAttributes": dict(envelope.get("MessageAttributes") or {}),
    }
    return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": subscription_arn,
                         "Sns": notification}]}


def failed_items(reply: Any, message_ids: list[str]) -> list[str] | None:
    """The ids of the messages that failed, by a reply to a batch with ``ReportBatchItemFailures``.

    Lambda counts the batch a success when the reply is empty, null, or has an empty or null
    ``batchItemFailures``; it counts the *whole batch* failed (``None`` here) when the reply is not
    such an object, or an item has a missing, empty or unknown ``itemIdentifier``."""
    if reply is None or reply == {} or reply == "":
        return []
    if isinstance(reply, (str, bytes)):
        try:
            reply = json.loads(reply)
        except ValueError:
            return None
    if not isinstance(reply, Mapping):
        return None
    failures = reply.get("batchItemFailures")
    if failures is None:
        return []
    if not isinstance(failures, list):
        return None
    failed = []
    for item in failures:
        identifier = item.get("itemIdentifier") if isinstance(item, Mapping) else None
        if not isinstance(identifier, str) or not identifier or identifier not in message_ids:
            return None
        failed.append(identifier)
    return failed
