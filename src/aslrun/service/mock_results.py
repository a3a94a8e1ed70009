"""Checking a mocked Task result against the API model of the action the Task calls (TestState's
``fieldValidationMode``): ``STRICT`` requires the required members and checks the types of all,
``PRESENT`` checks only the members given, ``NONE`` nothing. The models are botocore's, with
members named in Step Functions' PascalCase.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from .faults import validation

__all__ = ["check_result_fields"]

#: Step Functions' names of services that botocore names otherwise
_BOTO_SERVICES = {"states": "stepfunctions", "sfn": "stepfunctions", "eventbridge": "events",
                  "cloudwatchlogs": "logs", "elasticmapreduce": "emr"}
#: members Step Functions hands on as any JSON, whatever the API model says (Lambda's parsed payload)
_ANY_JSON_MEMBERS = {("lambda", "Invoke"): frozenset({"Payload"})}
_NUMBER_TYPES = frozenset({"integer", "long", "float", "double"})
_TEXT_TYPES = frozenset({"string", "timestamp", "blob"})


def check_result_fields(resource: str, result: Any, mode: str) -> None:
    """ValidationException when ``result`` does not fit the output of the API action ``resource``
    calls (``STRICT``: required members too; ``PRESENT``: the members given; ``NONE``: nothing)."""
    if mode == "NONE":
        return
    found = _output_shape(resource)
    if found is None:
        return
    shape, any_json = found
    problem = _structure_problem(result, shape, mode == "STRICT", any_json)
    if problem is not None:
        raise validation(f"Mock result schema validation error: {problem}")


def _output_shape(resource: str) -> tuple[Any, frozenset[str]] | None:
    """The botocore output shape of the action a request-response Task calls (and its members
    taken as any JSON); None when no API model describes the result."""
    from ..integrations.service import parse_service_resource

    parsed = parse_service_resource(resource)
    if parsed is None:
        return None
    service, action = parsed
    if service == "aws-sdk":
        service, _, action = action.partition(":")
    if "." in action:  # .sync / .waitForTaskToken: the result is not the action's own answer
        return None
    return _modelled_output(_BOTO_SERVICES.get(service.lower(), service.lower()), action)


@lru_cache(maxsize=256)
def _modelled_output(boto_service: str, action: str) -> tuple[Any, frozenset[str]] | None:
    import botocore.session
    from botocore.exceptions import UnknownServiceError

    try:
        model = botocore.session.get_session().get_service_model(boto_service)
    except UnknownServiceError:
        return None
    operation = {name.lower(): name for name in model.operation_names}.get(action.lower())
    if operation is None:
        return None
    shape = model.operation_model(operation).output_shape
    if shape is None:
        return None
    return shape, _ANY_JSON_MEMBERS.get((boto_service, operation), frozenset())


def _structure_problem(value: Any, shape: Any, strict: bool, any_json: frozenset[str] = frozenset(),
                       name: str | None = None) -> str | None:
    if shape.metadata.get("document"):  # any JSON
        return None
    if not isinstance(value, dict):
        return f"Field '{name}' must be an object" if name else "The mocked result must be a JSON object"
    required = set(shape.required_members)
    for member, member_shape in shape.members.items():
        key = member[:1].upper() + member[1:]  # Step Functions' name for the member
        if value.get(key) is None:
            if strict and member in required:
                return f"Required field '{key}' is missing"
            continue
        if key in any_json:
            continue
        problem = _value_problem(value[key], member_shape, strict, key)
        if problem is not None:
            return problem
    return None


def _value_problem(value: Any, shape: Any, strict: bool, name: str) -> str | None:
    kind = shape.type_name
    if kind == "structure":
        return _structure_problem(value, shape, strict, name=name)
    if kind == "list":
        if not isinstance(value, list):
            return f"Field '{name}' must be an array"
        return next((p for p in (_value_problem(item, shape.member, strict, name) for item in value) if p), None)
    if kind == "map":
        if not isinstance(value, dict):
            return f"Field '{name}' must be an object"
        return next((p for p in (_value_problem(item, shape.value, strict, name) for item in value.values()) if p),
                    None)
    if kind in _TEXT_TYPES:
        return _text_problem(value, shape, name)
    if kind in _NUMBER_TYPES:
        return _number_problem(value, shape, name)
    if kind == "boolean" and not isinstance(value, bool):
        return f"Field '{name}' must be a boolean"
    return None


def _text_problem(value: Any, shape: Any, name: str) -> str | None:
    if not isinstance(value, str):
        return f"Field '{name}' must be a string"
    if getattr(shape, "enum", None) and value not in shape.enum:
        return f"Field '{name}' is not an expected value"
    if shape.type_name == "timestamp":
        return None
    if len(value) < shape.metadata.get("min", 0):
        return f"Field '{name}' is smaller than the minimum length"
    if "max" in shape.metadata and len(value) > shape.metadata["max"]:
        return f"Field '{name}' exceeds the maximum length"
    return None


def _number_problem(value: Any, shape: Any, name: str) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"Field '{name}' must be a number"
    if "min" in shape.metadata and value < shape.metadata["min"]:
        return f"Field '{name}' is less than the minimum value"
    if "max" in shape.metadata and value > shape.metadata["max"]:
        return f"Field '{name}' exceeds the maximum value"
    return None


# -- role, context, configuration, input, variables ------------------------------------------------------
