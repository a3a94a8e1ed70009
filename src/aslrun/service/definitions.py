"""Definitions as the API receives them (JSON text): read, validated, and refused as AWS refuses them.

The validator is aslrun's own (:mod:`aslrun.model.validate`, the one ``aslrun validate`` uses); here
its problems become what the API says: ``InvalidDefinition`` for CreateStateMachine /
UpdateStateMachine, and the ``diagnostics`` of ValidateStateMachineDefinition, with AWS's codes
and its ``/States/Name/Field`` locations.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import DefinitionError
from ..model.problems import INVALID_JSON_DESCRIPTION, SCHEMA_VALIDATION_FAILED, Problem
from .faults import ServiceError

__all__ = ["aws_location", "diagnostics", "read_definition"]

_INDEX = re.compile(r"\[(\d+)\]")


def diagnostics(text: str, *, max_results: int = 100) -> tuple[list[dict[str, Any]], bool]:
    """ValidateStateMachineDefinition's ``diagnostics`` (``{"severity", "code", "message",
    "location"}``, every problem an ERROR) and whether the list was cut short."""
    problems = _problems(text)[1]
    found = [_diagnostic(problem) for problem in problems]
    return found[:max_results], len(found) > max_results


def read_definition(text: str) -> dict[str, Any]:
    """The definition as a dict; InvalidDefinition naming every problem when it is not valid."""
    definition, problems = _problems(text)
    if problems:
        raise ServiceError("InvalidDefinition", "Invalid State Machine Definition: '"
                           + ", ".join(_describe(problem) for problem in problems) + "'")
    assert definition is not None
    return definition


def _problems(text: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    from ..model.loader import load_definition
    from ..model.validate import validate_definition

    try:
        definition = load_definition(text.encode("utf-8", "surrogatepass"))
    except DefinitionError as error:
        return None, [_as_problem(problem) for problem in error.problems]
    except (RecursionError, ValueError) as error:
        return None, [Problem("", f"the definition cannot be read: {error}", INVALID_JSON_DESCRIPTION)]
    try:
        found = validate_definition(definition)
    except RecursionError:
        found = [Problem("", "the definition is nested too deeply", SCHEMA_VALIDATION_FAILED)]
    return definition, [_as_problem(problem) for problem in found]


def _as_problem(problem: Any) -> Problem:
    if isinstance(problem, Problem):
        return problem
    return Problem("", str(problem), SCHEMA_VALIDATION_FAILED)


def aws_location(location: str) -> str:
    """``States.Map.Retry[0].ErrorEquals`` as AWS writes it: ``/States/Map/Retry/0/ErrorEquals``."""
    if not location:
        return "/"
    return "/" + _INDEX.sub(r".\1", location).replace(".", "/")


def _describe(problem: Problem) -> str:
    where = f" at {aws_location(problem.location)}" if problem.location else ""
    return f"{problem.code}: {problem.message}{where}"


def _diagnostic(problem: Problem) -> dict[str, Any]:
    out = {"severity": "ERROR", "code": problem.code, "message": problem.message}
    if problem.location:
        out["location"] = aws_location(problem.location)
    return out
