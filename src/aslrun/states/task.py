"""Task: calls its resource (a Lambda function, an AWS service, a nested execution) and passes on
the result through ResultSelector / ResultPath / OutputPath.

The integration (see :mod:`aslrun.integrations`; the compiler's services give it, see
:mod:`aslrun.states.services`) does the call; this state records the events
around it with the integration's names (``TaskScheduled``/``TaskStarted``/``TaskSucceeded`` or
``LambdaFunctionScheduled``/...), enforces ``TimeoutSeconds`` / ``TimeoutSecondsPath``, and checks
the result against the payload size limit.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from functools import partial
from typing import Any

from ..engine.task_call import HandlerTimedOut, TaskCall
from ..errors import StatesError, runtime_error
from ..expr.jsonpath import PathNotFound, compile_path
from ..expr.template import compact_json, read_path
from ..jsontext import json_size
from .base import State

__all__ = ["NOT_INTERCEPTED", "PAYLOAD_LIMIT_BYTES", "TaskInterceptor", "TaskState"]

#: What a task interceptor returns to let the Task call its resource as usual.
NOT_INTERCEPTED = object()

#: ``(task_state, call) -> result | NOT_INTERCEPTED``, may raise StatesError: stands in for a Task's
#: resource (mocked responses, the step debugger's "use this result"). The Task still records its
#: Scheduled/Started/Succeeded or Failed events, so a mocked run's history looks like a real one.
TaskInterceptor = Callable[[Any, TaskCall], Any]

PAYLOAD_LIMIT_BYTES = 262_144  # 256 KiB: AWS's limit on a state's input, output and task result


class TaskState(State):
    type = "Task"
    can_retry = True
    grows_data = True
    blocking = True

    def __init__(self, name: str, spec: dict[str, Any], build: Any) -> None:
        super().__init__(name, spec, build)
        self.resource: str = spec["Resource"]
        self.integration = build.services.task_integration(self.resource)
        events = self.integration.history
        self.scheduled_event = f"{events}Scheduled"
        self.started_event = f"{events}Started"
        self.succeeded_event = f"{events}Succeeded"
        self.failed_event = f"{events}Failed"
        self.timed_out_event = f"{events}TimedOut"
        self.timeout_seconds = spec.get("TimeoutSeconds")
        self.heartbeat_seconds = spec.get("HeartbeatSeconds")
        self.timeout_path = compile_path(spec["TimeoutSecondsPath"]) if "TimeoutSecondsPath" in spec else None
        self.heartbeat_path = compile_path(spec["HeartbeatSecondsPath"]) if "HeartbeatSecondsPath" in spec else None
        self.retriers, self.catchers = build.recovery(self, spec)
        self._prepare = getattr(self.integration, "prepare", None)
        # an activity's Started event comes when a worker takes the task, recorded by the integration
        self._records_started = not getattr(self.integration, "worker_starts", False)
        # resourceType and resource, which the task's Started, Succeeded, Failed and TimedOut events name
        self._resource = _resource_details(self.integration)

    def static_function_names(self) -> list[str]:
        """Lambda functions this task calls that are known before the run (binding check)."""
        names = self.integration.static_function_names(self.spec.get("Parameters", self.spec.get("Arguments")))
        # (a JSONata expression's function is known at run time only)
        return [name for name in names if not (name.startswith("{%") and name.endswith("%}"))]

    def execute(self, frame: Any, raw_input: Any) -> Generator[Any, Any, tuple[Any, str | None]]:
        io = self.io
        execution = frame.execution
        prepare = self._prepare
        if prepare is not None:
            prepare(frame)  # e.g. issue the task token, so $$.Task.Token reads it in Parameters
        timeout, heartbeat = io.task_timeouts(self, frame, raw_input)
        parameters = io.effective_input(frame, raw_input)
        real_timeout = _real_time_left(execution, timeout)
        call = TaskCall(frame, parameters, timeout=timeout, heartbeat=heartbeat, real_timeout=real_timeout)
        integration = self.integration
        frame.emit(self.scheduled_event, integration.scheduled_details(call))
        if self._records_started:
            frame.emit(self.started_event, {**self._resource})
        try:
            intercept = execution.task_interceptor
            mocked = intercept(self, call) if intercept is not None else NOT_INTERCEPTED
            if mocked is not NOT_INTERCEPTED:
                result = mocked
            elif integration.blocking:
                result = yield from integration.invoke(call)
            elif execution.handler_threads is not None and integration.calls_handler:
                result = yield from execution.handler_threads.run(partial(_invoke_from_now, integration, call))
            else:
                result = integration.invoke(call)
            self._check_result_size(frame, call, result)
        except HandlerTimedOut:
            execution.check_deadline()
            error = StatesError("States.Timeout", None)
            frame.emit(self.timed_out_event, {**self._resource, "error": error.error})
            raise error from None
        except StatesError as error:
            details = {**self._resource, "error": error.error}
            if error.cause is not None:
                details["cause"] = error.cause
            frame.emit(self.failed_event, details)
            raise
        frame.emit(self.succeeded_event, {**self._resource, "output": result})
        return io.output(frame, raw_input, result), self.next

    def _check_result_size(self, frame: Any, call: TaskCall, result: Any) -> None:
        """A result over the payload limit fails the task (AWS names the resource, not the state)."""
        execution = frame.execution
        limit = execution.payload_limit
        if limit is None:
            return
        size = call.result_size
        envelope = self.integration.envelope_bytes
        if size is None or size + envelope > limit:
            size = json_size(result)
            envelope = 0
        frame.result_bound = size + envelope
        if size > limit:
            raise StatesError(
                "States.DataLimitExceeded",
                f"The state/task '{self.integration.limit_name(call)}' returned a result with a size exceeding "
                "the maximum number of bytes service limit.",
            )

    def jsonpath_timeouts(self, frame: Any, raw_input: Any) -> tuple[int | None, int | None]:
        """TimeoutSeconds / HeartbeatSeconds, fixed or read from the state input by a path."""
        timeout, heartbeat = self.timeout_seconds, self.heartbeat_seconds
        if self.timeout_path is not None or self.heartbeat_path is not None:
            data = self.io.select_input(frame, raw_input)
            frame.data = data
            if self.timeout_path is not None:
                timeout = _positive_int(self.timeout_path, frame, "TimeoutSecondsPath")
            if self.heartbeat_path is not None:
                heartbeat = _positive_int(self.heartbeat_path, frame, "HeartbeatSecondsPath")
        return timeout, heartbeat


def _invoke_from_now(integration: Any, call: TaskCall) -> Any:
    """On a handler thread: the call's time limit counts from when a thread took it up."""
    call.start_clock()
    return integration.invoke(call)


def _resource_details(integration: Any) -> dict[str, Any]:
    if integration.history in ("LambdaFunction", "Activity"):
        return {}
    return {"resourceType": integration.resource_type, "resource": integration.resource_name}


def _positive_int(path: Any, frame: Any, field: str) -> int:
    try:
        value = read_path(path, frame)
    except PathNotFound as missing:
        raise runtime_error(f"Invalid path '{path.text}' : {missing}") from None
    if value.__class__ is not int or value <= 0:
        raise runtime_error(
            f"The {field} field refers to value \"{compact_json(value)}\" which is not a valid positive "
            f"integer: {path.text}"
        )
    return int(value)


#: Longer than any real run waits for a handler (a year); keeps a huge timeout a valid thread wait.
_LONGEST_REAL_WAIT = 31_622_400


def _real_time_left(execution: Any, timeout: int | None) -> float | None:
    """How long (real seconds) a handler may run: the task timeout or the execution's, if sooner."""
    limits = []
    if timeout is not None:
        limits.append(float(min(timeout, _LONGEST_REAL_WAIT)))  # a run-time value may exceed AWS's maximum
    if execution.deadline is not None:
        limits.append(execution.deadline - execution.clock.now())
    return min(limits) if limits else None
