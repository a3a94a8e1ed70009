"""What can go wrong in a meter-reading import, in two kinds.

    ErpImportError              the import as a whole cannot run; nothing is written
    ├── ErpConfigError          the mapping configuration is malformed (every problem at once)
    ├── ErpPayloadError         the event / payload is unusable (not JSON, missing file...)
    └── ErpExtractionError      a configuration's top-level ``jsonataExpression`` failed

    ReadingError                one reading is rejected; the import goes on without it and the
                                report lists it (METER_NOT_FOUND, INVALID_READING_VALUE...)

Batch errors are exceptions because the Lambda entry points must fail (Step Functions names the
failure after the class, so a ``Catch`` can match ``ErpConfigError``). Reading errors are data: the
ERP Toolkit documents them as JSON objects ``{"status": "error", "message": ..., "error": {"code":
..., "details": {...}}}`` and :meth:`ReadingError.to_json` renders exactly that shape, plus a
``location`` naming the configuration section and item and the record's index in the extracted
list (``{"section": "meter_readings", "item": 0, "record": 3}``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "AMBIGUOUS_READING_MATCH",
    "FIELD_EXPRESSION_FAILED",
    "INVALID_READING",
    "INVALID_READING_VALUE",
    "INVALID_REASON",
    "INVALID_SOURCE",
    "INVALID_TIMESTAMP",
    "METER_AMBIGUOUS",
    "METER_COUNTER_NOT_FOUND",
    "METER_NOT_FOUND",
    "MISSING_FIELD",
    "ErpConfigError",
    "ErpExtractionError",
    "ErpImportError",
    "ErpPayloadError",
    "ReadingError",
]

# Documented codes (ERP Toolkit "Error Handling").
METER_NOT_FOUND = "METER_NOT_FOUND"
INVALID_READING_VALUE = "INVALID_READING_VALUE"
# Our codes, same shape, for the other rules the documentation states in prose.
METER_AMBIGUOUS = "METER_AMBIGUOUS"
METER_COUNTER_NOT_FOUND = "METER_COUNTER_NOT_FOUND"
MISSING_FIELD = "MISSING_FIELD"
INVALID_TIMESTAMP = "INVALID_TIMESTAMP"
INVALID_SOURCE = "INVALID_SOURCE"
INVALID_REASON = "INVALID_REASON"
INVALID_READING = "INVALID_READING"
FIELD_EXPRESSION_FAILED = "FIELD_EXPRESSION_FAILED"
AMBIGUOUS_READING_MATCH = "AMBIGUOUS_READING_MATCH"


class ErpImportError(Exception):
    """The import cannot run at all; the database is left as it was."""


class ErpConfigError(ErpImportError):
    """The mapping configuration is malformed.

    ``problems`` holds one line per problem, each naming its place (``Meter readings configuration
    (item 0), fields[2]: ...``), so a user fixes them all in one pass. With a single problem the
    message is exactly that line (the documented texts are matched verbatim).
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class ErpPayloadError(ErpImportError):
    """The Lambda event or the payload cannot be used (wrong type, unreadable file...)."""


class ErpExtractionError(ErpImportError):
    """A configuration's top-level ``jsonataExpression`` raised an error on the payload.

    This aborts the whole batch: treating it as "zero readings" would make ``upsert-prune-scope``
    delete every reading in scope.
    """


@dataclass(frozen=True)
class ReadingError:
    """One rejected reading, in the documented error shape."""

    code: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    item: int | None = None
    index: int | None = None
    section: str = "meter_readings"

    def located(self, item: int, index: int | None, section: str = "meter_readings") -> ReadingError:
        """The same error, placed at ``section[item]`` (configuration) and record ``index``."""
        return ReadingError(self.code, self.message, dict(self.details), item, index, section)

    def to_json(self) -> dict[str, Any]:
        """``{"status": "error", "message", "error": {"code", "details"}, "location"}``."""
        return {
            "status": "error",
            "message": self.message,
            "error": {"code": self.code, "details": dict(self.details)},
            "location": {"section": self.section, "item": self.item, "record": self.index},
        }
