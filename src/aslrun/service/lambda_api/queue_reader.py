"""An SQS event source mapping's batches, as Lambda's SQS poller makes and settles them.

* up to ``BatchSize`` messages (:func:`~aslrun.templates.queue_batches.receive_batch`); with
  ``MaximumBatchingWindowInSeconds`` the reader goes on receiving until the batch is full or the
  window has passed since its first message;
* ``FilterCriteria``: a message's record (its ``body`` read as JSON when it is JSON) is matched
  against the filters' event patterns; a message no filter matches is deleted without the function
  seeing it, as Lambda does for a queue. A batch left empty invokes nothing;
* the function is invoked synchronously with the SQS event (holding the server's handler gate, as
  every invocation does). A reply settles the batch: with ``ReportBatchItemFailures`` only the
  messages it names failed (a malformed reply fails them all); a function error fails them all.
  What succeeded is deleted; what failed goes back to the queue
  (:func:`~aslrun.templates.queue_batches.settle_batch`: at once when the queue has a redrive
  policy, to the dead-letter queue after ``maxReceiveCount`` receives; else after the queue's
  visibility timeout).
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from ...localaws.lambda_events import failed_items, sqs_event
from ...templates.queue_batches import receive_batch, settle_batch
from .mapping_config import queue_of

if TYPE_CHECKING:
    from .pollers import MappingPollers

__all__ = ["QueueReader", "matching"]


class QueueReader:
    """A poller's work on its queue: one batch at a time (``one_batch``; ``forget`` when it fails)."""

    def __init__(self, pollers: MappingPollers) -> None:
        self.pollers = pollers
        self._urls: dict[str, str] = {}

    def prepare(self, config: dict[str, Any]) -> None:
        """Nothing to do before the first batch (a queue's messages wait where they are)."""

    def one_batch(self, config: dict[str, Any]) -> bool:
        """Receive, filter, invoke, settle one batch; False when the queue had nothing."""
        source = config["EventSourceArn"]
        region, _, queue = queue_of(source)
        sqs = self.pollers.client_for("sqs", region)
        url = self._url(sqs, queue)
        messages = self._receive(sqs, url, config)
        if not messages:
            return False
        event = sqs_event(messages, queue_arn=source, region=region)
        passed = _filtered(config, messages, event["Records"])
        if len(passed) < len(messages):  # the others are deleted unseen, as Lambda does for a queue
            unseen = [m for m in messages if m["MessageId"] not in passed]
            settle_batch(sqs, url, unseen, [])
            messages = [m for m in messages if m["MessageId"] in passed]
            event = {"Records": [r for r in event["Records"] if r["messageId"] in passed]}
            if not messages:
                return True
        ids = [m["MessageId"] for m in messages]
        reply, error = self.pollers.invoke(config["FunctionArn"], event)
        detail = error or ""
        if error is not None:
            failed = ids
        elif "ReportBatchItemFailures" in config.get("FunctionResponseTypes", []):
            reported = failed_items(reply, ids)
            failed = ids if reported is None else reported
            if reported is None:
                detail = "the reply's batchItemFailures is malformed: the whole batch failed"
        else:
            failed = []
        settled = settle_batch(sqs, url, messages, failed)
        function = config["FunctionArn"].split(":function:", 1)[-1]
        print(f"aslrun serve: event source mapping {config['UUID']}: {queue} -> {function}: {settled.outcome} "
              f"({settled.summary()}{'; ' + detail if detail else ''})", flush=True)
        return True

    def forget(self) -> None:
        """After a failure: the queue's URL is looked up afresh (it may have been made again)."""
        self._urls.clear()

    def _url(self, sqs: Any, queue: str) -> str:
        url = self._urls.get(queue)
        if url is None:
            url = self._urls[queue] = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        return url

    def _receive(self, sqs: Any, url: str, config: dict[str, Any]) -> list[dict[str, Any]]:
        size, window = config["BatchSize"], config.get("MaximumBatchingWindowInSeconds") or 0
        messages = receive_batch(sqs, url, size)
        if messages and window and len(messages) < size:
            until = time.monotonic() + window
            stopping = self.pollers.stopping
            while len(messages) < size and time.monotonic() < until and not stopping.is_set():
                stopping.wait(min(self.pollers.interval, max(0.0, until - time.monotonic())))
                messages.extend(receive_batch(sqs, url, size - len(messages)))
        return messages


def _filtered(config: dict[str, Any], messages: list[dict[str, Any]], records: list[dict[str, Any]]) -> set[str]:
    """The ids of the messages some filter of the mapping matches (all of them without filters)."""
    kept = matching(config, records, body="body")
    return {record["messageId"] for record in kept}


def matching(config: dict[str, Any], records: list[dict[str, Any]], *, body: str | None = None) -> list[dict[str, Any]]:
    """The records some filter of the mapping's ``FilterCriteria`` matches (all of them without
    filters); ``body`` names a field read as JSON when it is JSON (an SQS message's body)."""
    filters = (config.get("FilterCriteria") or {}).get("Filters") or []
    if not filters:
        return records
    from moto.events.models import EventPattern  # type: ignore[import-untyped]  # (the local AWS's matcher)

    patterns = [EventPattern.load(item["Pattern"]) for item in filters]
    kept = []
    for record in records:
        shown = dict(record)
        if body is not None:
            try:
                shown[body] = json.loads(record[body])
            except ValueError:
                pass
        if any(pattern.matches_event(shown) for pattern in patterns):  # type: ignore[arg-type]  # (moto's hint: events only)
            kept.append(record)
    return kept
