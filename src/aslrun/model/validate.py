"""``validate_definition``: every problem of a definition, found before anything runs.

Two passes over the same plain dict. The schema pass (:mod:`aslrun.model.schema`) checks types,
required fields and unknown fields against the pydantic models. The semantic pass below walks
each state machine scope (the top level, every Parallel branch, every Map item processor) and
checks what spans fields and states: ``StartAt`` and every ``Next``, ``Default`` and
``Catch[].Next`` name a state of the same scope, every state is reachable, some state ends the
scope, state names are unique in the whole definition and at most 80 characters, and each
state's own fields (:mod:`aslrun.model.state_checks`). The semantic pass tolerates whatever the
schema pass already reported, so one call lists every problem at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from aslrun.model.expression_checks import check_language_fields
from aslrun.model.languages import Language, machine_query_language, state_query_language
from aslrun.model.problems import (
    DUPLICATE_LABEL_NAME,
    DUPLICATE_STATE_NAME,
    INVALID_STATE_NAME,
    MISSING_END_STATE,
    MISSING_TRANSITION_TARGET,
    SCHEMA_VALIDATION_FAILED,
    Problem,
    join_location,
)
from aslrun.model.schema import schema_problems
from aslrun.model.state_checks import check_state_fields
from aslrun.model.states import STATE_TYPES

__all__ = ["MAX_STATE_NAME_LENGTH", "validate_definition"]

MAX_STATE_NAME_LENGTH = 80


def validate_definition(definition: Any) -> list[Problem]:
    """Every problem of ``definition`` (a loaded definition dict); ``[]`` when it is valid."""
    if not isinstance(definition, Mapping):
        return [Problem("", "a state machine definition must be a JSON object", SCHEMA_VALIDATION_FAILED)]
    problems = schema_problems(definition)
    _Walker(machine_query_language(definition), problems).scope(definition, "")
    return problems


class _Walker:
    """One validation run: the problems found and the names seen so far (they must be unique)."""

    def __init__(self, machine_language: Language, problems: list[Problem]) -> None:
        self.machine_language = machine_language
        self.problems = problems
        self.state_names: dict[str, str] = {}
        self.labels: dict[str, str] = {}

    def scope(self, machine: Mapping[str, Any], where: str) -> None:
        """Check one state machine object (top level, branch or item processor) and its states."""
        states = machine.get("States")
        if not isinstance(states, Mapping):
            return
        start_at = machine.get("StartAt")
        if isinstance(start_at, str) and start_at not in states:
            self._missing_target(join_location(where, "StartAt"), "StartAt", start_at)
        states_where = join_location(where, "States")
        for name, state in states.items():
            here = join_location(states_where, name)
            self._check_name(name, here)
            if isinstance(state, Mapping):
                self._state(name, state, here, states)
        if states:
            self._check_reachability(states, start_at, states_where)
            if not any(_is_terminal(state) for state in states.values()):
                self.problems.append(
                    Problem(states_where, "No terminal state: some state must be a Succeed or Fail state or "
                            "have \"End\": true", MISSING_END_STATE)
                )

    def _state(self, name: str, state: Mapping[str, Any], where: str, scope: Mapping[str, Any]) -> None:
        language = state_query_language(state, self.machine_language)
        check_language_fields(state, where, language, self.machine_language, self.problems)
        check_state_fields(state, where, language, self.problems)
        for field, target, target_where in _transitions(state, where):
            if target not in scope:
                self._missing_target(target_where, field, target)
        label = state.get("Label")
        if state.get("Type") == "Map" and isinstance(label, str):
            first = self.labels.setdefault(label, where)
            if first != where:
                self.problems.append(
                    Problem(join_location(where, "Label"), f"Duplicate Label name: {label} (also used by {first})",
                            DUPLICATE_LABEL_NAME)
                )
        for nested, nested_where in _nested_machines(state, where):
            self.scope(nested, nested_where)

    def _check_name(self, name: str, where: str) -> None:
        if not name:
            self.problems.append(Problem(where, "A state name cannot be empty", INVALID_STATE_NAME))
        elif len(name) > MAX_STATE_NAME_LENGTH:
            self.problems.append(
                Problem(where, f"State name '{name}' is longer than {MAX_STATE_NAME_LENGTH} characters",
                        INVALID_STATE_NAME)
            )
        first = self.state_names.setdefault(name, where)
        if first != where:
            self.problems.append(
                Problem(where, f"Duplicate State name: {name} (also at {first})", DUPLICATE_STATE_NAME)
            )

    def _missing_target(self, where: str, field: str, target: str) -> None:
        self.problems.append(
            Problem(where, f"Missing '{field}' target: no state named '{target}' in this scope",
                    MISSING_TRANSITION_TARGET)
        )

    def _check_reachability(self, states: Mapping[str, Any], start_at: Any, where: str) -> None:
        if not isinstance(start_at, str) or start_at not in states:
            return  # already reported; every state would look unreachable
        reached = {start_at}
        pending = [start_at]
        while pending:
            state = states[pending.pop()]
            if not isinstance(state, Mapping):
                continue
            for _, target, _ in _transitions(state, ""):
                if target in states and target not in reached:
                    reached.add(target)
                    pending.append(target)
        for name in states:
            if name not in reached:
                self.problems.append(
                    Problem(join_location(where, name), f"State '{name}' is not reachable", MISSING_TRANSITION_TARGET)
                )


def _transitions(state: Mapping[str, Any], where: str) -> Iterator[tuple[str, str, str]]:
    """``(field, target state name, location)`` for each transition a state declares."""
    next_state = state.get("Next")
    if isinstance(next_state, str) and state.get("Type") not in ("Choice", "Succeed", "Fail"):
        yield "Next", next_state, join_location(where, "Next")
    if state.get("Type") == "Choice":
        default = state.get("Default")
        if isinstance(default, str):
            yield "Default", default, join_location(where, "Default")
        choices = state.get("Choices")
        if isinstance(choices, list):
            for index, rule in enumerate(choices):
                target = rule.get("Next") if isinstance(rule, Mapping) else None
                if isinstance(target, str):
                    yield "Next", target, join_location(join_location(join_location(where, "Choices"), index), "Next")
    catchers = state.get("Catch")
    if isinstance(catchers, list) and state.get("Type") in ("Task", "Parallel", "Map"):
        for index, catcher in enumerate(catchers):
            target = catcher.get("Next") if isinstance(catcher, Mapping) else None
            if isinstance(target, str):
                yield "Next", target, join_location(join_location(join_location(where, "Catch"), index), "Next")


def _nested_machines(state: Mapping[str, Any], where: str) -> Iterator[tuple[Mapping[str, Any], str]]:
    kind = state.get("Type")
    if kind == "Map":
        for field in ("ItemProcessor", "Iterator"):
            processor = state.get(field)
            if isinstance(processor, Mapping):
                yield processor, join_location(where, field)
    elif kind == "Parallel":
        branches = state.get("Branches")
        if isinstance(branches, list):
            for index, branch in enumerate(branches):
                if isinstance(branch, Mapping):
                    yield branch, join_location(join_location(where, "Branches"), index)


def _is_terminal(state: Any) -> bool:
    if not isinstance(state, Mapping):
        return True  # malformed (already reported): do not add a terminal-state complaint on top
    if state.get("Type") not in STATE_TYPES or not isinstance(state.get("End", False), bool):
        return True  # the same: a wrong Type or End is reported, it is not also "no terminal state"
    return state.get("Type") in ("Succeed", "Fail") or state.get("End") is True
