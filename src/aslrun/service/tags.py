"""Tags of state machines, activities and Lambda functions (one table, by resource ARN): at most 50 per
Step Functions resource, keys unique."""

from __future__ import annotations

from typing import Any

from .arns import require_arn
from .faults import ServiceError, validation
from .store import Store

__all__ = ["MAX_TAGS", "forget_tags", "put_tags", "read_tags", "remove_tags", "require_taggable", "tags_of"]

MAX_TAGS = 50


def require_taggable(db: Any, arn: str) -> None:
    parsed = require_arn(arn, "stateMachine", "activity")
    table = "state_machines" if parsed.kind == "stateMachine" else "activities"
    if parsed.qualifier is not None or db.execute(f"SELECT 1 FROM {table} WHERE arn = ?", (arn,)).fetchone() is None:
        raise ServiceError("ResourceNotFound", f"Resource not found: '{arn}'", resourceName=arn)


def put_tags(db: Any, store: Store, arn: str, tags: list[tuple[str, str]]) -> None:
    for key, value in tags:
        db.execute("INSERT INTO tags (resource_arn, key, value, seq) VALUES (?, ?, ?, ?) ON CONFLICT (resource_arn, "
                   "key) DO UPDATE SET value = excluded.value", (arn, key, value, store.next_seq()))


def remove_tags(db: Any, arn: str, keys: list[str]) -> None:
    db.executemany("DELETE FROM tags WHERE resource_arn = ? AND key = ?", [(arn, key) for key in keys])


def forget_tags(db: Any, arn: str) -> None:
    """Every tag of a resource that is deleted."""
    db.execute("DELETE FROM tags WHERE resource_arn = ?", (arn,))


def tags_of(store: Store, arn: str) -> list[tuple[str, str]]:
    """A resource's tags, in the order they were first put."""
    return [(row["key"], row["value"]) for row in
            store.all("SELECT key, value FROM tags WHERE resource_arn = ? ORDER BY seq", (arn,))]


def read_tags(tags: list[dict[str, Any]]) -> list[tuple[str, str]]:
    if len(tags) > MAX_TAGS:
        raise ServiceError("TooManyTags", f"Too many tags: at most {MAX_TAGS} may be given")
    out = []
    for tag in tags:
        if tag.get("key") is None:
            raise validation("1 validation error detected: Value null at 'tags.member.key' failed to satisfy "
                             "constraint: Member must not be null")
        out.append((str(tag["key"]), str(tag.get("value", ""))))
    return out
