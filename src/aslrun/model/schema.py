"""Schema validation: the pydantic models' verdict on a definition, as AWS-worded problems.

Pydantic reports every type error, missing field and unknown field in one pass; this module
turns each into a :class:`~aslrun.model.problems.Problem` (code ``SCHEMA_VALIDATION_FAILED``)
whose location names states by their names, not by pydantic's internal union tags, and whose
message reads like AWS's: ``These fields are required: [Resource]``, ``Field 'Foo' is not
supported``, ``Expected value of type [INTEGER]``.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from aslrun.model.problems import SCHEMA_VALIDATION_FAILED, Problem, join_location
from aslrun.model.states import STATE_TYPES, StateMachine

__all__ = ["schema_problems"]

_TYPE_NAMES = {
    "string_type": "STRING",
    "int_type": "INTEGER",
    "float_type": "NUMBER",
    "bool_type": "BOOLEAN",
    "dict_type": "OBJECT",
    "model_type": "OBJECT",
    "model_attributes_type": "OBJECT",
    "list_type": "ARRAY",
}
_STATE_TAGS = frozenset(STATE_TYPES)
#: Fields of a state whose value is a nested state machine (or a list of them).
_MACHINE_FIELDS = frozenset({"ItemProcessor", "Iterator"})


def schema_problems(definition: Any) -> list[Problem]:
    """Every schema problem of ``definition`` (a parsed JSON document), in document order."""
    try:
        StateMachine.model_validate(definition)
    except ValidationError as exc:
        return _convert(exc.errors(include_url=False, include_input=False))
    return []


def _convert(errors: list[Any]) -> list[Problem]:
    problems: list[Problem] = []
    missing: dict[str, list[str]] = {}
    for error in errors:
        parts = _location_parts(error["loc"])
        kind = error["type"]
        if kind == "missing":
            parent = _join(parts[:-1])
            if parent not in missing:
                missing[parent] = []
                problems.append(Problem(parent, "", SCHEMA_VALIDATION_FAILED))  # filled in below
            missing[parent].append(str(parts[-1]))
            continue
        problems.append(Problem(_join(parts), _message(kind, error, parts), SCHEMA_VALIDATION_FAILED))
    return [
        Problem(p.location, f"These fields are required: [{', '.join(missing[p.location])}]", p.code)
        if not p.message
        else p
        for p in problems
    ]


def _message(kind: str, error: Any, parts: list[str | int]) -> str:
    field = _field_name(parts)
    ctx = error.get("ctx") or {}
    if kind == "aws":
        return str(error["msg"]).replace("{field}", field)
    if kind == "extra_forbidden":
        return f"Field '{field}' is not supported"
    if kind in _TYPE_NAMES:
        return f"Expected value of type [{_TYPE_NAMES[kind]}]"
    if kind == "too_short":
        return f"The field '{field}' should be non-empty"
    if kind == "union_tag_not_found":
        return "These fields are required: [Type]"
    if kind == "union_tag_invalid":
        return f"The field 'Type' should have one of these values: [{', '.join(STATE_TYPES)}]"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        relation = {
            "greater_than_equal": ("greater than or equal to", "ge"),
            "greater_than": ("greater than", "gt"),
            "less_than_equal": ("less than or equal to", "le"),
            "less_than": ("less than", "lt"),
        }[kind]
        return f"The value for the field '{field}' must be {relation[0]} {ctx.get(relation[1])}"
    return str(error["msg"])


def _field_name(parts: list[str | int]) -> str:
    for part in reversed(parts):
        if isinstance(part, str):
            return part
    return ""


def _join(parts: list[str | int]) -> str:
    location = ""
    for part in parts:
        location = join_location(location, part)
    return location


def _location_parts(loc: tuple[str | int, ...]) -> list[str | int]:
    """``loc`` without pydantic's union tags: the ``Task`` in ``States.A.Task.Resource``."""
    parts: list[str | int] = []
    i = 0
    machine = True  # is loc[i] a field of a state machine object (top level, branch, processor)?
    while i < len(loc):
        part = loc[i]
        parts.append(part)
        i += 1
        if machine:
            if part == "States" and i < len(loc):
                parts.append(loc[i])  # the state's name
                i += 1
                if i < len(loc) and loc[i] in _STATE_TAGS:
                    i += 1  # the union tag pydantic inserts after the name
                machine = False
            continue
        if part in _MACHINE_FIELDS:
            machine = True
        elif part == "Branches" and i < len(loc) and isinstance(loc[i], int):
            parts.append(loc[i])
            i += 1
            machine = True
    return parts
