"""EventBridge Scheduler's schedule groups and schedules, in seed documents and snapshots.

A local AWS that keeps its schedules (``aslrun serve --state-dir``) has them after a restart, and the
server fires them by the clock (:mod:`aslrun.service.schedules`). A seed document names them under
their group (``default`` is the group every account has)::

    scheduler:
      default:
        schedules:
          month-end:
            expression: cron(0 23 L * ? *)        # rate(...), cron(...) or at(...)
            timezone: Australia/Sydney           # ScheduleExpressionTimezone (default UTC)
            target: {Arn: "arn:aws:states:...:stateMachine:accruals", RoleArn: "arn:aws:iam::...:role/r",
                     Input: '{"run": "month-end"}'}
            state: ENABLED                       # or DISABLED (default ENABLED)
            flexible_time_window: {Mode: "OFF"}  # (the default)
            start_date: "2026-01-01T00:00:00Z"   # start_date, end_date: ISO 8601
            description: the monthly accruals run
            action_after_completion: NONE        # or DELETE
      reports: {tags: {team: billing}}           # a group of its own (and its tags)

The target is as ``CreateSchedule`` takes it. A schedule the document names is made as the
document says (one that exists is updated to it); a group that names ``tags`` gets exactly those.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .seed_names import named

if TYPE_CHECKING:
    from .emulator import LocalAws

__all__ = ["delete_schedule_entry", "group_arn", "group_tags", "schedule_entry", "seed_schedule_group",
           "snapshot_schedule_groups"]

#: seed field -> CreateSchedule's member
_FIELDS = {"expression": "ScheduleExpression", "timezone": "ScheduleExpressionTimezone", "target": "Target",
           "state": "State", "flexible_time_window": "FlexibleTimeWindow", "start_date": "StartDate",
           "end_date": "EndDate", "description": "Description", "action_after_completion": "ActionAfterCompletion",
           "kms_key_arn": "KmsKeyArn"}
_DATES = ("start_date", "end_date")


def seed_schedule_group(aws: LocalAws, group: str, spec: dict[str, Any] | None) -> None:
    """Make the group (``default`` always exists) and the schedules the spec names."""
    client = aws.client("scheduler")
    spec = spec or {}
    unknown = sorted(set(spec) - {"schedules", "tags"})
    if unknown:
        raise InputError(f"seed: scheduler.{group}: unknown field(s) {', '.join(unknown)} (known: schedules, tags)")
    if group != "default" and group not in _group_names(aws):
        client.create_schedule_group(Name=group)
    if spec.get("tags") is not None:
        _set_group_tags(aws, group, spec["tags"])
    for name, schedule in named(spec.get("schedules"), f"scheduler.{group}.schedules"):
        _seed_schedule(aws, group, name, schedule)


def group_tags(aws: LocalAws, group: str) -> dict[str, str]:
    """A schedule group's tags."""
    found = aws.client("scheduler").list_tags_for_resource(ResourceArn=group_arn(aws, group)).get("Tags", [])
    return {tag["Key"]: tag["Value"] for tag in found}


def group_arn(aws: LocalAws, group: str) -> str:
    return f"arn:aws:scheduler:{aws.region}:{aws.account}:schedule-group/{group}"


def _set_group_tags(aws: LocalAws, group: str, tags: dict[str, Any]) -> None:
    client = aws.client("scheduler")
    arn = group_arn(aws, group)
    gone = sorted(set(group_tags(aws, group)) - set(tags))
    if gone:
        client.untag_resource(ResourceArn=arn, TagKeys=gone)
    if tags:
        client.tag_resource(ResourceArn=arn, Tags=[{"Key": str(k), "Value": str(v)} for k, v in tags.items()])


def _seed_schedule(aws: LocalAws, group: str, name: str, spec: dict[str, Any]) -> None:
    where = f"scheduler.{group}.schedules.{name}"
    unknown = sorted(set(spec) - set(_FIELDS))
    if unknown:
        raise InputError(f"seed: {where}: unknown field(s) {', '.join(unknown)} (known: {', '.join(sorted(_FIELDS))})")
    for required in ("expression", "target"):
        if not spec.get(required):
            raise InputError(f"seed: {where}: {required} is required")
    request: dict[str, Any] = {"Name": name, "GroupName": group, "FlexibleTimeWindow": {"Mode": "OFF"}}
    for field, member in _FIELDS.items():
        if spec.get(field) is not None:
            request[member] = _date(spec[field], where, field) if field in _DATES else spec[field]
    from .moto_fixes import past_start_dates

    client = aws.client("scheduler")
    with past_start_dates():  # (AWS refuses a StartDate long past: a kept schedule made last week has one)
        if _exists(aws, group, name):
            client.update_schedule(**request)
        else:
            client.create_schedule(**request)


def schedule_entry(aws: LocalAws, group: str, name: str) -> dict[str, Any] | None:
    """The seed entry of one schedule (None when there is none)."""
    from botocore.exceptions import ClientError  # type: ignore[import-untyped]

    try:
        found = aws.client("scheduler").get_schedule(Name=name, GroupName=group)
    except ClientError:
        return None
    entry: dict[str, Any] = {}
    for field, member in _FIELDS.items():
        value = found.get(member)
        if value is None or value == "":
            continue
        if field in _DATES:
            value = value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        elif field == "state" and value == "ENABLED":
            continue
        elif field == "flexible_time_window" and value == {"Mode": "OFF"}:
            continue
        entry[field] = value
    return entry


def snapshot_schedule_groups(aws: LocalAws) -> dict[str, Any]:
    """Every group and its schedules, as a seed section ({} when only an empty default group)."""
    client = aws.client("scheduler")
    section: dict[str, Any] = {}
    for group in _group_names(aws):
        schedules: dict[str, Any] = {}
        for summary in _listed(client, "list_schedules", "Schedules", GroupName=group):
            found = schedule_entry(aws, group, summary["Name"])
            if found is not None:
                schedules[summary["Name"]] = found
        entry: dict[str, Any] = {"schedules": schedules} if schedules else {}
        tags = group_tags(aws, group) if group != "default" else {}
        if tags:
            entry["tags"] = tags
        if entry or group != "default":
            section[group] = entry
    return section


def delete_schedule_entry(aws: LocalAws, group: str, name: str | None) -> None:
    """Delete a schedule (``name``), or a whole group with its schedules; gone already is fine."""
    from botocore.exceptions import ClientError

    client = aws.client("scheduler")
    try:
        if name is not None:
            client.delete_schedule(Name=name, GroupName=group)
        else:
            client.delete_schedule_group(Name=group)
    except ClientError as gone:
        if gone.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise


def _group_names(aws: LocalAws) -> list[str]:
    return [group["Name"] for group in _listed(aws.client("scheduler"), "list_schedule_groups", "ScheduleGroups")]


def _exists(aws: LocalAws, group: str, name: str) -> bool:
    return schedule_entry(aws, group, name) is not None


def _listed(client: Any, operation: str, key: str, **request: Any) -> list[dict[str, Any]]:
    """Every item of a list operation, page after page (botocore's paginator)."""
    return [item for page in client.get_paginator(operation).paginate(**request) for item in page.get(key, [])]


def _date(value: Any, where: str, field: str) -> datetime:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"seed: {where}.{field}: {value!r} is not an ISO 8601 time") from None
