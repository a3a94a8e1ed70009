"""Static checks of the expressions a state holds: paths, payload templates, query languages.

In a JSONPath state every ``...Path`` field must be a well-formed path of the right kind and
every ``"key.$"`` of a payload template (Parameters, ResultSelector, ItemSelector, Assign...)
must hold a path or an intrinsic function call. Fields of the other query language are
rejected with AWS's wording, and a JSONata ``{% %}`` expression in a field of a JSONPath state is
reported rather than left to fail (or, worse, be read as a literal) at run time. In a JSONata
state every ``{% %}`` expression the state evaluates must parse.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aslrun.model.languages import (
    JSONATA,
    JSONPATH,
    NESTED_JSONATA_ONLY,
    NESTED_JSONPATH_ONLY,
    Language,
    fields_of_other_language,
    wrong_language_message,
)
from aslrun.model.problems import INVALID_JSONATA_EXPRESSION, SCHEMA_VALIDATION_FAILED, Problem, join_location
from aslrun.model.syntax import (
    PathKind,
    intrinsic_problem,
    is_intrinsic,
    is_jsonata,
    jsonata_problem,
    path_problem,
    payload_value_problem,
)

__all__ = [
    "STATE_PATH_FIELDS",
    "check_language_fields",
    "check_nested_language_fields",
    "check_path_field",
    "check_state_expressions",
    "check_template",
    "jsonata_in_jsonpath",
]

#: The path fields of a state and the kind of path each takes (JSONPath states only).
STATE_PATH_FIELDS: dict[str, PathKind] = {
    "InputPath": PathKind.PATH,
    "OutputPath": PathKind.PATH,
    "ResultPath": PathKind.RESULT,
    "ItemsPath": PathKind.REFERENCE,
    "SecondsPath": PathKind.REFERENCE,
    "TimestampPath": PathKind.REFERENCE,
    "TimeoutSecondsPath": PathKind.REFERENCE,
    "HeartbeatSecondsPath": PathKind.REFERENCE,
    "MaxConcurrencyPath": PathKind.REFERENCE,
    "ToleratedFailureCountPath": PathKind.REFERENCE,
    "ToleratedFailurePercentagePath": PathKind.REFERENCE,
    "ErrorPath": PathKind.REFERENCE,
    "CausePath": PathKind.REFERENCE,
}
#: Fields that may also hold an intrinsic function call instead of a path.
_INTRINSIC_ALLOWED = frozenset({"ErrorPath", "CausePath"})
#: Payload templates of a state (objects whose "key.$" fields are evaluated).
_TEMPLATE_FIELDS = ("Parameters", "ResultSelector", "ItemSelector", "Assign")
#: Fields that take a literal or, in a JSONata state only, a JSONata expression.
_LITERAL_OR_JSONATA = (
    "Seconds", "Timestamp", "TimeoutSeconds", "HeartbeatSeconds", "MaxConcurrency", "ToleratedFailureCount",
    "ToleratedFailurePercentage", "ItemSelector",
)
#: Fields whose strings are never evaluated as JSONata (names, targets, nested machines...).
_NOT_EVALUATED = frozenset(
    {"Type", "Comment", "QueryLanguage", "Next", "End", "Default", "Resource", "ItemProcessor", "Iterator",
     "Branches", "Label", "Retry", "ErrorEquals"}
)
_PATH_NAMES = {PathKind.PATH: "JSONPath", PathKind.REFERENCE: "reference path", PathKind.RESULT: "reference path"}


def check_state_expressions(state: Mapping[str, Any], where: str, language: Language, problems: list[Problem]) -> None:
    """Paths and payload templates of a JSONPath state; JSONata expressions of a JSONata state."""
    if language != JSONPATH:
        _check_jsonata_fields(state, where, problems)
        return
    for field, kind in STATE_PATH_FIELDS.items():
        value = state.get(field)
        if isinstance(value, str):
            check_path_field(value, field, join_location(where, field), kind, problems)
    for field in _TEMPLATE_FIELDS:
        check_template(state.get(field), join_location(where, field), problems)
    for field in _LITERAL_OR_JSONATA:
        if is_jsonata(state.get(field)):
            problems.append(jsonata_in_jsonpath(field, join_location(where, field)))


def _check_jsonata_fields(state: Mapping[str, Any], where: str, problems: list[Problem]) -> None:
    """Every ``{% %}`` expression a JSONata state evaluates must parse."""
    for field, value in state.items():
        if field in _NOT_EVALUATED:
            continue
        here = join_location(where, field)
        if field in ("Choices", "Catch") and isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    for key, part in item.items():
                        if key not in _NOT_EVALUATED:
                            _check_jsonata_value(part, join_location(join_location(here, index), key), problems)
        else:
            _check_jsonata_value(value, here, problems)


def _check_jsonata_value(value: Any, where: str, problems: list[Problem]) -> None:
    if isinstance(value, str):
        if is_jsonata(value):
            detail = jsonata_problem(value[2:-2])
            if detail is not None:
                problems.append(Problem(where, f"Invalid JSONata expression '{value}': {detail}",
                                        INVALID_JSONATA_EXPRESSION))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _check_jsonata_value(item, join_location(where, key), problems)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_jsonata_value(item, join_location(where, index), problems)


def check_path_field(text: str, field: str, where: str, kind: PathKind, problems: list[Problem]) -> None:
    """Report ``text`` unless it is a path of ``kind`` (or an intrinsic call, where allowed)."""
    if field in _INTRINSIC_ALLOWED and is_intrinsic(text):
        detail = intrinsic_problem(text)
        if detail is not None:
            problems.append(
                Problem(where, f"The value for the field '{field}' must be a valid JSONPath or a valid intrinsic "
                        f"function call: {detail}", SCHEMA_VALIDATION_FAILED)
            )
        return
    detail = path_problem(text, kind)
    if detail is not None:
        problems.append(
            Problem(where, f"The value for the field '{field}' must be a valid {_PATH_NAMES[kind]}: {detail}",
                    SCHEMA_VALIDATION_FAILED)
        )


def check_template(template: Any, where: str, problems: list[Problem]) -> None:
    """Every ``"key.$"`` in ``template`` (at any depth) must hold a path or intrinsic call, and no object
    may name a field twice once ``.$`` is stripped (the ASL specification's rule for payload templates:
    ``"channel"`` beside ``"channel.$"`` leaves it unclear which value the state passes on)."""
    if isinstance(template, Mapping):
        for key, value in template.items():
            here = join_location(where, key)
            if isinstance(key, str) and key.endswith(".$") and key[:-2] in template:
                problems.append(
                    Problem(here, f"The field '{key[:-2]}' is given twice in a payload template: as '{key[:-2]}' "
                            f"and as '{key}'", SCHEMA_VALIDATION_FAILED)
                )
            if isinstance(key, str) and key.endswith(".$"):
                if not isinstance(value, str):
                    problems.append(
                        Problem(here, f"The value for the field '{key}' must be a string holding a JSONPath or an "
                                "intrinsic function call", SCHEMA_VALIDATION_FAILED)
                    )
                    continue
                detail = payload_value_problem(value)
                if detail is not None:
                    problems.append(
                        Problem(here, f"The value for the field '{key}' must be a valid JSONPath or a valid "
                                f"intrinsic function call: {detail}", SCHEMA_VALIDATION_FAILED)
                    )
            else:
                check_template(value, here, problems)
    elif isinstance(template, list):
        for index, item in enumerate(template):
            check_template(item, join_location(where, index), problems)


def check_language_fields(
    state: Mapping[str, Any],
    where: str,
    language: Language,
    machine_language: Language,
    problems: list[Problem],
) -> None:
    """Fields of the other query language, and a JSONata machine's state going back to JSONPath."""
    if machine_language == JSONATA and state.get("QueryLanguage") == JSONPATH:
        problems.append(
            Problem(join_location(where, "QueryLanguage"),
                    "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
                    SCHEMA_VALIDATION_FAILED)
        )
    for field in fields_of_other_language(state, language):
        problems.append(Problem(join_location(where, field), wrong_language_message(field, language),
                                SCHEMA_VALIDATION_FAILED))


def check_nested_language_fields(obj: Any, where: str, language: Language, problems: list[Problem]) -> None:
    """The same for a Catch element, ItemReader, ItemBatcher, ResultWriter or ReaderConfig."""
    if not isinstance(obj, Mapping):
        return
    for field in fields_of_other_language(
        obj, language, jsonpath_only=NESTED_JSONPATH_ONLY, jsonata_only=NESTED_JSONATA_ONLY
    ):
        problems.append(Problem(join_location(where, field), wrong_language_message(field, language),
                                SCHEMA_VALIDATION_FAILED))


def jsonata_in_jsonpath(field: str, where: str) -> Problem:
    """The problem of a ``{% %}`` expression in ``field`` of a JSONPath state."""
    return Problem(
        where,
        f"The value for the field '{field}' is a JSONata expression, which is only supported for the "
        "'JSONata' QueryLanguage",
        SCHEMA_VALIDATION_FAILED,
    )
