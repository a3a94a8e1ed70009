"""EventBridge Scheduler's changes in the journal: a schedule as it is after the call (a seed-document
fragment, as a snapshot names it), a group made or tagged (its tags as they are after the call), or
a schedule or group deleted."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..seed_schedules import group_tags, schedule_entry
from .capture import records

if TYPE_CHECKING:
    from .file import Journal

__all__: list[str] = []  # recorders only: registered with the capture's table on import


@records("scheduler", "CreateSchedule", "UpdateSchedule")
def _schedule_put(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    group = params.get("GroupName") or "default"
    found = schedule_entry(journal.aws, group, params["Name"])
    if found is not None:
        journal.append({"change": "created", "fragment": {"scheduler": {group: {"schedules": {params["Name"]: found}}}}})


@records("scheduler", "DeleteSchedule")
def _schedule_deleted(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    group = params.get("GroupName") or "default"
    if schedule_entry(journal.aws, group, params["Name"]) is None:
        journal.append({"change": "deleted", "service": "scheduler", "name": group, "schedule": params["Name"]})


@records("scheduler", "CreateScheduleGroup")
def _group_made(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    group = params["Name"]
    journal.append({"change": "created", "fragment": {"scheduler": {group: {"tags": group_tags(journal.aws, group)}}}})


@records("scheduler", "TagResource", "UntagResource")
def _group_tagged(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    arn = str(params["ResourceArn"])
    if ":schedule-group/" in arn:
        group = arn.rsplit("/", 1)[-1]
        journal.append({"change": "created",
                        "fragment": {"scheduler": {group: {"tags": group_tags(journal.aws, group)}}}})


@records("scheduler", "DeleteScheduleGroup")
def _group_deleted(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    journal.append({"change": "deleted", "service": "scheduler", "name": params["Name"]})
