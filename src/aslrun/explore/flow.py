"""The transitions a definition declares, scope by scope, each with the place it is written.

A *scope* is one state machine object: the top level, a Parallel branch or a Map item processor.
Transitions never cross scopes; an error that no Catch of its scope handles leaves the scope and
fails the Parallel or Map state around it, whose own Catch list gets the next chance. So each
scope remembers the Catch lists around it (innermost first).

An :class:`Edge` is what coverage counts as a transition: a ``Next``, a Choice rule or its
``Default``, a Catch entry, or ``End`` (the state ends its scope; ``target`` is None).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..model.problems import join_location

__all__ = ["Edge", "Scope", "edges_of", "scopes", "TERMINAL_TYPES"]

#: state types that end their scope by themselves
TERMINAL_TYPES = ("Succeed", "Fail")


@dataclass(frozen=True)
class Edge:
    """One declared transition of a state.

    ``kind`` is ``"next"``, ``"choice"`` (``index`` is the rule's), ``"default"``, ``"catch"``
    (``index`` is the Catch entry's) or ``"end"``."""

    source: str
    target: str | None
    kind: str
    location: str
    index: int | None = None

    def label(self) -> str:
        """How a person names the edge: ``Check -> Big (Choices[0])``."""
        what = {"next": "Next", "default": "Default", "end": "End"}.get(self.kind)
        if what is None:
            what = f"{'Choices' if self.kind == 'choice' else 'Catch'}[{self.index}]"
        return f"{self.source} -> {self.target or '(end)'} ({what})"


@dataclass
class Scope:
    """One state machine object and where it sits."""

    where: str  # location of the object ("" for the top level)
    start_at: str
    states: Mapping[str, Mapping[str, Any]]
    #: the Catch lists of the Parallel/Map states around this scope, innermost first, with their location
    enclosing: list[tuple[str, list[Mapping[str, Any]]]] = field(default_factory=list)
    #: the Parallel/Map state holding this scope (None at the top level)
    owner: str | None = None

    def location(self, state: str) -> str:
        return join_location(join_location(self.where, "States"), state)


def scopes(definition: Mapping[str, Any]) -> Iterator[Scope]:
    """Every scope of ``definition``, the top level first, nested ones after their owner's scope."""
    yield from _walk(definition, "", [], None)


def _walk(machine: Mapping[str, Any], where: str, enclosing: list[tuple[str, list[Mapping[str, Any]]]],
          owner: str | None) -> Iterator[Scope]:
    states = machine.get("States") or {}
    scope = Scope(where, str(machine.get("StartAt")), states, list(enclosing), owner)
    yield scope
    for name, state in states.items():
        here = scope.location(name)
        catchers = state.get("Catch") or []
        inner = [(join_location(here, "Catch"), list(catchers))] + enclosing
        if state.get("Type") == "Parallel":
            for index, branch in enumerate(state.get("Branches") or []):
                yield from _walk(branch, join_location(join_location(here, "Branches"), index), inner, name)
        elif state.get("Type") == "Map":
            for key in ("ItemProcessor", "Iterator"):
                if isinstance(state.get(key), Mapping):
                    yield from _walk(state[key], join_location(here, key), inner, name)


def edges_of(name: str, state: Mapping[str, Any], where: str) -> list[Edge]:
    """The transitions ``state`` declares (``where`` is the state's location)."""
    kind = state.get("Type")
    edges: list[Edge] = []
    if kind == "Choice":
        for index, rule in enumerate(state.get("Choices") or []):
            edges.append(Edge(name, rule.get("Next"), "choice", join_location(join_location(where, "Choices"), index),
                              index))
        if isinstance(state.get("Default"), str):
            edges.append(Edge(name, state["Default"], "default", join_location(where, "Default")))
    elif kind not in TERMINAL_TYPES:
        if state.get("End") is True:
            edges.append(Edge(name, None, "end", join_location(where, "End")))
        elif isinstance(state.get("Next"), str):
            edges.append(Edge(name, state["Next"], "next", join_location(where, "Next")))
    if kind in ("Task", "Parallel", "Map"):
        for index, catcher in enumerate(state.get("Catch") or []):
            edges.append(Edge(name, catcher.get("Next"), "catch", join_location(join_location(where, "Catch"), index),
                              index))
    return edges
