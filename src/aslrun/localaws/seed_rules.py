"""EventBridge buses with their rules and targets, in seed documents and snapshots.

A rule routes what is put on its bus to its targets (an SQS queue, a state machine...): a local AWS
that keeps its rules (``aslrun serve --state-dir``, ``aslrun aws``) goes on delivering after a
restart. A seed document names them under their bus (``default`` is the bus every account has)::

    events:
      default:
        rules:
          bills-ready:
            pattern: {source: [billing], detail-type: [BillReady]}   # or its JSON text
            # schedule: rate(1 day)                                  # instead of (or with) a pattern
            state: ENABLED                                           # or DISABLED (default ENABLED)
            description: bills to the notifier
            targets: [{Id: notify, Arn: "arn:aws:sqs:us-east-1:123456789012:notify"}]
      orders-bus: {}                                                 # a bus of its own

Targets are as ``PutTargets`` takes them (``Id``, ``Arn``, ``Input``, ``InputPath``,
``InputTransformer``, ``RoleArn``...). A rule the document names gets exactly the document's targets
(others it had are removed): a snapshot's rule is the rule as it was. Archives, replays, API
destinations and tags are not kept (connections are seeded, not kept: :mod:`.connections`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .seed_names import named

if TYPE_CHECKING:
    from .emulator import LocalAws

__all__ = ["bus_names", "delete_rule", "rule_entry", "seed_bus", "snapshot_buses"]

_RULE_FIELDS = {"pattern", "schedule", "state", "description", "role_arn", "targets"}


def bus_names(aws: LocalAws) -> list[str]:
    return [b["Name"] for b in aws.client("events").list_event_buses().get("EventBuses", [])]


def seed_bus(aws: LocalAws, bus: str, spec: dict[str, Any]) -> None:
    """Make the bus (``default`` always exists) and the rules the spec names."""
    client = aws.client("events")
    if bus != "default" and bus not in bus_names(aws):
        client.create_event_bus(Name=bus)
    for name, rule in named(spec.get("rules"), f"events.{bus}.rules"):
        _seed_rule(aws, bus, name, rule)


def _seed_rule(aws: LocalAws, bus: str, name: str, spec: dict[str, Any]) -> None:
    where = f"events.{bus}.rules.{name}"
    unknown = sorted(set(spec) - _RULE_FIELDS)
    if unknown:
        raise InputError(f"seed: {where}: unknown field(s) {', '.join(unknown)} "
                         f"(known: {', '.join(sorted(_RULE_FIELDS))})")
    request: dict[str, Any] = {"Name": name, "EventBusName": bus, "State": str(spec.get("state") or "ENABLED")}
    pattern = spec.get("pattern")
    if pattern is not None:
        request["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
    if spec.get("schedule"):
        request["ScheduleExpression"] = str(spec["schedule"])
    if "EventPattern" not in request and "ScheduleExpression" not in request:
        raise InputError(f"seed: {where} needs a pattern or a schedule")
    if spec.get("description"):
        request["Description"] = str(spec["description"])
    if spec.get("role_arn"):
        request["RoleArn"] = str(spec["role_arn"])
    client = aws.client("events")
    client.put_rule(**request)
    targets = spec.get("targets") or []
    if not isinstance(targets, list) or not all(isinstance(t, dict) and "Id" in t and "Arn" in t for t in targets):
        raise InputError(f"seed: {where}.targets must be a list of targets, each with Id and Arn")
    existing = {t["Id"] for t in client.list_targets_by_rule(Rule=name, EventBusName=bus).get("Targets", [])}
    gone = sorted(existing - {str(t["Id"]) for t in targets})
    if gone:
        client.remove_targets(Rule=name, EventBusName=bus, Ids=gone)
    if targets:
        client.put_targets(Rule=name, EventBusName=bus, Targets=targets)


def rule_entry(aws: LocalAws, bus: str, name: str) -> dict[str, Any] | None:
    """A rule as a seed document names it, or None when there is none."""
    from botocore.exceptions import ClientError  # type: ignore[import-untyped]

    client = aws.client("events")
    try:
        rule = client.describe_rule(Name=name, EventBusName=bus)
    except ClientError:
        return None
    entry: dict[str, Any] = {"state": rule.get("State", "ENABLED")}
    for field, key in (("pattern", "EventPattern"), ("schedule", "ScheduleExpression"),
                       ("description", "Description"), ("role_arn", "RoleArn")):
        if rule.get(key):
            entry[field] = rule[key]
    targets = client.list_targets_by_rule(Rule=name, EventBusName=bus).get("Targets", [])
    if targets:
        entry["targets"] = targets
    return entry


def snapshot_buses(aws: LocalAws) -> dict[str, Any]:
    """Every bus with its rules (the default bus only when it has rules)."""
    client = aws.client("events")
    out: dict[str, Any] = {}
    for bus in bus_names(aws):
        rules: dict[str, Any] = {}
        request: dict[str, Any] = {"EventBusName": bus}
        while True:
            page = client.list_rules(**request)
            for rule in page.get("Rules", []):
                entry = rule_entry(aws, bus, rule["Name"])
                if entry is not None and not rule.get("ManagedBy"):  # (a service's own rules: not ours)
                    rules[rule["Name"]] = entry
            if not page.get("NextToken"):
                break
            request["NextToken"] = page["NextToken"]
        if rules:
            out[bus] = {"rules": rules}
        elif bus != "default":
            out[bus] = {}
    return out


def delete_rule(aws: LocalAws, bus: str, name: str) -> None:
    """Delete a rule and its targets (a journal's deletion); nothing when it is gone already."""
    from botocore.exceptions import ClientError

    client = aws.client("events")
    try:
        ids = [t["Id"] for t in client.list_targets_by_rule(Rule=name, EventBusName=bus).get("Targets", [])]
        if ids:
            client.remove_targets(Rule=name, EventBusName=bus, Ids=ids)
        client.delete_rule(Name=name, EventBusName=bus)
    except ClientError as gone:
        if gone.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
