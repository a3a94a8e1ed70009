"""Running a branch: one state after another, with Retry and Catch around the states that have them.

This is the one loop every branch runs (the top level, each Parallel branch, each Map iteration)::

    enter state -> [retry loop: execute -> on error, retry / catch / fail] -> exit -> next state

The loop records ``<Type>StateEntered`` / ``<Type>StateExited``; states record the events inside
them. An ASL error that leaves a state uncaught ends the branch with an :class:`Outcome` carrying
the error, located as AWS locates it ("An error occurred while executing the state 'X' (entered at
the event id #N). ...") when the error asks for it.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from ..errors import StatesError
from .recovery import UNCATCHABLE
from .scheduler import CHECKPOINT

if TYPE_CHECKING:
    from ..states.base import State
    from .redrive import BranchResume
    from .compiled import Branch
    from .execution import Execution
    from .frame import Frame

__all__ = ["ExecutionTerminated", "ExecutionTimedOut", "Outcome", "locate", "reused", "run_branch"]


class ExecutionTimedOut(Exception):
    """The execution's TimeoutSeconds ran out (raised through every branch to the execution)."""


class ExecutionTerminated(Exception):
    """The execution is ended from outside at its next state transition (its state machine was
    deleted): raised through every branch; the execution fails with ``error`` and ``cause``."""

    def __init__(self, error: str, cause: str) -> None:
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause


class Outcome:
    """How a branch ended: ``output`` when it succeeded, else ``error`` (a located StatesError)."""

    __slots__ = ("output", "error", "bound", "last_event_id", "end_event_id")

    def __init__(self, output: Any = None, error: StatesError | None = None, bound: int = 0,
                 last_event_id: int = 0) -> None:
        self.output = output
        self.error = error
        self.bound = bound  # an upper bound of the output's JSON size (payload-limit accounting)
        self.last_event_id = last_event_id  # the branch's last event (history links run through it)
        self.end_event_id = last_event_id  # a wrapper's closing event, e.g. MapIterationSucceeded

    @property
    def failed(self) -> bool:
        return self.error is not None

    def error_payload(self) -> dict[str, Any]:
        """``{"Error", "Cause"}``: how a failed branch appears where a result is expected."""
        assert self.error is not None
        return {"Error": self.error.error, "Cause": self.error.cause if self.error.cause is not None else ""}

    def __repr__(self) -> str:
        return f"Outcome(error={self.error!r})" if self.error else f"Outcome(output={self.output!r})"


def locate(error: StatesError, frame: Frame) -> StatesError:
    """Give an engine-raised error AWS's locator prefix (idempotent).

    A JSONata evaluation failure is also recorded as AWS records it: an ``EvaluationFailed`` event
    naming the state (and the field, when known) before the state fails.
    """
    if not error.in_state:
        return error
    located = StatesError(
        error.error,
        f"An error occurred while executing the state '{frame.state_name}' "
        f"(entered at the event id #{frame.entered_event_id}). {error.cause}",
        location=error.location,
    )
    if error.error == _QUERY_EVALUATION_ERROR:
        details = {"cause": located.cause, "error": located.error, "state": frame.state_name}
        if error.location is not None:
            details["location"] = error.location
        frame.emit_evaluation_failed(details)
    return located


_QUERY_EVALUATION_ERROR = "States.QueryEvaluationError"


def reused(output: Any, last_event_id: int) -> Generator[Any, Any, Outcome]:
    """A branch that succeeded before its execution was redriven: its output, without running it."""
    return Outcome(output, last_event_id=last_event_id)
    yield  # pragma: no cover - a generator, as every branch is


def run_branch(execution: Execution, branch: Branch, data: Any, frame: Frame,
               resume: BranchResume | None = None) -> Generator[Any, Any, Outcome]:
    """Run ``branch`` from its start (or, redriven, from where ``resume`` says it stopped)."""
    states = branch.states
    name = branch.start_at
    if resume is not None:
        name, data = resume.state, resume.input
        frame.resume = resume.inner  # a Parallel or Map picks up its children from it
    clock = execution.clock
    deadline = execution.deadline
    observer = execution.observer  # see engine.observers (None: nobody watches)
    while True:
        state = states[name]
        if deadline is not None and clock.now() >= deadline:
            raise ExecutionTimedOut()
        if execution.terminating is not None:
            raise execution.terminating
        stepping: Any = execution.stepping
        if stepping:
            if stepping is True:
                yield CHECKPOINT
            else:  # a step debugger: sees which branch enters which state with which input; may replace it
                data = yield from stepping.checkpoint(frame, state, data)
        frame.state_name = name
        frame.retry_count = 0
        frame.retryable = state.can_retry
        frame.task_token = None  # $$.Task exists only inside the callback task that issued it
        frame.entered_time = frame.enter(state, {"name": name, "input": data}).timestamp  # ($$.State.EnteredTime)
        frame.result_bound = None
        if observer is not None:
            observer.entered(frame, state)
        caught = None
        try:
            if state.retriers or state.catchers:
                output, next_name, caught = yield from _run_recoverable(state, frame, data)
            elif state.blocking:
                output, next_name = yield from state.execute(frame, data)
            else:
                output, next_name = state.execute(frame, data)
            if state.grows_data and execution.payload_limit is not None:
                frame.data_bound = execution.output_bound(name, output, frame.data_bound, frame.result_bound)
        except StatesError as error:
            error = locate(error, frame)
            if not (state.retriers or state.catchers):
                _report_final_failure(state, frame, error)
            return Outcome(error=error, last_event_id=frame.last_event_id)
        except (GeneratorExit, ExecutionTimedOut):
            if state.blocking and execution.status == "RUNNING":  # a state waiting when its branch was stopped
                frame.emit(state.aborted_event)  # (a whole execution stopped records only ExecutionAborted)
            raise
        if state.has_exit_event:
            details = {"name": name, "output": output}
            if frame.variables.assigned is not None:  # AWS lists the state's Assign in its exit event
                details["assignedVariables"] = frame.variables.take_assigned()
                details["assignedVariablesDetails"] = {"truncated": False}
            frame.emit(state.exited_event, details)
        if observer is not None:
            observer.left(frame, state, next_name, caught)
        if next_name is None:
            return Outcome(output, bound=frame.data_bound, last_event_id=frame.last_event_id)
        data = output
        name = next_name


def _run_recoverable(state: State, frame: Frame, data: Any) -> Generator[Any, Any, tuple[Any, str | None, int | None]]:
    """Execute ``state``, retrying and catching as its Retry and Catch fields say; the output, the
    next state and the number of the Catch entry that caught (None: none did)."""
    attempts = [0] * len(state.retriers)
    while True:
        try:
            if state.blocking:
                output, next_name = yield from state.execute(frame, data)
            else:
                output, next_name = state.execute(frame, data)
            return output, next_name, None
        except StatesError as raised:
            error = locate(raised, frame)
        if error.error == UNCATCHABLE:
            raise error
        delay = None
        for i, retrier in enumerate(state.retriers):
            if retrier.matches(error.error):
                if attempts[i] < retrier.max_attempts:
                    delay = retrier.delay(attempts[i], frame.rng)
                    attempts[i] += 1
                break  # only the first matching retrier counts, exhausted or not
        if delay is not None:
            observer = frame.execution.observer
            if observer is not None:
                observer.retried(frame, state, i)
            frame.retry_count += 1
            if delay > 0:
                execution = frame.execution
                yield from execution.sleep(execution.clock.now() + delay)
            continue
        _report_final_failure(state, frame, error)
        for i, catcher in enumerate(state.catchers):
            if catcher.matches(error.error):
                return state.io.catch_output(frame, data, error, catcher), catcher.next, i
        raise error


def _report_final_failure(state: State, frame: Frame, error: StatesError) -> None:
    """``MapStateFailed`` / ``ParallelStateFailed``: once, when the state has failed for good."""
    if state.final_failure_event is not None and error.error != UNCATCHABLE:
        frame.emit(state.final_failure_event)
