"""Looking into the local AWS: what tests, fixtures and ``aslrun aws show`` read.

Values come back as plain JSON (DynamoDB items untyped, message bodies as text, object bodies as
bytes or text), read without side effects: reading a queue does not receive its messages.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .seed import from_typed_item, list_keys, queue_messages, scan_typed_items

if TYPE_CHECKING:
    from .emulator import LocalAws

__all__ = ["describe", "object_bytes", "queue_bodies", "scan_typed_items", "summary_lines", "table_items"]


def table_items(aws: LocalAws, table: str, *, typed: bool = False) -> list[dict[str, Any]]:
    """Every item of a table (plain JSON unless ``typed``), in scan order."""
    items = scan_typed_items(aws.client("dynamodb"), table)
    return items if typed else [from_typed_item(item) for item in items]


def queue_bodies(aws: LocalAws, queue: str, *, parse_json: bool = False) -> list[Any]:
    """The bodies of every message of a queue (by name or URL), oldest first."""
    url = queue if queue.startswith("http") else aws.client("sqs").get_queue_url(QueueName=queue)["QueueUrl"]
    bodies = [m["body"] for m in queue_messages(aws, url)]
    if not parse_json:
        return bodies
    out = []
    for body in bodies:
        try:
            out.append(json.loads(body))
        except ValueError:
            out.append(body)
    return out


def object_bytes(aws: LocalAws, bucket: str, key: str) -> bytes:
    return aws.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()  # type: ignore[no-any-return]


def describe(aws: LocalAws) -> dict[str, Any]:
    """Counts and names: ``{"dynamodb": {table: n_items}, "sqs": {queue: n_messages},
    "sns": {topic: [subscription endpoints]}, "s3": {bucket: {key: size}}, "ssm": {parameter: type},
    "secretsmanager": [secret names], "iam": [role names], "events": {bus: {rule: n_targets}},
    "scheduler": {group: {schedule: (expression, target ARN)}}}``."""
    out: dict[str, Any] = {"dynamodb": {}, "sqs": {}, "sns": {}, "s3": {}, "ssm": {}, "secretsmanager": [], "iam": [],
                           "events": {}, "scheduler": {}}
    dynamodb = aws.client("dynamodb")
    for table in dynamodb.list_tables()["TableNames"]:
        out["dynamodb"][table] = len(table_items(aws, table, typed=True))
    sqs = aws.client("sqs")
    for url in sqs.list_queues().get("QueueUrls", []):
        out["sqs"][url.rsplit("/", 1)[-1]] = len(queue_messages(aws, url))
    sns = aws.client("sns")
    for topic in sns.list_topics().get("Topics", []):
        arn = topic["TopicArn"]
        endpoints = [s["Endpoint"] for s in sns.list_subscriptions_by_topic(TopicArn=arn).get("Subscriptions", [])]
        out["sns"][arn.rsplit(":", 1)[-1]] = endpoints
    s3 = aws.client("s3")
    for bucket in s3.list_buckets().get("Buckets", []):
        name = bucket["Name"]
        sizes = {}
        for key in list_keys(aws, name):
            sizes[key] = s3.head_object(Bucket=name, Key=key)["ContentLength"]
        out["s3"][name] = sizes
    from .seed_values import in_use

    if in_use("ssm"):
        for page in aws.client("ssm").get_paginator("describe_parameters").paginate():
            out["ssm"].update({p["Name"]: p["Type"] for p in page.get("Parameters", [])})
    if in_use("secretsmanager"):
        for page in aws.client("secretsmanager").get_paginator("list_secrets").paginate():
            out["secretsmanager"] += [s["Name"] for s in page.get("SecretList", []) if not s.get("DeletedDate")]
    from .seed_rules import snapshot_buses

    out["events"] = {bus: {rule: len(spec.get("targets", [])) for rule, spec in (entry.get("rules") or {}).items()}
                     for bus, entry in snapshot_buses(aws).items() if entry.get("rules")}
    if in_use("iam"):
        for page in aws.client("iam").get_paginator("list_roles").paginate():
            out["iam"] += [role["RoleName"] for role in page.get("Roles", [])]
    from .seed_schedules import snapshot_schedule_groups

    out["scheduler"] = {group: {name: (spec["expression"], spec["target"].get("Arn", ""))
                                for name, spec in (entry.get("schedules") or {}).items()}
                        for group, entry in snapshot_schedule_groups(aws).items()}
    return out


def summary_lines(aws: LocalAws, *, details: bool = False, limit: int = 20) -> list[str]:
    """A human summary of the local AWS (``aslrun aws show``)."""
    summary = describe(aws)
    lines: list[str] = []
    if not any(summary.values()):
        return ["(the local AWS is empty)"]
    for table, count in summary["dynamodb"].items():
        lines.append(f"dynamodb table {table}: {count} item(s)")
        if details:
            for item in table_items(aws, table)[:limit]:
                lines.append("    " + json.dumps(item, ensure_ascii=False, sort_keys=True))
    for queue, count in summary["sqs"].items():
        lines.append(f"sqs queue {queue}: {count} message(s)")
        if details:
            for body in queue_bodies(aws, queue)[:limit]:
                lines.append("    " + body)
    for topic, endpoints in summary["sns"].items():
        lines.append(f"sns topic {topic}: {len(endpoints)} subscription(s)" +
                     (f" -> {', '.join(endpoints)}" if endpoints else ""))
    for bucket, sizes in summary["s3"].items():
        lines.append(f"s3 bucket {bucket}: {len(sizes)} object(s), {sum(sizes.values())} bytes")
        if details:
            for key, size in list(sizes.items())[:limit]:
                lines.append(f"    {key} ({size} bytes)")
    for name, kind in sorted(summary["ssm"].items()):
        lines.append(f"ssm parameter {name} ({kind})")
    for name in sorted(summary["secretsmanager"]):
        lines.append(f"secretsmanager secret {name}")
    for name in sorted(summary["iam"]):
        lines.append(f"iam role {name}")
    for bus, rules in sorted(summary["events"].items()):
        for rule, targets in sorted(rules.items()):
            lines.append(f"events rule {rule} on bus {bus}: {targets} target(s)")
    for group, schedules in sorted(summary["scheduler"].items()):
        if not schedules:
            lines.append(f"scheduler group {group}: no schedules")
        for name, (expression, target) in sorted(schedules.items()):
            lines.append(f"scheduler schedule {group}/{name}: {expression} -> {target}")
    return lines
