"""The server's SQS pollers: each enabled event source mapping's queue read on a thread of its own,
its batches handed to the mapping's function, as Lambda's pollers do.

* A poller receives up to ``BatchSize`` messages (:func:`~aslrun.templates.queue_batches.receive_batch`);
  with ``MaximumBatchingWindowInSeconds`` it goes on receiving until the batch is full or the window
  has passed since its first message. An empty queue is read again every ``interval`` seconds.
* ``FilterCriteria``: a message's record (its ``body`` read as JSON when it is JSON) is matched
  against the filters' event patterns; a message no filter matches is deleted without the function
  seeing it, as Lambda does for a queue. A batch left empty invokes nothing.
* The function is invoked synchronously with the SQS event (holding the server's handler gate, as
  every invocation does). A reply settles the batch: with ``ReportBatchItemFailures`` only the
  messages it names failed (a malformed reply fails them all); a function error fails them all.
  What succeeded is deleted; what failed goes back to the queue
  (:func:`~aslrun.templates.queue_batches.settle_batch`: at once when the queue has a redrive
  policy, to the dead-letter queue after ``maxReceiveCount`` receives; else after the queue's
  visibility timeout).
* Each batch is a line on the server's output (``aslrun serve: event source mapping UUID: queue ->
  function: succeeded (3 message(s))``); a poller that cannot read its queue (deleted, say) says so
  once on the error output and tries again every ``RETRY_SECONDS``.

Changes made through the API (a mapping created, disabled, deleted, its function or batch size
changed) reach the poller at its next round: it reads its mapping from the store each time.
:meth:`QueuePollers.sync` starts the threads of enabled mappings that have none; a thread whose
mapping is gone or disabled ends, under the same lock, so a mapping disabled and enabled again at
once is never left without its poller.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from ...localaws.lambda_events import failed_items, sqs_event
from ...templates.queue_batches import receive_batch, settle_batch
from .mapping_config import queue_of
from .mappings import MappingRegistry

__all__ = ["QueuePollers"]

POLL_SECONDS = 0.1  # an empty queue is read again after this long
RETRY_SECONDS = 2.0  # a queue that could not be read is tried again after this long

#: ``invoke(function_arn, event)``: ``(reply, None)``, or ``(None, "ErrorType: message")`` when the
#: function failed or could not be run
Invoke = Callable[[str, Any], tuple[Any, "str | None"]]


class QueuePollers:
    """One thread per enabled mapping, while the server runs."""

    def __init__(self, registry: MappingRegistry, invoke: Invoke, sqs_for: Callable[[str], Any], *,
                 interval: float = POLL_SECONDS) -> None:
        self.registry = registry
        self.invoke = invoke
        self.sqs_for = sqs_for  # region -> a boto3 SQS client of the server's local AWS
        self.interval = interval
        self._lock = threading.Lock()
        self._threads: dict[str, threading.Thread] = {}
        self.stopping = threading.Event()

    def sync(self) -> None:
        """Start a poller for every enabled mapping that has none."""
        with self._lock:
            if self.stopping.is_set():
                return
            for config in self.registry.all():
                mapping_id = config["UUID"]
                if config["State"] == "Enabled" and mapping_id not in self._threads:
                    thread = threading.Thread(target=self._poll, args=(mapping_id,), daemon=True,
                                              name=f"aslrun-sqs-poller-{mapping_id[:8]}")
                    self._threads[mapping_id] = thread
                    thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop every poller (a batch being processed is finished first, for ``timeout`` seconds in all)."""
        self.stopping.set()
        with self._lock:
            threads = list(self._threads.values())
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    @property
    def polling(self) -> list[str]:
        """The UUIDs of the mappings being polled now."""
        with self._lock:
            return sorted(self._threads)

    # -- one poller ---------------------------------------------------------------------------------

    def _poll(self, mapping_id: str) -> None:
        reader = _QueueReader(self)
        while not self.stopping.is_set():
            with self._lock:
                config = self.registry.get(mapping_id)
                if config is None or config["State"] != "Enabled":
                    del self._threads[mapping_id]
                    return
            try:
                worked = reader.one_batch(config)
            except Exception as problem:  # a queue gone, a local AWS failing: said once, tried again later
                reader.complain(config, problem)
                self.stopping.wait(RETRY_SECONDS)
                continue
            if not worked:
                self.stopping.wait(self.interval)
        with self._lock:
            self._threads.pop(mapping_id, None)


class _QueueReader:
    """A poller's work on its queue: one batch at a time."""

    def __init__(self, pollers: QueuePollers) -> None:
        self.pollers = pollers
        self._urls: dict[str, str] = {}
        self._complaint: str | None = None

    def one_batch(self, config: dict[str, Any]) -> bool:
        """Receive, filter, invoke, settle one batch; False when the queue had nothing."""
        source = config["EventSourceArn"]
        region, _, queue = queue_of(source)
        sqs = self.pollers.sqs_for(region)
        url = self._url(sqs, queue)
        messages = self._receive(sqs, url, config)
        self._complaint = None
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

    def complain(self, config: dict[str, Any], problem: Exception) -> None:
        text = f"{type(problem).__name__}: {problem}"
        if text != self._complaint:
            print(f"aslrun serve: event source mapping {config['UUID']} cannot read {config['EventSourceArn']}: "
                  f"{text} (trying again every {RETRY_SECONDS:g} s)", file=sys.stderr, flush=True)
            self._complaint = text
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
    filters = (config.get("FilterCriteria") or {}).get("Filters") or []
    if not filters:
        return {m["MessageId"] for m in messages}
    from moto.events.models import EventPattern  # type: ignore[import-untyped]  # (the local AWS's matcher)

    patterns = [EventPattern.load(item["Pattern"]) for item in filters]
    passed = set()
    for record in records:
        shown = dict(record)
        try:
            shown["body"] = json.loads(record["body"])
        except ValueError:
            pass
        if any(pattern.matches_event(shown) for pattern in patterns):  # type: ignore[arg-type]  # (moto's hint: events only)
            passed.add(record["messageId"])
    return passed
