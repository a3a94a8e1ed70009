"""A DynamoDB stream event source mapping's batches, as Lambda's stream poller makes them.

* Each shard of the table's stream is read in order from the mapping's ``StartingPosition``
  (``TRIM_HORIZON``: its oldest record; ``LATEST``: what comes after the poller starts), up to
  ``BatchSize`` records at a time, one shard after another; a shard's place is kept in memory as the
  sequence number of the last record done (see :mod:`.pollers` for a restart).
* ``FilterCriteria`` (event patterns on the record: ``eventName``, ``dynamodb.NewImage``...): records
  no filter matches are passed over, as Lambda does.
* The function gets Lambda's DynamoDB event (``Records``: ``eventID``, ``eventName``,
  ``eventVersion`` 1.1, ``eventSource`` ``aws:dynamodb``, ``awsRegion``, ``dynamodb`` with
  ``ApproximateCreationDateTime`` in epoch seconds, ``Keys``, ``NewImage``, ``OldImage``,
  ``SequenceNumber``, ``SizeBytes``, ``StreamViewType``, and ``eventSourceARN``).
* A batch the function fails blocks its shard, as on Lambda: it is retried (after
  ``RETRY_SECONDS``, ``MaximumRetryAttempts`` times; -1, the default, without end); with
  ``BisectBatchOnFunctionError`` a failing batch is split in two and each half tried on its own;
  with ``ReportBatchItemFailures`` the reply's ``itemIdentifier`` (a sequence number) says where
  the batch failed, and what came before it is done. When the retries are spent the batch is
  passed over, and its description (``DDBStreamBatchInfo``) goes to the ``OnFailure`` destination
  (a queue or a topic) when there is one.
"""

from __future__ import annotations

import sys
import time
import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ...localaws.lambda_events import failed_items
from .mapping_config import source_of
from .queue_reader import matching

if TYPE_CHECKING:
    from .pollers import MappingPollers

__all__ = ["StreamReader"]

SHARDS_SECONDS = 5.0  # a stream's shards are read again after this long

class StreamReader:
    """A poller's work on its stream: one batch of one shard at a time."""

    def __init__(self, pollers: MappingPollers, *, fresh: bool) -> None:
        self.pollers = pollers
        self.fresh = fresh  # made in this process: its StartingPosition applies (else: the stream's end)
        self._done: dict[str, str] = {}  # shard -> the sequence number of the last record done
        #: shard -> the iterator that reads on after what is done (taken again from ``_done`` after a
        #: batch that was not done whole, or a failure)
        self._iterators: dict[str, str] = {}
        self._next_shard = 0
        self._shards: list[str] = []
        self._shards_read = -SHARDS_SECONDS  # (time.monotonic() of the last DescribeStream)

    def prepare(self, config: dict[str, Any]) -> None:
        """Take each shard's place now (``StartingPosition``, or the stream's end), before the server
        answers anything more: a change written after the mapping's answer (or the server's start) is
        read."""
        arn = config["EventSourceArn"]
        streams = self.pollers.client_for("dynamodbstreams", source_of(arn).region)
        for shard in self._shards_of(streams, arn):
            self._iterator(streams, arn, shard, config)

    def one_batch(self, config: dict[str, Any]) -> bool:
        """Read, filter, invoke one batch of one shard; False when no shard had anything."""
        arn = config["EventSourceArn"]
        region = source_of(arn).region
        streams = self.pollers.client_for("dynamodbstreams", region)
        shards = self._shards_of(streams, arn)
        for turn in range(len(shards)):
            shard = shards[(self._next_shard + turn) % len(shards)]
            records = self._read(streams, arn, shard, config)
            if records:
                self._next_shard = (self._next_shard + turn + 1) % len(shards)
                self._deliver(config, shard, [_lambda_record(record, arn) for record in records])
                return True
        return False

    def forget(self) -> None:
        """After a failure: the shards and their iterators are read afresh (a place done is kept)."""
        self._iterators.clear()
        self._shards_read = -SHARDS_SECONDS

    # -- reading --------------------------------------------------------------------------------------

    def _shards_of(self, streams: Any, arn: str) -> list[str]:
        """The stream's shards, read again every ``SHARDS_SECONDS`` (not on every poll)."""
        if time.monotonic() - self._shards_read >= SHARDS_SECONDS:
            self._shards = [shard["ShardId"] for shard in
                            streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]]
            self._shards_read = time.monotonic()
        return self._shards

    def _read(self, streams: Any, arn: str, shard: str, config: dict[str, Any]) -> list[dict[str, Any]]:
        answer = streams.get_records(ShardIterator=self._iterator(streams, arn, shard, config),
                                     Limit=config["BatchSize"])
        if answer.get("NextShardIterator"):
            self._iterators[shard] = answer["NextShardIterator"]  # (read on from here once the batch is done)
        return list(answer.get("Records", []))

    def _iterator(self, streams: Any, arn: str, shard: str, config: dict[str, Any]) -> str:
        if shard not in self._iterators:
            if shard in self._done:
                self._iterators[shard] = streams.get_shard_iterator(
                    StreamArn=arn, ShardId=shard, ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                    SequenceNumber=self._done[shard])["ShardIterator"]
            else:
                position = config.get("StartingPosition", "LATEST") if self.fresh else "LATEST"
                self._iterators[shard] = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                                                    ShardIteratorType=position)["ShardIterator"]
        return self._iterators[shard]

    # -- delivering -----------------------------------------------------------------------------------

    def _deliver(self, config: dict[str, Any], shard: str, records: list[dict[str, Any]]) -> None:
        last = records[-1]["dynamodb"]["SequenceNumber"]
        wanted = matching(config, records)
        if not wanted:
            self._done[shard] = last
            return
        done, said = self._until_done(config, shard, wanted)
        whole = done == wanted[-1]["dynamodb"]["SequenceNumber"]
        if done is not None:
            self._done[shard] = last if whole else done
        if not whole:  # (read again after what is done: the rest of the batch comes again)
            self._iterators.pop(shard, None)
        function = config["FunctionArn"].split(":function:", 1)[-1]
        print(f"aslrun serve: event source mapping {config['UUID']}: {source_of(config['EventSourceArn']).name} "
              f"stream -> {function}: {said}", flush=True)

    def _until_done(self, config: dict[str, Any], shard: str, records: list[dict[str, Any]]) -> tuple[str | None, str]:
        """Invoke until the batch is done, its retries spent or the poller stopped: the sequence number
        of the last record done (None: none), and what happened."""
        retries = int(config.get("MaximumRetryAttempts", -1))
        attempts = 0
        while True:
            attempts += 1
            failed_at, error = self._attempt(config, records)
            if failed_at is None:
                return records[-1]["dynamodb"]["SequenceNumber"], f"succeeded ({len(records)} record(s))"
            if failed_at > 0:  # the reply named where it failed: what came before is done
                return records[failed_at - 1]["dynamodb"]["SequenceNumber"], \
                    f"partial ({failed_at} of {len(records)} record(s); retried from the one that failed)"
            if config.get("BisectBatchOnFunctionError") and len(records) > 1:
                half = len(records) // 2
                first, said_first = self._until_done(config, shard, records[:half])
                if first != records[half - 1]["dynamodb"]["SequenceNumber"]:
                    return first, f"bisected: {said_first}"
                second, said_second = self._until_done(config, shard, records[half:])
                return second, f"bisected: {said_first}; {said_second}"
            if retries != -1 and attempts > retries:
                return records[-1]["dynamodb"]["SequenceNumber"], self._give_up(config, shard, records, attempts, error)
            print(f"aslrun serve: event source mapping {config['UUID']}: the batch failed ({error}); retried in "
                  f"{self.pollers.retry_seconds:g} s", file=sys.stderr, flush=True)
            if self.pollers.stopping.wait(self.pollers.retry_seconds):
                return None, "stopped while retrying"

    def _attempt(self, config: dict[str, Any], records: list[dict[str, Any]]) -> tuple[int | None, str]:
        """Where the batch failed (None: it did not; 0: all of it) and why."""
        reply, error = self.pollers.invoke(config["FunctionArn"], {"Records": records})
        if error is not None:
            return 0, error
        if "ReportBatchItemFailures" not in config.get("FunctionResponseTypes", []):
            return None, ""
        numbers = [record["dynamodb"]["SequenceNumber"] for record in records]
        reported = failed_items(reply, numbers)
        if reported is None:
            return 0, "the reply's batchItemFailures is malformed"
        if not reported:
            return None, ""
        return min(numbers.index(number) for number in reported), "the reply reported failed items"

    def _give_up(self, config: dict[str, Any], shard: str, records: list[dict[str, Any]], attempts: int,
                 error: str) -> str:
        destination = ((config.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        said = f"failed after {attempts} attempt(s) ({error}): {len(records)} record(s) passed over"
        if not destination or self.pollers.send is None:
            return said
        arrivals = [record["dynamodb"].get("ApproximateCreationDateTime") for record in records]
        record = {
            "requestContext": {"requestId": str(uuid.uuid4()), "functionArn": config["FunctionArn"],
                               "condition": "RetryAttemptsExhausted", "approximateInvokeCount": attempts},
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "version": "1.0", "timestamp": _iso(time.time()),
            "DDBStreamBatchInfo": {"shardId": shard, "startSequenceNumber": records[0]["dynamodb"]["SequenceNumber"],
                                   "endSequenceNumber": records[-1]["dynamodb"]["SequenceNumber"],
                                   "approximateArrivalOfFirstRecord": _iso(arrivals[0]),
                                   "approximateArrivalOfLastRecord": _iso(arrivals[-1]),
                                   "batchSize": len(records), "streamArn": config["EventSourceArn"]},
        }
        try:
            self.pollers.send(destination, record, "RetryAttemptsExhausted")
        except Exception as problem:  # (the destination cannot take it: said)
            return f"{said}; its record did not reach {destination}: {type(problem).__name__}: {problem}"
        return f"{said}, described to {destination}"


def _lambda_record(record: dict[str, Any], arn: str) -> dict[str, Any]:
    """A record as the stream gave it, as Lambda hands it to a function."""
    change = dict(record.get("dynamodb") or {})
    created = change.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        change["ApproximateCreationDateTime"] = int(created.timestamp())
    return {**record, "eventVersion": "1.1", "dynamodb": change, "eventSourceARN": arn}


def _iso(seconds: Any) -> str | None:
    if seconds is None:
        return None
    moment = datetime.fromtimestamp(float(seconds), timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
