"""What can be covered in a state machine: its states and its transitions, read from the definition.

A transition is one field of the definition that moves an execution on, so every one can be named
where the definition writes it:

=================  ===========================================  =====================================
field              where                                        target
=================  ===========================================  =====================================
``Next``           any state with ``Next``                      that state
``End``            any state with ``"End": true``               none: the branch ends
``Choices[i]``     rule ``i`` of a Choice                       the rule's ``Next``
``Default``        a Choice's ``Default``                       that state
``Retry[i]``       Retry entry ``i`` fired (the state ran again) the state itself
``Catch[i]``       Catch entry ``i`` caught the state's error   the catcher's ``Next``
=================  ===========================================  =====================================

Succeed and Fail states have no transition (entering them is what there is to cover). States inside
a Parallel branch or a Map's item processor (``Iterator``) are part of the same machine, keyed by
their path: ``Outer/Branches/0/Inner``, ``Outer/ItemProcessor/Inner`` (top-level states: their name).
A state machine started by a Task (``states:startExecution``) is a machine of its own.

The :attr:`MachineModel.digest` identifies a machine's shape (its states, their types and the
transitions above), so runs of the same machine loaded with other substitutions (resources,
parameters) count as one machine, and a changed shape as another.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["MachineModel", "StateNode", "Transition", "machine_model", "nested_prefixes"]


@dataclass(frozen=True)
class StateNode:
    """One state: ``key`` (its path), ``name``, ``type``, and ``scope``, the path of the branch it is in
    (``""`` at the top level, ``"Outer/Branches/0"`` in a Parallel's first branch)."""

    key: str
    name: str
    type: str
    scope: str


@dataclass(frozen=True)
class Transition:
    """One transition: from the state ``source`` (a key) through its ``field`` to ``target`` (a key;
    None for ``End``); ``errors`` are a Retry or Catch entry's ``ErrorEquals``."""

    source: str
    field: str
    target: str | None
    errors: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.field)

    @property
    def kind(self) -> str:
        """``next``, ``end``, ``choice``, ``default``, ``retry`` or ``catch``."""
        head = self.field.split("[", 1)[0]
        return {"Choices": "choice", "Retry": "retry", "Catch": "catch"}.get(head, head.lower())

    def describe(self, source_name: str, target_name: str | None) -> str:
        """``IsValid Choices[0] -> Bill``, ``Charge Catch[0] [States.ALL] -> Failed``, ``Done End``."""
        errors = f" [{', '.join(self.errors)}]" if self.errors else ""
        if self.target is None:
            return f"{source_name} {self.field}"
        if self.kind == "retry":
            return f"{source_name} {self.field}{errors}"
        return f"{source_name} {self.field}{errors} -> {target_name}"


class MachineModel:
    """The states and transitions of one machine, in the definition's order."""

    def __init__(self, name: str, definition: Mapping[str, Any], states: list[StateNode],
                 transitions: list[Transition]) -> None:
        self.name = name
        self.definition = definition
        self.states: dict[str, StateNode] = {node.key: node for node in states}
        self.transitions: dict[tuple[str, str], Transition] = {edge.key: edge for edge in transitions}
        shape = [[n.key, n.type] for n in states] + [[e.source, e.field, e.target, list(e.errors)] for e in transitions]
        self.digest = hashlib.sha256(json.dumps(shape, separators=(",", ":")).encode()).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"<MachineModel {self.name} {len(self.states)} states, {len(self.transitions)} transitions>"

    def describe(self, edge: Transition) -> str:
        """A transition in words, with the states' names."""
        target = self.states[edge.target].name if edge.target in self.states else edge.target
        return edge.describe(self.states[edge.source].name, target)

    def transitions_from(self, key: str) -> list[Transition]:
        return [edge for edge in self.transitions.values() if edge.source == key]


def machine_model(definition: Mapping[str, Any], name: str = "StateMachine") -> MachineModel:
    """The coverage model of a (valid) definition."""
    states: list[StateNode] = []
    transitions: list[Transition] = []
    _walk(definition, "", states, transitions)
    return MachineModel(name, definition, states, transitions)


def nested_prefixes(name: str, spec: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The branches nested in a state: (their key prefix, their definition), Parallel branches in order,
    then a Map's item processor."""
    branches = spec.get("Branches")
    if isinstance(branches, list):
        for i, branch in enumerate(branches):
            if isinstance(branch, Mapping):
                yield f"{prefix}{name}/Branches/{i}/", branch
    for field in ("ItemProcessor", "Iterator"):
        processor = spec.get(field)
        if isinstance(processor, Mapping):
            yield f"{prefix}{name}/{field}/", processor
            return


def _walk(branch: Mapping[str, Any], prefix: str, states: list[StateNode], transitions: list[Transition]) -> None:
    scope = prefix[:-1]
    for name, spec in (branch.get("States") or {}).items():
        if not isinstance(spec, Mapping):
            continue
        key = prefix + name
        states.append(StateNode(key, name, str(spec.get("Type")), scope))
        transitions.extend(_transitions(key, spec, prefix))
        for inner_prefix, inner in nested_prefixes(name, spec, prefix):
            _walk(inner, inner_prefix, states, transitions)


def _transitions(key: str, spec: Mapping[str, Any], prefix: str) -> Iterator[Transition]:
    """A state's transitions in the order its definition lists them: rules, Default, Next/End, Retry,
    Catch."""
    if spec.get("Type") == "Choice":
        for i, rule in enumerate(spec.get("Choices") or ()):
            if isinstance(rule, Mapping) and isinstance(rule.get("Next"), str):
                yield Transition(key, f"Choices[{i}]", prefix + rule["Next"])
        if isinstance(spec.get("Default"), str):
            yield Transition(key, "Default", prefix + spec["Default"])
    if isinstance(spec.get("Next"), str) and spec.get("Type") != "Choice":
        yield Transition(key, "Next", prefix + spec["Next"])
    if spec.get("End") is True:
        yield Transition(key, "End", None)
    for i, retrier in enumerate(spec.get("Retry") or ()):
        if isinstance(retrier, Mapping):
            yield Transition(key, f"Retry[{i}]", key, tuple(retrier.get("ErrorEquals") or ()))
    for i, catcher in enumerate(spec.get("Catch") or ()):
        if isinstance(catcher, Mapping) and isinstance(catcher.get("Next"), str):
            yield Transition(key, f"Catch[{i}]", prefix + catcher["Next"], tuple(catcher.get("ErrorEquals") or ()))
