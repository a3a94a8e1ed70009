"""The local AWS's journal: every change it acknowledges, on disk before the call that made it returns.

While a local AWS writes a state directory (:mod:`aslrun.localaws.state_dir`), botocore hooks on
every client (``before-parameter-build`` notes the call, ``after-call`` records it if it succeeded)
append what the call *changed*, in the terms of the saved state, to ``DIR/journal.jsonl``, flushed and
fsynced. Never the API call itself: replaying calls would misbehave (receipt handles of another
process, visibility timeouts, fresh random ids, FIFO deduplication). Each entry is a JSON line::

    {"seq": 7, "change": "item", "table": "control", "item": {...}}        an item's new value, read
    {"seq": 8, "change": "item_deleted", "table": "control", "key": {...}}   back by its key afterwards
    {"seq": 9, "change": "message", "queue": "work", "message": {"key": "…", "body": "…", ...}}
    {"seq": 10, "change": "message_deleted", "queue": "work", "key": "…"}
    {"seq": 11, "change": "queue_purged", "queue": "work"}
    {"seq": 12, "change": "queue_attributes", "queue": "work", "attributes": {...}}
    {"seq": 13, "change": "object", "bucket": "b", "key": "k", "file": "b/k", "staged": ".incoming/…"}
    {"seq": 14, "change": "object_deleted", "bucket": "b", "key": "k"}
    {"seq": 15, "change": "created", "fragment": {"sqs": {"work": {...}}}}     a seed-document fragment
    {"seq": 16, "change": "deleted", "service": "sqs", "name": "work"}
    {"seq": 17, "change": "table", "table": "t", "fragment": {...}}          a whole table, items too
    {"seq": 18, "change": "subscription", "topic": "t", "subscription": {...}}
    {"seq": 19, "change": "unsubscribed", "topic": "t", "protocol": "sqs", "endpoint": "arn:…"}

What each call becomes:

* DynamoDB ``PutItem``, ``UpdateItem``, ``DeleteItem``, ``BatchWriteItem``, ``TransactWriteItems``:
  each key's item as it is after the call (or its deletion). ``CreateTable`` / ``DeleteTable``;
  ``UpdateTable``, PartiQL writes and restores from backups: the whole table.
* SQS ``SendMessage`` / ``SendMessageBatch``: the messages added. ``DeleteMessage`` /
  ``DeleteMessageBatch``: the messages removed (the receipt handle is resolved to the message before
  the call). ``PurgeQueue``, ``CreateQueue``, ``DeleteQueue``, ``SetQueueAttributes``.
* SNS ``Publish`` / ``PublishBatch``: the messages it put into the subscribed queues.
  ``CreateTopic``, ``DeleteTopic``, ``Subscribe``, ``Unsubscribe``, ``SetSubscriptionAttributes``.
* S3 ``PutObject``, ``CopyObject``, ``CompleteMultipartUpload``, ``DeleteObject(s)``: the object's
  bytes (staged in ``objects/`` before the entry, renamed into place after it) or its deletion.
  ``CreateBucket``, ``DeleteBucket``.
* EventBridge ``PutEvents``: the messages its rules put into queues. ``CreateEventBus``,
  ``DeleteEventBus``.

A call whose change cannot be written down (a full disk) raises, although the running local AWS
made it: the caller was told it failed, and it is not kept.

A message is known by a key of the journal's own (``aslrun_journal_key`` on moto's message), kept in
the snapshot too: moto's message ids repeat from one process to the next (their random generator is
seeded), so they cannot name a message across a restart.

Not journaled, as the snapshot does not keep them either: ``ReceiveMessage`` and
``ChangeMessageVisibility`` (a restarted process sees received but undeleted messages visible again, as
AWS does once their visibility timeout passes; receive counts start again, so a message moved to a
dead-letter queue by a receive comes back in its queue), tags, policies and bucket settings, EventBridge
rules and targets, Secrets Manager and SSM, anything in a region other than the local AWS's own (S3 is
global). Clients of a boto3 session made before the first journal started do not have the hooks
(LocalAws's clients, boto3's default session and every later session do).
"""

from __future__ import annotations

import base64
import json
import os
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import InputError
from .state_dir import ObjectFiles, fsync_directory

if TYPE_CHECKING:
    from .emulator import LocalAws

__all__ = ["Journal", "JournalRead", "activate", "deactivate", "dumps", "install_hooks", "loads", "message_keys",
           "read_journal", "remember_objects", "replay", "restore_messages", "s3_object", "suspended"]

MESSAGE_KEY = "aslrun_journal_key"  # the attribute naming a moto SQS message in the journal


# -- JSON with bytes (binary attributes) ----------------------------------------------------------------

def dumps(value: Any, *, indent: int | None = None, sort_keys: bool = False) -> str:
    """JSON text; bytes become ``{"__bytes__": base64}`` (a DynamoDB B value, a binary attribute)."""

    def encode(unknown: Any) -> Any:
        if isinstance(unknown, (bytes, bytearray)):
            return {"__bytes__": base64.b64encode(bytes(unknown)).decode("ascii")}
        raise TypeError(f"{type(unknown).__name__} is not JSON serializable")

    return json.dumps(value, ensure_ascii=False, indent=indent, sort_keys=sort_keys, default=encode,
                      separators=(",", ":") if indent is None else (",", ": "))


def loads(text: str) -> Any:
    def decode(found: dict[str, Any]) -> Any:
        if len(found) == 1 and isinstance(found.get("__bytes__"), str):
            return base64.b64decode(found["__bytes__"])
        return found

    return json.loads(text, object_hook=decode)


# -- the file -----------------------------------------------------------------------------------------

@dataclass
class JournalRead:
    """A journal file's entries, and the length of its complete lines (a torn last one lies beyond)."""

    entries: list[dict[str, Any]]
    valid_length: int

    @property
    def last_sequence(self) -> int:
        return self.entries[-1]["seq"] if self.entries else 0


def read_journal(path: Path) -> JournalRead:
    """Read a journal; a last line without its newline was being written when the process died (its
    call never returned) and is left out. Any other bad line is an error naming it."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return JournalRead([], 0)
    *complete, torn = data.split(b"\n")
    entries: list[dict[str, Any]] = []
    for number, line in enumerate(complete, 1):
        try:
            entry = loads(line.decode("utf-8"))
            if not (isinstance(entry, dict) and isinstance(entry.get("seq"), int) and "change" in entry):
                raise ValueError("expected {\"seq\": n, \"change\": ...}")
            if entries and entry["seq"] <= entries[-1]["seq"]:
                raise ValueError(f"entry {entry['seq']} after entry {entries[-1]['seq']}")
        except ValueError as exc:
            raise InputError(f"AWS state {path}: line {number} is not a journal entry ({exc}); remove the "
                             "directory (aslrun aws reset) to start afresh") from None
        entries.append(entry)
    return JournalRead(entries, len(data) - len(torn))


class Journal:
    """The open journal of a state directory: :meth:`append` writes an entry, fsynced, numbered."""

    def __init__(self, aws: LocalAws, path: Path, objects: ObjectFiles, *, last_sequence: int,
                 valid_length: int) -> None:
        self.aws = aws
        self.path = path
        self.objects = objects
        self.lock = threading.RLock()
        self.pid = os.getpid()  # a forked worker inherits the journal but must not write it
        self._last = last_sequence
        self.key_names: dict[str, list[str]] = {}  # DynamoDB table -> its key attributes
        created = not path.exists()
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        if created:
            fsync_directory(path.parent)
        if os.fstat(self._fd).st_size > valid_length:  # a torn last line: never acknowledged
            os.ftruncate(self._fd, valid_length)
            os.fsync(self._fd)

    @property
    def last_sequence(self) -> int:
        return self._last

    def append(self, change: dict[str, Any]) -> int:
        """Write one change, fsynced; its number."""
        with self.lock:
            sequence = self._last + 1
            line = (dumps({"seq": sequence, **change}) + "\n").encode("utf-8")
            while line:
                line = line[os.write(self._fd, line):]
            os.fsync(self._fd)
            self._last = sequence
            return sequence

    def append_object(self, bucket: str, key: str, source: Any) -> None:
        """An object's new bytes: staged, the entry naming them, then renamed into place. A crash
        before the entry leaves the object as it was; after it, the next load finishes the rename."""
        with self.lock:  # (a save waits: it must not remove a staged file)
            relative, staged = self.objects.stage(bucket, key, source.value)
            self.append({"change": "object", "bucket": bucket, "key": key, "file": relative, "staged": staged})
            self.objects.install(relative, staged)
            self.objects.remember(bucket, key, relative, source)

    def close(self) -> None:
        os.close(self._fd)


# -- capture: the botocore hooks ------------------------------------------------------------------------

_ACTIVE: list[Journal] = []
_LOCAL = threading.local()  # .suspended: loading a state, whose calls are no changes to journal
_NOTED = "aslrun.journal"  # the key of the call's context under which the hooks keep what they noted
_HOOKS_EVERYWHERE = False


def activate(journal: Journal) -> None:
    """Journal the changes made through any client from now on (until :func:`deactivate`)."""
    _hook_every_session()
    _ACTIVE.append(journal)


def deactivate(journal: Journal) -> None:
    if journal in _ACTIVE:
        _ACTIVE.remove(journal)


@contextmanager
def suspended() -> Iterator[None]:
    """Calls made in this block (in this thread) are not journaled."""
    _LOCAL.suspended = getattr(_LOCAL, "suspended", 0) + 1
    try:
        yield
    finally:
        _LOCAL.suspended -= 1


def install_hooks(events: Any) -> None:
    """Put the journal's hooks on a client's (or a session's) event system; they do nothing while no
    journal is active."""
    events.register("before-parameter-build", _before_call, unique_id="aslrun-journal-before")
    events.register("after-call", _after_call, unique_id="aslrun-journal-after")


def _hook_every_session() -> None:
    """Handlers call ``boto3.client(...)`` themselves: sessions made from now on get the hooks with
    botocore's built-in handlers (as moto's own hook reaches them), boto3's default session now."""
    global _HOOKS_EVERYWHERE
    if not _HOOKS_EVERYWHERE:
        from botocore import handlers  # type: ignore[import-untyped]

        handlers.BUILTIN_HANDLERS.extend([("before-parameter-build", _before_call), ("after-call", _after_call)])
        _HOOKS_EVERYWHERE = True
    import boto3  # type: ignore[import-untyped]

    if boto3.DEFAULT_SESSION is not None:
        install_hooks(boto3.DEFAULT_SESSION.events)


class _Recorder(NamedTuple):
    prepare: Callable[[Journal, dict[str, Any]], Any] | None  # before the call: what it will change
    record: Callable[[Journal, dict[str, Any], dict[str, Any], Any], None]  # after it succeeded


_RECORDERS: dict[tuple[str, str], _Recorder] = {}
_GLOBAL_SERVICES = {"s3"}


def _before_call(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
    if not _ACTIVE or getattr(_LOCAL, "suspended", 0) or _NOTED in context:
        return
    context[_NOTED] = None  # a client may carry the hooks twice (built in and put on): once is enough
    service = model.service_model.service_name
    recorder = _RECORDERS.get((service, model.name))
    if recorder is None:
        return
    journal = _ACTIVE[-1]
    if journal.pid != os.getpid():  # a forked worker changes its own copy of moto's state, not this one
        return
    if service not in _GLOBAL_SERVICES and context.get("client_region") != journal.aws.region:
        return
    memo = recorder.prepare(journal, params) if recorder.prepare else None
    context[_NOTED] = (journal, recorder, params, memo)  # params: as later hooks complete them


def _after_call(http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any],
                **_: Any) -> None:
    noted = context.pop(_NOTED, None)
    if noted is None or http_response.status_code >= 300:
        return
    journal, recorder, params, memo = noted
    recorder.record(journal, params, parsed, memo)


def _records(service: str, *operations: str, prepare: Callable[[Journal, dict[str, Any]], Any] | None = None
             ) -> Callable[[Callable[..., None]], Callable[..., None]]:
    def register(record: Callable[..., None]) -> Callable[..., None]:
        for operation in operations:
            _RECORDERS[(service, operation)] = _Recorder(prepare, record)
        return record

    return register


def _name(arn_or_name: str) -> str:
    """A resource's name from its ARN, URL or name (``arn:...:table/t``, ``.../123/queue``, ``arn:...:topic``)."""
    return re.split(r"[/:]", arn_or_name.rstrip("/"))[-1]


# -- DynamoDB -------------------------------------------------------------------------------------------

@_records("dynamodb", "PutItem")
def _put_item(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    table = _name(params["TableName"])
    _record_item(journal, table, _key_of(journal, table, params["Item"]))


@_records("dynamodb", "UpdateItem", "DeleteItem")
def _keyed_item(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    _record_item(journal, _name(params["TableName"]), params["Key"])


@_records("dynamodb", "BatchWriteItem")
def _batch_write(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    for table, requests in params["RequestItems"].items():
        for request in requests:
            put = request.get("PutRequest")
            key = _key_of(journal, _name(table), put["Item"]) if put else request["DeleteRequest"]["Key"]
            _record_item(journal, _name(table), key)


@_records("dynamodb", "TransactWriteItems")
def _transact_write(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    for action in params["TransactItems"]:
        for kind in ("Put", "Update", "Delete"):
            if kind in action:
                table = _name(action[kind]["TableName"])
                key = _key_of(journal, table, action[kind]["Item"]) if kind == "Put" else action[kind]["Key"]
                _record_item(journal, table, key)


@_records("dynamodb", "CreateTable")
def _create_table(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    table = _name(params["TableName"])
    journal.key_names.pop(table, None)
    journal.append({"change": "created", "fragment": {"dynamodb": {table: _table_definition(journal, table)}}})


@_records("dynamodb", "DeleteTable")
def _delete_table(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    table = _name(params["TableName"])
    journal.key_names.pop(table, None)
    journal.append({"change": "deleted", "service": "dynamodb", "name": table})


@_records("dynamodb", "UpdateTable", "RestoreTableFromBackup", "RestoreTableToPointInTime")
def _whole_table(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    _record_table(journal, _name(params.get("TargetTableName") or params["TableName"]))


_PARTIQL_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(?:"([^"]+)"|([\w.-]+))', re.IGNORECASE)


@_records("dynamodb", "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction")
def _partiql(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    statements = [params.get("Statement")] + [s.get("Statement") for s in
                                              params.get("Statements") or params.get("TransactStatements") or []]
    for table in dict.fromkeys(m.group(1) or m.group(2) for s in statements if s and (m := _PARTIQL_WRITE.match(s))):
        _record_table(journal, table)


def _key_of(journal: Journal, table: str, item: dict[str, Any]) -> dict[str, Any]:
    names = journal.key_names.get(table)
    if names is None:
        described = journal.aws.client("dynamodb").describe_table(TableName=table)["Table"]
        names = journal.key_names[table] = [k["AttributeName"] for k in described["KeySchema"]]
    return {name: item[name] for name in names}


def _record_item(journal: Journal, table: str, key: dict[str, Any]) -> None:
    from moto.dynamodb.exceptions import ResourceNotFoundException  # type: ignore[import-untyped]
    from moto.dynamodb.models import dynamodb_backends  # type: ignore[import-untyped]

    try:  # from moto itself: a GetItem through boto3 would take ms to parse a large item
        found = dynamodb_backends[journal.aws.account][journal.aws.region].get_item(table, key)
    except ResourceNotFoundException:  # the table went away meanwhile: its deletion is journaled
        return
    item = None if found is None else {name: _sdk_typed(value) for name, value in found.attrs.items()}
    if item is None:
        journal.append({"change": "item_deleted", "table": table, "key": key})
    else:
        journal.append({"change": "item", "table": table, "item": item})


def _sdk_typed(value: Any) -> dict[str, Any]:
    """moto's typed value as boto3 gives it (binary as bytes, however moto keeps it)."""
    from moto.dynamodb.models.dynamo_type import DynamoType  # type: ignore[import-untyped]

    if not isinstance(value, DynamoType):
        value = DynamoType(value)
    kind, inner = value.type, value.value
    if kind == "M":
        return {"M": {name: _sdk_typed(nested) for name, nested in inner.items()}}
    if kind == "L":
        return {"L": [_sdk_typed(nested) for nested in inner]}
    if kind == "B":
        return {"B": inner if isinstance(inner, bytes) else base64.b64decode(inner)}
    if kind == "BS":
        return {"BS": [one if isinstance(one, bytes) else base64.b64decode(one) for one in inner]}
    return {kind: inner}


def _table_definition(journal: Journal, table: str) -> dict[str, Any]:
    """A table's key and indexes, as a snapshot names them."""
    described = journal.aws.client("dynamodb").describe_table(TableName=table)["Table"]
    types = {d["AttributeName"]: d["AttributeType"] for d in described["AttributeDefinitions"]}
    spec: dict[str, Any] = {"key": {k["AttributeName"]: types[k["AttributeName"]] for k in described["KeySchema"]}}
    indexes = {i["IndexName"]: {"key": {k["AttributeName"]: types[k["AttributeName"]] for k in i["KeySchema"]}}
               for i in described.get("GlobalSecondaryIndexes", [])}
    if indexes:
        spec["indexes"] = indexes
    return spec


def _record_table(journal: Journal, table: str) -> None:
    from .inspect import scan_typed_items

    journal.key_names.pop(table, None)
    fragment = {**_table_definition(journal, table),
                "typed_items": scan_typed_items(journal.aws.client("dynamodb"), table)}
    journal.append({"change": "table", "table": table, "fragment": {"dynamodb": {table: fragment}}})


# -- SQS ------------------------------------------------------------------------------------------------

def _queue(aws: LocalAws, name: str) -> Any:
    from moto.sqs.models import sqs_backends  # type: ignore[import-untyped]

    return sqs_backends[aws.account][aws.region].queues.get(name)


def _message_entry(message: Any) -> dict[str, Any]:
    """A moto message as the journal and the snapshot write it (the shape of seed.queue_messages)."""
    entry: dict[str, Any] = {"key": getattr(message, MESSAGE_KEY), "body": message.body}
    if message.message_attributes:
        entry["attributes"] = message.message_attributes
    if getattr(message, "group_id", None):
        entry["group"] = message.group_id
    if getattr(message, "deduplication_id", None):
        entry["deduplication"] = message.deduplication_id
    return entry


def _record_new_message(journal: Journal, queue_name: str, message: Any) -> None:
    setattr(message, MESSAGE_KEY, uuid.uuid4().hex)
    journal.append({"change": "message", "queue": queue_name, "message": _message_entry(message)})


@_records("sqs", "SendMessage", "SendMessageBatch")
def _sent(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    name = _name(params["QueueUrl"])
    queue = _queue(journal.aws, name)
    ids = {parsed["MessageId"]} if "MessageId" in parsed else {e["MessageId"] for e in parsed.get("Successful", [])}
    added = []
    for message in reversed(list(queue._messages) if queue is not None else []):  # new ones are last
        if not ids:
            break
        if message.id in ids:
            ids.discard(message.id)
            if getattr(message, MESSAGE_KEY, None) is None:  # (a FIFO duplicate adds nothing)
                added.append(message)
    for message in reversed(added):  # in the queue's order
        _record_new_message(journal, name, message)


def _receipts(journal: Journal, params: dict[str, Any]) -> tuple[str, list[str]]:
    """Before a delete: the keys of the messages its receipt handles name. (Before the call, the
    parameters are not validated yet: what is missing names nothing.)"""
    name = _name(str(params.get("QueueUrl", "")))
    handles = [params["ReceiptHandle"]] if "ReceiptHandle" in params else [e.get("ReceiptHandle")
                                                                          for e in params.get("Entries", [])]
    queue = _queue(journal.aws, name)
    keys = [getattr(m, MESSAGE_KEY) for m in (list(queue._messages) if queue is not None else [])
            if getattr(m, MESSAGE_KEY, None) is not None and any(m.had_receipt_handle(h) for h in handles)]
    return name, keys


@_records("sqs", "DeleteMessage", "DeleteMessageBatch", prepare=_receipts)
def _deleted_messages(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    name, keys = memo
    queue = _queue(journal.aws, name)
    left = {getattr(m, MESSAGE_KEY, None) for m in (list(queue._messages) if queue is not None else [])}
    for key in keys:
        if key not in left:
            journal.append({"change": "message_deleted", "queue": name, "key": key})


@_records("sqs", "PurgeQueue")
def _purged(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    journal.append({"change": "queue_purged", "queue": _name(params["QueueUrl"])})


@_records("sqs", "CreateQueue")
def _create_queue(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    attributes = params.get("Attributes") or {}
    journal.append({"change": "created", "fragment": {
        "sqs": {params["QueueName"]: {"attributes": attributes} if attributes else {}}}})


@_records("sqs", "DeleteQueue")
def _delete_queue(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    journal.append({"change": "deleted", "service": "sqs", "name": _name(params["QueueUrl"])})


@_records("sqs", "SetQueueAttributes")
def _queue_attributes(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    journal.append({"change": "queue_attributes", "queue": _name(params["QueueUrl"]),
                    "attributes": params["Attributes"]})


def _adopt_new_messages(journal: Journal, queue_names: list[str]) -> None:
    """Journal the messages a call delivered into these queues: those the journal does not know yet."""
    for name in queue_names:
        queue = _queue(journal.aws, name)
        for message in list(queue._messages) if queue is not None else []:
            if getattr(message, MESSAGE_KEY, None) is None:
                _record_new_message(journal, name, message)


# -- SNS ------------------------------------------------------------------------------------------------

def _sns(aws: LocalAws) -> Any:
    from moto.sns.models import sns_backends  # type: ignore[import-untyped]

    return sns_backends[aws.account][aws.region]


@_records("sns", "Publish", "PublishBatch")
def _published(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    topic = params.get("TopicArn") or params.get("TargetArn") or ""
    home = f":{journal.aws.region}:{journal.aws.account}:"
    queues = [s.endpoint.rsplit(":", 1)[-1] for s in list(_sns(journal.aws).subscriptions.values())
              if s.topic.arn == topic and s.protocol == "sqs" and home in s.endpoint]
    _adopt_new_messages(journal, queues)


@_records("sns", "CreateTopic")
def _create_topic(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    attributes = params.get("Attributes") or {}
    journal.append({"change": "created", "fragment": {
        "sns": {params["Name"]: {"attributes": attributes} if attributes else {}}}})


@_records("sns", "DeleteTopic")
def _delete_topic(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    journal.append({"change": "deleted", "service": "sns", "name": _name(params["TopicArn"])})


@_records("sns", "Subscribe", "SetSubscriptionAttributes")
def _subscription(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    arn = parsed.get("SubscriptionArn") or params.get("SubscriptionArn")
    found = _sns(journal.aws).subscriptions.get(arn)
    if found is None:  # pending confirmation (not an SQS subscription): nothing in the state yet
        return
    attributes = journal.aws.client("sns").get_subscription_attributes(SubscriptionArn=arn).get("Attributes", {})
    journal.append({"change": "subscription", "topic": _name(found.topic.arn), "subscription": {
        "protocol": found.protocol, "endpoint": found.endpoint,
        "raw": attributes.get("RawMessageDelivery") == "true"}})


def _subscription_named(journal: Journal, params: dict[str, Any]) -> Any:
    found = _sns(journal.aws).subscriptions.get(params.get("SubscriptionArn"))
    return None if found is None else (_name(found.topic.arn), found.protocol, found.endpoint)


@_records("sns", "Unsubscribe", prepare=_subscription_named)
def _unsubscribed(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    if memo is not None:
        topic, protocol, endpoint = memo
        journal.append({"change": "unsubscribed", "topic": topic, "protocol": protocol, "endpoint": endpoint})


# -- EventBridge ----------------------------------------------------------------------------------------

@_records("events", "PutEvents")
def _events_put(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    from moto.sqs.models import sqs_backends

    _adopt_new_messages(journal, list(sqs_backends[journal.aws.account][journal.aws.region].queues))


@_records("events", "CreateEventBus")
def _create_bus(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    journal.append({"change": "created", "fragment": {"events": {params["Name"]: {}}}})


@_records("events", "DeleteEventBus")
def _delete_bus(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    journal.append({"change": "deleted", "service": "events", "name": params["Name"]})


# -- S3 -------------------------------------------------------------------------------------------------

def _s3(aws: LocalAws) -> Any:
    from moto.s3.models import s3_backends  # type: ignore[import-untyped]

    return s3_backends[aws.account]["aws"]


def s3_object(aws: LocalAws, bucket: str, key: str) -> Any:
    """moto's object (its bytes: ``.value``), or None when there is none."""
    from moto.s3.models import FakeKey

    if bucket not in _s3(aws).buckets:
        return None
    found = _s3(aws).get_object(bucket, key)
    return found if isinstance(found, FakeKey) else None


def _record_object(journal: Journal, bucket: str, key: str) -> None:
    if bucket not in _s3(journal.aws).buckets:  # (an access point's ARN...: not in the saved state)
        return
    source = s3_object(journal.aws, bucket, key)
    if source is None:
        journal.objects.forget(bucket, key)
        journal.append({"change": "object_deleted", "bucket": bucket, "key": key})
    else:
        journal.append_object(bucket, key, source)


@_records("s3", "PutObject", "CopyObject", "CompleteMultipartUpload", "DeleteObject")
def _object(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    _record_object(journal, params["Bucket"], params["Key"])


@_records("s3", "DeleteObjects")
def _objects_deleted(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    for listed in params["Delete"]["Objects"]:
        _record_object(journal, params["Bucket"], listed["Key"])


@_records("s3", "CreateBucket")
def _create_bucket(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    journal.append({"change": "created", "fragment": {"s3": {params["Bucket"]: {}}}})


@_records("s3", "DeleteBucket")
def _delete_bucket(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    journal.objects.forget(params["Bucket"])
    journal.append({"change": "deleted", "service": "s3", "name": params["Bucket"]})


# -- messages by key (loading and saving) ---------------------------------------------------------------

def restore_messages(aws: LocalAws, queue_name: str, messages: list[dict[str, Any]], *,
                     default_key: str = "restored") -> None:
    """Put messages back into a queue as they were (visible, in order, FIFO deduplication not applied
    again), each with its journal key (``default_key-<n>`` for one saved without). One already there
    (by key) is not added twice."""
    from moto.moto_api._internal import mock_random  # type: ignore[import-untyped]
    from moto.sqs.models import Message

    queue = _queue(aws, queue_name)
    if queue is None:
        raise InputError(f"queue {queue_name} does not exist")
    present = {getattr(m, MESSAGE_KEY, None) for m in queue._messages}
    for number, entry in enumerate(messages):
        key = entry.get("key") or f"{default_key}-{number}"
        if key in present:
            continue
        message = Message(str(mock_random.uuid4()), entry["body"])
        message.message_attributes = entry.get("attributes") or {}
        message.group_id = entry.get("group")
        message.deduplication_id = entry.get("deduplication")
        message.mark_sent()
        setattr(message, MESSAGE_KEY, key)
        with queue._messages_lock:
            queue._messages.append(message)
            queue._messages_lock.notify_all()
        present.add(key)


def message_keys(aws: LocalAws, queue_name: str) -> list[str]:
    """The keys of a queue's messages, in order (one arrived unseen, e.g. moved by a receive to a
    dead-letter queue, is given one now)."""
    queue = _queue(aws, queue_name)
    keys = []
    for message in list(queue._messages) if queue is not None else []:
        if getattr(message, MESSAGE_KEY, None) is None:
            setattr(message, MESSAGE_KEY, uuid.uuid4().hex)
        keys.append(getattr(message, MESSAGE_KEY))
    return keys


def remember_objects(aws: LocalAws, objects: ObjectFiles, buckets: dict[str, Any],
                     entries: list[dict[str, Any]]) -> None:
    """After a load: which file holds each object's bytes (so a save writes none of them again)."""
    files: dict[tuple[str, str], str] = {}
    for bucket, listed in buckets.items():
        for key, body in (listed or {}).items():
            if isinstance(body, dict) and "file" in body:
                files[(bucket, key)] = body["file"]
    for entry in entries:
        if entry["change"] == "object":
            files[(entry["bucket"], entry["key"])] = entry["file"]
            if entry.get("staged") and (objects.root / entry["staged"]).exists():
                del files[(entry["bucket"], entry["key"])]  # read where staged, not renamed: a save writes it
        elif entry["change"] == "object_deleted":
            files.pop((entry["bucket"], entry["key"]), None)
    for (bucket, key), relative in files.items():
        source = s3_object(aws, bucket, key)
        if source is not None:
            objects.remember(bucket, key, relative, source)


# -- replay ---------------------------------------------------------------------------------------------

def replay(aws: LocalAws, entries: list[dict[str, Any]], objects: ObjectFiles, *, source: Path) -> None:
    """Apply journal entries, in order, to a local AWS loaded from the snapshot before them."""
    from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

    for entry in entries:
        try:
            _REPLAYS[entry["change"]](aws, entry, objects)
        except (KeyError, ValueError, TypeError, OSError, InputError, ClientError, BotoCoreError) as exc:
            raise InputError(f"AWS state {source}: entry {entry['seq']} ({entry.get('change')}) cannot be "
                             f"replayed: {exc}; remove the directory (aslrun aws reset) to start afresh") from None


def _replay_item(aws: LocalAws, entry: dict[str, Any], objects: ObjectFiles) -> None:
    aws.client("dynamodb").put_item(TableName=entry["table"], Item=entry["item"])


def _replay_item_deleted(aws: LocalAws, entry: dict[str, Any], objects: ObjectFiles) -> None:
    aws.client("dynamodb").delete_item(TableName=entry["table"], Key=entry["key"])


def _replay_created(aws: LocalAws, entry: dict[str, Any], objects: ObjectFiles) -> None:
    from .seed import apply_seed

    apply_seed(aws, entry["fragment"])


def _replay_table(aws: LocalAws, entry: dict[str, Any], objects: ObjectFiles) -> None:
    from .seed import apply_seed

    client = aws.client("dynamodb")
    if entry["table"] in client.list_tables()["TableNames"]:
        client.delete_table(TableName=entry["table"])
    apply_seed(aws, entry["fragment"])


def _replay_deleted(aws: LocalAws, entry: dict[str, Any], objects: ObjectFiles) -> None:
    from botocore.exceptions import ClientError

    service, name = entry["service"], entry["name"]
    client = aws.client(service)
    try:
        if service == "dynamodb":
            client.delete_table(TableName=name)
        elif service == "sqs":
            client.delete_queue(QueueUrl=client.get_queue_url(QueueName=name)["QueueUrl"])
        elif service == "sns":
            client.delete_topic(TopicArn=f"arn:aws:sns:{aws.region}:{aws.account}:{name}")
        elif service == "events":
            client.delete_event_bus(Name=name)
        elif service == "s3":
            from .seed import list_keys

            for key in list_keys(aws, name):
                client.delete_object(Bucket=name, Key=key)
            client.delete_bucket(Bucket=name)
    except ClientError as gone:  # deleted already
        if not any(word in gone.response.get("Error", {}).get("Code", "") for word in ("NotFound", "NoSuch",
                                                                                        "NonExistent")):
            raise


def _replay_message(aws: LocalAws, entry: dict[str, Any], objects: ObjectFiles) -> None:
    restore_messages(aws, entry["queue"], [entry["message"]])


def _replay_message_deleted(aws: LocalAws, entry: dict[str, Any], objects: ObjectFiles) -> None:
    queue = _queue(aws, entry["queue"])
    if queue is not None:
        with queue._messages_lock:
            queue._messages = [m for m in queue._messages if getattr(m, MESSAGE_KEY, None) != entry["key"]]


def _replay_queue_purged(aws: LocalAws, entry: dict[str, Any], objects: ObjectFiles) -> None:
    queue = _queue(aws, entry["queue"])
    if queue is not None:
        with queue._messages_lock:
            queue._messages = []


def _replay_queue_attributes(aws: LocalAws, entry: dict[str, Any], objects: ObjectFiles) -> None:
    client = aws.client("sqs")
    url = client.get_queue_url(QueueName=entry["queue"])["QueueUrl"]
    client.set_queue_attributes(QueueUrl=url, Attributes=entry["attributes"])


def _replay_subscription(aws: LocalAws, entry: dict[str, Any], objects: ObjectFiles) -> None:
    subscription = entry["subscription"]
    client = aws.client("sns")
    arn = client.subscribe(TopicArn=f"arn:aws:sns:{aws.region}:{aws.account}:{entry['topic']}",
                           Protocol=subscription["protocol"], Endpoint=subscription["endpoint"],
                           ReturnSubscriptionArn=True)["SubscriptionArn"]
    client.set_subscription_attributes(SubscriptionArn=arn, AttributeName="RawMessageDelivery",
                                       AttributeValue="true" if subscription.get("raw") else "false")


def _replay_unsubscribed(aws: LocalAws, entry: dict[str, Any], objects: ObjectFiles) -> None:
    topic = f"arn:aws:sns:{aws.region}:{aws.account}:{entry['topic']}"
    for found in list(_sns(aws).subscriptions.values()):
        if found.topic.arn == topic and found.protocol == entry["protocol"] and found.endpoint == entry["endpoint"]:
            aws.client("sns").unsubscribe(SubscriptionArn=found.arn)


def _replay_object(aws: LocalAws, entry: dict[str, Any], objects: ObjectFiles) -> None:
    body = objects.read(entry["file"], entry.get("staged"))
    aws.client("s3").put_object(Bucket=entry["bucket"], Key=entry["key"], Body=body)


def _replay_object_deleted(aws: LocalAws, entry: dict[str, Any], objects: ObjectFiles) -> None:
    aws.client("s3").delete_object(Bucket=entry["bucket"], Key=entry["key"])


_REPLAYS: dict[str, Callable[[LocalAws, dict[str, Any], ObjectFiles], None]] = {
    "item": _replay_item, "item_deleted": _replay_item_deleted, "created": _replay_created,
    "table": _replay_table, "deleted": _replay_deleted, "message": _replay_message,
    "message_deleted": _replay_message_deleted, "queue_purged": _replay_queue_purged,
    "queue_attributes": _replay_queue_attributes, "subscription": _replay_subscription,
    "unsubscribed": _replay_unsubscribed, "object": _replay_object, "object_deleted": _replay_object_deleted,
}
