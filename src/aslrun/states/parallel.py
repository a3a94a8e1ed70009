"""Parallel: runs every branch on the same input; the result is the list of branch outputs.

The first branch to fail fails the state (the others are cancelled) with that branch's error.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from ..engine.fanout import run_children
from ..engine.runner import Outcome, reused, run_branch
from .base import State

__all__ = ["ParallelState"]


class ParallelState(State):
    type = "Parallel"
    can_retry = True
    final_failure_event = "ParallelStateFailed"
    grows_data = True
    blocking = True

    def __init__(self, name: str, spec: dict[str, Any], build: Any) -> None:
        super().__init__(name, spec, build)
        self.branches = [build.branch(branch, f"{name}.Branches[{i}]") for i, branch in enumerate(spec["Branches"])]
        self.retriers, self.catchers = build.recovery(self, spec)

    def execute(self, frame: Any, raw_input: Any) -> Generator[Any, Any, tuple[Any, str | None]]:
        io = self.io
        execution = frame.execution
        data = io.effective_input(frame, raw_input)
        frame.emit("ParallelStateStarted")
        branches = self.branches
        input_bound = execution.cheap_bound(data)
        resume, frame.resume = frame.resume, None  # redriven: the branches that succeeded are not run again

        def branch_run(index: int) -> Generator[Any, Any, Outcome]:
            if resume is not None and index in resume.done:
                return reused(resume.done[index], frame.last_event_id)
            child = frame.child(frame.variables.child(), input_bound)
            picked_up = resume.resume.get(index) if resume is not None else None
            if picked_up is not None:
                child.variables.restore(picked_up.variables)
            return run_branch(execution, branches[index], data, child, picked_up)

        outcomes, stopped = yield from run_children(
            execution.scheduler, branch_run, len(branches), 0, lambda _i, outcome: outcome.failed
        )
        if stopped:
            raise next(o.error for o in outcomes if o is not None and o.failed)  # the runner records the failure
        frame.last_event_id = max(o.last_event_id for o in outcomes)  # the branches' last event
        closing = frame.last_event_id
        frame.emit("ParallelStateSucceeded")
        frame.last_event_id = closing  # AWS links ParallelStateExited past ParallelStateSucceeded
        result = [outcome.output for outcome in outcomes]
        frame.result_bound = sum(o.bound for o in outcomes) + len(outcomes) + 2
        return io.output(frame, raw_input, result), self.next

