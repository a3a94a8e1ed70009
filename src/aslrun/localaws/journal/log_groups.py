"""CloudWatch Logs groups' changes in the journal: a group as it is after the call (its retention and
tags, a seed-document fragment), or its deletion. Log events are not journaled (see
:mod:`aslrun.localaws.seed_log_groups`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..seed_log_groups import log_group_entry
from .capture import records

if TYPE_CHECKING:
    from .file import Journal

__all__: list[str] = []  # recorders only: registered with the capture's table on import


def _group_of(params: dict[str, Any]) -> str | None:
    """The group a call names, by name or (TagResource) by ARN."""
    if params.get("logGroupName"):
        return str(params["logGroupName"])
    arn = str(params.get("resourceArn") or "")
    return arn.split(":log-group:", 1)[1].removesuffix(":*") if ":log-group:" in arn else None


@records("logs", "CreateLogGroup", "PutRetentionPolicy", "DeleteRetentionPolicy", "TagLogGroup", "UntagLogGroup",
         "TagResource", "UntagResource")
def _group_changed(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    name = _group_of(params)
    found = log_group_entry(journal.aws, name) if name else None
    if name and found is not None:
        journal.append({"change": "created", "fragment": {"logs": {name: found}}})


@records("logs", "DeleteLogGroup")
def _group_deleted(journal: Journal, params: dict[str, Any], parsed: dict[str, Any], memo: Any) -> None:
    journal.append({"change": "deleted", "service": "logs", "name": str(params["logGroupName"])})
