"""The search: run the machine on generated inputs and mocked Task results until every state and
transition that can be reached has been, keeping each run that reached something new.

    found = search(machine, bindings=..., schema=..., examples=[...], max_examples=200, seed=0)
    found.runs          # [Run(input, mocks, check, new)] in the order they were found
    found.covered       # coverage keys reached (states by key, transitions by (key, field))
    found.unreached     # [(key, reason)]: statically dead (and why) or not reached by any run

What counts is :mod:`aslrun.coverage`'s model, measured by its recorder around each run, so
explore and ``pytest --aslrun-cov`` agree on what was reached. Targets the static analysis
(:mod:`.static`) proves dead are not searched for. Each run is an ordinary test run (frozen
clock, seed 0, :func:`aslrun.testing.run_machine` with inline mocks), so a kept run replays
exactly as a scenario file. Hypothesis drives the search with a fixed seed (same seed, same
runs) and ``target()`` steers it toward runs that reach more.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..coverage import CoverageRecorder, MachineModel, machine_model
from ..errors import AslrunError, InputError
from .error_sets import impossible_errors
from .flow import Scope
from .shapes import MachineShapes, read_shapes, tree
from .static import Analysis, analyse
from .strategies import LAST_INVOCATION, input_strategy, mock_strategy, task_mock_strategies

__all__ = ["Run", "Search", "search", "task_facts"]

Key = Any  # a state key (str) or a transition key ((state key, field))


@dataclass
class Run:
    """One kept run: what it was given, what it did, what it reached first."""

    input: Any
    mocks: dict[str, Any]  # as used: each cut to the invocations made
    check: Any  # aslrun.testing.ExecutionCheck
    new: list[Key]
    #: everything the run reached, and the mocks as drawn (the second phase varies them)
    reached: set[Key] = field(default_factory=set)
    drawn_mocks: dict[str, Any] = field(default_factory=dict)


@dataclass
class Search:
    model: MachineModel
    analysis: Analysis
    runs: list[Run] = field(default_factory=list)
    covered: set[Key] = field(default_factory=set)
    #: statically dead targets, with why
    dead: dict[Key, str] = field(default_factory=dict)
    attempts: int = 0
    #: targets reached before the search (a test suite's coverage data): not searched for again
    baseline: set[Key] = field(default_factory=set)

    @property
    def reached(self) -> set[Key]:
        """Reached by the baseline or by a run."""
        return self.covered | self.baseline

    @property
    def targets(self) -> list[Key]:
        return list(self.model.states) + list(self.model.transitions)

    @property
    def unreached(self) -> list[tuple[Key, str]]:
        """What no run reached, each with the reason when the analysis knows it."""
        return [(key, self.dead.get(key, "")) for key in self.targets if key not in self.reached]

    def describe(self, key: Key) -> str:
        if isinstance(key, tuple):
            return self.model.describe(self.model.transitions[key])
        return f"state {self.model.states[key].name}"


class _AllReached(Exception):
    """Every target the analysis does not rule out has been reached: stop the search."""


class _Stalled(Exception):
    """The fresh draws stopped finding anything: go on to varying the kept runs."""


#: fresh draws in a row that reach nothing new before the first phase gives way to the second
STALL = 50


def search(machine: Any, *, bindings: Any = None, schema: Any = None, examples: Sequence[Any] = (),
           max_examples: int = 200, seed: int = 0, reached_before: Any = None) -> Search:
    """Search inputs and mocks for ``machine`` (a StateMachine); see the module docstring.

    ``reached_before`` (:class:`aslrun.coverage.CoverageData`, e.g. read from what
    ``pytest --aslrun-cov`` wrote) holds what a test suite already reaches: only runs reaching
    something else are kept. ``max_examples`` bounds each of the two phases: fresh draws (which give
    way after :data:`STALL` runs in a row reach nothing new), then kept runs with one Task's mock
    drawn again."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings, target
    from hypothesis import seed as seed_of
    from hypothesis import strategies as st
    from hypothesis.errors import Unsatisfiable

    definition = machine.definition
    model = machine_model(definition, machine.name)
    found = Search(model, analyse(definition))
    found.dead = _dead_keys(found.analysis, model)
    shapes = read_shapes(definition)
    tasks = task_facts(machine, found.analysis, bindings)
    found.baseline = _baseline(reached_before, model)
    wanted = set(found.targets) - set(found.dead) - found.baseline

    fruitless = [0]  # runs in a row that reached nothing new

    def attempt(document: Any, mocks: dict[str, Any]) -> int:
        found.attempts += 1
        fruitless[0] += 1
        check, reached = _run(machine, model, document, mocks, bindings)
        if check is None:
            return 0
        new = [key for key in found.targets if key in reached and key not in found.reached]
        if new:
            fruitless[0] = 0
            found.covered |= set(new)
            used = _used_mocks(mocks, check)
            in_order = {name: used[name] for name in tasks if name in used}  # the definition's order
            found.runs.append(Run(document, in_order, check, new, reached, dict(mocks)))
        return len(new)

    for example in examples:
        attempt(example, _default_mocks(tasks, shapes))
    if wanted <= found.covered:
        return found

    @settings(max_examples=max_examples, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet)
    @seed_of(seed)
    @given(input_strategy(shapes, schema=schema, examples=examples), mock_strategy(tasks, shapes))
    def probe(document: Any, mocks: dict[str, Any]) -> None:
        target(float(attempt(document, mocks)))
        if wanted <= found.covered:
            raise _AllReached
        if fruitless[0] >= STALL and found.runs:
            raise _Stalled

    per_task = task_mock_strategies(tasks, shapes)
    names = sorted(per_task)

    @settings(max_examples=max_examples, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet)
    @seed_of(seed)
    @given(st.data())
    def vary(data: Any) -> None:
        # what to draw must not depend on the runs kept so far (they change): draw wide numbers, then pick
        open_edges = _open_transitions(found, model)
        pick = data.draw(st.integers(0, 1 << 16), label="edge")
        edge = open_edges[pick % len(open_edges)] if open_edges else None
        frontier = [run for run in found.runs if edge is not None and edge.source in run.reached] or found.runs
        run = frontier[data.draw(st.integers(0, 1 << 16), label="run") % len(frontier)]
        own = data.draw(st.booleans(), label="own task")
        task = data.draw(st.sampled_from(names), label="task")
        drawn = data.draw(st.fixed_dictionaries(per_task), label="mocks")  # every Task's: which one is used
        source = model.states[edge.source].name if edge is not None else None  # depends on the runs kept
        if own and source in per_task:  # a Retry or Catch of a Task: its own answer decides
            task = source
        mocks = dict(run.drawn_mocks)
        mock = drawn[task]
        if mock is None:
            mocks.pop(task, None)
        else:
            mocks[task] = mock
        target(float(attempt(run.input, mocks)))
        if wanted <= found.covered:
            raise _AllReached

    try:
        try:
            probe()
        except _Stalled:
            pass
        except Unsatisfiable:
            raise InputError("--input-schema: none of the values drawn for it passed its own validation "
                             "(a schema nothing satisfies, or one this generator cannot meet); loosen it") from None
        if found.runs and names:  # second phase: a kept run with one Task's mock drawn again
            vary()
    except _AllReached:
        pass
    return found


def _baseline(data: Any, model: MachineModel) -> set[Key]:
    """What ``data`` (CoverageData) records as reached in this machine (same name and shape)."""
    if data is None:
        return set()
    reached: set[Key] = set()
    for record in data:
        if record.model.digest == model.digest and record.name == model.name:
            reached |= {key for key, count in record.entered.items() if count}
            reached |= {key for key, count in record.taken.items() if count}
    return reached


def _open_transitions(found: Search, model: MachineModel) -> list[Any]:
    """Transitions not yet taken (nor ruled out) whose state some kept run entered: changing one Task's
    answer in that run is the shortest way to them."""
    entered = set().union(*(run.reached for run in found.runs)) if found.runs else set()
    return [edge for key, edge in model.transitions.items()
            if key not in found.reached and key not in found.dead and edge.source in entered]


def _run(machine: Any, model: MachineModel, document: Any, mocks: dict[str, Any], bindings: Any) -> tuple[Any, set[Key]]:
    from ..testing import run_machine

    recorder = CoverageRecorder()
    try:
        with recorder:
            check = run_machine(machine, document, handlers=bindings, mocks=mocks or None, check_bindings=False)
    except AslrunError:  # an input the engine refuses before running (too deep, not JSON...)
        return None, set()
    return check, _baseline(recorder.data, model)


def task_facts(machine: Any, analysis: Analysis, bindings: Any) -> dict[str, dict[str, Any]]:
    """Per Task state: whether a handler (or emulation) serves it, and the error names of its own and
    its enclosing states' Retry and Catch entries."""
    from ..bindings import Bindings

    given = bindings if isinstance(bindings, Bindings) else Bindings(bindings)
    unbound = {match.group(1) for message in machine.unbound_resources(given)
               if (match := re.match(r"state '(.+?)':", message))}
    facts: dict[str, dict[str, Any]] = {}
    for name, scope in analysis.states.items():
        state = scope.states[name]
        if state.get("Type") != "Task":
            continue
        errors: list[str] = []
        for holder in [state, *_owners(scope, analysis)]:
            impossible = impossible_errors(holder)  # a mock throwing one would reach what cannot happen
            for field_name in ("Retry", "Catch"):
                for entry in holder.get(field_name) or []:
                    errors.extend(str(e) for e in entry.get("ErrorEquals") or [] if str(e) not in impossible)
        facts[name] = {"bound": name not in unbound, "errors": errors}
    return facts


def _owners(scope: Scope, analysis: Analysis) -> list[Mapping[str, Any]]:
    out = []
    while scope.owner is not None:
        outer = analysis.states[scope.owner]
        out.append(outer.states[scope.owner])
        scope = outer
    return out


def _dead_keys(analysis: Analysis, model: MachineModel) -> dict[Key, str]:
    """Coverage keys the analysis proves no run reaches, with the finding that says why."""
    key_of = {node.name: key for key, node in model.states.items()}
    dead: dict[Key, str] = {}
    for finding in analysis.findings:
        source = key_of.get(finding.state)
        if source is None:
            continue
        if finding.kind == "unreachable-state":
            dead[source] = finding.message
        elif finding.kind in ("shadowed-rule", "dead-catch", "dead-retry", "dead-default"):
            field_name = finding.location.rsplit(".", 1)[-1]
            dead[(source, field_name)] = finding.message
    for name in analysis.unreachable:
        key = key_of.get(name)
        if key is None:
            continue
        dead.setdefault(key, "inside or after a state that is never entered")
        for edge in model.transitions_from(key):
            dead.setdefault(edge.key, f"'{name}' is never entered")
    return dead


def _used_mocks(mocks: dict[str, Any], check: Any) -> dict[str, Any]:
    """The mocks a run used, each cut to the invocations it made (``"0"``, ``"1-2"``...), so a scenario
    says what happened and no more."""
    counter = getattr(check, "mocks", None)
    used: dict[str, Any] = {}
    for name, responses in mocks.items():
        calls = counter.invocations(name) if counter is not None else LAST_INVOCATION + 1
        if calls == 0:
            continue
        cut: dict[str, Any] = {}
        for key, response in responses.items():
            first, _, last = key.partition("-")
            low, high = int(first), min(int(last or first), calls - 1)
            if low <= high:
                cut[str(low) if low == high else f"{low}-{high}"] = response
        used[name] = cut
    return used


def _default_mocks(tasks: Mapping[str, dict[str, Any]], shapes: MachineShapes) -> dict[str, Any]:
    """For an example input: unbound Tasks return a plain value of their result shape."""
    return {name: {f"0-{LAST_INVOCATION}": {"Return": _plain(tree(shapes.results.get(name, set())))}}
            for name, facts in tasks.items() if not facts["bound"]}


def _plain(node: Any) -> Any:
    if node is None:
        return True
    if any(isinstance(step, int) for step in node):
        size = max(step for step in node if isinstance(step, int)) + 1
        return [_plain(node.get(i)) for i in range(size)]
    return {str(key): _plain(child) for key, child in node.items()}
