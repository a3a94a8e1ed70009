"""Retry and Catch: what a Task, Parallel or Map state does when it fails.

The models check each field's type and range as AWS documents them (``IntervalSeconds`` 1 to
99999999, ``MaxAttempts`` 0 to 99999999, ``BackoffRate`` >= 1.0, ``MaxDelaySeconds`` 1 to 31622400,
``JitterStrategy`` ``FULL``/``NONE``). What spans several retriers (``States.ALL`` alone and last) is checked in
:mod:`aslrun.model.validate`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field
from pydantic.functional_validators import PlainValidator
from pydantic_core import PydanticCustomError

from aslrun.model.fields import AslModel, Json, JsonObject, OptionalPath, Text, min_int, one_of

__all__ = ["Catcher", "Retrier"]


def _backoff_rate(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PydanticCustomError("aws", "Expected value of type [NUMBER]")
    if value < 1.0:
        raise PydanticCustomError("aws", "The value for the field '{field}' must be greater than or equal to 1.0")
    return value


ErrorNames = Annotated[list[Text], Field(min_length=1)]


class Retrier(AslModel):
    """One element of ``Retry``: which errors it retries, how often, how long apart."""

    ErrorEquals: ErrorNames
    IntervalSeconds: Annotated[int, min_int(1, 99_999_999)] | None = None
    MaxAttempts: Annotated[int, min_int(0, 99_999_999)] | None = None
    BackoffRate: Annotated[float, PlainValidator(_backoff_rate)] | None = None
    MaxDelaySeconds: Annotated[int, min_int(1, 31_622_400)] | None = None
    JitterStrategy: Annotated[str, one_of("FULL", "NONE")] | None = None
    Comment: Text | None = None


class Catcher(AslModel):
    """One element of ``Catch``: which errors it catches and the state to go to."""

    ErrorEquals: ErrorNames
    Next: Text
    ResultPath: OptionalPath = None
    Assign: JsonObject | None = None
    Output: Json = None
    Comment: Text | None = None
