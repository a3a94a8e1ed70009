"""Loading a journal: its entries applied, in order, to a local AWS loaded from the snapshot before
them, and the object files they name remembered (so a save writes none of them again)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import InputError
from ..arns import topic_arn
from ..object_files import ObjectFiles
from ..seed import subscription_attributes, write_items
from .keyed_messages import MESSAGE_KEY, queue_named, restore_messages
from .messaging import sns_backend
from .s3 import s3_object

if TYPE_CHECKING:
    from ..emulator import LocalAws

__all__ = ["remember_objects", "replay"]


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


def replay(aws: LocalAws, entries: list[dict[str, Any]], objects: ObjectFiles, *, source: Path) -> None:
    """Apply journal entries, in order, to a local AWS loaded from the snapshot before them."""
    from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

    index = 0
    while index < len(entries):
        entry = entries[index]
        run = _item_run(entries, index)  # items of one table in a row: written 25 to a call
        try:
            if run:
                write_items(aws.client("dynamodb"), entry["table"], [_item_request(one) for one in run])
            else:
                _REPLAYS[entry["change"]](aws, entry, objects)
        except (KeyError, ValueError, TypeError, OSError, InputError, ClientError, BotoCoreError) as exc:
            which = (f"entries {run[0]['seq']}-{run[-1]['seq']} (items of table {entry['table']})" if len(run) > 1
                     else f"entry {entry['seq']} ({entry.get('change')})")
            raise InputError(f"AWS state {source}: {which} cannot be replayed: {exc}; remove the directory "
                             "(aslrun aws reset) to start afresh") from None
        index += max(1, len(run))


_ITEM_CHANGES = ("item", "item_deleted")


def _item_run(entries: list[dict[str, Any]], start: int) -> list[dict[str, Any]]:
    """The item changes of one table in a row from ``start`` ([] when that entry is not one)."""
    first = entries[start]
    if first.get("change") not in _ITEM_CHANGES:
        return []
    end = start
    while end < len(entries) and entries[end].get("change") in _ITEM_CHANGES and \
            entries[end].get("table") == first.get("table"):
        end += 1
    return entries[start:end]


def _item_request(entry: dict[str, Any]) -> dict[str, Any]:
    if entry["change"] == "item":
        return {"PutRequest": {"Item": entry["item"]}}
    return {"DeleteRequest": {"Key": entry["key"]}}


def _replay_created(aws: LocalAws, entry: dict[str, Any], objects: ObjectFiles) -> None:
    from ..seed import apply_seed

    apply_seed(aws, entry["fragment"])


def _replay_table(aws: LocalAws, entry: dict[str, Any], objects: ObjectFiles) -> None:
    from ..seed import apply_seed

    client = aws.client("dynamodb")
    if entry["table"] in client.list_tables()["TableNames"]:
        client.delete_table(TableName=entry["table"])
    apply_seed(aws, entry["fragment"])


def _replay_deleted(aws: LocalAws, entry: dict[str, Any], objects: ObjectFiles) -> None:
    from botocore.exceptions import ClientError

    service, name = entry["service"], entry["name"]
    if service == "iam":
        from ..seed_iam import delete_iam

        delete_iam(aws, name)
        return
    if service == "scheduler":
        from ..seed_schedules import delete_schedule_entry

        delete_schedule_entry(aws, name, entry.get("schedule"))
        return
    if service == "events" and entry.get("rule"):
        from ..seed_rules import delete_rule

        delete_rule(aws, name, entry["rule"])
        return
    client = aws.client(service)
    try:
        if service == "dynamodb":
            client.delete_table(TableName=name)
        elif service == "sqs":
            client.delete_queue(QueueUrl=client.get_queue_url(QueueName=name)["QueueUrl"])
        elif service == "sns":
            client.delete_topic(TopicArn=topic_arn(aws, name))
        elif service == "events":
            client.delete_event_bus(Name=name)
        elif service == "ssm":
            client.delete_parameter(Name=name)
        elif service == "logs":
            client.delete_log_group(logGroupName=name)
        elif service == "secretsmanager":
            client.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
        elif service == "s3":
            from ..seed import list_keys

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
    queue = queue_named(aws, entry["queue"])
    if queue is not None:
        with queue._messages_lock:
            queue._messages = [m for m in queue._messages if getattr(m, MESSAGE_KEY, None) != entry["key"]]


def _replay_queue_purged(aws: LocalAws, entry: dict[str, Any], objects: ObjectFiles) -> None:
    queue = queue_named(aws, entry["queue"])
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
    arn = client.subscribe(TopicArn=topic_arn(aws, entry["topic"]),
                           Protocol=subscription["protocol"], Endpoint=subscription["endpoint"],
                           ReturnSubscriptionArn=True)["SubscriptionArn"]
    attributes = {"RawMessageDelivery": "false", **subscription_attributes(subscription)}
    for name, value in attributes.items():
        client.set_subscription_attributes(SubscriptionArn=arn, AttributeName=name, AttributeValue=value)


def _replay_unsubscribed(aws: LocalAws, entry: dict[str, Any], objects: ObjectFiles) -> None:
    topic = topic_arn(aws, entry["topic"])
    for found in list(sns_backend(aws).subscriptions.values()):
        if found.topic.arn == topic and found.protocol == entry["protocol"] and found.endpoint == entry["endpoint"]:
            aws.client("sns").unsubscribe(SubscriptionArn=found.arn)


def _replay_object(aws: LocalAws, entry: dict[str, Any], objects: ObjectFiles) -> None:
    body = objects.read(entry["file"], entry.get("staged"))
    aws.client("s3").put_object(Bucket=entry["bucket"], Key=entry["key"], Body=body)


def _replay_object_deleted(aws: LocalAws, entry: dict[str, Any], objects: ObjectFiles) -> None:
    aws.client("s3").delete_object(Bucket=entry["bucket"], Key=entry["key"])


def _replay_tags(aws: LocalAws, entry: dict[str, Any], objects: ObjectFiles) -> None:
    from ..seed_tags import set_tags

    set_tags(aws, entry["arn"], entry["tags"])


_REPLAYS: dict[str, Callable[[LocalAws, dict[str, Any], ObjectFiles], None]] = {
    "created": _replay_created,  # ("item" and "item_deleted": in runs, see replay)
    "table": _replay_table, "deleted": _replay_deleted, "message": _replay_message,
    "message_deleted": _replay_message_deleted, "queue_purged": _replay_queue_purged,
    "queue_attributes": _replay_queue_attributes, "subscription": _replay_subscription,
    "unsubscribed": _replay_unsubscribed, "object": _replay_object, "object_deleted": _replay_object_deleted,
    "tags": _replay_tags,
}
