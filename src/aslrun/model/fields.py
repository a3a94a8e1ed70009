"""Field types shared by the definition models, each failing with AWS's wording.

Every validator here raises ``PydanticCustomError("aws", message)``; a ``{field}`` in the
message is filled in with the field's name when the error becomes a
:class:`~aslrun.model.problems.Problem`. Fields whose type depends on the query language
(``"Seconds": 10`` in JSONPath, ``"Seconds": "{% $wait %}"`` in JSONata) accept both here;
:mod:`aslrun.model.languages` then reports the form that the state's language does not allow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic.functional_validators import PlainValidator
from pydantic_core import PydanticCustomError

from aslrun.model.syntax import is_jsonata
from aslrun.model.timestamps import is_timestamp

__all__ = [
    "ArrayOrJsonata",
    "AslModel",
    "BoolOrJsonata",
    "MAX_SECONDS",
    "Json",
    "JsonObject",
    "NonNegativeIntOrJsonata",
    "ObjectOrJsonata",
    "OptionalPath",
    "PercentageOrJsonata",
    "PositiveIntOrJsonata",
    "Text",
    "TaskSecondsOrJsonata",
    "TimestampOrJsonata",
    "TimestampText",
    "WaitSecondsOrJsonata",
    "int_or_jsonata",
    "is_timestamp",
    "min_int",
    "one_of",
]

class AslModel(BaseModel):
    """Base of every model: no coercion ("5" is not 5) and no field AWS does not know.

    An optional field is optional by being absent: ``null`` is refused (``"MaxAttempts": null`` is
    not "the default") except in the fields where it means something (``ResultPath``,
    ``InputPath``, ``OutputPath``: an :data:`OptionalPath`) or that take any JSON value (``Result``,
    ``Output``: :data:`Json`)."""

    model_config = ConfigDict(strict=True, extra="forbid", populate_by_name=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _refuse_null(cls, data: Any) -> Any:
        if not isinstance(data, dict) or None not in data.values():
            return data
        nullable = _nullable_fields(cls)
        # the stand-in fails each field's own type check, so the problem names the field and its type
        return {k: _NULL if v is None and k not in nullable else v for k, v in data.items()}


class _Null:
    """Stands for a ``null`` given where the field needs a value (matches no JSON type)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "null"


_NULL = _Null()
_NULLABLE: dict[type, frozenset[str]] = {}


def _nullable_fields(model: type[BaseModel]) -> frozenset[str]:
    """The fields of ``model`` where ``null`` means something, and its discriminator (``Type``)."""
    if model not in _NULLABLE:
        _NULLABLE[model] = frozenset(
            name for name, field in model.model_fields.items()
            if name == "Type" or field.annotation is Any
            or any(getattr(m, "func", None) is _optional_text for m in field.metadata)
        )
    return _NULLABLE[model]


def _fail(message: str) -> PydanticCustomError:
    return PydanticCustomError("aws", message)


def _json_type(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int):
        return "INTEGER"
    if isinstance(value, float):
        return "NUMBER"
    if isinstance(value, str):
        return "STRING"
    if isinstance(value, list):
        return "ARRAY"
    return "OBJECT"


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _fail("Expected value of type [STRING]")
    return value


def _optional_text(value: Any) -> str | None:
    if value is None:
        return None
    return _text(value)


def _object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail("Expected value of type [OBJECT]")
    return value


def _object_or_jsonata(value: Any) -> dict[str, Any] | str:
    if isinstance(value, dict) or is_jsonata(value):
        return value  # type: ignore[no-any-return]
    raise _fail("Expected value of type [OBJECT] or a JSONata expression '{% ... %}'")


def _bool_or_jsonata(value: Any) -> bool | str:
    if isinstance(value, bool) or is_jsonata(value):
        return value  # type: ignore[no-any-return]
    raise _fail("Expected value of type [BOOLEAN] or a JSONata expression '{% ... %}'")


def _timestamp(value: Any) -> str:
    if not isinstance(value, str):
        raise _fail("Expected value of type [STRING]")
    if not is_timestamp(value):
        raise _fail(f"The value for the field '{{field}}' must be an RFC3339 timestamp, got {value!r}")
    return value


def _timestamp_or_jsonata(value: Any) -> str:
    if is_jsonata(value):
        return value  # type: ignore[no-any-return]
    return _timestamp(value)


def int_or_jsonata(minimum: int, maximum: int | None = None) -> PlainValidator:
    """An integer >= ``minimum`` (and <= ``maximum`` when given; not a boolean, not 5.0), or a
    JSONata expression."""
    integer = _integer_check(minimum, maximum)

    def check(value: Any) -> int | str:
        if is_jsonata(value):
            return value  # type: ignore[no-any-return]
        return integer(value)

    return PlainValidator(check)


def min_int(minimum: int, maximum: int | None = None) -> PlainValidator:
    """An integer >= ``minimum`` (and <= ``maximum`` when given; not a boolean, not 5.0)."""
    return PlainValidator(_integer_check(minimum, maximum))


def _integer_check(minimum: int, maximum: int | None) -> Callable[[Any], int]:
    """The check :func:`min_int` and :func:`int_or_jsonata` make of an integer."""

    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail("Expected value of type [INTEGER]")
        if value < minimum:
            raise _fail(f"The value for the field '{{field}}' must be greater than or equal to {minimum}")
        if maximum is not None and value > maximum:
            raise _fail(f"The value for the field '{{field}}' must be less than or equal to {maximum}")
        return value

    return check


def _array_or_jsonata(value: Any) -> list[Any] | str:
    if isinstance(value, list) or is_jsonata(value):
        return value  # type: ignore[no-any-return]
    raise _fail("Expected value of type [ARRAY] or a JSONata expression '{% ... %}'")


def _percentage_or_jsonata(value: Any) -> float | int | str:
    if is_jsonata(value):
        return value  # type: ignore[no-any-return]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail("Expected value of type [NUMBER]")
    if not 0 <= value <= 100:
        raise _fail("The value for the field '{field}' must be between 0 and 100")
    return value


def one_of(*allowed: str) -> PlainValidator:
    """A string from ``allowed``, reported as AWS reports an enum violation."""
    listing = ", ".join(allowed)

    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise _fail("Expected value of type [STRING]")
        if value not in allowed:
            raise _fail(f"Value should be one of the following: [{listing}]")
        return value

    return PlainValidator(check)


#: Any JSON value (a Pass ``Result``, a JSONata ``Output``...).
Json = Any
Text = Annotated[str, PlainValidator(_text)]
#: A path field that may be ``null`` (InputPath, OutputPath, ResultPath): syntax checked later.
OptionalPath = Annotated[str | None, PlainValidator(_optional_text)]
ArrayOrJsonata = Annotated[list[Any] | str, PlainValidator(_array_or_jsonata)]
JsonObject = Annotated[dict[str, Any], PlainValidator(_object)]
ObjectOrJsonata = Annotated[dict[str, Any] | str, PlainValidator(_object_or_jsonata)]
BoolOrJsonata = Annotated[bool | str, PlainValidator(_bool_or_jsonata)]
TimestampText = Annotated[str, PlainValidator(_timestamp)]
TimestampOrJsonata = Annotated[str, PlainValidator(_timestamp_or_jsonata)]
PercentageOrJsonata = Annotated[float | int | str, PlainValidator(_percentage_or_jsonata)]
PositiveIntOrJsonata = Annotated[int | str, int_or_jsonata(1)]
NonNegativeIntOrJsonata = Annotated[int | str, int_or_jsonata(0)]
#: AWS's largest TimeoutSeconds, HeartbeatSeconds and Wait Seconds.
MAX_SECONDS = 99_999_999
#: A Task's TimeoutSeconds / HeartbeatSeconds: 1 to 99999999, or JSONata.
TaskSecondsOrJsonata = Annotated[int | str, int_or_jsonata(1, MAX_SECONDS)]
#: A Wait's Seconds: 0 to 99999999, or JSONata.
WaitSecondsOrJsonata = Annotated[int | str, int_or_jsonata(0, MAX_SECONDS)]
