"""The messaging services' changes in the journal: messages added to queues (sent, or delivered by an
SNS publish or an EventBridge rule) and removed from them (deleted, purged); queues, topics,
subscriptions and event buses created or deleted; queue attributes set."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from ..seed import subscription_entry
from .capture import records, resource_name
from .keyed_messages import MESSAGE_KEY, message_entry, queue_named
from ..arns import queue_arn, topic_arn
from .tags import record_tags

if TYPE_CHECKING:
    from ..emulator import LocalAws
    from .file import Journal

__all__ = ["adopt_new_messages", "sns_backend"]


# -- SQS ------------------------------------------------------------------------------------------------

def _record_new_message(journal: Journal, queue_name: str, message: Any) -> None:
    setattr(message, MESSAGE_KEY, uuid.uuid4().hex)
    journal.append({"change": "message", "queue": queue_name, "message": message_entry(message)})


@records("sqs", "SendMessage", "SendMessageBatch")
def _sent(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    name = resource_name(params["QueueUrl"])
    queue = queue_named(journal.aws, name)
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
    name = resource_name(str(params.get("QueueUrl", "")))
    handles = [params["ReceiptHandle"]] if "ReceiptHandle" in params else [e.get("ReceiptHandle")
                                                                          for e in params.get("Entries", [])]
    queue = queue_named(journal.aws, name)
    keys = [getattr(m, MESSAGE_KEY) for m in (list(queue._messages) if queue is not None else [])
            if getattr(m, MESSAGE_KEY, None) is not None and any(m.had_receipt_handle(h) for h in handles)]
    return name, keys


@records("sqs", "DeleteMessage", "DeleteMessageBatch", prepare=_receipts)
def _deleted_messages(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    name, keys = memo
    queue = queue_named(journal.aws, name)
    left = {getattr(m, MESSAGE_KEY, None) for m in (list(queue._messages) if queue is not None else [])}
    for key in keys:
        if key not in left:
            journal.append({"change": "message_deleted", "queue": name, "key": key})


@records("sqs", "PurgeQueue")
def _purged(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    journal.append({"change": "queue_purged", "queue": resource_name(params["QueueUrl"])})


@records("sqs", "CreateQueue")
def _create_queue(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    attributes = params.get("Attributes") or {}
    journal.append({"change": "created", "fragment": {
        "sqs": {params["QueueName"]: {"attributes": attributes} if attributes else {}}}})
    if params.get("tags"):
        record_tags(journal, queue_arn(journal.aws, params["QueueName"]))


@records("sqs", "DeleteQueue")
def _delete_queue(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    journal.append({"change": "deleted", "service": "sqs", "name": resource_name(params["QueueUrl"])})


@records("sqs", "SetQueueAttributes")
def _queue_attributes(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    journal.append({"change": "queue_attributes", "queue": resource_name(params["QueueUrl"]),
                    "attributes": params["Attributes"]})


def adopt_new_messages(journal: Journal, queue_names: list[str] | None = None) -> None:
    """Journal the messages a call delivered into these queues (None: every queue of the local AWS's
    region): those the journal does not know yet."""
    if queue_names is None:
        from moto.sqs.models import sqs_backends  # type: ignore[import-untyped]

        queue_names = list(sqs_backends[journal.aws.account][journal.aws.region].queues)
    for name in queue_names:
        queue = queue_named(journal.aws, name)
        for message in list(queue._messages) if queue is not None else []:
            if getattr(message, MESSAGE_KEY, None) is None:
                _record_new_message(journal, name, message)


# -- SNS ------------------------------------------------------------------------------------------------

def sns_backend(aws: LocalAws) -> Any:
    """moto's SNS state in the local AWS's region."""
    from moto.sns.models import sns_backends  # type: ignore[import-untyped]

    return sns_backends[aws.account][aws.region]


@records("sns", "Publish", "PublishBatch")
def _published(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    topic = params.get("TopicArn") or params.get("TargetArn") or ""
    home = f":{journal.aws.region}:{journal.aws.account}:"
    queues = [s.endpoint.rsplit(":", 1)[-1] for s in list(sns_backend(journal.aws).subscriptions.values())
              if s.topic.arn == topic and s.protocol == "sqs" and home in s.endpoint]
    adopt_new_messages(journal, queues)


@records("sns", "CreateTopic")
def _create_topic(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    attributes = params.get("Attributes") or {}
    journal.append({"change": "created", "fragment": {
        "sns": {params["Name"]: {"attributes": attributes} if attributes else {}}}})
    if params.get("Tags"):
        record_tags(journal, topic_arn(journal.aws, params["Name"]))


@records("sns", "SetTopicAttributes")
def _topic_attributes(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    from ..seed import topic_attributes

    name = resource_name(str(params["TopicArn"]))
    attributes = topic_attributes(journal.aws, name)
    if attributes is not None:
        journal.append({"change": "created", "fragment": {"sns": {name: {"attributes": attributes}}}})


@records("sns", "DeleteTopic")
def _delete_topic(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    journal.append({"change": "deleted", "service": "sns", "name": resource_name(params["TopicArn"])})


@records("sns", "Subscribe", "SetSubscriptionAttributes")
def _subscription(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    arn = parsed.get("SubscriptionArn") or params.get("SubscriptionArn")
    found = sns_backend(journal.aws).subscriptions.get(arn)
    if found is None:  # pending confirmation (not an SQS subscription): nothing in the state yet
        return
    attributes = journal.aws.client("sns").get_subscription_attributes(SubscriptionArn=arn).get("Attributes", {})
    journal.append({"change": "subscription", "topic": resource_name(found.topic.arn),
                    "subscription": subscription_entry(found.protocol, found.endpoint, attributes)})


def _subscription_named(journal: Journal, params: dict[str, Any]) -> Any:
    found = sns_backend(journal.aws).subscriptions.get(params.get("SubscriptionArn"))
    return None if found is None else (resource_name(found.topic.arn), found.protocol, found.endpoint)


@records("sns", "Unsubscribe", prepare=_subscription_named)
def _unsubscribed(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    if memo is not None:
        topic, protocol, endpoint = memo
        journal.append({"change": "unsubscribed", "topic": topic, "protocol": protocol, "endpoint": endpoint})


# -- EventBridge ----------------------------------------------------------------------------------------

@records("events", "PutEvents")
def _events_put(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    adopt_new_messages(journal)  # (the queues its rules' targets name, or buses' further on)


@records("events", "CreateEventBus")
def _create_bus(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    journal.append({"change": "created", "fragment": {"events": {params["Name"]: {}}}})


def _rule_of(params: dict[str, Any]) -> tuple[str, str] | None:
    """``(bus, rule)`` a rule call names (its bus by name or ARN; ``default`` when it names none)."""
    rule = params.get("Name") or params.get("Rule")
    if not rule:
        return None
    return resource_name(str(params.get("EventBusName") or "default")), resource_name(str(rule))


@records("events", "PutRule", "PutTargets", "RemoveTargets", "EnableRule", "DisableRule", "DeleteRule")
def _rule(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    from ..seed_rules import rule_entry

    named = _rule_of(params)
    if named is None:
        return
    bus, rule = named
    entry = rule_entry(journal.aws, bus, rule)
    if entry is None:
        journal.append({"change": "deleted", "service": "events", "name": bus, "rule": rule})
    else:
        journal.append({"change": "created", "fragment": {"events": {bus: {"rules": {rule: entry}}}}})


@records("events", "DeleteEventBus")
def _delete_bus(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    journal.append({"change": "deleted", "service": "events", "name": params["Name"]})
