"""The import report: what happened to every reading, counted and listed.

``to_json()`` gives::

    {"status": "ok" | "completed_with_errors",
     "counts": {"created", "updated", "unchanged", "deleted", "pruned", "skipped", "errors"},
     "entities": {"meters": {"created", "updated", "unchanged"}, "meter_counters": {...}},
     "items":   [{"item", "reading", "action", "reading_id"?, "external_id"?, "note"?}, ...],
     "errors":  [{"status": "error", "message", "error": {"code", "details"}, "location"}, ...],
     "pruned":  [{"item", "scope", "meter_id", "counter_id", "source", "deleted", "deleted_external_ids"}, ...],
     "warnings": ["..."]}

``to_json(items=False, max_errors=100)`` is the compact form the state machine's import step
returns: no ``items``, at most 100 ``errors`` and ``errorsOmitted`` counting the rest.

``deleted`` counts readings removed by ``mode: delete``; ``pruned`` those removed by
``upsert-prune-scope``. ``skipped`` readings are not errors (a duplicate with the same reading date,
nothing to delete); ``errors`` are, and each has an entry in ``errors``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import ReadingError

__all__ = ["READING_ACTIONS", "ImportReport"]

READING_ACTIONS = ("created", "updated", "unchanged", "deleted", "skipped")


@dataclass
class ImportReport:
    """Collected outcomes of one import batch."""

    items: list[dict[str, Any]] = field(default_factory=list)
    errors: list[ReadingError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    pruned: int = 0
    prune_log: list[dict[str, Any]] = field(default_factory=list)
    entity_counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {
            "meters": {"created": 0, "updated": 0, "unchanged": 0},
            "meter_counters": {"created": 0, "updated": 0, "unchanged": 0},
        }
    )

    def record(self, item: int, index: int, action: str, **extra: Any) -> None:
        """One reading's outcome (``action`` in :data:`READING_ACTIONS`)."""
        assert action in READING_ACTIONS, action
        entry: dict[str, Any] = {"item": item, "reading": index, "action": action}
        entry.update({key: value for key, value in extra.items() if value is not None})
        self.items.append(entry)

    def fail(self, error: ReadingError) -> None:
        """One rejected reading (or entity record)."""
        self.errors.append(error)
        if error.section == "meter_readings":
            self.items.append({"item": error.item, "reading": error.index, "action": "error", "code": error.code})

    def entity(self, kind: str, action: str) -> None:
        self.entity_counts[kind][action] += 1

    def counts(self) -> dict[str, int]:
        totals = {action: 0 for action in READING_ACTIONS}
        for entry in self.items:
            if entry["action"] in totals:
                totals[entry["action"]] += 1
        return {
            "created": totals["created"],
            "updated": totals["updated"],
            "unchanged": totals["unchanged"],
            "deleted": totals["deleted"],
            "pruned": self.pruned,
            "skipped": totals["skipped"],
            "errors": len(self.errors),
        }

    def to_json(self, *, items: bool = True, max_errors: int | None = None) -> dict[str, Any]:
        """The report; ``items=False`` and ``max_errors`` keep it small (Step Functions: 256 KB)."""
        errors = self.errors if max_errors is None else self.errors[:max_errors]
        report: dict[str, Any] = {
            "status": "completed_with_errors" if self.errors else "ok",
            "counts": self.counts(),
            "entities": {kind: dict(counts) for kind, counts in self.entity_counts.items()},
        }
        if items:
            report["items"] = [dict(entry) for entry in self.items]
        report["errors"] = [error.to_json() for error in errors]
        if len(errors) < len(self.errors):
            report["errorsOmitted"] = len(self.errors) - len(errors)
        report["pruned"] = [dict(entry) for entry in self.prune_log]
        report["warnings"] = list(self.warnings)
        return report
