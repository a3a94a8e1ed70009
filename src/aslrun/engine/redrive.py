"""Redrive: continue a failed, timed-out or aborted execution from where it stopped.

As AWS's RedriveExecution does, the states that succeeded are not run again: the execution goes on
from the state that did not finish, with the input that state was given and the variables as they
were; inside a Parallel only the branches that did not succeed run again, inside an inline Map
only the iterations that did not succeed (each from the state where it stopped), and the outputs of
the others are reused. A distributed Map that did not finish runs its Map Run again.

Where each branch stopped is read from the execution's history (AWS's GetExecutionHistory shape:
events with ``type``, ``id``, ``previousEventId`` and details holding ``name``, ``input``,
``output``, ``index``, ``assignedVariables``), which is all that survives a failed execution, even
one whose server has since restarted. Every state name is unique in a definition, so a state's
events tell which branch they belong to; a Map iteration's events lead back, through their
``previousEventId`` links, to their ``MapIterationStarted`` and its index.

:func:`plan_redrive` builds a :class:`BranchResume` for the top level; the runner starts a branch
from one (``run_branch(..., resume=...)``) and Parallel / Map states read theirs from the frame.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .compiled import Branch

__all__ = ["BranchResume", "FanOutResume", "plan_redrive"]


@dataclass
class FanOutResume:
    """How a Parallel or inline Map picks up: outputs of the children that succeeded (by index), and
    how each child that did not succeed resumes (a child in neither runs from its start)."""

    done: dict[int, Any] = field(default_factory=dict)
    resume: dict[int, BranchResume] = field(default_factory=dict)


@dataclass
class BranchResume:
    """Where a branch picks up: the state to enter first, with its input and the branch's own
    variables as they were; ``inner`` when that state is a Parallel or inline Map."""

    state: str
    input: Any
    variables: dict[str, Any] = field(default_factory=dict)
    inner: FanOutResume | None = None


def plan_redrive(program: Branch, events: list[dict[str, Any]], execution_input: Any) -> BranchResume:
    """Where the top level of an execution picks up, from its history. An execution that failed
    because its history reached AWS's cap is not redrivable (AWS: "Execution history event limit
    exceeded."): :class:`~aslrun.errors.InputError`."""
    if events and history_limit_reached(events[-1]):
        from ..errors import InputError

        raise InputError(f"{HISTORY_LIMIT_NOT_REDRIVABLE} (its history reached {events[-1]['id']} events)")
    return _History(events).plan(program, [e for e in events if e["id"] > 0], execution_input)


HISTORY_LIMIT_NOT_REDRIVABLE = "Execution history event limit exceeded."


def history_limit_reached(last_event: dict[str, Any]) -> bool:
    """Whether an execution's last event (AWS's shape) is the failure of a full history."""
    details = last_event.get("executionFailedEventDetails") or {}
    return (last_event.get("type") == "ExecutionFailed" and details.get("error") == "States.Runtime"
            and str(details.get("cause", "")).startswith("The execution reached the maximum number of history events"))


_NAMED_DETAILS = ("stateEnteredEventDetails", "stateExitedEventDetails", "mapIterationStartedEventDetails",
                  "mapIterationSucceededEventDetails", "mapIterationFailedEventDetails",
                  "mapIterationAbortedEventDetails")


class _History:
    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.by_id = {event["id"]: event for event in events}

    # -- one branch ----------------------------------------------------------------------------------

    def plan(self, branch: Branch, events: list[dict[str, Any]], branch_input: Any) -> BranchResume:
        """Where ``branch`` picks up, from the events of this one run of it (in id order)."""
        entered: dict[str, Any] = {}
        variables: dict[str, Any] = {}
        last_open: tuple[str, Any, int] | None = None
        for event in events:
            name = _state_name(event)
            if name is None or name not in branch.states:
                continue
            kind = event["type"]
            if kind.endswith("StateEntered"):
                details = event["stateEnteredEventDetails"]
                entered[name] = _value(details.get("input"))
                last_open = (name, entered[name], event["id"])
            elif kind.endswith("StateExited"):
                details = event["stateExitedEventDetails"]
                for key, text in (details.get("assignedVariables") or {}).items():
                    variables[key] = json.loads(text)
                if last_open is not None and last_open[0] == name:
                    last_open = None
        if last_open is None:  # nothing unfinished: the branch had not begun (or failed on its way in)
            return BranchResume(branch.start_at, branch_input, variables)
        name, state_input, entered_id = last_open
        state = branch.states[name]
        inner = None
        later = [event for event in events if event["id"] > entered_id]
        if state.type == "Parallel":
            inner = self._parallel(state, later)
        elif state.type == "Map" and not getattr(state, "distributed", False):
            inner = self._map(state, later)
        return BranchResume(name, state_input, variables, inner)

    # -- fan-outs ----------------------------------------------------------------------------------------

    def _parallel(self, state: Any, events: list[dict[str, Any]]) -> FanOutResume:
        events = _after_last(events, "ParallelStateStarted")
        owner: dict[str, int] = {}
        for index, branch in enumerate(state.branches):
            for nested in branch.walk():
                owner[nested.name] = index
        members: dict[int, list[dict[str, Any]]] = {i: [] for i in range(len(state.branches))}
        belongs: dict[int, int] = {}
        for event in events:
            name = _state_name(event)
            of_branch: int | None = owner.get(name) if name is not None else belongs.get(event["previousEventId"])
            if of_branch is not None:
                belongs[event["id"]] = of_branch
                members[of_branch].append(event)
        resume = FanOutResume()
        for index, branch in enumerate(state.branches):
            self._child(resume, index, branch, members[index], None)
        return resume

    def _map(self, state: Any, events: list[dict[str, Any]]) -> FanOutResume:
        events = _after_last(events, "MapStateStarted")
        members: dict[int, list[dict[str, Any]]] = {}
        succeeded: set[int] = set()
        for event in events:
            index = self._iteration_of(event, state.name)
            if index is None:
                continue
            members.setdefault(index, []).append(event)
            if event["type"] == "MapIterationSucceeded":
                succeeded.add(index)
        resume = FanOutResume()
        for index, chosen in members.items():
            self._child(resume, index, state.processor, chosen, None, succeeded=index in succeeded)
        return resume

    def _child(self, resume: FanOutResume, index: int, branch: Branch, events: list[dict[str, Any]],
               child_input: Any, *, succeeded: bool | None = None) -> None:
        output = _branch_output(branch, events)
        if succeeded is None:
            succeeded = output is not _NO_OUTPUT
        if succeeded and output is not _NO_OUTPUT:
            resume.done[index] = output
            return
        first = next((e for e in events if e["type"].endswith("StateEntered")), None)
        if first is None:
            return  # never began: it runs from its start
        start_input = _value(first["stateEnteredEventDetails"].get("input"))
        resume.resume[index] = self.plan(branch, events, start_input)

    def _iteration_of(self, event: dict[str, Any], map_name: str) -> int | None:
        """The index of the iteration of Map ``map_name`` an event belongs to (None: not one of them)."""
        seen = 0
        current: dict[str, Any] | None = event
        while current is not None and seen < 1_000_000:
            if current["type"].startswith("MapIteration"):
                details = _details(current)
                if details.get("name") == map_name:
                    return int(details["index"])
            previous = self.by_id.get(current["previousEventId"])
            if current["type"] == "MapStateStarted" and previous is not None \
                    and _details(previous).get("name") == map_name:
                return None  # reached the Map's own start without passing an iteration of it
            current = previous
            seen += 1
        return None


_NO_OUTPUT = object()


def _branch_output(branch: Branch, events: list[dict[str, Any]]) -> Any:
    """The output of a branch run that ended (its last state's exit), or _NO_OUTPUT."""
    for event in reversed(events):
        name = _state_name(event)
        if name in branch.states and event["type"].endswith("StateExited"):
            state = branch.states[name]
            if state.type == "Succeed" or state.spec.get("End") is True:
                return _value(event["stateExitedEventDetails"].get("output"))
            return _NO_OUTPUT
        if name in branch.states and event["type"].endswith("StateEntered"):
            return _NO_OUTPUT
    return _NO_OUTPUT


def _after_last(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """The events after the last of ``kind`` (the last attempt, when the state was retried)."""
    for position in range(len(events) - 1, -1, -1):
        if events[position]["type"] == kind:
            return events[position + 1:]
    return events


def _details(event: dict[str, Any]) -> dict[str, Any]:
    for key in _NAMED_DETAILS:
        if key in event:
            return event[key]  # type: ignore[no-any-return]
    return {}


def _state_name(event: dict[str, Any]) -> str | None:
    kind = event["type"]
    if kind.endswith("StateEntered") or kind.endswith("StateExited") or kind.startswith("MapIteration"):
        return _details(event).get("name")
    return None


def _value(text: Any) -> Any:
    if text is None:
        return None
    return json.loads(text) if isinstance(text, str) else text
