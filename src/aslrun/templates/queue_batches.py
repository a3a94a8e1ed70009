"""How Lambda's SQS poller takes a batch from a queue and settles it after the function ran.

Shared by a template's event source mappings (:mod:`.event_delivery`, delivered on demand) and by
the mappings ``aslrun serve`` keeps through Lambda's API (:mod:`aslrun.service.lambda_api.queue_reader`,
polled on a thread):

* :func:`receive_batch`: up to ``batch_size`` messages, received 10 at a time (SQS's most per call)
  with every attribute, until the batch is full or the queue has nothing visible;
* :func:`settle_batch`: the messages that succeeded are deleted; the failed ones go back by
  :func:`return_to_queue`, and what happened is summed up in a :class:`Settled`.

``sqs`` is a boto3 SQS client of the local AWS; ``url`` the queue's URL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

__all__ = ["Settled", "receive_batch", "return_to_queue", "settle_batch"]

RECEIVE_MOST = 10  # SQS's MaxNumberOfMessages


def receive_batch(sqs: Any, url: str, batch_size: int) -> list[dict[str, Any]]:
    """Up to ``batch_size`` visible messages of the queue (none waits: an empty queue gives [])."""
    messages: list[dict[str, Any]] = []
    while len(messages) < batch_size:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=min(RECEIVE_MOST, batch_size - len(messages)),
                                  AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
        if not got:
            break
        messages.extend(got)
    return messages


@dataclass(frozen=True)
class Settled:
    """What became of a batch: how many messages it had, failed, and of those moved to the
    dead-letter queue (the others are kept for a retry)."""

    received: int
    failed: int
    moved: int

    @property
    def outcome(self) -> str:
        """"succeeded", "partial" (some failed) or "failed" (all did)."""
        return "succeeded" if not self.failed else "failed" if self.failed == self.received else "partial"

    def summary(self) -> str:
        """``3 message(s), 1 kept for retry``, ``..., 1 moved to the dead-letter queue``."""
        text = f"{self.received} message(s)"
        if self.failed > self.moved:
            text += f", {self.failed - self.moved} kept for retry"
        if self.moved:
            text += f", {self.moved} moved to the dead-letter queue"
        return text


def settle_batch(sqs: Any, url: str, messages: list[dict[str, Any]], failed_ids: list[str] | set[str]) -> Settled:
    """Delete the messages that succeeded (10 per call) and return the ones named in ``failed_ids``."""
    kept = set(failed_ids)
    succeeded = [m for m in messages if m["MessageId"] not in kept]
    for start in range(0, len(succeeded), RECEIVE_MOST):
        entries = [{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]}
                   for n, m in enumerate(succeeded[start:start + RECEIVE_MOST])]
        sqs.delete_message_batch(QueueUrl=url, Entries=entries)
    failed = [m for m in messages if m["MessageId"] in kept]
    moved = return_to_queue(sqs, url, failed) if failed else 0
    return Settled(len(messages), len(failed), moved)


def return_to_queue(sqs: Any, url: str, messages: list[dict[str, Any]]) -> int:
    """Failed messages: with a redrive policy, one received ``maxReceiveCount`` times moves to the
    dead-letter queue and the others are visible again at once (retried now); without, they stay
    invisible until the queue's visibility timeout passes, as on AWS. Returns how many moved.

    The move is made here, as a send to the dead-letter queue and a delete, rather than left to the
    local AWS's next receive: both are journaled, so a state directory keeps the message where it
    went (the moved copy has a new message id; its body and attributes are the same)."""
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"]).get("Attributes", {})
    if not attributes.get("RedrivePolicy"):
        return 0
    policy = json.loads(attributes["RedrivePolicy"])
    limit = int(policy.get("maxReceiveCount", 0))
    dead_letters = sqs.get_queue_url(QueueName=str(policy["deadLetterTargetArn"]).rsplit(":", 1)[-1])["QueueUrl"]
    moved = 0
    for message in messages:
        receives = int((message.get("Attributes") or {}).get("ApproximateReceiveCount", "1"))
        if limit and receives >= limit:
            request: dict[str, Any] = {"QueueUrl": dead_letters, "MessageBody": message["Body"]}
            if message.get("MessageAttributes"):
                request["MessageAttributes"] = message["MessageAttributes"]
            if dead_letters.endswith(".fifo"):
                group = (message.get("Attributes") or {}).get("MessageGroupId", "aslrun")
                request.update(MessageGroupId=group, MessageDeduplicationId=message["MessageId"])
            sqs.send_message(**request)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
        else:
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    return moved
