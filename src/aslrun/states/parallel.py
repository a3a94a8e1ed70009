"""Parallel: runs every branch on the same input; the result is the list of branch outputs.

The first branch to fail fails the state (the others are cancelled) with that branch's error; what
the state records next links to that branch's last event.
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
        # each branch's input is the state's: the bound of its size known for the state's input serves
        input_bound = frame.data_bound if data is raw_input else execution.cheap_bound(data)
        resume, frame.resume = frame.resume, None  # redriven: the branches that succeeded are not run again

        def branch_run(index: int) -> Generator[Any, Any, Outcome]:
            if resume is not None and index in resume.done:
                return reused(resume.done[index], frame.last_event_id)
            child = frame.child(frame.variables.child(), input_bound)
            picked_up = resume.resume.get(index) if resume is not None else None
            if picked_up is not None:
                child.variables.restore(picked_up.variables)
            return _branch(branches[index], run_branch(execution, branches[index], data, child, picked_up), child)

        outcomes, stopped = yield from run_children(
            execution.scheduler, branch_run, len(branches), 0, lambda _i, outcome: outcome.failed
        )
        if stopped:
            failed = next(o for o in outcomes if o is not None and o.failed)
            # AWS links what follows (ParallelStateFailed, or ParallelStateStarted of a retry) to the
            # failed branch's last event
            frame.last_event_id = failed.last_event_id
            raise failed.error  # the runner records the failure
        frame.last_event_id = max(o.last_event_id for o in outcomes)  # the branches' last event
        closing = frame.last_event_id
        frame.emit("ParallelStateSucceeded")
        frame.last_event_id = closing  # AWS links ParallelStateExited past ParallelStateSucceeded
        result = [outcome.output for outcome in outcomes]
        frame.result_bound = sum(o.bound for o in outcomes) + len(outcomes) + 2
        return io.output(frame, raw_input, result), self.next


def _branch(branch: Any, run: Generator[Any, Any, Outcome], frame: Any) -> Generator[Any, Any, Outcome]:
    """A branch run; a Task whose failure ends the branch is then recorded as aborted.

    AWS records ``TaskStateAborted`` after the ``TaskFailed`` (or ``TaskTimedOut``) that fails a
    Parallel branch, linked to it; what follows (``ParallelStateFailed``, a retry's
    ``ParallelStateStarted``) still links to the failure event (LocalStack's recordings of
    test_parallel_catch_error and test_sqs_failure_in_wait_for_task_tok_no_error_field)."""
    outcome = yield from run
    if outcome.failed and branch.states[frame.state_name].type == "Task":
        frame.emit("TaskStateAborted")
    return outcome
