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
``catchIndex``). ``TRACE`` adds an HTTP Task's raw ``request`` (``protocol``, ``method``, ``url``,
``headers``, ``body``) and ``response`` (``protocol``, ``statusCode``, ``statusMessage``, ``headers``,
``body``), without what its EventBridge connection adds (authorization, parameters) unless
``reveal_secrets``, as AWS's ``revealSecrets``. ``retry_count`` plays ``stateConfiguration.
retrierRetryCount``: how many retries have already happened.

A Task, a Map or a Parallel state can be mocked (``mock_result`` / ``mock_error``; any other type
is refused as AWS refuses it). A mocked Map or Parallel runs no iteration or branch: its input
processing runs (InputPath, ItemsPath / Items or the ``map_reader_data`` an ItemReader would have
read, ItemSelector, ItemBatcher; Parameters / Arguments), then the mocked result goes through its
output processing, or the mocked error through its Retry / Catch. ``map_failure_count`` plays
``stateConfiguration.mapIterationFailureCount``: more failed iterations than the Map tolerates
(``ToleratedFailureCount`` / ``Percentage``) fail it with ``States.ExceedToleratedFailureThreshold``;
a Map that tolerates no failure ignores it, as AWS does. A Map's inspection data adds
``afterItemsPath`` (JSONPath), ``afterItemSelector``, ``afterItemBatcher``, ``maxConcurrency`` and
the tolerated failures; AWS shows no ``result`` stage for a Map, nor ``afterInputPath`` /
``afterParameters`` for a Pass state with a ``Result`` (nor ``result`` for one without), and it
shows a JSONPath Fail state's ``afterInputPath``: so does this.

``context`` plays TestState's ``context``: the context object (``$$``) the state sees, exactly as
given; without it, ``$$`` is the throw-away execution's (``role_arn`` its ``Execution.RoleArn``).

The state runs inside a throw-away execution of its machine (so ``$$`` and the Task's events are
as in a real run); other Task states of the machine need no handler. ``check_bindings=False`` lets
a Task whose resource no handler serves run anyway and fail as it would on AWS.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Generator
from typing import Any

from ..engine.clock import VirtualClock
from ..engine.frame import Frame, ItemScope
from ..engine.recovery import UNCATCHABLE
from ..engine.runner import locate
from ..engine.variables import Variables
from ..errors import AslrunError, InputError, StatesError
from ..jsontext import compact_json_text
from ..states.task import NOT_INTERCEPTED
from .inspector import Inspector

__all__ = ["INSPECTION_LEVELS", "MOCKABLE_TYPES", "UNSET", "TestStateResult", "check_mock", "run_test_state"]

INSPECTION_LEVELS = ("INFO", "DEBUG", "TRACE")
#: the state types a result or an error can be mocked for (AWS refuses a mock for any other)
MOCKABLE_TYPES = ("Task", "Map", "Parallel")
UNSET = object()
_JSONPATH_STAGES = ("input", "afterInputPath", "afterParameters", "result", "afterResultSelector", "afterResultPath")
_JSONATA_STAGES = ("input", "afterArguments", "result")
#: what a mocked Map adds to its inspection data (numbers stay numbers on the wire)
_MAP_STAGES = ("afterItemsPath", "afterItemSelector", "afterItemBatcher")
_MAP_NUMBERS = ("maxConcurrency", "toleratedFailureCount", "toleratedFailurePercentage")
#: inspection data sent as structures, not JSON text (the HTTP request and response have string members)
_STRUCTURES = ("errorDetails", "request", "response")
_THRESHOLD_EXCEEDED = ("States.ExceedToleratedFailureThreshold",
                       "The specified tolerated failure threshold was exceeded")


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
                data[key] = value if key in _STRUCTURES or key in _MAP_NUMBERS else _text(value)
            out["inspectionData"] = data
        if self.next_state is not None:
            out["nextState"] = self.next_state
        out["status"] = self.status
        return out


_text = compact_json_text


def run_test_state(machine: Any, state_name: str, input: Any = None, *, inspection_level: str = "INFO",
                   mock_result: Any = UNSET, mock_error: str | None = None, mock_cause: str | None = None,
                   handlers: Any = None, retry_count: int = 0, variables: dict[str, Any] | None = None,
                   clock_start: Any = "2024-01-01T00:00:00Z", interceptor: Any = None,
                   context: dict[str, Any] | None = None, map_failure_count: int = 0,
                   map_reader_data: str | None = None, reveal_secrets: bool = False,
                   **start_options: Any) -> TestStateResult:
    """Run ``state_name`` (any state of ``machine``, nested ones too) once on ``input``
    (``interceptor``: other mocked responses, e.g. a test case of a mock configuration;
    ``start_options``: how the throw-away execution starts, ``role_arn``, ``region``, ``account``,
    ``check_bindings``, as :meth:`~aslrun.machine.StateMachine.start` takes them)."""
    level = _inspection_level(inspection_level)
    state = _find_state(machine, state_name)
    mocked = mock_result is not UNSET or mock_error is not None
    if mocked:
        check_mock(state, mock_result)
    if retry_count < 0:
        raise AslrunError("the retry count cannot be negative")
    data = {} if input is None else input
    mocks = _OneStateMocks(state, mock_result, mock_error, mock_cause, interceptor)
    execution = machine.start(data, handlers=handlers, clock=VirtualClock(start=clock_start, frozen=True),
                              task_interceptor=mocks, **start_options)
    frame = _enter(execution, state, data, variables, retry_count, context)
    fan_out = None
    if mocked and state.type != "Task":
        fan_out = _MockedFanOut(mock_result, mock_error, mock_cause, map_failure_count, map_reader_data)
    output, next_state, error = _run(execution, state, frame, data, fan_out)
    details: dict[str, Any] | None = None
    if error is None:
        result = TestStateResult("SUCCEEDED", output=output, next_state=next_state, has_output=True)
    else:
        result, details = _recover(state, frame, data, error, retry_count)
    result.events = list(execution.history)
    if level != "INFO":
        result.inspection_data = _inspection_data(state, frame.inspector, frame, details, data)
        if level == "TRACE":
            _add_http_trace(result.inspection_data, frame, reveal_secrets)
    return result


def check_mock(state: Any, mock_result: Any = UNSET) -> None:
    """Refuse a mock AWS refuses (worded as AWS words it): one for a state type that cannot be
    mocked, or a Map's or Parallel's result of the wrong shape."""
    if state.type not in MOCKABLE_TYPES:
        raise InputError(f"State type '{state.type}' is not supported when a mock is specified")
    if mock_result is UNSET:
        return
    if state.type == "Map" and state.writer is not None:
        if not isinstance(mock_result, dict):
            raise InputError("Mocked result must be a JSON object.")
    elif state.type in ("Map", "Parallel") and not isinstance(mock_result, list):
        raise InputError("Mocked result must be an array.")
    if state.type == "Parallel" and len(mock_result) != len(state.branches):
        raise InputError("Mocked result must contain the same number of items as number of Parallel branches.")


def _inspection_level(given: str) -> str:
    level = given.upper()
    if level not in INSPECTION_LEVELS:
        raise AslrunError(f"--inspection-level must be one of {', '.join(INSPECTION_LEVELS)}, not {given!r}")
    return level


def _find_state(machine: Any, state_name: str) -> Any:
    state = next((s for s in machine.program.walk() if s.name == state_name), None)
    if state is None:
        known = ", ".join(s.name for s in machine.program.walk())
        raise AslrunError(f"no state named {state_name!r} (states: {known})")
    return state


def _enter(execution: Any, state: Any, data: Any, variables: dict[str, Any] | None, retry_count: int,
           context: dict[str, Any] | None) -> Frame:
    """Start the throw-away execution and enter the state: its frame, recording every stage."""
    scope = Variables(values=variables or None)
    frame = Frame(execution, 0, scope) if context is None else _GivenContextFrame(execution, context, scope)
    frame.inspector = Inspector()
    execution.start_time = execution.clock.now()
    execution.history.add("ExecutionStarted", execution.start_time, 0, {"input": data, "roleArn": execution.role_arn})
    frame.state_name = state.name
    frame.entered_time = execution.clock.now()
    frame.retry_count = retry_count
    frame.retryable = state.can_retry
    frame.entered_event_id = frame.emit(state.entered_event, {"name": state.name, "input": data}).id
    return frame


def _run(execution: Any, state: Any, frame: Frame, data: Any,
         fan_out: _MockedFanOut | None) -> tuple[Any, str | None, StatesError | None]:
    """Execute the state once (a mocked Map or Parallel through ``fan_out``); its (output, next
    state) or the (located) error it raised."""
    outcome: dict[str, Any] = {}

    def body() -> Generator[Any, Any, None]:
        try:
            if fan_out is not None:
                outcome["value"] = fan_out.run(state, frame, data)
            elif state.blocking:
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
    data = {name: stages[name] for name in _stage_names(state) if name in stages}
    if "input" not in data:  # a state that reads no input path (Fail) still shows what it got
        data = {"input": raw_input, **data}
    data = _as_aws_shows(state, data)
    visible = frame.variables.visible()
    if visible:
        data["variables"] = visible
    if error_details is not None:
        data["errorDetails"] = error_details
    return data


def _add_http_trace(data: dict[str, Any], frame: Frame, reveal_secrets: bool) -> None:
    """An HTTP Task's raw request and response (recorded by :mod:`aslrun.integrations.http_task`),
    placed where AWS places them: after the stages, before ``variables`` and ``errorDetails``."""
    assert frame.inspector is not None
    stages = frame.inspector.records.get(frame.entered_event_id, {})
    if "httpRequest" not in stages:
        return
    after: dict[str, Any] = {key: data.pop(key) for key in ("variables", "errorDetails") if key in data}
    data["request"] = stages["httpRequest" if reveal_secrets else "httpRequestHidden"]
    data["response"] = stages["httpResponse"]
    data.update(after)


def _stage_names(state: Any) -> tuple[str, ...]:
    """The stages TestState shows for the state, in the order they happen."""
    names = _JSONATA_STAGES if state.query_language == "JSONata" else _JSONPATH_STAGES
    if state.type != "Map":
        return names
    before_items = 1 if state.query_language == "JSONata" else 2  # input (, afterInputPath)
    return names[:before_items] + _MAP_STAGES + names[before_items:] + _MAP_NUMBERS


def _as_aws_shows(state: Any, data: dict[str, Any]) -> dict[str, Any]:
    """The stages AWS's TestState shows of what the state did: a Pass state's ``Result`` replaces
    its input processing stages (and without one it shows no ``result``); a Map shows no
    ``result``; a JSONPath Fail state shows its input as ``afterInputPath``."""
    hidden: tuple[str, ...] = ()
    if state.type == "Pass":
        hidden = ("afterInputPath", "afterParameters") if state.has_result else ("result",)
    elif state.type == "Map":
        hidden = ("result",)
    elif state.type == "Fail" and state.query_language != "JSONata":
        data.setdefault("afterInputPath", data["input"])
    return {name: value for name, value in data.items() if name not in hidden}


class _GivenContextFrame(Frame):
    """A frame whose context object (``$$``) is the one TestState's request gave, as given."""

    __slots__ = ("given_context",)

    def __init__(self, execution: Any, context: dict[str, Any], variables: Variables) -> None:
        super().__init__(execution, 0, variables)
        self.given_context = context

    def context(self) -> dict[str, Any]:
        return copy.deepcopy(self.given_context)


class _MockedFanOut:
    """A Map or Parallel state run with a mocked result or error: its input processing runs, no
    iteration or branch does, and the mocked result goes through its output processing."""

    def __init__(self, result: Any, error: str | None, cause: str | None, failure_count: int,
                 reader_data: str | None) -> None:
        self.result = result
        self.error = error
        self.cause = cause
        self.failure_count = failure_count
        self.reader_data = reader_data

    def run(self, state: Any, frame: Frame, raw_input: Any) -> tuple[Any, str | None]:
        if state.type == "Map":
            self._prepare_map(state, frame, raw_input)
        else:
            state.io.effective_input(frame, raw_input)  # Parameters / Arguments
        if self.error is not None:
            raise StatesError(self.error, self.cause)
        return state.io.output(frame, raw_input, self.result), state.next

    def _prepare_map(self, state: Any, frame: Frame, raw_input: Any) -> None:
        """What a Map does before its iterations start, each stage recorded; the failed
        iterations counted against what the Map tolerates."""
        io = state.io
        data = io.select_input(frame, raw_input)
        items = self._items(state, frame, raw_input, data)
        stages: dict[str, Any] = {"maxConcurrency": io.map_concurrency(state, frame, raw_input, data) or 0}
        inputs = items
        if state.item_selector is not None:
            inputs = stages["afterItemSelector"] = _selected_items(state, frame, raw_input, data, items)
        if state.batcher:
            inputs = stages["afterItemBatcher"] = state._batches(inputs, *io.map_batching(state, frame, raw_input,
                                                                                            data))
        tolerated_count, tolerated_percentage = io.map_tolerance(state, frame, raw_input, data)
        if tolerated_count is not None:
            stages["toleratedFailureCount"] = tolerated_count
        if tolerated_percentage is not None:
            stages["toleratedFailurePercentage"] = float(tolerated_percentage)
        frame.inspector.stage(frame, **stages)
        if self.error is None and _exceeds(self.failure_count, len(inputs), tolerated_count, tolerated_percentage):
            raise StatesError(*_THRESHOLD_EXCEEDED)

    def _items(self, state: Any, frame: Frame, raw_input: Any, data: Any) -> list[Any]:
        """The items: read by the ItemReader (from ``reader_data`` when given), else from the input."""
        reader = state.reader
        if reader is not None:
            if self.reader_data is not None:
                return _reader_items(reader, self.reader_data)
            problem = reader.unbound_problem(frame.execution.bindings)
            if problem is not None:  # e.g. the local AWS is not installed: the read fails as on AWS
                raise StatesError("States.ItemReaderFailed", problem)
            return reader.read(frame, raw_input, data)  # type: ignore[no-any-return]
        items = state.io.map_items(state, frame, raw_input, data)
        if state.query_language != "JSONata":
            frame.inspector.stage(frame, afterItemsPath=items)
        return items  # type: ignore[no-any-return]


def _selected_items(state: Any, frame: Frame, raw_input: Any, data: Any, items: list[Any]) -> list[Any]:
    """Each item through the Map's ItemSelector (``$$.Map.Item`` being the item)."""
    return [state.item_selector(ItemScope(frame, data, index, item), raw_input) for index, item in enumerate(items)]


def _reader_items(reader: Any, text: str) -> list[Any]:
    """The items an ItemReader makes of ``text`` (TestState's ``mapItemReaderData``: the data as
    found in its source), parsed as the reader's InputType says."""
    from ..integrations import map_reader

    if reader.input_type == "CSV":
        return reader._csv(text, reader.max_items)  # type: ignore[no-any-return]
    if reader.input_type == "JSONL":
        return map_reader._json_lines(text, reader.max_items)
    return map_reader._json_array(text, reader.max_items)


def _exceeds(failures: int, count: int, tolerated_count: int | None, tolerated_percentage: float | None) -> bool:
    """Whether ``failures`` failed iterations of ``count`` exceed what the Map tolerates (a Map
    that tolerates no failure is not judged here: TestState ignores the count for it)."""
    if tolerated_count is None and tolerated_percentage is None:
        return False
    allowed = []
    if tolerated_count is not None:
        allowed.append(tolerated_count)
    if tolerated_percentage is not None:
        allowed.append(math.floor(count * tolerated_percentage / 100))
    return failures > min(allowed)


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
        if state is not self.state or self.result is not UNSET or self.error is not None:
            return True
        return bool(self.fallback is not None and getattr(self.fallback, "covers", lambda s: False)(state))

    def __call__(self, state: Any, call: Any) -> Any:
        if self.error is not None and state is self.state:
            raise StatesError(self.error, self.cause)
        if self.result is not UNSET and state is self.state:
            return self.result
        return self.fallback(state, call) if self.fallback is not None else NOT_INTERCEPTED
