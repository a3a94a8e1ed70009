"""Static analysis of a definition: what no execution can reach, without running anything.

    analysis = analyse(definition)       # a loaded definition dict (valid: StateMachine checked it)
    analysis.findings                    # [Finding(kind, state, location, message), ...]
    analysis.dead_edges                  # locations of transitions no input can take

Per scope (top level, Parallel branch, Map item processor):

1. *Dead transitions*: Choice rules no input can choose (:mod:`.rule_logic`), a ``Default`` no
   input reaches, Catch entries that can never match (:mod:`.error_sets`). Dead Retry entries
   are reported too (they are not transitions).
2. *Unreachable states*: AWS already refuses a state no transition names; these are the states
   that only dead transitions lead to. Everything inside an unreachable Parallel or Map is
   unreachable with it (reported once, at the state).
3. *Loops with no way out*: a set of reachable states that reach each other (a strongly connected
   component of the live transitions) with no transition leaving it and no state ending the scope.
   Only an error can end such a loop (a Task failing past its Catch, a Choice without ``Default``
   whose rules all fail); without one it runs until the 25,000-event history limit.
4. *Uncaught errors*: a Choice without ``Default`` whose rules may all be false fails with
   ``States.NoChoiceMatched``; reported when no Catch of an enclosing Parallel or Map takes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..engine.recovery import error_matches
from ..model.problems import join_location
from .error_sets import dead_entries
from .findings import Finding
from .flow import TERMINAL_TYPES, Edge, Scope, edges_of, scopes
from .rule_logic import judge_choice

__all__ = ["Analysis", "analyse"]


@dataclass
class Analysis:
    """The findings, and what the explorer needs to know of them."""

    findings: list[Finding] = field(default_factory=list)
    #: locations of transitions no input can take
    dead_edges: set[str] = field(default_factory=set)
    #: names of states no execution enters (nested states of unreachable ones included)
    unreachable: set[str] = field(default_factory=set)
    #: every declared transition, by scope order
    edges: list[Edge] = field(default_factory=list)
    #: every state name, with the scope holding it
    states: dict[str, Scope] = field(default_factory=dict)


def analyse(definition: Mapping[str, Any]) -> Analysis:
    """Every static finding of ``definition`` (see the module docstring)."""
    analysis = Analysis()
    for scope in scopes(definition):
        _analyse_scope(scope, analysis)
    order = list(KIND_ORDER)
    analysis.findings.sort(key=lambda f: order.index(f.kind))
    return analysis


KIND_ORDER = ("unreachable-state", "shadowed-rule", "dead-default", "dead-catch", "dead-retry", "endless-loop",
              "uncaught-error")


def _analyse_scope(scope: Scope, analysis: Analysis) -> None:
    findings = analysis.findings
    live: dict[str, list[Edge]] = {}
    none_match: dict[str, bool | None] = {}
    for name, state in scope.states.items():
        analysis.states[name] = scope
        where = scope.location(name)
        edges = edges_of(name, state, where)
        analysis.edges.extend(edges)
        dead: set[str] = set()
        if state.get("Type") == "Choice":
            dead |= _judge_choice(name, state, where, findings, none_match)
        for field_name in ("Retry", "Catch"):
            for entry in dead_entries(state.get(field_name) or [], state, field_name):
                location = join_location(join_location(where, field_name), entry.index)
                findings.append(Finding(f"dead-{field_name.lower()}", name, location,
                                        f"{field_name}[{entry.index}] of '{name}' can never match: {entry.reason}"))
                if field_name == "Catch":
                    dead.add(location)
        analysis.dead_edges |= dead
        live[name] = [edge for edge in edges if edge.location not in dead]

    if scope.owner is not None and scope.owner in analysis.unreachable:
        analysis.unreachable |= set(scope.states)
        return
    reached = _reached(scope.start_at, live)
    for name in scope.states:
        if name not in reached:
            analysis.unreachable.add(name)
            findings.append(Finding("unreachable-state", name, scope.location(name),
                                    f"'{name}' is never entered: {_why_unreachable(name, scope, analysis)}"))
    for component in _components(reached, live):
        _judge_loop(component, scope, live, none_match, findings)
    for name, maybe in none_match.items():
        state = scope.states[name]
        if name in reached and "Default" not in state and maybe is not False:
            catcher = _enclosing_catcher(scope, "States.NoChoiceMatched", analysis.dead_edges)
            if catcher is None:
                findings.append(Finding(
                    "uncaught-error", name, scope.location(name),
                    f"'{name}' has no Default and its rules may all be false: the "
                    f"{'execution' if scope.owner is None else 'branch'} would then fail with States.NoChoiceMatched, "
                    "which no Catch takes"))


def _judge_choice(name: str, state: Mapping[str, Any], where: str, findings: list[Finding],
                  none_match: dict[str, bool | None]) -> set[str]:
    verdict = judge_choice(state.get("Choices") or [])
    none_match[name] = verdict.none_match
    dead: set[str] = set()
    for index, by in verdict.shadowed_by.items():
        location = join_location(join_location(where, "Choices"), index)
        dead.add(location)
        if not by:
            why = "no input satisfies it"
        elif len(by) == 1:
            why = f"every input it matches is matched first by Choices[{by[0]}]"
        else:
            why = "every input it matches is matched first by " + ", ".join(f"Choices[{i}]" for i in by) + " together"
        findings.append(Finding("shadowed-rule", name, location, f"Choices[{index}] of '{name}' is never chosen: {why}"))
    if "Default" in state and verdict.none_match is False:
        location = join_location(where, "Default")
        dead.add(location)
        findings.append(Finding("dead-default", name, location,
                                f"the Default of '{name}' is never taken: for every input some rule is true "
                                "(or a rule's path is missing, a States.Runtime error)"))
    return dead


def _reached(start: str, live: dict[str, list[Edge]]) -> set[str]:
    reached = {start} if start in live else set()
    pending = list(reached)
    while pending:
        for edge in live[pending.pop()]:
            if edge.target is not None and edge.target in live and edge.target not in reached:
                reached.add(edge.target)
                pending.append(edge.target)
    return reached


def _why_unreachable(name: str, scope: Scope, analysis: Analysis) -> str:
    into = [edge for edge in analysis.edges if edge.target == name and edge.source in scope.states]
    if into and all(edge.location in analysis.dead_edges or edge.source in analysis.unreachable for edge in into):
        return "every transition into it is dead (" + ", ".join(edge.location for edge in into) + ")"
    return "no transition from the start leads to it"


def _components(nodes: set[str], live: dict[str, list[Edge]]) -> list[list[str]]:
    """Strongly connected components (Tarjan, iterative) among ``nodes``, in a repeatable order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = [e.target for e in live[node] if e.target in nodes]
            if i < len(targets):
                work.append((node, i + 1))
                target = targets[i]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                found.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def _judge_loop(component: list[str], scope: Scope, live: dict[str, list[Edge]], none_match: dict[str, bool | None],
                findings: list[Finding]) -> None:
    members = set(component)
    cyclic = len(component) > 1 or any(edge.target == component[0] for edge in live[component[0]])
    if not cyclic:
        return
    for name in component:
        if scope.states[name].get("Type") in TERMINAL_TYPES:
            return
        if any(edge.target is None or edge.target not in members for edge in live[name]):
            return
    errors = []
    for name in component:
        state = scope.states[name]
        if state.get("Type") in ("Task", "Parallel", "Map"):
            errors.append(f"'{name}' failing with an error its Catch does not take")
        elif state.get("Type") == "Choice" and "Default" not in state and none_match.get(name) is not False:
            errors.append(f"'{name}' matching no rule (States.NoChoiceMatched)")
    ending = ("only an error ends it: " + "; ".join(errors)) if errors else \
        "nothing ends it but the execution's 25,000-event history limit or its timeout"
    first = component[0]
    findings.append(Finding("endless-loop", first, scope.location(first),
                            f"{', '.join(repr(n) for n in component)} loop with no way out (no transition leaves "
                            f"them and none ends the {'execution' if scope.owner is None else 'branch'}); {ending}"))


def _enclosing_catcher(scope: Scope, error: str, dead_edges: set[str]) -> str | None:
    """The location of the first live Catch entry around ``scope`` that takes ``error``, if any."""
    for where, catchers in scope.enclosing:
        for index, catcher in enumerate(catchers):
            location = join_location(where, index)
            if location not in dead_edges and error_matches(tuple(catcher.get("ErrorEquals") or []), error):
                return location
    return None
