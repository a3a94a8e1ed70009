"""Run one state with a given input, as AWS's TestState API does.

    result = run_test_state(machine, "Price", {"sku": "a"}, inspection_level="DEBUG",
                            mock_result={"Payload": {"amount": 3}})
    result.status, result.output, result.next_state, result.inspection_data

The answer has TestState's fields: ``status`` (``SUCCEEDED``, ``FAILED``, ``RETRIABLE`` - the
error matches a Retrier with attempts left, ``nextState`` is the state itself - or
``CAUGHT_ERROR`` - a Catcher took it, ``output`` is what it passes on), ``output``, ``error``,
``cause``, ``nextState`` and, from inspection level ``DEBUG`` on, ``inspectionData``: the data at
each stage of input and output processing (``input``, ``afterInputPath``, ``afterParameters``,
``result``, ``afterResultSelector``, ``afterResultPath``; JSONata: ``input``, ``afterArguments``,
``result``, ``variables``) and ``errorDetails`` (``retryIndex``, ``retryBackoffIntervalSeconds``,
``catchIndex``). ``TRACE`` adds an HTTP Task's request and response on AWS; aslrun runs no HTTP
Task, so TRACE shows what DEBUG shows. ``retry_count`` plays ``stateConfiguration.
retrierRetryCount``: how many retries have already happened.

The state runs inside a throw-away execution of its machine (so ``$$`` and the Task's events are
as in a real run); other Task states of the machine need no handler.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from typing import Any

from ..engine.clock import VirtualClock
from ..engine.frame import Frame
from ..engine.recovery import UNCATCHABLE
from ..engine.runner import locate
from ..engine.variables import Variables
from ..errors import AslrunError, StatesError
from ..states.task import NOT_INTERCEPTED
from .inspector import Inspector

__all__ = ["INSPECTION_LEVELS", "TestStateResult", "run_test_state"]

INSPECTION_LEVELS = ("INFO", "DEBUG", "TRACE")
_UNSET = object()
_JSONPATH_STAGES = ("input", "afterInputPath", "afterParameters", "result", "afterResultSelector", "afterResultPath")
_JSONATA_STAGES = ("input", "afterArguments", "result")


class TestStateResult:
    """What TestState answers (``to_aws()`` gives its wire shape, JSON values as strings)."""

    __test__ = False  # not a pytest test class

    def __init__(self, status: str, *, output: Any = None, error: str | None = None, cause: str | None = None,
                 next_state: str | None = None, inspection_data: dict[str, Any] | None = None,
                 has_output: bool = False, events: list[Any] | None = None) -> None:
        self.status = status
        self.output = output
        self.has_output = has_output
        self.error = error
        self.cause = cause
        self.next_state = next_state
        self.inspection_data = inspection_data
        self.events = events or []

    def __repr__(self) -> str:
        return f"<TestStateResult {self.status} next={self.next_state!r}>"

    def to_aws(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.has_output:
            out["output"] = _text(self.output)
        if self.error is not None:
            out["error"] = self.error
        if self.cause is not None:
            out["cause"] = self.cause
        if self.inspection_data is not None:
            data: dict[str, Any] = {}
            for key, value in self.inspection_data.items():
                data[key] = value if key == "errorDetails" else _text(value)
            out["inspectionData"] = data
        if self.next_state is not None:
            out["nextState"] = self.next_state
        out["status"] = self.status
        return out


def _text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def run_test_state(machine: Any, state_name: str, input: Any = None, *, inspection_level: str = "INFO",
                   mock_result: Any = _UNSET, mock_error: str | None = None, mock_cause: str | None = None,
                   handlers: Any = None, retry_count: int = 0, variables: dict[str, Any] | None = None,
                   clock_start: Any = "2024-01-01T00:00:00Z", interceptor: Any = None) -> TestStateResult:
    """Run ``state_name`` (any state of ``machine``, nested ones too) once on ``input``
    (``interceptor``: other mocked responses, e.g. a test case of a mock configuration)."""
    level = inspection_level.upper()
    if level not in INSPECTION_LEVELS:
        raise AslrunError(f"--inspection-level must be one of {', '.join(INSPECTION_LEVELS)}, not {inspection_level!r}")
    state = next((s for s in machine.program.walk() if s.name == state_name), None)
    if state is None:
        known = ", ".join(s.name for s in machine.program.walk())
        raise AslrunError(f"no state named {state_name!r} (states: {known})")
    mocked = mock_result is not _UNSET or mock_error is not None
    if mocked and state.type != "Task":
        raise AslrunError(f"'{state_name}' is a {state.type} state: only a Task's result can be mocked")
    if retry_count < 0:
        raise AslrunError("the retry count cannot be negative")
    data = {} if input is None else input
    mocks = _OneStateMocks(state, mock_result, mock_error, mock_cause, interceptor)
    execution = machine.start(data, handlers=handlers, clock=VirtualClock(start=clock_start, frozen=True),
                              task_interceptor=mocks)
    frame = Frame(execution, 0, Variables(values=variables or None))
    frame.inspector = inspector = Inspector()
    execution.start_time = execution.clock.now()
    execution.history.add("ExecutionStarted", execution.start_time, 0, {"input": data, "roleArn": execution.role_arn})
    frame.state_name = state.name
    frame.entered_time = execution.clock.now()
    frame.retry_count = retry_count
    frame.retryable = state.can_retry
    frame.entered_event_id = frame.emit(state.entered_event, {"name": state.name, "input": data}).id
    output, next_state, error = _run(execution, state, frame, data)
    details: dict[str, Any] | None = None
    if error is None:
        result = TestStateResult("SUCCEEDED", output=output, next_state=next_state, has_output=True)
    else:
        result, details = _recover(state, frame, data, error, retry_count)
    result.events = list(execution.history)
    if level != "INFO":
        result.inspection_data = _inspection_data(state, inspector, frame, details, data)
    return result


def _run(execution: Any, state: Any, frame: Frame, data: Any) -> tuple[Any, str | None, StatesError | None]:
    """Execute the state once; its (output, next state) or the (located) error it raised."""
    outcome: dict[str, Any] = {}

    def body() -> Generator[Any, Any, None]:
        try:
            if state.blocking:
                outcome["value"] = yield from state.execute(frame, data)
            else:
                outcome["value"] = state.execute(frame, data)
        except StatesError as error:
            outcome["error"] = locate(error, frame)

    task = execution.scheduler.spawn(body())
    execution.scheduler.run(task)
    if "error" in outcome:
        return None, None, outcome["error"]
    output, next_state = outcome["value"]
    return output, next_state, None


def _recover(state: Any, frame: Frame, data: Any, error: StatesError,
             retry_count: int) -> tuple[TestStateResult, dict[str, Any] | None]:
    """Where an error leads: a retry, a catch, or the failure of the state."""
    if error.error != UNCATCHABLE:
        for index, retrier in enumerate(state.retriers):
            if retrier.matches(error.error):
                if retry_count < retrier.max_attempts:
                    backoff = retrier.delay(retry_count, frame.rng)
                    details = {"retryIndex": index, "retryBackoffIntervalSeconds": int(round(backoff))}
                    return TestStateResult("RETRIABLE", error=error.error, cause=error.cause,
                                           next_state=state.name), details
                break  # only the first matching retrier counts
        for index, catcher in enumerate(state.catchers):
            if catcher.matches(error.error):
                output = state.io.catch_output(frame, data, error, catcher)
                return TestStateResult("CAUGHT_ERROR", output=output, error=error.error, cause=error.cause,
                                       next_state=catcher.next, has_output=True), {"catchIndex": index}
    return TestStateResult("FAILED", error=error.error, cause=error.cause), None


def _inspection_data(state: Any, inspector: Inspector, frame: Frame, error_details: dict[str, Any] | None,
                     raw_input: Any) -> dict[str, Any]:
    stages = inspector.records.get(frame.entered_event_id, {})
    names = _JSONATA_STAGES if state.query_language == "JSONata" else _JSONPATH_STAGES
    data = {name: stages[name] for name in names if name in stages}
    if "input" not in data:  # a state that reads no input path (Fail) still shows what it got
        data = {"input": raw_input, **data}
    visible = frame.variables.visible()
    if visible:
        data["variables"] = visible
    if error_details is not None:
        data["errorDetails"] = error_details
    return data


class _OneStateMocks:
    """Stands in for the tested Task when a result or error is mocked; every other Task of the
    machine is covered (it never runs, so it needs no handler)."""

    def __init__(self, state: Any, result: Any, error: str | None, cause: str | None, fallback: Any) -> None:
        self.state = state
        self.result = result
        self.error = error
        self.cause = cause
        self.fallback = fallback

    def covers(self, state: Any) -> bool:
        if state is not self.state or self.result is not _UNSET or self.error is not None:
            return True
        return bool(self.fallback is not None and getattr(self.fallback, "covers", lambda s: False)(state))

    def __call__(self, state: Any, call: Any) -> Any:
        if self.error is not None and state is self.state:
            raise StatesError(self.error, self.cause)
        if self.result is not _UNSET and state is self.state:
            return self.result
        return self.fallback(state, call) if self.fallback is not None else NOT_INTERCEPTED
