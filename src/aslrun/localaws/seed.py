"""Seeding the local AWS from a document, and taking the whole state back as one.

A seed document (JSON or YAML) names what to create, by service::

    dynamodb:
      control:                              # table name
        key: {pk: S, sk: S}                 # partition key first, then the sort key (S, N or B)
        indexes: {byStatus: {key: {status: S}}}   # global secondary indexes (projection ALL)
                                            # (and provisioned, local_indexes, ttl, stream:
                                            # see aslrun.localaws.seed_tables)
        items:                              # plain JSON items (numbers become DynamoDB numbers)
          - {pk: BUA Restore, sk: "2024-05", status: DONE}
        typed_items: [{pk: {S: x}, sk: {S: y}}]   # or items in DynamoDB's typed JSON
    sqs:
      work: {messages: ["text", {"a": 1}]}  # objects are sent as JSON text
      jobs.fifo: {attributes: {FifoQueue: "true", ContentBasedDeduplication: "true"}}
    sns:
      notify: {subscriptions: [{protocol: sqs, endpoint: work}]}   # a queue by name or ARN
      # (raw: true for raw message delivery; filter_policy: {...}, filter_policy_scope: MessageBody)
    s3:
      bua:                                  # bucket name
        export/readme.txt: "inline text"
        data/items.json: {json: [1, 2, 3]}  # a JSON value, written as JSON text
        data/big.csv: {file: big.csv}       # bytes of a file (relative to the seed file)
        data/blob.bin: {base64: AAEC}
    events:
      orders-bus: {}                        # an EventBridge event bus (the default bus always exists)
      default: {rules: {bills: {pattern: {source: [billing]}, targets: [{Id: q, Arn: "arn:aws:sqs:..."}]}}}
                                            # rules and their targets (see aslrun.localaws.seed_rules)
    logs: {/aws/lambda/notify: {retention_days: 14}}   # CloudWatch Logs groups (seed_log_groups)
    scheduler:                              # EventBridge Scheduler groups and schedules (seed_schedules)
      default: {schedules: {nightly: {expression: "cron(0 2 * * ? *)", target: {Arn: ..., RoleArn: ...}}}}
    connections:                            # EventBridge connections, for HTTP Tasks
      Stripe: {AuthorizationType: API_KEY,  # (see aslrun.localaws.connections; not kept in a snapshot)
               AuthParameters: {ApiKeyAuthParameters: {ApiKeyName: Authorization, ApiKeyValue: Bearer sk}}}
    ssm:                                    # SSM parameters (see aslrun.localaws.seed_values)
      /bua/env: tst
      /bua/db/password: {value: s3cret, type: SecureString}
    secretsmanager:                         # Secrets Manager secrets: text, {json: ...} or {base64: ...}
      bua/db: s3cret
    iam:                                    # roles and customer managed policies (aslrun.localaws.seed_iam)
      roles: {runs-functions: {assume_role_policy: {...}, managed_policies: [...]}}
    tags:                                   # tables', queues', topics', buckets' tags by ARN (seed_tags)
      arn:aws:dynamodb:us-east-1:123456789012:table/control: {team: billing}
    s3_settings:                            # buckets' notifications and versioning (seed_buckets)
      bua: {notifications: {QueueConfigurations: [{QueueArn: ..., Events: ["s3:ObjectCreated:*"]}]}}

A snapshot is the same shape (items typed, messages with their attributes), so saving a state and
seeding from it round-trips. Seeding is additive: what exists already is kept (items and objects
with the same key are overwritten).
"""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .arns import queue_arn, topic_arn
from .moto_backends import in_use
from .seed_buckets import seed_bucket_settings, snapshot_bucket_settings
from .seed_iam import seed_iam, snapshot_iam
from .seed_names import named
from .seed_log_groups import seed_log_group, snapshot_log_groups
from .seed_rules import seed_bus, snapshot_buses
from .seed_schedules import seed_schedule_group, snapshot_schedule_groups
from .seed_tables import create_table, table_spec
from .seed_tags import seed_tags, snapshot_tags
from .seed_values import normalized_section, seed_parameter, seed_secret, snapshot_parameters, snapshot_secrets

if TYPE_CHECKING:
    from .emulator import LocalAws

__all__ = ["apply_seed", "load_seed_file", "subscription_attributes", "subscription_entry", "take_snapshot",
           "topic_attributes", "write_items"]

_SERVICES = ("dynamodb", "sqs", "sns", "s3", "events", "scheduler", "connections", "ssm", "secretsmanager", "iam",
             "logs", "tags", "s3_settings")


def load_seed_file(path: str | Path) -> dict[str, Any]:
    """Read a seed document (``.json``, ``.yaml`` / ``.yml``); errors name the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"seed file {path}: cannot read it ({exc.strerror})") from None
    try:
        if path.suffix in (".yaml", ".yml"):
            import yaml  # type: ignore[import-untyped]

            document = yaml.safe_load(text)
        else:
            document = json.loads(text)
    except (ValueError, Exception) as exc:  # yaml.YAMLError and json.JSONDecodeError
        raise InputError(f"seed file {path}: not valid {'YAML' if path.suffix in ('.yaml', '.yml') else 'JSON'}: "
                         f"{exc}") from None
    if not isinstance(document, dict):
        raise InputError(f"seed file {path}: the document must be an object with keys {', '.join(_SERVICES)}")
    return document


def apply_seed(aws: LocalAws, document: dict[str, Any], *, base: Path | None = None) -> None:
    """Create everything the seed document names (see the module docstring)."""
    unknown = sorted(set(document) - set(_SERVICES) - {"region"})
    if unknown:
        raise InputError(f"seed: unknown section(s) {', '.join(unknown)} (known: {', '.join(_SERVICES)})")
    from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

    steps = [("dynamodb", lambda name, spec: _seed_table(aws, name, spec)),
             ("sqs", lambda name, spec: _seed_queue(aws, name, spec)),
             ("sns", lambda name, spec: _seed_topic(aws, name, spec)),
             ("s3", lambda name, spec: _seed_bucket(aws, name, spec, base)),
             ("events", lambda name, spec: seed_bus(aws, name, spec)),
             ("scheduler", lambda name, spec: seed_schedule_group(aws, name, spec)),
             ("logs", lambda name, spec: seed_log_group(aws, name, spec)),
             ("connections", lambda name, spec: _seed_connection(aws, name, spec)),
             ("ssm", lambda name, spec: seed_parameter(aws, name, spec)),
             ("secretsmanager", lambda name, spec: seed_secret(aws, name, spec))]
    _seed_section(aws, "iam", seed_iam, document)  # roles and policies first: what the rest may name
    for service, seed_one in steps:
        section = document.get(service)
        entries = named(normalized_section(section) if service in _VALUE_SERVICES else section, service)
        if service == "sqs":  # a queue's dead-letter queue must exist before the queue names it
            entries.sort(key=lambda entry: "RedrivePolicy" in (entry[1].get("attributes") or {}))
        for name, spec in entries:
            try:
                seed_one(name, spec)
            except ClientError as refused:  # the emulated service's own answer, e.g. an invalid name
                error = refused.response.get("Error", {})
                raise InputError(f"seed: {service}.{name}: {error.get('Code')}: {error.get('Message')}") from None
            except BotoCoreError as invalid:
                raise InputError(f"seed: {service}.{name}: {invalid}") from None
    for section, seed_section in (("tags", seed_tags), ("s3_settings", seed_bucket_settings)):
        _seed_section(aws, section, seed_section, document)  # last: what they tag or notify is made above


def _seed_section(aws: LocalAws, section: str, seed_section: Any, document: dict[str, Any]) -> None:
    """A section seeded whole (its own errors name their place; the service's are named here)."""
    from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

    try:
        seed_section(aws, document.get(section))
    except ClientError as refused:
        error = refused.response.get("Error", {})
        raise InputError(f"seed: {section}: {error.get('Code')}: {error.get('Message')}") from None
    except BotoCoreError as invalid:
        raise InputError(f"seed: {section}: {invalid}") from None


_VALUE_SERVICES = ("ssm", "secretsmanager")  # their entries may be plain text: the value itself


# -- DynamoDB -----------------------------------------------------------------------------------------

def _seed_table(aws: LocalAws, table: str, spec: dict[str, Any]) -> None:
    client = aws.client("dynamodb")
    where = f"dynamodb.{table}"
    if table not in client.list_tables()["TableNames"]:
        create_table(aws, table, spec)
    typed = []
    for number, item in enumerate(spec.get("items") or [], 1):
        if not isinstance(item, dict):
            raise InputError(f"seed: {where}.items[{number}] must be an object")
        typed.append(to_typed_item(item))
    for number, item in enumerate(spec.get("typed_items") or [], 1):
        if not isinstance(item, dict):
            raise InputError(f"seed: {where}.typed_items[{number}] must be an object")
        typed.append(item)
    if typed:
        _put_items(client, table, typed)


_BATCH = 25  # BatchWriteItem's most requests in one call


def _put_items(client: Any, table: str, items: list[dict[str, Any]]) -> None:
    write_items(client, table, [{"PutRequest": {"Item": item}} for item in items])


def write_items(client: Any, table: str, requests: list[dict[str, Any]]) -> None:
    """Make BatchWriteItem's requests (``{"PutRequest": {"Item": ...}}``, ``{"DeleteRequest": {"Key":
    ...}}``) in order, 25 to a call: a load of thousands of items makes a twenty-fifth of the calls
    that one put each would. A batch may not name a key twice, so a key met again starts the next
    batch: the later request still wins, as one call after another would have it."""
    key_names = [k["AttributeName"] for k in client.describe_table(TableName=table)["Table"]["KeySchema"]]
    batch: list[dict[str, Any]] = []
    keys: set[str] = set()
    for request in requests:
        fields = request["PutRequest"]["Item"] if "PutRequest" in request else request["DeleteRequest"]["Key"]
        key = json.dumps([fields.get(name) for name in key_names], sort_keys=True, default=repr)
        if len(batch) == _BATCH or key in keys:
            _write_batch(client, table, batch)
            batch, keys = [], set()
        batch.append(request)
        keys.add(key)
    _write_batch(client, table, batch)


def _write_batch(client: Any, table: str, batch: list[dict[str, Any]]) -> None:
    pending = {table: batch}
    while pending.get(table):
        pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def to_typed_item(item: dict[str, Any]) -> dict[str, Any]:
    """A plain JSON object as a DynamoDB item (``{"S": ...}``, ``{"N": ...}``, ...)."""
    from boto3.dynamodb.types import TypeSerializer  # type: ignore[import-untyped]

    serializer = TypeSerializer()
    return {key: serializer.serialize(_decimals(value)) for key, value in item.items()}


def from_typed_item(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as plain JSON (numbers as int or float)."""
    from boto3.dynamodb.types import TypeDeserializer  # type: ignore[import-untyped]

    deserializer = TypeDeserializer()
    return {key: _plain(deserializer.deserialize(value)) for key, value in item.items()}


def _decimals(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, set, frozenset)):
        return [_plain(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    if value.__class__.__name__ == "Binary":
        return base64.b64encode(bytes(value)).decode()
    return value


# -- SQS ------------------------------------------------------------------------------------------------

def _seed_queue(aws: LocalAws, queue: str, spec: dict[str, Any]) -> None:
    client = aws.client("sqs")
    attributes = {k: str(v) for k, v in (spec.get("attributes") or {}).items()}
    if queue.endswith(".fifo"):
        attributes.setdefault("FifoQueue", "true")
    url = client.create_queue(QueueName=queue, Attributes=attributes)["QueueUrl"]
    fifo = attributes.get("FifoQueue") == "true"
    for number, message in enumerate(spec.get("messages") or [], 1):
        request: dict[str, Any] = {"QueueUrl": url}
        if isinstance(message, dict) and "body" in message:
            body = message["body"]
            if message.get("attributes"):
                request["MessageAttributes"] = message["attributes"]
            if message.get("group"):
                request["MessageGroupId"] = message["group"]
            if message.get("deduplication"):
                request["MessageDeduplicationId"] = message["deduplication"]
        else:
            body = message
        request["MessageBody"] = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))
        if fifo:
            request.setdefault("MessageGroupId", "seed")
            request.setdefault("MessageDeduplicationId", f"seed-{number}")
        client.send_message(**request)


def queue_messages(aws: LocalAws, queue_url: str) -> list[dict[str, Any]]:
    """Every message of a queue (visible or in flight), read from moto without receiving it."""
    from moto.sqs.models import sqs_backends

    backend = sqs_backends[aws.account][aws.region]
    name = queue_url.rstrip("/").rsplit("/", 1)[-1]
    queue = backend.queues.get(name)
    if queue is None:
        return []
    return [message_fields(message) for message in list(queue._messages)]


def message_fields(message: Any) -> dict[str, Any]:
    """A moto message as a seed document's message entry: body, attributes, FIFO group and deduplication id."""
    entry: dict[str, Any] = {"body": message.body}
    if message.message_attributes:
        entry["attributes"] = message.message_attributes
    if getattr(message, "group_id", None):
        entry["group"] = message.group_id
    if getattr(message, "deduplication_id", None):
        entry["deduplication"] = message.deduplication_id
    return entry


# -- SNS ------------------------------------------------------------------------------------------------

def _seed_topic(aws: LocalAws, topic: str, spec: dict[str, Any]) -> None:
    client = aws.client("sns")
    attributes = {k: str(v) for k, v in (spec.get("attributes") or {}).items()}
    current = topic_attributes(aws, topic)
    if current is None:
        arn = client.create_topic(Name=topic, Attributes=attributes)["TopicArn"]
    else:  # (CreateTopic of an existing topic with other attributes is refused: each one set instead)
        arn = topic_arn(aws, topic)
        for name, value in attributes.items():
            if name != "FifoTopic" and current.get(name) != value:
                client.set_topic_attributes(TopicArn=arn, AttributeName=name, AttributeValue=value)
    for number, subscription in enumerate(spec.get("subscriptions") or [], 1):
        if not isinstance(subscription, dict) or "endpoint" not in subscription:
            raise InputError(f"seed: sns.{topic}.subscriptions[{number}] needs 'endpoint' (and 'protocol')")
        protocol = subscription.get("protocol", "sqs")
        endpoint = str(subscription["endpoint"])
        if protocol == "sqs" and not endpoint.startswith("arn:"):
            endpoint = queue_arn(aws, endpoint)
        client.subscribe(TopicArn=arn, Protocol=protocol, Endpoint=endpoint,
                         Attributes=subscription_attributes(subscription))


#: the topic attributes a snapshot keeps (CreateTopic / SetTopicAttributes take them), when not
#: the default: the others are SNS's own figures (Owner, counts, EffectiveDeliveryPolicy...)
_TOPIC_ATTRIBUTES = ("DisplayName", "DeliveryPolicy", "Policy", "FifoTopic", "ContentBasedDeduplication",
                     "SignatureVersion", "TracingConfig", "KmsMasterKeyId", "ArchivePolicy", "FifoThroughputScope")
_TOPIC_DEFAULTS = {"DisplayName": "", "DeliveryPolicy": "", "FifoTopic": "false", "ContentBasedDeduplication": "false",
                   "SignatureVersion": "1", "TracingConfig": "PassThrough", "KmsMasterKeyId": "", "ArchivePolicy": ""}


def topic_attributes(aws: LocalAws, topic: str) -> dict[str, str] | None:
    """A topic's attributes as a seed document keeps them (None: there is no such topic). Its
    policy counts only when it is not SNS's default one."""
    from botocore.exceptions import ClientError  # type: ignore[import-untyped]

    try:
        found = aws.client("sns").get_topic_attributes(TopicArn=topic_arn(aws, topic)).get("Attributes", {})
    except ClientError:
        return None
    kept = {name: found[name] for name in _TOPIC_ATTRIBUTES
            if name in found and found[name] != _TOPIC_DEFAULTS.get(name)}
    if "__default_policy_ID" in kept.get("Policy", "__default_policy_ID"):
        kept.pop("Policy", None)
    return kept


def subscription_attributes(entry: dict[str, Any]) -> dict[str, str]:
    """SNS's subscription attributes for a seed document's subscription entry."""
    attributes = {"RawMessageDelivery": "true"} if entry.get("raw") else {}
    if entry.get("filter_policy") is not None:
        attributes["FilterPolicy"] = json.dumps(entry["filter_policy"])
        attributes["FilterPolicyScope"] = str(entry.get("filter_policy_scope", "MessageAttributes"))
    return attributes


def subscription_entry(protocol: str, endpoint: str, attributes: dict[str, str]) -> dict[str, Any]:
    """A seed document's subscription entry for a subscription with these SNS attributes."""
    entry: dict[str, Any] = {"protocol": protocol, "endpoint": endpoint}
    if attributes.get("RawMessageDelivery") == "true":
        entry["raw"] = True
    if attributes.get("FilterPolicy"):
        entry["filter_policy"] = json.loads(attributes["FilterPolicy"])
        entry["filter_policy_scope"] = attributes.get("FilterPolicyScope", "MessageAttributes")
    return entry


# -- S3 -------------------------------------------------------------------------------------------------

def _seed_bucket(aws: LocalAws, bucket: str, spec: dict[str, Any], base: Path | None) -> None:
    client = aws.client("s3")
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        if aws.region == "us-east-1":
            client.create_bucket(Bucket=bucket)
        else:
            client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": aws.region})
    for key, body in spec.items():
        client.put_object(Bucket=bucket, Key=key, Body=_object_body(body, f"s3.{bucket}.{key}", base))


def _object_body(body: Any, where: str, base: Path | None) -> bytes:
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, dict) and len(body) == 1:
        (kind, value), = body.items()
        if kind == "json":
            return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        if kind == "base64":
            return base64.b64decode(value)
        if kind == "file":
            path = Path(value)
            if not path.is_absolute() and base is not None:
                path = base / path
            try:
                return path.read_bytes()
            except OSError as exc:
                raise InputError(f"seed: {where}: cannot read {path} ({exc.strerror})") from None
    raise InputError(f"seed: {where} must be text, {{json: value}}, {{file: path}} or {{base64: text}}")


# -- EventBridge ----------------------------------------------------------------------------------------

def _seed_connection(aws: LocalAws, name: str, spec: dict[str, Any]) -> None:
    from .connections import create_connection

    create_connection(aws, name, spec)


# -- snapshot -------------------------------------------------------------------------------------------

def take_snapshot(aws: LocalAws, *, bodies_dir: Path | None = None) -> dict[str, Any]:
    """Everything in the local AWS as a seed document. With ``bodies_dir`` object bodies are written
    there as files (``{file: relative path}``); otherwise they are inline (text, or base64)."""
    document: dict[str, Any] = {}
    sections: list[tuple[str, Callable[[], dict[str, Any]]]] = [
        ("dynamodb", lambda: _snapshot_tables(aws)),
        ("sqs", lambda: _snapshot_queues(aws)),
        ("sns", lambda: _snapshot_topics(aws)),
        ("s3", lambda: _snapshot_buckets(aws, bodies_dir)),
        ("events", lambda: snapshot_buses(aws)),
        ("scheduler", lambda: snapshot_schedule_groups(aws)),
        ("logs", lambda: snapshot_log_groups(aws)),
        ("ssm", lambda: snapshot_parameters(aws)),
        ("secretsmanager", lambda: snapshot_secrets(aws)),
        ("iam", lambda: snapshot_iam(aws)),
        ("tags", lambda: snapshot_tags(aws, document)),  # (these two read the sections above)
        ("s3_settings", lambda: snapshot_bucket_settings(aws, document.get("s3"))),
    ]
    for section, snapshot in sections:
        if section in _MOTO_SERVICES and not in_use(section):
            continue  # (moto holds nothing of it: asking would only make its empty state)
        found = snapshot()
        if found:
            document[section] = found
    return document


#: a snapshot's sections that each hold one moto service's state (named as moto's package)
_MOTO_SERVICES = frozenset({"dynamodb", "sqs", "sns", "s3", "events", "scheduler", "logs", "ssm", "secretsmanager",
                            "iam"})


def _snapshot_tables(aws: LocalAws) -> dict[str, Any]:
    client = aws.client("dynamodb")
    out: dict[str, Any] = {}
    for name in client.list_tables()["TableNames"]:
        out[name] = {**table_spec(aws, name), "typed_items": scan_typed_items(client, name)}
    return out


def scan_typed_items(client: Any, table: str) -> list[dict[str, Any]]:
    """Every item of a table as DynamoDB types it, page after page."""
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {"TableName": table}
    while True:
        page = client.scan(**request)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


#: the queue attributes a snapshot keeps: those CreateQueue / SetQueueAttributes take
_QUEUE_ATTRIBUTES = frozenset({
    "FifoQueue", "ContentBasedDeduplication", "VisibilityTimeout", "DelaySeconds", "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds", "RedrivePolicy", "MaximumMessageSize", "Policy", "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled", "DeduplicationScope", "FifoThroughputLimit",
    "RedriveAllowPolicy"})


def _snapshot_queues(aws: LocalAws) -> dict[str, Any]:
    client = aws.client("sqs")
    out: dict[str, Any] = {}
    for url in client.list_queues().get("QueueUrls", []):
        name = url.rstrip("/").rsplit("/", 1)[-1]
        attributes = client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]).get("Attributes", {})
        kept = {k: v for k, v in attributes.items() if k in _QUEUE_ATTRIBUTES}
        spec: dict[str, Any] = {}
        if kept:
            spec["attributes"] = kept
        messages = queue_messages(aws, url)
        if messages:
            spec["messages"] = messages
        out[name] = spec
    return out


def _snapshot_topics(aws: LocalAws) -> dict[str, Any]:
    client = aws.client("sns")
    out: dict[str, Any] = {}
    for topic in client.list_topics().get("Topics", []):
        arn = topic["TopicArn"]
        subscriptions = []
        for subscription in client.list_subscriptions_by_topic(TopicArn=arn).get("Subscriptions", []):
            attributes = client.get_subscription_attributes(
                SubscriptionArn=subscription["SubscriptionArn"]).get("Attributes", {})
            subscriptions.append(subscription_entry(subscription["Protocol"], subscription["Endpoint"], attributes))
        name = arn.rsplit(":", 1)[-1]
        spec: dict[str, Any] = {}
        attributes = topic_attributes(aws, name)
        if attributes:
            spec["attributes"] = attributes
        if subscriptions:
            spec["subscriptions"] = subscriptions
        out[name] = spec
    return out


def _snapshot_buckets(aws: LocalAws, bodies_dir: Path | None) -> dict[str, Any]:
    client = aws.client("s3")
    out: dict[str, Any] = {}
    for bucket in client.list_buckets().get("Buckets", []):
        name = bucket["Name"]
        objects: dict[str, Any] = {}
        for key in list_keys(aws, name):
            body = client.get_object(Bucket=name, Key=key)["Body"].read()
            if bodies_dir is not None:
                relative = Path(name) / key
                target = bodies_dir / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(body)
                objects[key] = {"file": relative.as_posix()}
            else:
                try:
                    objects[key] = body.decode("utf-8")
                except UnicodeDecodeError:
                    objects[key] = {"base64": base64.b64encode(body).decode()}
        out[name] = objects
    return out


def list_keys(aws: LocalAws, bucket: str, prefix: str = "") -> list[str]:
    """Every object key of a bucket (under a prefix), in S3's order."""
    client = aws.client("s3")
    keys: list[str] = []
    request: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
    while True:
        page = client.list_objects_v2(**request)
        keys.extend(o["Key"] for o in page.get("Contents", []))
        if not page.get("IsTruncated"):
            return keys
        request["ContinuationToken"] = page["NextContinuationToken"]
