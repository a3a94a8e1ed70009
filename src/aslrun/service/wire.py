"""The Step Functions wire protocol, read from botocore's own model of the service.

Step Functions speaks AWS's JSON 1.0 protocol: every request is ``POST /`` with an
``X-Amz-Target: AWSStepFunctions.<Action>`` header and a JSON body; every answer is JSON, and an
error is HTTP 400 with ``{"__type": "...#<ErrorCode>", "message": ...}``, from which every SDK
raises its modeled exception (``StateMachineDoesNotExist``, ``ValidationException``, ...).

Nothing here is written by hand per action: botocore ships the service's model (operations, input
and output shapes with their constraints, error shapes), and this module

* checks a request against its input shape as AWS's front end does (types, required members,
  lengths, ranges, enums, patterns) and words each violation as AWS does ("1 validation error
  detected: Value null at 'name' failed to satisfy constraint: Member must not be null"), showing
  values as the Java service renders them and never echoing a sensitive one; a member of the
  wrong JSON type is a SerializationException, as AWS's JSON reader words it;
* serialises an answer by its output shape (timestamps as epoch seconds, absent members left out);
* serialises errors with the ``__type`` AWS sends.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..expr.json_types import json_type
from .faults import ServiceError

__all__ = ["JSON_CONTENT_TYPE", "TARGET_PREFIX", "error_body", "operation", "parse_request", "serialise"]

TARGET_PREFIX = "AWSStepFunctions."
JSON_CONTENT_TYPE = "application/x-amz-json-1.0"
_ERROR_NAMESPACE = "com.amazonaws.swf.service.v2.model#"
_CORAL_NAMESPACE = "com.amazon.coral.service#"
_CORAL_ERRORS = frozenset({"UnknownOperationException", "SerializationException", "AccessDeniedException",
                           "InternalFailure", "MissingAction"})


@lru_cache(maxsize=1)
def service_model() -> Any:
    """botocore's model of Step Functions (loaded once).

    Read from botocore's own data file of the service's newest API version, as a botocore session
    would find it, but without the session: importing a session's machinery was about 0.1 s of
    every server's start. A botocore laid out otherwise is asked through a session."""
    import gzip

    import botocore
    from botocore.model import ServiceModel

    folder = Path(botocore.__file__).parent / "data" / "stepfunctions"
    try:
        newest = max(p for p in folder.iterdir() if p.is_dir())
        packed = newest / "service-2.json.gz"
        text = gzip.decompress(packed.read_bytes()) if packed.exists() else (newest / "service-2.json").read_bytes()
        return ServiceModel(json.loads(text), service_name="stepfunctions")
    except (OSError, ValueError):
        import botocore.session

        return botocore.session.get_session().get_service_model("stepfunctions")


def operation(target: str | None) -> Any:
    """The operation model named by an ``X-Amz-Target`` header; UnknownOperationException if none."""
    if not target or not target.startswith(TARGET_PREFIX):
        raise ServiceError("UnknownOperationException", None)
    name = target[len(TARGET_PREFIX):]
    model = service_model()
    if name not in model.operation_names:
        raise ServiceError("UnknownOperationException", None)
    return model.operation_model(name)


def parse_request(operation_model: Any, body: bytes) -> dict[str, Any]:
    """The request's members as Python values, checked against the operation's input shape."""
    if body.strip():
        try:
            request = json.loads(body, parse_constant=_not_json, parse_float=_finite)
            if _SURROGATE_ESCAPE.search(body):  # \ud800-style escapes: a lone one is no Unicode text
                json.dumps(request, ensure_ascii=False).encode("utf-8")
        except (ValueError, UnicodeError, RecursionError):
            raise ServiceError("SerializationException", "Start of structure or map found where not expected.") \
                from None
    else:
        request = {}
    shape = operation_model.input_shape
    if shape is None:
        return {}
    if not isinstance(request, dict):
        raise _wrong_type(shape, request)
    problems: list[str] = []
    _check_structure(shape, request, "", problems)
    if problems:
        count = len(problems)
        raise ServiceError("ValidationException",
                           f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(problems))
    return request


_SURROGATE_ESCAPE = re.compile(rb"\\[uU][dD][89a-fA-F]")


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    """A JSON number as a float; one a double cannot hold (1e400) is no number AWS reads either."""
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text} is out of range")
    return value


# -- checking a request ------------------------------------------------------------------------------

def _check_structure(shape: Any, value: dict[str, Any], where: str, problems: list[str]) -> None:
    for name in shape.required_members:
        if value.get(name) is None:
            problems.append(f"Value null at '{where}{name}' failed to satisfy constraint: Member must not be null")
    for name, member in shape.members.items():
        if name in value and value[name] is not None:
            value[name] = _check(member, value[name], f"{where}{name}", problems)


def _check(shape: Any, value: Any, where: str, problems: list[str]) -> Any:
    kind = shape.type_name
    if kind == "structure":
        _require_json_type(shape, value, dict)
        _check_structure(shape, value, where + ".", problems)
        return value
    if kind == "list":
        _require_json_type(shape, value, list)
        _check_length(shape, value, len(value), where, problems)
        return [_check(shape.member, item, f"{where}.{i + 1}.member", problems) for i, item in enumerate(value)]
    if kind == "map":
        _require_json_type(shape, value, dict)
        return {key: _check(shape.value, item, f"{where}.{key}", problems) for key, item in value.items()}
    if kind == "string":
        _require_json_type(shape, value, str)
        enum = shape.enum
        if enum and value not in enum:
            problems.append(f"{_value(shape, value)} at '{where}' failed to satisfy constraint: Member must satisfy "
                            f"enum value set: [{', '.join(enum)}]")
        _check_length(shape, value, len(value), where, problems)
        _check_pattern(shape, value, where, problems)
        return value
    if kind in ("integer", "long"):
        if json_type(value) != "number" or value != int(value):
            raise _wrong_type(shape, value)
        value = int(value)
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and value < low:
            problems.append(f"{_value(shape, value)} at '{where}' failed to satisfy constraint: Member must have "
                            f"value greater than or equal to {low}")
        if high is not None and value > high:
            problems.append(f"{_value(shape, value)} at '{where}' failed to satisfy constraint: Member must have "
                            f"value less than or equal to {high}")
        return value
    if kind == "boolean":
        _require_json_type(shape, value, bool)
        return value
    if kind in ("float", "double", "timestamp"):
        if json_type(value) != "number":
            raise _wrong_type(shape, value)
        return float(value)
    return value


def _check_length(shape: Any, value: Any, length: int, where: str, problems: list[str]) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and length < low:
        problems.append(f"{_value(shape, value)} at '{where}' failed to satisfy constraint: Member must have length "
                        f"greater than or equal to {low}")
    if high is not None and length > high:
        problems.append(f"{_value(shape, value)} at '{where}' failed to satisfy constraint: Member must have length "
                        f"less than or equal to {high}")


def _check_pattern(shape: Any, value: str, where: str, problems: list[str]) -> None:
    pattern = shape.metadata.get("pattern")
    if pattern and not _pattern(pattern).fullmatch(value):
        problems.append(f"{_value(shape, value)} at '{where}' failed to satisfy constraint: Member must satisfy "
                        f"regular expression pattern: {pattern}")


@lru_cache(maxsize=None)
def _pattern(java_pattern: str) -> re.Pattern[str]:
    """A model's (Java) pattern as a Python one; Java matches the whole value, so fullmatch is used."""
    return re.compile(java_pattern.replace(r"\p{ASCII}", r"[\x00-\x7f]"), re.DOTALL)


def _value(shape: Any, value: Any) -> str:
    """How AWS shows an offending value: ``Value '<value>'`` (Java's rendering of it), or only
    ``Value`` for a member the model marks sensitive (a definition, an input), which AWS never echoes."""
    if shape.metadata.get("sensitive"):
        return "Value"
    return f"Value '{_java(shape, value)}'"


def _java(shape: Any, value: Any) -> str:
    """``value`` as the Java service renders it in messages: strings bare, lists ``[a, b]``, maps
    ``{k=v}``, structures ``ShapeName(member=value, ...)`` with every member of the shape."""
    if value is None:
        return "null"
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        members = ", ".join(f"{name}={_java(member, value.get(name))}" for name, member in shape.members.items())
        return f"{shape.name}({members})"
    if kind == "list" and isinstance(value, list):
        return "[" + ", ".join(_java(shape.member, item) for item in value) + "]"
    if kind == "map" and isinstance(value, dict):
        return "{" + ", ".join(f"{key}={_java(shape.value, item)}" for key, item in value.items()) + "}"
    if shape.metadata.get("sensitive"):
        return "***"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _require_json_type(shape: Any, value: Any, expected: type) -> None:
    if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
        raise _wrong_type(shape, value)


_JAVA_TYPES = {"string": "a String", "integer": "an Integer", "long": "a Long", "boolean": "a Boolean",
               "float": "a Float", "double": "a Double", "timestamp": "a Date"}
_CORAL_TOKENS = {"string": "STRING_VALUE", "number": "NUMBER_VALUE", "boolean": "BOOLEAN_VALUE", "null": "NULL_VALUE"}


def _wrong_type(shape: Any, value: Any) -> ServiceError:
    """A member of the wrong JSON type: AWS's front end cannot even read the request, and says so
    as its JSON reader does (``NUMBER_VALUE can not be converted to a String``)."""
    found = json_type(value)
    if found == "object":
        message = "Start of structure or map found where not expected."
    elif found == "array":
        message = "Start of list found where not expected."
    elif shape.type_name in ("structure", "map", "list"):
        message = f"Unexpected {_CORAL_TOKENS[found]} where a {'list' if shape.type_name == 'list' else 'structure'} " \
                  "was expected."
    else:
        message = f"{_CORAL_TOKENS[found]} can not be converted to {_JAVA_TYPES[shape.type_name]}"
    return ServiceError("SerializationException", message)


# -- writing an answer -------------------------------------------------------------------------------

def serialise(operation_model: Any, result: dict[str, Any] | None) -> dict[str, Any]:
    """The answer's JSON body, by the operation's output shape (unknown or None members dropped)."""
    shape = operation_model.output_shape
    if shape is None or not result:
        return {}
    return _serialise_structure(shape, result)


def _serialise_structure(shape: Any, value: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, member in shape.members.items():
        item = value.get(name)
        if item is not None:
            out[name] = _serialise(member, item)
    return out


def _serialise(shape: Any, value: Any) -> Any:
    kind = shape.type_name
    if kind == "structure":
        return _serialise_structure(shape, value)
    if kind == "list":
        return [_serialise(shape.member, item) for item in value]
    if kind == "map":
        return {key: _serialise(shape.value, item) for key, item in value.items()}
    if kind == "timestamp":
        if isinstance(value, datetime.datetime):
            return value.timestamp()
        return round(float(value), 3)  # epoch seconds, to the millisecond as AWS records times
    return value


def error_body(error: ServiceError) -> dict[str, Any]:
    """An error as AWS sends it; SDKs read the code from ``__type`` after the ``#``."""
    namespace = _CORAL_NAMESPACE if error.code in _CORAL_ERRORS else _ERROR_NAMESPACE
    body: dict[str, Any] = {"__type": namespace + error.code}
    if error.message is not None:
        body["message"] = error.message
    body.update(error.extra)
    return body
