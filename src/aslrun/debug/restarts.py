"""What a restart from a state runs: which machine, from which state, with which input, variables
and clock.

``restart STATE`` re-runs from a top-level state with the input it received last (or is about to
receive, when paused before it) and the workflow variables it saw then, so one can edit a state's
input and run on from there. The state may be a child machine's (``machine:State``, or a state of
the child execution paused in): that machine then runs alone from it; its parent is not run again
(what the parent did, e.g. in the local AWS, stays done).
"""

from __future__ import annotations

import copy
from typing import Any

from ..errors import AslrunError
from ..report.visits import read_visits

__all__ = ["RestartPlan", "plan_restart"]


class RestartPlan:
    __slots__ = ("machine", "state", "input", "variables", "clock_start")

    def __init__(self, machine: Any, state: str, input: Any, variables: dict[str, Any] | None,
                 clock_start: Any) -> None:
        self.machine = machine
        self.state = state
        self.input = input
        self.variables = variables
        self.clock_start = clock_start


def plan_restart(session: Any, spec: str, input: Any = None) -> RestartPlan:
    """The restart of ``session`` from ``spec`` (``State`` or ``machine:State``) with ``input``
    (default: what the state received last); AslrunError when there is nothing to take it from."""
    machine, name = _machine_of_state(session, spec)
    visit = None
    for watched in reversed(session.family.members()):  # its latest run first
        if watched.machine_name != machine.name or (watched.origin is not None and watched.origin.index is not None):
            continue  # another machine, or a distributed Map's child (it runs the Map's processor)
        visit = next((v for v in reversed(read_visits(watched.events)) if v.name == name and v.depth == 0), None)
        if visit is not None:
            break
    paused = session.paused
    before = paused is not None and paused.name == name and paused.depth == 0 \
        and session.family.of(paused.frame).machine_name == machine.name
    if input is None:
        if before:  # paused before it: what it is about to receive
            input = copy.deepcopy(paused.data)
        elif visit is None:
            raise AslrunError(f"'{name}' has not run yet: give the input to start it with")
        else:
            input = copy.deepcopy(visit.input)
    seen = visit is not None or before
    variables = copy.deepcopy(session.variables_seen(machine.name, name)) if seen else None
    when = paused.frame.execution.clock.now() if before else visit.start if visit is not None else None
    return RestartPlan(machine, name, input, variables, when)


def _machine_of_state(session: Any, spec: str) -> tuple[Any, str]:
    """The machine a restart runs and its state: ``machine:State``, a state of the child machine
    paused in, else of the session's machine."""
    machines = session.machines()
    name, colon, state = spec.partition(":")
    if colon and name in machines and spec not in session.machine.program.states:
        return machines[name], state
    if session.paused is not None:
        here = session.family.of(session.paused.frame)
        machine = here.execution.machine
        if here.origin is not None and here.origin.index is None and machine is not None \
                and spec in machine.program.states:
            return machine, spec
    return session.machine, spec
