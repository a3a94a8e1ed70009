"""Static checks of one state's fields that the schema alone cannot express.

``Next`` or ``End``; one field of each mutually exclusive pair (``TimeoutSeconds`` or
``TimeoutSecondsPath``...); a Wait's single duration field; Retry and Catch (``States.ALL``
alone, and in the last retrier or catcher); a Task's resource ARN and heartbeat below its
timeout; a Map's processor, distributed settings and label. Transitions between states and the
nested state machines are :mod:`aslrun.model.validate`'s.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeGuard

from aslrun.model.choice_checks import check_choice_rules
from aslrun.model.expression_checks import (
    check_nested_language_fields,
    check_path_field,
    check_state_expressions,
    check_template,
    jsonata_in_jsonpath,
)
from aslrun.model.languages import JSONPATH, Language
from aslrun.model.problems import (
    INVALID_LABEL_NAME,
    INVALID_RESOURCE,
    SCHEMA_VALIDATION_FAILED,
    Problem,
    join_location,
)
from aslrun.model.syntax import PathKind, is_jsonata

__all__ = ["FLOW_TYPES", "check_state_fields"]

#: State types that continue somewhere: each needs ``Next`` or ``"End": true``.
FLOW_TYPES = frozenset({"Pass", "Task", "Wait", "Parallel", "Map"})

#: ``arn:partition:service:region:account:resource`` (region and account may be empty).
_ARN = re.compile(r"^arn:[^:\s]+:[^:\s]+:[^:\s]*:[^:\s]*:\S+$")
_LABEL_MAX = 40
#: Characters AWS refuses in a Map Label (whitespace and control characters are checked apart).
_LABEL_FORBIDDEN = frozenset('<>{}[]?*"#%\\^|~`$&,;:/')


def check_state_fields(state: Mapping[str, Any], where: str, language: Language, problems: list[Problem]) -> None:
    """Every field-level check of ``state`` (a mapping; its ``Type`` says which apply)."""
    kind = state.get("Type")
    if not isinstance(kind, str):
        kind = None  # a Type of the wrong JSON type is the schema's problem; no type-specific checks
    if kind in FLOW_TYPES:
        _check_flow(state, where, problems)
    check_state_expressions(state, where, language, problems)
    if kind in ("Task", "Parallel", "Map"):
        _check_recovery(state, where, language, problems)
    if kind == "Task":
        _check_task(state, where, language, problems)
    elif kind == "Wait":
        _check_wait(state, where, problems)
    elif kind == "Fail":
        _exclusive(state, where, "Error", "ErrorPath", problems)
        _exclusive(state, where, "Cause", "CausePath", problems)
    elif kind == "Choice":
        check_choice_rules(state.get("Choices"), join_location(where, "Choices"), language, problems)
        if language == JSONPATH:
            _check_rule_templates(state.get("Choices"), join_location(where, "Choices"), problems)
    elif kind == "Map":
        _check_map(state, where, language, problems)


def _check_flow(state: Mapping[str, Any], where: str, problems: list[Problem]) -> None:
    has_next = "Next" in state
    ends = state.get("End") is True
    if has_next and ends:
        problems.append(Problem(where, "Fields 'Next' and 'End' are mutually exclusive", SCHEMA_VALIDATION_FAILED))
    elif not has_next and not ends:
        problems.append(
            Problem(where, "A state of this type needs either 'Next' or '\"End\": true'", SCHEMA_VALIDATION_FAILED)
        )


def _exclusive(obj: Mapping[str, Any], where: str, first: str, second: str, problems: list[Problem]) -> bool:
    """Report ``first`` and ``second`` both present; True when at most one is."""
    if first in obj and second in obj:
        problems.append(
            Problem(join_location(where, second), f"Fields '{first}' and '{second}' are mutually exclusive",
                    SCHEMA_VALIDATION_FAILED)
        )
        return False
    return True


def _check_recovery(state: Mapping[str, Any], where: str, language: Language, problems: list[Problem]) -> None:
    for field, role in (("Retry", "retrier"), ("Catch", "catcher")):
        handlers = state.get(field)
        if not isinstance(handlers, list):
            continue
        last = len(handlers) - 1
        for index, handler in enumerate(handlers):
            if not isinstance(handler, Mapping):
                continue
            here = join_location(join_location(where, field), index)
            errors = handler.get("ErrorEquals")
            if isinstance(errors, list) and "States.ALL" in errors:
                errors_where = join_location(here, "ErrorEquals")
                if len(errors) > 1:
                    problems.append(
                        Problem(errors_where, "'States.ALL' must be the only error name in its 'ErrorEquals'",
                                SCHEMA_VALIDATION_FAILED)
                    )
                if index != last:
                    problems.append(
                        Problem(errors_where, f"A {role} with 'States.ALL' must be the last one in '{field}'",
                                SCHEMA_VALIDATION_FAILED)
                    )
            if field == "Catch":
                _check_catcher(handler, here, language, problems)


def _check_catcher(catcher: Mapping[str, Any], where: str, language: Language, problems: list[Problem]) -> None:
    check_nested_language_fields(catcher, where, language, problems)
    if language == JSONPATH:
        result_path = catcher.get("ResultPath")
        if isinstance(result_path, str):
            check_path_field(result_path, "ResultPath", join_location(where, "ResultPath"), PathKind.RESULT, problems)
        check_template(catcher.get("Assign"), join_location(where, "Assign"), problems)


def _check_rule_templates(choices: Any, where: str, problems: list[Problem]) -> None:
    if isinstance(choices, list):
        for index, rule in enumerate(choices):
            if isinstance(rule, Mapping):
                check_template(rule.get("Assign"), join_location(join_location(where, index), "Assign"), problems)


def _check_task(state: Mapping[str, Any], where: str, language: Language, problems: list[Problem]) -> None:
    resource = state.get("Resource")
    if isinstance(resource, str) and not _ARN.match(resource):
        problems.append(
            Problem(join_location(where, "Resource"), f"Invalid Resource field: '{resource}' is not an ARN",
                    INVALID_RESOURCE)
        )
    timeout_alone = _exclusive(state, where, "TimeoutSeconds", "TimeoutSecondsPath", problems)
    heartbeat_alone = _exclusive(state, where, "HeartbeatSeconds", "HeartbeatSecondsPath", problems)
    timeout, heartbeat = state.get("TimeoutSeconds"), state.get("HeartbeatSeconds")
    if (
        timeout_alone
        and heartbeat_alone
        and _is_int(timeout)
        and _is_int(heartbeat)
        and heartbeat >= timeout
    ):
        problems.append(
            Problem(join_location(where, "HeartbeatSeconds"),
                    f"HeartbeatSeconds ({heartbeat}) must be smaller than TimeoutSeconds ({timeout})",
                    SCHEMA_VALIDATION_FAILED)
        )
    credentials = state.get("Credentials")
    if isinstance(credentials, Mapping):
        here = join_location(where, "Credentials")
        if "RoleArn" not in credentials and "RoleArn.$" not in credentials:
            problems.append(Problem(here, "These fields are required: [RoleArn]", SCHEMA_VALIDATION_FAILED))
        _exclusive(credentials, here, "RoleArn", "RoleArn.$", problems)
        if language == JSONPATH:
            check_template(credentials, here, problems)
        elif "RoleArn.$" in credentials:
            problems.append(Problem(join_location(here, "RoleArn.$"),
                                    "Field 'RoleArn.$' is not supported in a JSONata state", SCHEMA_VALIDATION_FAILED))


def _check_wait(state: Mapping[str, Any], where: str, problems: list[Problem]) -> None:
    present = [f for f in ("Seconds", "Timestamp", "SecondsPath", "TimestampPath") if f in state]
    if not present:
        problems.append(
            Problem(where, "A Wait state needs exactly one of these fields: [Seconds, Timestamp, SecondsPath, "
                    "TimestampPath]", SCHEMA_VALIDATION_FAILED)
        )
    elif len(present) > 1:
        problems.append(
            Problem(where, f"Fields {', '.join(repr(f) for f in present)} are mutually exclusive",
                    SCHEMA_VALIDATION_FAILED)
        )


def _check_map(state: Mapping[str, Any], where: str, language: Language, problems: list[Problem]) -> None:
    if "ItemProcessor" not in state and "Iterator" not in state:
        problems.append(Problem(where, "These fields are required: [ItemProcessor]", SCHEMA_VALIDATION_FAILED))
    _exclusive(state, where, "ItemProcessor", "Iterator", problems)
    _exclusive(state, where, "ItemSelector", "Parameters", problems)
    for field in ("MaxConcurrency", "ToleratedFailureCount", "ToleratedFailurePercentage"):
        _exclusive(state, where, field, field + "Path", problems)
    for processor_field in ("ItemProcessor", "Iterator"):
        processor = state.get(processor_field)
        if isinstance(processor, Mapping):
            config = processor.get("ProcessorConfig")
            if isinstance(config, Mapping) and config.get("Mode") == "DISTRIBUTED" and "ExecutionType" not in config:
                problems.append(
                    Problem(join_location(join_location(where, processor_field), "ProcessorConfig"),
                            "These fields are required: [ExecutionType]", SCHEMA_VALIDATION_FAILED)
                )
    label = state.get("Label")
    if isinstance(label, str):
        _check_label(label, join_location(where, "Label"), problems)
    _check_map_io(state, where, language, problems)


def _check_map_io(state: Mapping[str, Any], where: str, language: Language, problems: list[Problem]) -> None:
    """ItemReader, ItemBatcher and ResultWriter: their languages, paths and templates."""
    for field in ("ItemReader", "ItemBatcher", "ResultWriter"):
        obj = state.get(field)
        if not isinstance(obj, Mapping):
            continue
        here = join_location(where, field)
        check_nested_language_fields(obj, here, language, problems)
        reader_config = obj.get("ReaderConfig") if field == "ItemReader" else None
        parts: list[tuple[Mapping[str, Any], str]] = [(obj, here)]
        if isinstance(reader_config, Mapping):
            config_where = join_location(here, "ReaderConfig")
            check_nested_language_fields(reader_config, config_where, language, problems)
            parts.append((reader_config, config_where))
        for part, part_where in parts:
            for name in ("MaxItems", "MaxItemsPerBatch", "MaxInputBytesPerBatch"):
                if name in part:
                    _exclusive(part, part_where, name, name + "Path", problems)
                    if language == JSONPATH and is_jsonata(part[name]):
                        problems.append(jsonata_in_jsonpath(name, join_location(part_where, name)))
                path = part.get(name + "Path")
                if language == JSONPATH and isinstance(path, str):
                    check_path_field(path, name + "Path", join_location(part_where, name + "Path"),
                                     PathKind.REFERENCE, problems)
        if language == JSONPATH:
            check_template(obj.get("Parameters"), join_location(here, "Parameters"), problems)
            check_template(obj.get("BatchInput"), join_location(here, "BatchInput"), problems)


def _check_label(label: str, where: str, problems: list[Problem]) -> None:
    bad = sorted({c for c in label if c in _LABEL_FORBIDDEN or c.isspace() or _is_control(c)})
    if len(label) > _LABEL_MAX:
        problems.append(
            Problem(where, f"The Label '{label}' is longer than {_LABEL_MAX} characters", INVALID_LABEL_NAME)
        )
    if bad:
        shown = " ".join(repr(c) for c in bad)
        problems.append(Problem(where, f"The Label '{label}' contains characters AWS does not allow: {shown}",
                                INVALID_LABEL_NAME))


def _is_control(char: str) -> bool:
    code = ord(char)
    return code <= 0x1F or 0x7F <= code <= 0x9F


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
