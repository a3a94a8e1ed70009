"""A template's tables, queues, topics, buckets and event buses, as a seed document for the local AWS.

The document has the shape :func:`aslrun.localaws.seed.apply_seed` reads (and ``aslrun aws seed``
takes from a file), every resource under its physical name (see :mod:`.names`), so the names a
state machine's tasks use (``!Ref OrdersTable``, ``!GetAtt WorkQueue.QueueUrl``) exist once seeded:

    AWS::DynamoDB::Table       key (KeySchema with the types of AttributeDefinitions), global
                               secondary indexes and the stream (its ARN the one Fn::GetAtt
                               StreamArn gives); also AWS::DynamoDB::GlobalTable
    AWS::SQS::Queue            FIFO, content-based deduplication, visibility timeout, delays,
                               retention, RedrivePolicy (its dead-letter queue created first)
    AWS::SNS::Topic            FIFO attributes; SQS subscriptions (the topic's Subscription list
                               and AWS::SNS::Subscription resources, RawMessageDelivery and
                               FilterPolicy kept)
    AWS::S3::Bucket            the bucket
    AWS::Events::EventBus      the bus

Resources whose Condition is false are left out. What the local AWS does not emulate (local
secondary indexes, subscriptions to HTTP endpoints, encryption, policies) is
left out too (subscriptions of functions are event sources: :mod:`.event_sources`): none of it changes what a state machine's tasks read or write.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import TemplateError, join
from .intrinsics import Intrinsics, ResourceProperties
from .names import STREAM_LABEL

__all__ = ["seed_document"]

_QUEUE_ATTRIBUTES = ("FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit",
                     "VisibilityTimeout", "DelaySeconds", "MessageRetentionPeriod", "MaximumMessageSize",
                     "ReceiveMessageWaitTimeSeconds", "RedrivePolicy")
_TOPIC_ATTRIBUTES = ("FifoTopic", "ContentBasedDeduplication")
_TABLES = ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable")


def seed_document(intrinsics: Intrinsics) -> dict[str, Any]:
    """The seed document of every table, queue, topic, bucket and event bus the template creates."""
    sections: dict[str, dict[str, Any]] = {"dynamodb": {}, "sqs": {}, "sns": {}, "s3": {}, "events": {}}
    topics_by_arn: dict[str, str] = {}
    subscriptions: list[str] = []
    for logical_id, resource in intrinsics.resources.items():
        if not isinstance(resource, dict) or not intrinsics.created(logical_id):
            continue
        kind = resource.get("Type")
        if kind == "AWS::SNS::Subscription":
            subscriptions.append(logical_id)
            continue
        if kind not in (*_TABLES, "AWS::SQS::Queue", "AWS::SNS::Topic", "AWS::S3::Bucket", "AWS::Events::EventBus"):
            continue
        name = intrinsics.names.physical_name(logical_id)
        reader = ResourceProperties(intrinsics, logical_id, resource)
        if kind in _TABLES:
            sections["dynamodb"][name] = _table(reader)
        elif kind == "AWS::SQS::Queue":
            sections["sqs"][name] = _with_attributes(reader, _QUEUE_ATTRIBUTES)
        elif kind == "AWS::SNS::Topic":
            sections["sns"][name] = _topic(reader)
            topics_by_arn[intrinsics.names.arn(logical_id)] = name
        elif kind == "AWS::S3::Bucket":
            sections["s3"][name] = {}
        else:
            sections["events"][name] = {}
    for logical_id in subscriptions:
        _add_subscription(ResourceProperties(intrinsics, logical_id, intrinsics.resources[logical_id]), topics_by_arn,
                          sections["sns"])
    return {section: entries for section, entries in sections.items() if entries}


def _table(table: ResourceProperties) -> dict[str, Any]:
    types = {d.get("AttributeName"): d.get("AttributeType")
             for d in table.get("AttributeDefinitions", []) if isinstance(d, dict)}
    spec: dict[str, Any] = {"key": _key(table.get("KeySchema"), types, join(table.where, "KeySchema"))}
    indexes = {}
    for number, index in enumerate(table.get("GlobalSecondaryIndexes") or []):
        where = join(join(table.where, "GlobalSecondaryIndexes"), number)
        if not isinstance(index, dict) or "IndexName" not in index:
            raise TemplateError(f"{where}: an index has IndexName and KeySchema")
        indexes[str(index["IndexName"])] = {"key": _key(index.get("KeySchema"), types, join(where, "KeySchema"))}
    if indexes:
        spec["indexes"] = indexes
    stream = table.get("StreamSpecification")
    if isinstance(stream, dict) and stream.get("StreamViewType"):
        # the label Fn::GetAtt Table.StreamArn gives (names.py): the local stream has the ARN the template names
        spec.update(stream=str(stream["StreamViewType"]), stream_label=STREAM_LABEL)
    return spec


def _key(schema: Any, types: dict[Any, Any], where: str) -> dict[str, str]:
    """``{partition key: type, sort key: type}`` from a KeySchema (HASH first)."""
    if not isinstance(schema, list) or not schema:
        raise TemplateError(f"{where}: the table needs a KeySchema")
    ordered = sorted((k for k in schema if isinstance(k, dict)), key=lambda k: k.get("KeyType") != "HASH")
    key = {}
    for element in ordered:
        attribute = element.get("AttributeName")
        if attribute not in types:
            raise TemplateError(f"{where}: the key attribute '{attribute}' is not in AttributeDefinitions")
        key[str(attribute)] = str(types[attribute])
    return key


def _with_attributes(reader: ResourceProperties, names: tuple[str, ...]) -> dict[str, Any]:
    attributes = {}
    for name in names:
        value = reader.get(name)
        if value is None:
            continue
        if isinstance(value, dict):
            value = json.dumps(value, separators=(",", ":"))
        elif isinstance(value, bool):
            value = "true" if value else "false"
        attributes[name] = str(value)
    return {"attributes": attributes} if attributes else {}


def _topic(topic: ResourceProperties) -> dict[str, Any]:
    spec = _with_attributes(topic, _TOPIC_ATTRIBUTES)
    subscriptions = [{"protocol": "sqs", "endpoint": str(s.get("Endpoint"))}
                     for s in topic.get("Subscription") or [] if isinstance(s, dict) and s.get("Protocol") == "sqs"]
    if subscriptions:
        spec["subscriptions"] = subscriptions
    return spec


def _add_subscription(subscription: ResourceProperties, topics_by_arn: dict[str, str], topics: dict[str, Any]) -> None:
    if subscription.get("Protocol") != "sqs":
        return
    topic = topics_by_arn.get(str(subscription.get("TopicArn")))
    if topic is None:  # a topic of another stack
        return
    entry: dict[str, Any] = {"protocol": "sqs", "endpoint": str(subscription.get("Endpoint"))}
    if str(subscription.get("RawMessageDelivery", "false")).lower() == "true":
        entry["raw"] = True
    policy = subscription.get("FilterPolicy")
    if policy is not None:
        entry["filter_policy"] = policy if isinstance(policy, dict) else json.loads(str(policy))
        entry["filter_policy_scope"] = str(subscription.get("FilterPolicyScope", "MessageAttributes"))
    topics[topic].setdefault("subscriptions", []).append(entry)
