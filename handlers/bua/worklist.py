"""A stage's worklist: the accounts it hands out, one JSON line each, for a distributed Map.

A state's input and output are limited to 256 KiB, so a stage with 100,000 accounts cannot pass
its batches through the machine's state. The list step writes the worklist to S3 instead and
returns where it is; the stage's distributed Map reads it (``ItemReader`` ``s3:getObject``,
``InputType`` JSONL), groups it (``ItemBatcher``, ``MaxItemsPerBatch`` = the batch size) and each
child execution describes its batch and sends it to the stage's queue::

    worklists/2024-10-01/microscalar/accounts.jsonl
        {"account_id":"A0000001","batch":0}
        {"account_id":"A0000002","batch":0}
        ...
    child input  {"Items": [<up to batch_size lines>], "BatchInput": {"run_date", "db", "stage", ...}}
    message      {"run_date", "db", "stage", "batch": 0, "first": "A0000001", "last": "A0000500",
                  "count": 500}

The accounts are the stage's selection sorted by id and numbered in blocks of the batch size, so
a batch of the batcher is a contiguous run of the selection: the batch lambda selects it with
``account_id BETWEEN first AND last`` (set-based SQL, as before), and the message stays small
whatever the batch size (ten received messages must fit in the state's 256 KiB). Each line carries
its batch number, so the number is data rather than a guess of the batcher's grouping, and a child
can check that its items are one whole batch.

Retries go through the same Map: the check step writes the accounts of the failed batches as a
smaller worklist (``retry-<n>.jsonl``); whole batches in their original order, so the batcher
cuts them exactly as before.

Without an S3 place (the engine-free driver) a worklist is kept inline: ``{"items": [...]}``
instead of ``{"bucket", "key"}``; :func:`read_worklist` takes either.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from .errors import BadEvent, StorageError
from .s3_upload import S3Target, s3_target

__all__ = [
    "CHILD_INPUT_LIMIT",
    "batch_size_for",
    "beside",
    "describe_batch",
    "descriptors",
    "group_items",
    "read_worklist",
    "retry_items",
    "store_worklist",
    "worklist_items",
    "worklist_target",
]

CHILD_INPUT_LIMIT = 256 * 1024
"""A child execution's input (its batch of items and the BatchInput) is at most 256 KiB on AWS."""

_ENVELOPE_BYTES = 8 * 1024
"""Room kept for ``{"Items": [...], "BatchInput": {...}}`` around the items (run date, database
path, stage, queue URL)."""

LIST_NAME = "accounts.jsonl"


def worklist_target(value: Any) -> S3Target | None:
    """The event's ``worklist: {bucket, prefix}`` (where worklists go); None: keep them inline.
    The prefix is the stage's own folder (a fresh list clears it), so it may not be empty."""
    target = s3_target(value, field="worklist")
    if target is not None and not target.prefix:
        raise BadEvent("worklist.prefix: expected the stage's own folder (ending in '/'), got ''")
    return target


def worklist_items(ids: list[str], size: int) -> list[dict[str, Any]]:
    """One item per account (ids sorted), numbered in blocks of ``size``: the batch number."""
    return [{"account_id": account, "batch": index // size} for index, account in enumerate(ids)]


def batch_size_for(ids: list[str], wanted: int) -> int:
    """``wanted``, or fewer accounts if a batch of ``wanted`` items would not fit in a child
    execution's 256 KiB input (a batch of ``{"account_id", "batch"}`` items)."""
    if not ids:
        return wanted
    widest = max(len(account.encode("utf-8")) for account in ids)
    item = len(json.dumps({"account_id": "x" * widest, "batch": len(ids)}, separators=(",", ":")))
    fits = (CHILD_INPUT_LIMIT - _ENVELOPE_BYTES) // (item + 1)  # + 1: the comma between items
    return max(1, min(wanted, fits))


def group_items(items: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    """The items in runs of ``size``, as the Map's ItemBatcher groups them (MaxItemsPerBatch)."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def describe_batch(items: list[dict[str, Any]], common: Mapping[str, Any]) -> dict[str, Any]:
    """What a child execution sends for its batch (the machines' DescribeBatch state does the
    same): the common fields, the batch number and the range of account ids."""
    if not items:
        raise BadEvent("Items: a batch holds at least one account")
    number, last = items[0]["batch"], items[-1]["batch"]
    if last != number:
        raise BadEvent(f"Items: accounts of batches {number} and {last} in one batch (the "
                       "batcher's MaxItemsPerBatch differs from the list step's batch size)")
    return {"run_date": common.get("run_date"), "db": common.get("db"),
            "stage": common.get("stage"), "batch": number, "first": items[0]["account_id"],
            "last": items[-1]["account_id"], "count": len(items)}


def descriptors(items: list[dict[str, Any]], size: int,
                common: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every batch of a worklist as the message its child execution sends."""
    return [describe_batch(batch, common) for batch in group_items(items, size)]


def retry_items(items: list[dict[str, Any]], batches: set[int]) -> list[dict[str, Any]]:
    """The accounts of ``batches`` (whole batches, in worklist order): a smaller worklist."""
    return [item for item in items if item["batch"] in batches]


# -- where a worklist is kept ----------------------------------------------------------------


def store_worklist(items: list[dict[str, Any]], target: S3Target | None, name: str = LIST_NAME,
                   *, fresh: bool = False) -> dict[str, Any]:
    """Put the worklist at ``<prefix><name>`` and return ``{"bucket", "key"}`` (the ItemReader's
    parameters); without a target, ``{"items": [...]}``. ``fresh``: earlier worklists under the
    prefix (retries of an earlier attempt) are removed first."""
    if target is None:
        return {"items": items}
    body = "".join(json.dumps(item, separators=(",", ":")) + "\n" for item in items).encode()
    key = f"{target.prefix}{name}"
    client = _s3()
    try:
        if fresh:
            _remove_prefix(client, target)
        client.put_object(Bucket=target.bucket, Key=key, Body=body,
                          ContentType="application/jsonl")
    except _s3_errors() as refused:
        raise StorageError(f"s3://{target.bucket}/{key}: the worklist could not be written: "
                           f"{refused}") from None
    return {"bucket": target.bucket, "key": key}


def beside(ref: Mapping[str, Any]) -> S3Target | None:
    """Where worklists go next to the one at ``ref``: its S3 folder, or None (inline)."""
    key = ref.get("key")
    if not isinstance(key, str):
        return None
    folder = key.rpartition("/")[0]
    return S3Target(bucket=str(ref.get("bucket")), prefix=f"{folder}/" if folder else "")


def read_worklist(ref: Any, where: str = "worklist") -> list[dict[str, Any]]:
    """The items of a worklist, from S3 (``{"bucket", "key"}``) or inline (``{"items"}``)."""
    if not isinstance(ref, Mapping):
        raise BadEvent(f"{where}: expected {{\"bucket\", \"key\"}} or {{\"items\"}}, got {ref!r}")
    if "items" in ref:
        items = ref["items"]
        if not isinstance(items, list):
            raise BadEvent(f"{where}.items: expected a list of accounts")
        return items
    bucket, key = ref.get("bucket"), ref.get("key")
    if not isinstance(bucket, str) or not isinstance(key, str):
        raise BadEvent(f"{where}: expected a bucket and a key, got {ref!r}")
    try:
        body = _s3().get_object(Bucket=bucket, Key=key)["Body"].read()
    except _s3_errors() as refused:
        raise StorageError(f"s3://{bucket}/{key}: the worklist could not be read: "
                           f"{refused}") from None
    items = []
    for number, line in enumerate(body.decode("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise BadEvent(f"s3://{bucket}/{key} line {number}: not JSON ({exc})") from None
        if not isinstance(item, dict) or not {"account_id", "batch"} <= set(item):
            raise BadEvent(f"s3://{bucket}/{key} line {number}: expected "
                           f"{{\"account_id\", \"batch\"}}, got {line[:80]!r}")
        items.append(item)
    return items


def _s3() -> Any:
    import boto3  # type: ignore[import-untyped]  # only when a worklist goes to S3

    return boto3.client("s3")


def _s3_errors() -> tuple[type[Exception], ...]:
    from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

    return (BotoCoreError, ClientError)


def _remove_prefix(client: Any, target: S3Target) -> None:
    """Every object under the target's prefix deleted (1,000 keys per request)."""
    request = {"Bucket": target.bucket, "Prefix": target.prefix}
    while True:
        page = client.list_objects_v2(**request)
        keys = [{"Key": entry["Key"]} for entry in page.get("Contents", [])]
        if keys:
            client.delete_objects(Bucket=target.bucket, Delete={"Objects": keys, "Quiet": True})
        if not page.get("IsTruncated"):
            return
        request["ContinuationToken"] = page["NextContinuationToken"]
