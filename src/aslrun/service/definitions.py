"""Definitions as the API receives them (JSON text): read, validated, and refused as AWS refuses them.

The validator is aslrun's own (:mod:`aslrun.model.validate`, the one ``aslrun validate`` uses); here
its problems become what the API says: ``InvalidDefinition`` for CreateStateMachine /
UpdateStateMachine, and the ``diagnostics`` of ValidateStateMachineDefinition, with AWS's codes
and its ``/States/Name/Field`` locations. Two things only the service knows are added here:

* text that is not JSON is described as AWS's JSON reader (Jackson) describes it, with the place
  ``[Source: (String)"..."; line: L, column: C]`` as its location;
* an EXPRESS machine may not wait: AWS refuses ``.sync`` and ``.waitForTaskToken`` integrations and
  activities in it (which the engine alone, not knowing the machine's type, cannot tell).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .. import jackson
from ..errors import DefinitionError
from ..model.problems import INVALID_JSON_DESCRIPTION, SCHEMA_VALIDATION_FAILED, Problem
from .faults import ServiceError

__all__ = ["Diagnostic", "aws_location", "diagnostics", "read_definition"]

_INDEX = re.compile(r"\[(\d+)\]")
_REQUIRED = re.compile(r"^These fields are required: \[(.*)\]$")
_ACTIVITY = re.compile(r"^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:activity:")
_SYNC = re.compile(r"\.sync(:\d+)?$")


@dataclass(frozen=True)
class Diagnostic:
    """One problem as the API reports it: AWS's ``code``, its ``message`` and ``location`` (a JSON
    pointer such as ``/States/Publish/Resource``, Jackson's ``[Source: ...]`` for text that is not
    JSON, or None where AWS names no place)."""

    code: str
    message: str
    location: str | None

    def as_member(self) -> dict[str, Any]:
        """The ``diagnostics`` item of ValidateStateMachineDefinition."""
        out = {"severity": "ERROR", "code": self.code, "message": self.message}
        if self.location is not None:
            out["location"] = self.location
        return out

    def described(self) -> str:
        """As InvalidDefinition words it: ``CODE: message at /location`` (Jackson's messages end
        with their place already)."""
        if self.location is None or self.message.endswith(self.location):
            return f"{self.code}: {self.message}"
        return f"{self.code}: {self.message} at {self.location}"


def diagnostics(text: str, *, kind: str = "STANDARD", max_results: int = 100) -> tuple[list[dict[str, Any]], bool]:
    """ValidateStateMachineDefinition's ``diagnostics`` (every problem an ERROR) for a machine of
    type ``kind``, and whether the list was cut short at ``max_results``."""
    found = [diagnostic.as_member() for diagnostic in _diagnose(text, kind)[1]]
    return found[:max_results], len(found) > max_results


def read_definition(text: str, kind: str = "STANDARD") -> dict[str, Any]:
    """The definition as a dict; InvalidDefinition naming every problem when it is not valid for a
    machine of type ``kind``."""
    definition, found = _diagnose(text, kind)
    if found:
        raise ServiceError("InvalidDefinition", "Invalid State Machine Definition: '"
                           + ", ".join(diagnostic.described() for diagnostic in found) + "'")
    assert definition is not None
    return definition


def _diagnose(text: str, kind: str) -> tuple[dict[str, Any] | None, list[Diagnostic]]:
    from ..model.known_valid import definition_problems
    from ..model.loader import load_definition

    not_json = _json_syntax(text)
    if not_json is not None:
        return None, [not_json]
    try:
        definition = load_definition(text.encode("utf-8", "surrogatepass"))
    except DefinitionError as error:
        return None, [_from_problem(problem) for problem in error.problems]
    except (RecursionError, ValueError) as error:
        return None, [Diagnostic(INVALID_JSON_DESCRIPTION, f"the definition cannot be read: {error}", None)]
    try:
        found = [_from_problem(problem) for problem in definition_problems(definition)]
    except RecursionError:
        found = [Diagnostic(SCHEMA_VALIDATION_FAILED, "the definition is nested too deeply", None)]
    if kind == "EXPRESS":
        found += list(_express_problems(definition, ""))
    return definition, found


def _from_problem(problem: Any) -> Diagnostic:
    if not isinstance(problem, Problem):
        return Diagnostic(SCHEMA_VALIDATION_FAILED, str(problem), "/")
    if problem.location == "" and "must be a JSON object" in problem.message:
        return Diagnostic(SCHEMA_VALIDATION_FAILED, "Definition must be a valid JSON object", None)
    location = aws_location(problem.location)
    if problem.message.startswith("'QueryLanguage' can not be") and location.endswith("/QueryLanguage"):
        location = location.rsplit("/", 1)[0]  # AWS points at the state, not at its field
    return Diagnostic(problem.code, _aws_order(problem.message), location)


def _aws_order(message: str) -> str:
    """AWS lists a state machine's missing fields as ``[States, StartAt]``: States first."""
    match = _REQUIRED.match(message)
    if match is None:
        return message
    fields = match.group(1).split(", ")
    fields.sort(key=lambda field: field != "States")  # stable: only States moves
    return f"These fields are required: [{', '.join(fields)}]"


def aws_location(location: str) -> str:
    """``States.Map.Retry[0].ErrorEquals`` as AWS writes it: ``/States/Map/Retry/0/ErrorEquals``."""
    if not location:
        return "/"
    return "/" + _INDEX.sub(r".\1", location).replace(".", "/")


# -- text that is not JSON ------------------------------------------------------------------------------

def _json_syntax(text: str) -> Diagnostic | None:
    """None when ``text`` is JSON; else AWS's diagnostic: a blank text is not a JSON object, other
    text is described as Jackson describes what it could not read."""
    if not text.strip():
        return Diagnostic(SCHEMA_VALIDATION_FAILED, "Definition must be a valid JSON object", None)
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        return _jackson(text, error)
    except (RecursionError, ValueError):
        return None  # readable, just too deep or odd for json: the loader words those
    return None


def _jackson(text: str, error: json.JSONDecodeError) -> Diagnostic:
    """Python's reading of the error, in the words of Step Functions' JSON reader (:mod:`aslrun.jackson`)."""
    message, location = jackson.describe(text, error, source="String")
    return Diagnostic(INVALID_JSON_DESCRIPTION, f"{message}\n at {location}", location)


# -- what an EXPRESS machine may not do -------------------------------------------------------------------

def _express_problems(machine: Mapping[str, Any], where: str) -> Iterator[Diagnostic]:
    """Each Task of ``machine`` (and of the branches and iterations inside it) that would wait: an
    EXPRESS machine runs at most five minutes and keeps no callbacks, so AWS refuses them."""
    states = machine.get("States")
    if not isinstance(states, Mapping):
        return
    for name, state in states.items():
        if not isinstance(state, Mapping):
            continue
        here = f"{where}/States/{name}"
        resource = state.get("Resource")
        if state.get("Type") == "Task" and isinstance(resource, str):
            why = _express_refusal(resource)
            if why is not None:
                yield Diagnostic(SCHEMA_VALIDATION_FAILED, why, f"{here}/Resource")
        branches = state.get("Branches")
        for index, branch in enumerate(branches if isinstance(branches, list) else []):
            if isinstance(branch, Mapping):
                yield from _express_problems(branch, f"{here}/Branches/{index}")
        for field in ("ItemProcessor", "Iterator"):
            nested = state.get(field)
            if isinstance(nested, Mapping):
                yield from _express_problems(nested, f"{here}/{field}")


def _express_refusal(resource: str) -> str | None:
    """AWS's words for a Task resource an EXPRESS machine may not use (None: it may)."""
    if resource.endswith(".waitForTaskToken"):
        return "Express state machine does not support '.waitForTaskToken' service integration "  # sic: the space
    if _SYNC.search(resource):
        return "Express state machine does not support '.sync' service integration"
    if _ACTIVITY.match(resource):
        return "Express state machine does not support Activity ARN"
    return None
