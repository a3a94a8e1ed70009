"""The recorder: an engine observer (:mod:`aslrun.engine.observers`) that counts, per machine, each
state entered and each transition taken, in every execution of the process while it records.

    recorder = CoverageRecorder()
    with recorder:                      # every execution started inside, by any API
        machine.execute(...)
    recorder.data                       # CoverageData

Executions started by a Task (``states:startExecution``) and a distributed Map's child executions
inherit their parent's observer; the first are counted as their own machine, the second as the Map's
item processor of the parent's. States are found by identity: the first time a state of a machine is
seen, the machine's compiled program is walked once and every state mapped to its key.
"""

from __future__ import annotations

import threading
from typing import Any

from ..engine.observers import observe
from .data import CoverageData, MachineCoverage
from .model import machine_model, nested_prefixes

__all__ = ["CoverageRecorder"]


class CoverageRecorder:
    """Counts what executions reach (see the module docstring); ``data`` holds the counts."""

    def __init__(self, data: CoverageData | None = None) -> None:
        self.data = data if data is not None else CoverageData()
        self._lock = threading.Lock()
        # id(state) -> (the machine's record, the state's key, whether the state has "End": true)
        self._states: dict[int, tuple[MachineCoverage, str, bool]] = {}
        self._programs: list[Any] = []  # keeps the programs (and so the ids above) alive
        self._stop: Any = None

    # -- recording ------------------------------------------------------------------------------

    def start(self) -> None:
        """Watch every execution started from now on, until :meth:`stop`."""
        if self._stop is None:
            self._stop = observe(self)

    def stop(self) -> None:
        if self._stop is not None:
            self._stop()
            self._stop = None

    def __enter__(self) -> CoverageRecorder:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- the observer protocol ------------------------------------------------------------------

    def entered(self, frame: Any, state: Any) -> None:
        found = self._states.get(id(state))
        if found is None:
            found = self._register(frame.execution, state)
        machine, key, _ = found
        with self._lock:
            machine.entered[key] = machine.entered.get(key, 0) + 1
            if frame.entered_event_id == 2 and frame.depth == 0 and key == state.name:
                machine.executions += 1  # the first state of an execution (not of a Map's child execution)

    def chose(self, frame: Any, state: Any, rule: int | None) -> None:
        self._took(state, "Default" if rule is None else f"Choices[{rule}]")

    def retried(self, frame: Any, state: Any, retrier: int) -> None:
        self._took(state, f"Retry[{retrier}]")

    def left(self, frame: Any, state: Any, next_name: str | None, catcher: int | None) -> None:
        if catcher is not None:
            self._took(state, f"Catch[{catcher}]")
        elif state.type == "Choice":
            return  # counted by chose()
        elif next_name is not None:
            self._took(state, "Next")
        elif self._states[id(state)][2]:
            self._took(state, "End")  # (a Succeed state ends its branch without an End field)

    def _took(self, state: Any, field: str) -> None:
        machine, key, _ = self._states[id(state)]
        edge = (key, field)
        with self._lock:
            machine.taken[edge] = machine.taken.get(edge, 0) + 1

    # -- finding a state's machine --------------------------------------------------------------

    def _register(self, execution: Any, state: Any) -> tuple[MachineCoverage, str, bool]:
        """Map every state of the execution's machine to its key (once per machine). A program that
        is not its machine's (a Map's children run by a worker process of their own) counts as a
        machine of its own, named as the execution names it."""
        machine = execution.machine
        with self._lock:
            if machine is not None and id(state) not in self._states:
                self._add_program(machine.program, machine.definition, machine.name, machine.source)
            if id(state) not in self._states:
                program = execution.program
                self._add_program(program, program.definition, execution.state_machine_name, None)
            return self._states[id(state)]

    def _add_program(self, program: Any, definition: Any, name: str, source: str | None) -> None:
        record = self.data.add_machine(MachineCoverage(machine_model(definition, name), source=source))
        self._programs.append(program)
        self._map_states(program, "", record)

    def _map_states(self, branch: Any, prefix: str, record: MachineCoverage) -> None:
        for name, state in branch.states.items():
            self._states[id(state)] = (record, prefix + name, state.spec.get("End") is True)
            inner = list(getattr(state, "branches", None) or ())
            processor = getattr(state, "processor", None)
            if processor is not None:
                inner.append(processor)
            for nested, (inner_prefix, _) in zip(inner, nested_prefixes(name, state.spec, prefix)):
                self._map_states(nested, inner_prefix, record)
