"""CloudWatch Logs groups in seed documents and snapshots: the groups, not what is logged in them.

Deployments make a log group for each function and state machine (Terraform's
``aws_cloudwatch_log_group``, with a retention and ``default_tags``) and read it back when they plan: a
local AWS that keeps the groups plans no change after a restart. A seed document names them::

    logs:
      /aws/lambda/notify: {retention_days: 14, tags: {team: billing}}
      /aws/vendedlogs/states/accruals: {}

The log events themselves (what functions and executions wrote) are not kept: they are a record
of runs, which a restart begins afresh. A group the document names gets exactly its retention and
tags.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import InputError

if TYPE_CHECKING:
    from .emulator import LocalAws

__all__ = ["log_group_entry", "seed_log_group", "snapshot_log_groups"]

_FIELDS = {"retention_days", "tags"}


def seed_log_group(aws: LocalAws, name: str, spec: dict[str, Any] | None) -> None:
    spec = spec or {}
    unknown = sorted(set(spec) - _FIELDS)
    if unknown:
        raise InputError(f"seed: logs.{name}: unknown field(s) {', '.join(unknown)} (known: retention_days, tags)")
    logs = aws.client("logs")
    if log_group_entry(aws, name) is None:
        logs.create_log_group(logGroupName=name)
    if spec.get("retention_days") is not None:
        logs.put_retention_policy(logGroupName=name, retentionInDays=int(spec["retention_days"]))
    else:
        logs.delete_retention_policy(logGroupName=name)
    current = logs.list_tags_log_group(logGroupName=name).get("tags", {})
    tags = {str(k): str(v) for k, v in (spec.get("tags") or {}).items()}
    gone = sorted(set(current) - set(tags))
    if gone:
        logs.untag_log_group(logGroupName=name, tags=gone)
    if tags:
        logs.tag_log_group(logGroupName=name, tags=tags)


def log_group_entry(aws: LocalAws, name: str) -> dict[str, Any] | None:
    """The seed entry of one group (None when there is none)."""
    for group in _groups(aws, name):
        if group["logGroupName"] == name:
            entry: dict[str, Any] = {}
            if group.get("retentionInDays"):
                entry["retention_days"] = group["retentionInDays"]
            tags = aws.client("logs").list_tags_log_group(logGroupName=name).get("tags", {})
            if tags:
                entry["tags"] = dict(tags)
            return entry
    return None


def snapshot_log_groups(aws: LocalAws) -> dict[str, Any]:
    """Every group, as a seed section ({} when CloudWatch Logs was never used in this process)."""
    from .seed_values import in_use

    if not in_use("logs"):
        return {}
    found = {}
    for group in _groups(aws, None):
        entry = log_group_entry(aws, group["logGroupName"])
        if entry is not None:
            found[group["logGroupName"]] = entry
    return found


def _groups(aws: LocalAws, prefix: str | None) -> list[dict[str, Any]]:
    request: dict[str, Any] = {"logGroupNamePrefix": prefix} if prefix else {}
    pages = aws.client("logs").get_paginator("describe_log_groups").paginate(**request)
    return [group for page in pages for group in page.get("logGroups", [])]
