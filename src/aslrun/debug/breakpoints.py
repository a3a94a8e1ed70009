"""Breakpoints by state name, in any machine of a session or in one of them.

A session runs a machine and every machine it starts (``states:startExecution`` with a fixed ARN:
a state machine bound to it, else ``<name>.asl.json`` beside the parent's definition), so a
breakpoint may name a state of any of them:

* ``MacroProfile``: before MacroProfile in whichever machine has it;
* ``bua-segments:MacroProfile``: before MacroProfile of bua-segments only.

A name no machine has is refused before anything runs, with the closest name as a hint ("did you
mean"), since a misspelt breakpoint would otherwise let the whole run pass by.
"""

from __future__ import annotations

import difflib
from typing import Any

from ..errors import AslrunError

__all__ = ["machines_reachable", "resolve_breakpoint"]


def machines_reachable(machine: Any, bindings: Any) -> dict[str, Any]:
    """``machine`` and every machine it starts with a fixed ARN, at any depth, by name."""
    found: dict[str, Any] = {}
    waiting = [machine]
    while waiting:
        current = waiting.pop()
        if current.name in found:
            continue
        found[current.name] = current
        for state in current.program.walk():
            names = getattr(getattr(state, "integration", None), "static_state_machines", None)
            if names is None:
                continue
            for arn in names(state.spec.get("Parameters", state.spec.get("Arguments"))):
                child = bindings.state_machine(arn) if bindings is not None else None
                child = child or current.sibling(arn.rsplit(":", 1)[-1])
                if child is not None:
                    waiting.append(child)
    return found


def resolve_breakpoint(spec: str, machines: dict[str, Any]) -> str:
    """The breakpoint ``spec`` names (``STATE`` or ``MACHINE:STATE``), checked against the
    machines' states; an AslrunError with a hint when none has it."""
    states = {name: {state.name for state in machine.program.walk()} for name, machine in machines.items()}
    everywhere = set().union(*states.values()) if states else set()
    if spec in everywhere:
        return spec  # a state name may hold a colon itself
    machine_name, colon, state = spec.partition(":")
    if colon and machine_name in states:
        if state in states[machine_name]:
            return spec
        raise AslrunError(f"{machine_name} has no state named {state!r}{_hint(state, states[machine_name])}")
    if colon and machine_name and state:
        known = ", ".join(sorted(states))
        raise AslrunError(f"no state machine named {machine_name!r}{_hint(machine_name, states)} "
                          f"(the machines of this run: {known})")
    qualified = {f"{m}:{s}" for m, names in states.items() for s in names}
    where = "this machine" if len(states) == 1 else "any machine of this run"
    raise AslrunError(f"no state named {spec!r} in {where}{_hint(spec, everywhere | qualified)}")


def _hint(name: str, candidates: Any) -> str:
    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
