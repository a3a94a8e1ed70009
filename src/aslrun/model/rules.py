"""Choice rules: the comparison operators, their operand types, And/Or/Not, JSONata Condition.

One model holds every field a rule may carry, in both query languages, so that an unknown or
misspelt operator is reported by name ("Field 'StringEqual' is not supported"). Which fields a
rule must have depends on where it sits (a top-level rule has ``Next``, a nested one has not)
and on the state's query language; :mod:`aslrun.model.validate` checks that, with
:data:`OPERATORS` saying what each operator compares.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field
from pydantic.functional_validators import PlainValidator
from pydantic_core import PydanticCustomError

from aslrun.model.fields import AslModel, BoolOrJsonata, Json, JsonObject, Text, TimestampText

__all__ = ["ChoiceRule", "OPERATORS", "Operator", "TYPE_TESTS"]


@dataclass(frozen=True, slots=True)
class Operator:
    """A comparison operator: what its operand must be (``"path"`` for the ``...Path`` forms)."""

    name: str
    operand: str  # "string", "number", "boolean", "timestamp" or "path"


def _operators() -> dict[str, Operator]:
    table: dict[str, Operator] = {}
    families = {
        "String": ("string", ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals")),
        "Numeric": ("number", ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals")),
        "Boolean": ("boolean", ("Equals",)),
        "Timestamp": ("timestamp", ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals")),
    }
    for prefix, (operand, suffixes) in families.items():
        for suffix in suffixes:
            table[prefix + suffix] = Operator(prefix + suffix, operand)
            table[prefix + suffix + "Path"] = Operator(prefix + suffix + "Path", "path")
    table["StringMatches"] = Operator("StringMatches", "string")
    for test in ("IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"):
        table[test] = Operator(test, "boolean")
    return table


#: Every comparison operator of a JSONPath Choice rule, by name.
OPERATORS: dict[str, Operator] = _operators()
#: The type tests among them (they take ``true``/``false``).
TYPE_TESTS = frozenset({"IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"})


def _number(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PydanticCustomError("aws", "Expected value of type [NUMBER]")
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise PydanticCustomError("aws", "Expected value of type [BOOLEAN]")
    return value


Number = Annotated[int | float, PlainValidator(_number)]
Boolean = Annotated[bool, PlainValidator(_boolean)]


class ChoiceRule(AslModel):
    """A Choice rule, top-level or nested, JSONPath (Variable + operator) or JSONata (Condition)."""

    Variable: Text | None = None
    Next: Text | None = None
    Comment: Text | None = None
    Assign: JsonObject | None = None
    Output: Json = None
    Condition: BoolOrJsonata | None = None

    And: Annotated[list[ChoiceRule], Field(min_length=1)] | None = None
    Or: Annotated[list[ChoiceRule], Field(min_length=1)] | None = None
    Not: ChoiceRule | None = None

    StringEquals: Text | None = None
    StringEqualsPath: Text | None = None
    StringLessThan: Text | None = None
    StringLessThanPath: Text | None = None
    StringGreaterThan: Text | None = None
    StringGreaterThanPath: Text | None = None
    StringLessThanEquals: Text | None = None
    StringLessThanEqualsPath: Text | None = None
    StringGreaterThanEquals: Text | None = None
    StringGreaterThanEqualsPath: Text | None = None
    StringMatches: Text | None = None

    NumericEquals: Number | None = None
    NumericEqualsPath: Text | None = None
    NumericLessThan: Number | None = None
    NumericLessThanPath: Text | None = None
    NumericGreaterThan: Number | None = None
    NumericGreaterThanPath: Text | None = None
    NumericLessThanEquals: Number | None = None
    NumericLessThanEqualsPath: Text | None = None
    NumericGreaterThanEquals: Number | None = None
    NumericGreaterThanEqualsPath: Text | None = None

    BooleanEquals: Boolean | None = None
    BooleanEqualsPath: Text | None = None

    TimestampEquals: TimestampText | None = None
    TimestampEqualsPath: Text | None = None
    TimestampLessThan: TimestampText | None = None
    TimestampLessThanPath: Text | None = None
    TimestampGreaterThan: TimestampText | None = None
    TimestampGreaterThanPath: Text | None = None
    TimestampLessThanEquals: TimestampText | None = None
    TimestampLessThanEqualsPath: Text | None = None
    TimestampGreaterThanEquals: TimestampText | None = None
    TimestampGreaterThanEqualsPath: Text | None = None

    IsNull: Boolean | None = None
    IsPresent: Boolean | None = None
    IsNumeric: Boolean | None = None
    IsString: Boolean | None = None
    IsBoolean: Boolean | None = None
    IsTimestamp: Boolean | None = None
