"""Tags of state machines and activities: at most 50 per resource, keys unique."""

from __future__ import annotations

from typing import Any

from .arns import require_arn
from .faults import ServiceError, validation
from .store import Store

__all__ = ["MAX_TAGS", "put_tags", "read_tags", "require_taggable"]

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
