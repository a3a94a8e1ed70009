"""lambda-bua-notify: EARL's "snapshot shared" notification starts the BUA controller (seed 003).

EARL shares the month's production snapshot and publishes a message on its topic; the notify queue
is subscribed to it, and this function, mapped to the queue (batch size 1, batch item failures
reported), starts the controller state machine (``$BUA_STATE_MACHINE_ARN``) with
``boto3.client("stepfunctions").start_execution``: the code is the same on AWS and locally, where
aslrun answers the call with the template's own controller.

The message (the SNS envelope's ``Message``, or the SQS body itself with raw message delivery) is a
JSON object:

    {"snapshot": "<the shared snapshot>", "run_date": "YYYY-MM-DD"}

both optional: the controller restores ``snapshot`` (on AWS an RDS snapshot identifier, locally a
snapshot database file; none: the default synthetic retailer), and the run date defaults to the day
the notification was published (UTC), so a message delivered again later still names its own month.
Other fields are ignored.

Delivery is at least once, so starting is idempotent: the execution is named after the run date and
the notification's message id (``bua-2024-10-01-<message id>``) and a second start of the same name
is not a second run (``ExecutionAlreadyExists`` is logged and counted done). A record whose message
is not such an object, or whose start fails otherwise, is reported in ``batchItemFailures``: it goes
back to the queue and, after the queue's ``maxReceiveCount`` receives, to its dead-letter queue.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import date, datetime, timezone
from typing import Any

from .config import parse_date_field
from .errors import BadEvent

__all__ = ["handler", "start_request"]

LOG = logging.getLogger(__name__)
STATE_MACHINE_VARIABLE = "BUA_STATE_MACHINE_ARN"


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS batch in, ``{"batchItemFailures": [...]}`` out (see the module docstring)."""
    machine_arn = os.environ.get(STATE_MACHINE_VARIABLE)
    if not machine_arn:
        raise BadEvent(f"${STATE_MACHINE_VARIABLE}: not set (the controller state machine's ARN)")
    import boto3  # type: ignore[import-untyped]  # the SDK the Lambda runtime provides

    client = boto3.client("stepfunctions")
    failures = []
    for record in event.get("Records") or []:
        try:
            request = start_request(record, machine_arn)
        except BadEvent as problem:
            LOG.error("message %s: %s", record.get("messageId"), problem)
            failures.append({"itemIdentifier": record.get("messageId", "")})
            continue
        try:
            started = client.start_execution(**request)
        except client.exceptions.ExecutionAlreadyExists:
            LOG.info("message %s: %s was started already (a redelivery)", record.get("messageId"), request["name"])
            continue
        except Exception as problem:  # throttling, a missing machine: retried through the queue
            LOG.error("message %s: cannot start %s: %s", record.get("messageId"), request["name"], problem)
            failures.append({"itemIdentifier": record.get("messageId", "")})
            continue
        LOG.info("message %s: started %s", record.get("messageId"), started["executionArn"])
    return {"batchItemFailures": failures}


def start_request(record: dict[str, Any], machine_arn: str) -> dict[str, Any]:
    """The StartExecution request for one SQS record (:class:`BadEvent` when its message is not usable)."""
    body = record.get("body")
    try:
        document = json.loads(body) if isinstance(body, str) else None
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise BadEvent("the message body is not a JSON object")
    message_id = str(record.get("messageId", ""))
    published = _sent_date(record)
    if document.get("Type") == "Notification" and "Message" in document:  # the SNS envelope
        message_id = str(document.get("MessageId") or message_id)
        published = _iso_date(document.get("Timestamp")) or published
        try:
            document = json.loads(document["Message"])
        except (TypeError, ValueError):
            raise BadEvent("the notification's Message is not JSON") from None
        if not isinstance(document, dict):
            raise BadEvent("the notification's Message is not a JSON object")
    if document.get("run_date"):
        run_date = parse_date_field(document["run_date"], "run_date")
    elif published is not None:
        run_date = published
    else:
        raise BadEvent("the record has no SentTimestamp and the message no run_date")
    execution_input: dict[str, Any] = {"run_date": run_date.isoformat()}
    if document.get("snapshot") is not None:
        if not isinstance(document["snapshot"], str) or not document["snapshot"]:
            raise BadEvent("snapshot: expected the shared snapshot's identifier (text)")
        execution_input["snapshot"] = document["snapshot"]
    name = f"bua-{run_date.isoformat()}-{message_id}"[:80]
    return {"stateMachineArn": machine_arn, "name": name, "input": json.dumps(execution_input)}


def _sent_date(record: dict[str, Any]) -> date | None:
    """The day (UTC) SQS received the message, from the record's ``SentTimestamp`` (milliseconds since
    the epoch); None when the record does not say, or says something that is no such time."""
    attributes = record.get("attributes")
    sent = attributes.get("SentTimestamp") if isinstance(attributes, dict) else None
    if sent is None:
        return None
    try:
        return datetime.fromtimestamp(int(sent) / 1000, tz=timezone.utc).date()
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _iso_date(text: Any) -> date | None:
    if not isinstance(text, str) or len(text) < 10:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None
