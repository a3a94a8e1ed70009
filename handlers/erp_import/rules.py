"""The documented rules for a reading's core attributes, as data and small checks.

Each check returns the cleaned value or raises :class:`RuleViolation` carrying a
:class:`~.errors.ReadingError` in the documented shape. Decisions the documentation leaves open:

* ``value`` must be a JSON number (not a boolean, not a string, finite, >= 0). Numeric strings are
  rejected with INVALID_READING_VALUE, as the documentation's "Resolution: Validate and transform
  values using JSONata before mapping" suggests (``$number(readingValue)``).
* ``external_id`` is a non-empty string or an integer (stored as text). With the default
  ``external_id`` matching it is required on every reading; with ``strict-date`` it may be missing
  (ECP readings have none until the ERP echoes them back).
* ``reason`` empty string and null both mean "no reason" and are stored as null.
"""

from __future__ import annotations

import math
from typing import Any

from .errors import (
    INVALID_READING,
    INVALID_READING_VALUE,
    INVALID_REASON,
    INVALID_SOURCE,
    MISSING_FIELD,
    ReadingError,
)

__all__ = [
    "MODES",
    "READING_MATCHING",
    "REASONS",
    "REQUIRED_FOR_DELETE",
    "REQUIRED_FOR_UPSERT",
    "SOURCES",
    "RuleViolation",
    "check_external_id",
    "check_reason",
    "check_source",
    "check_value",
    "optional_text",
]

SOURCES = ("ERP", "ECP", "360", "journey-submission")
REASONS = ("regular", "irregular", "last", "first", "meter_change", "contract_change", "meter_adjustment")
MODES = ("upsert", "delete", "upsert-prune-scope")
READING_MATCHING = ("external_id", "strict-date")
REQUIRED_FOR_UPSERT = ("external_id", "timestamp", "source", "value")
REQUIRED_FOR_DELETE = ("external_id",)


class RuleViolation(Exception):
    """A reading broke a rule; ``error`` is what the report shows."""

    def __init__(self, error: ReadingError) -> None:
        self.error = error
        super().__init__(error.message)


def check_value(value: Any) -> int | float:
    """A meter reading value: a finite, non-negative JSON number."""
    if value is None:
        raise RuleViolation(ReadingError(MISSING_FIELD, "Missing required field", {"field": "value"}))
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not numeric or not math.isfinite(value) or value < 0:
        received = value if _json_safe(value) else str(value)
        raise RuleViolation(
            ReadingError(INVALID_READING_VALUE, "Invalid reading value", {"field": "value", "received": received})
        )
    return value


def check_source(source: Any) -> str:
    """The origin of a reading: one of :data:`SOURCES`."""
    if source is None or source == "":
        raise RuleViolation(ReadingError(MISSING_FIELD, "Missing required field", {"field": "source"}))
    if source not in SOURCES:
        raise RuleViolation(
            ReadingError(
                INVALID_SOURCE,
                "Invalid reading source",
                {"field": "source", "received": source, "allowed": list(SOURCES)},
            )
        )
    return str(source)


def check_reason(reason: Any) -> str | None:
    """The optional reason: one of :data:`REASONS`, or empty/null (stored as null)."""
    if reason is None or reason == "":
        return None
    if reason not in REASONS:
        raise RuleViolation(
            ReadingError(
                INVALID_REASON,
                "Invalid reading reason",
                {"field": "reason", "received": reason, "allowed": list(REASONS) + ["", None]},
            )
        )
    return str(reason)


def check_external_id(external_id: Any, *, required: bool) -> str | None:
    """The reading's id in the source system, as text; ``None`` allowed unless ``required``."""
    if external_id is None or external_id == "":
        if required:
            raise RuleViolation(ReadingError(MISSING_FIELD, "Missing required field", {"field": "external_id"}))
        return None
    if isinstance(external_id, bool) or not isinstance(external_id, (str, int)):
        raise RuleViolation(
            ReadingError(
                INVALID_READING,
                "Invalid external_id (expected a string or an integer)",
                {"field": "external_id", "received": external_id if _json_safe(external_id) else str(external_id)},
            )
        )
    return str(external_id)


def optional_text(value: Any) -> str | None:
    """An optional scalar attribute used in matching (direction, reading_type) as text."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _json_safe(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, (str, int, bool, list, dict))
