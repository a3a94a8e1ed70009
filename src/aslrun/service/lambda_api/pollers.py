"""The server's event source mapping pollers: each enabled mapping's source read on a thread of its
own, its batches handed to the mapping's function, as Lambda's pollers do. What a batch is, and what
becomes of it, is the source's: an SQS queue (:mod:`.queue_reader`) or a DynamoDB stream
(:mod:`.stream_reader`).

An empty source is read again every ``interval`` seconds; a poller that cannot read its source
(deleted, say) says so once on the error output and tries again every ``RETRY_SECONDS``. Each
batch is a line on the server's output (``aslrun serve: event source mapping UUID: orders ->
recorder: succeeded (3 message(s))``).

Changes made through the API (a mapping created, disabled, deleted, its function or batch size
changed) reach the poller at its next round: it reads its mapping from the store each time.
:meth:`MappingPollers.sync` starts the threads of enabled mappings that have none; a thread whose
mapping is gone or disabled ends, under the same lock, so a mapping disabled and enabled again at
once is never left without its poller. A stream's ``StartingPosition`` applies to a mapping made
while this server runs; a mapping kept from before a restart reads its stream from the end (the
records a restarted local AWS holds are those its load wrote again: delivering them would repeat
every change).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from .mappings import MappingRegistry

__all__ = ["MappingPollers"]

POLL_SECONDS = 0.1  # an empty source is read again after this long
RETRY_SECONDS = 2.0  # a source that could not be read is tried again after this long

#: ``invoke(function_arn, event)``: ``(reply, None)``, or ``(None, "ErrorType: message")`` when the
#: function failed or could not be run
Invoke = Callable[[str, Any], tuple[Any, "str | None"]]


class MappingPollers:
    """One thread per enabled mapping, while the server runs."""

    def __init__(self, registry: MappingRegistry, invoke: Invoke, client_for: Callable[[str, str], Any], *,
                 send: Callable[[str, dict[str, Any], str], None] | None = None, interval: float = POLL_SECONDS) -> None:
        self.registry = registry
        self.invoke = invoke
        self.client_for = client_for  # (service, region) -> a boto3 client of the server's local AWS
        self.interval = interval
        self.retry_seconds = RETRY_SECONDS
        self.send = send  # (destination ARN, record, condition): a stream batch's OnFailure record
        #: the mappings created in this process (a stream's StartingPosition applies to them only)
        self.created_here: set[str] = set()
        self._lock = threading.Lock()
        self._threads: dict[str, threading.Thread] = {}
        self._complaining: set[str] = set()  # the mappings whose source was said not to be readable
        #: each mapping's reader, kept while the server runs: a mapping disabled and enabled again
        #: goes on from where its stream's shards were
        self._readers: dict[str, Any] = {}
        self.stopping = threading.Event()

    def sync(self) -> None:
        """Start a poller for every enabled mapping that has none."""
        with self._lock:
            if self.stopping.is_set():
                return
            for config in self.registry.all():
                mapping_id = config["UUID"]
                if config["State"] == "Enabled" and mapping_id not in self._threads:
                    reader = self._readers.get(mapping_id)
                    if reader is None:
                        reader = self._readers[mapping_id] = self._reader(config)
                        try:
                            reader.prepare(config)  # (a stream's place taken now: what is written after, is read)
                        except Exception as problem:  # (the source cannot be read yet: said, tried again later)
                            self._complain(config, problem)
                            reader.forget()
                    thread = threading.Thread(target=self._poll, args=(mapping_id, reader), daemon=True,
                                              name=f"aslrun-poller-{mapping_id[:8]}")
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

    def _complain(self, config: dict[str, Any], problem: Exception) -> None:
        """Say on the error output that a mapping's source cannot be read: once, until it is read again."""
        if config["UUID"] not in self._complaining:
            self._complaining.add(config["UUID"])
            print(f"aslrun serve: event source mapping {config['UUID']} cannot read {config['EventSourceArn']}: "
                  f"{type(problem).__name__}: {problem} (trying again every {self.retry_seconds:g} s)",
                  file=sys.stderr, flush=True)

    def _reader(self, config: dict[str, Any]) -> Any:
        """What reads the mapping's source: a queue, or a stream (read from where the mapping says
        when it was made in this process, else from the stream's end: see the module docstring)."""
        if ":dynamodb:" in str(config.get("EventSourceArn", "")):
            from .stream_reader import StreamReader

            return StreamReader(self, fresh=config["UUID"] in self.created_here)
        from .queue_reader import QueueReader

        return QueueReader(self)

    def _poll(self, mapping_id: str, reader: Any) -> None:
        while not self.stopping.is_set():
            with self._lock:
                config = self.registry.get(mapping_id)
                if config is None or config["State"] != "Enabled":
                    del self._threads[mapping_id]
                    if config is None:  # (deleted: a mapping made again is another)
                        self._readers.pop(mapping_id, None)
                    return
            try:
                worked = reader.one_batch(config)
            except Exception as problem:  # a queue gone, a local AWS failing: said once, tried again later
                self._complain(config, problem)
                reader.forget()
                self.stopping.wait(self.retry_seconds)
                continue
            self._complaining.discard(mapping_id)  # (read again: a new failure is said again)
            if not worked:
                self.stopping.wait(self.interval)
        with self._lock:
            self._threads.pop(mapping_id, None)


