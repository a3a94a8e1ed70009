"""``.waitForTaskToken``: a Task that waits until someone sends its task token back.

The Task issues a token (``$$.Task.Token``), calls its resource (a Lambda function, an SQS message,
an SNS notification, an EventBridge event, a nested execution, an AWS SDK call), records
``TaskSubmitted`` with the service's response, then waits for one of:

* :func:`send_task_success` ``(token, output)`` - the task succeeds with ``output`` as its result;
* :func:`send_task_failure` ``(token, error, cause)`` - the task fails with that error and cause;
* :func:`send_task_heartbeat` ``(token)`` - the task is still being worked on: its
  ``HeartbeatSeconds`` clock starts again.

``TimeoutSeconds`` and ``HeartbeatSeconds`` are enforced on the execution's clock; either running
out fails the task with ``States.Timeout`` (as AWS records it: there is no HeartbeatTimeout error).

Who sends the token: a handler (the Lambda context object has ``task_token`` and
``send_task_success`` / ``send_task_failure`` / ``send_task_heartbeat``), a test between two
``execution.run(until_callbacks=True)`` calls (:func:`pending_tasks` lists the waiting tokens), or
the command line (``aslrun aws send-task-success``, through a state directory's callback inbox).
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import weakref
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from ..engine.scheduler import Future, WaitFuture
from ..engine.task_call import HandlerTimedOut
from ..errors import InputError, StatesError

if TYPE_CHECKING:
    from ..engine.task_call import TaskCall

__all__ = ["CallbackTask", "PendingTask", "TaskTokenError", "apply_callback_request", "looks_issued", "new_token",
           "pending_tasks", "register_pending", "send_task_failure", "send_task_heartbeat", "send_task_success",
           "submitting_token", "unregister_pending", "wait_for_token"]

_LOCK = threading.RLock()
_PENDING: weakref.WeakValueDictionary[str, PendingTask] = weakref.WeakValueDictionary()
_SUBMITTING: list[str] = []  # the token of the callback task whose resource is being called now
_OUTPUT_LIMIT = 262_144


class TaskTokenError(Exception):
    """A callback that Step Functions would refuse: ``code`` is AWS's error code
    (``InvalidToken``, ``TaskDoesNotExist``, ``TaskTimedOut``, ``InvalidOutput``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class PendingTask:
    """A task waiting for its token: what :func:`pending_tasks` lists."""

    __slots__ = ("token", "future", "execution_ref", "state_name", "resource", "heartbeat_seconds",
                 "heartbeat_deadline", "clock", "__weakref__")

    def __init__(self, token: str, future: Any, call: TaskCall, resource: str) -> None:
        self.token = token
        self.future = future
        self.execution_ref = weakref.ref(call.execution)
        self.state_name = call.state_name
        self.resource = resource
        self.heartbeat_seconds = call.heartbeat
        self.clock = call.execution.clock
        self.heartbeat_deadline: float | None = None

    @property
    def execution(self) -> Any:
        return self.execution_ref()

    @property
    def execution_arn(self) -> str | None:
        execution = self.execution
        return execution.arn if execution is not None else None

    def __repr__(self) -> str:
        return f"<PendingTask {self.state_name!r} token {self.token[:12]}...>"


# -- the public API ------------------------------------------------------------------------------------

def send_task_success(task_token: str, output: Any) -> None:
    """Complete a waiting task with ``output``: JSON text (as the API takes it) or a JSON value."""
    value = _output_value(output)
    _take(task_token).future.set_result(value)


def send_task_failure(task_token: str, error: str | None = None, cause: str | None = None) -> None:
    """Fail a waiting task with ``error`` / ``cause`` (Retry and Catch see ``error``)."""
    if error is not None and len(error) > 256:
        raise TaskTokenError("ValidationException", "error must be at most 256 characters")
    if cause is not None and len(cause) > 32_768:
        raise TaskTokenError("ValidationException", "cause must be at most 32768 characters")
    _take(task_token).future.set_error(StatesError(error, cause))


def send_task_heartbeat(task_token: str) -> None:
    """Report that the task is still being worked on: its HeartbeatSeconds start again."""
    pending = _find(task_token)
    if pending.heartbeat_seconds is not None:
        pending.heartbeat_deadline = pending.clock.now() + pending.heartbeat_seconds


def apply_callback_request(request: dict[str, Any]) -> None:
    """Apply one request of a callback inbox (:mod:`aslrun.localaws.callback_inbox`):
    ``{"action": "success", "token", "output"}``, ``{"action": "failure", "token", "error", "cause"}``
    or ``{"action": "heartbeat", "token"}``; TaskTokenError or InputError when refused."""
    action, token = request.get("action"), request.get("token")
    if action == "success":
        send_task_success(token, request.get("output"))  # type: ignore[arg-type]
    elif action == "failure":
        send_task_failure(token, request.get("error"), request.get("cause"))  # type: ignore[arg-type]
    elif action == "heartbeat":
        send_task_heartbeat(token)  # type: ignore[arg-type]
    else:
        raise InputError(f"unknown callback action {action!r}")


def pending_tasks(execution: Any = None) -> list[PendingTask]:
    """Tasks waiting for a token (of ``execution`` and the executions it started, or of all)."""
    with _LOCK:
        waiting = [p for p in list(_PENDING.values()) if not p.future.done and p.execution is not None]
    if execution is not None:
        waiting = [p for p in waiting if _descends_from(p.execution, execution)]
    return waiting


def submitting_token() -> str | None:
    """The token of the callback task whose resource is being called right now (the Lambda
    context object reads it, so a handler can send its own token back)."""
    return _SUBMITTING[-1] if _SUBMITTING else None


# -- the integration ---------------------------------------------------------------------------------

class CallbackTask:
    """``<resource>.waitForTaskToken`` around an integration that submits the work (``inner``)."""

    history = "Task"
    blocking = True
    envelope_bytes = 0

    def __init__(self, inner: Any, resource: str) -> None:
        self.inner = inner
        self.resource = resource
        self.resource_type = inner.resource_type
        self.resource_name = f"{inner.resource_name}.waitForTaskToken"

    def static_function_names(self, parameters: Any) -> list[str]:
        return self.inner.static_function_names(parameters)  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:  # static_state_machines, unbound_problem, ... of the inner one
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    def limit_name(self, call: TaskCall) -> str:
        return self.inner.limit_name(call)  # type: ignore[no-any-return]

    def scheduled_details(self, call: TaskCall) -> dict[str, Any]:
        details = dict(self.inner.scheduled_details(call))
        details["resource"] = self.resource_name  # e.g. "invoke.waitForTaskToken"
        return details

    def prepare(self, frame: Any) -> None:
        """Issue the token before the parameters are evaluated, so ``$$.Task.Token`` reads it."""
        frame.task_token = new_token(frame)

    def invoke(self, call: TaskCall) -> Generator[Any, Any, Any]:
        frame = call.frame
        if frame.task_token is None:  # the engine did not call prepare(): issue it now
            self.prepare(frame)
        token = frame.task_token
        assert isinstance(token, str)
        pending = PendingTask(token, Future(call.execution.scheduler), call, self.resource)
        register_pending(pending)
        try:
            _SUBMITTING.append(token)
            try:
                if self.inner.blocking:
                    response = yield from self.inner.invoke(call)
                else:
                    response = self.inner.invoke(call)
            finally:
                _SUBMITTING.pop()
            frame.emit("TaskSubmitted", {"resourceType": self.resource_type, "resource": self.resource_name,
                                         "output": response})
            call.result_size = None
            return (yield from wait_for_token(call, pending))
        finally:
            unregister_pending(pending)
            frame.task_token = None


def register_pending(pending: PendingTask) -> None:
    """List a task as waiting for its token (SendTask* find it by the token)."""
    with _LOCK:
        _PENDING[pending.token] = pending


def unregister_pending(pending: PendingTask) -> None:
    with _LOCK:
        if _PENDING.get(pending.token) is pending:
            del _PENDING[pending.token]


def wait_for_token(call: TaskCall, pending: PendingTask) -> Generator[Any, Any, Any]:
    """Wait until the token is sent back (its result, or its error raised), the task's
    TimeoutSeconds or HeartbeatSeconds run out (HandlerTimedOut), or the execution's deadline."""
    execution = call.execution
    clock = execution.clock
    timeout_at = call.frame.entered_time + call.timeout if call.timeout is not None else None
    if pending.heartbeat_seconds is not None:
        pending.heartbeat_deadline = clock.now() + pending.heartbeat_seconds
    future = pending.future
    while not future.done:
        limits = [t for t in (timeout_at, pending.heartbeat_deadline, execution.deadline) if t is not None]
        settled = yield WaitFuture(future, min(limits) if limits else None)
        if settled or future.done:
            break
        now = clock.now()
        execution.check_deadline()
        heartbeat_out = pending.heartbeat_deadline is not None and now >= pending.heartbeat_deadline
        if (timeout_at is not None and now >= timeout_at) or heartbeat_out:
            with _LOCK:
                _PENDING.pop(pending.token, None)
            raise HandlerTimedOut()
        # a heartbeat moved the deadline while we waited: wait again
    if future.error is not None:
        raise future.error
    return future.value


# -- tokens --------------------------------------------------------------------------------------------

def new_token(frame: Any) -> str:
    """A task token: reproducible from the execution's seed, unique to this execution and state entry."""
    execution = frame.execution
    seed = f"{execution.arn}#{frame.entered_event_id}#{execution.new_uuid()}".encode()
    digest = hashlib.sha512(seed).digest()
    return "AQ" + base64.urlsafe_b64encode(digest + hashlib.sha256(digest).digest()[:12]).decode().rstrip("=")


def looks_issued(task_token: Any) -> bool:
    """Whether a token has the shape of one :func:`new_token` issues (its own checksum holds), so a
    token that is no longer pending can be told from one that never was a token."""
    if not isinstance(task_token, str) or not task_token.startswith("AQ"):
        return False
    try:
        raw = base64.urlsafe_b64decode(task_token[2:] + "=" * (-len(task_token[2:]) % 4))
    except ValueError:
        return False
    return len(raw) == 76 and hashlib.sha256(raw[:64]).digest()[:12] == raw[64:]


def _find(task_token: Any) -> PendingTask:
    if not isinstance(task_token, str) or not task_token.startswith("AQ") or len(task_token) < 16:
        raise TaskTokenError("InvalidToken", f"Invalid token: {task_token!r}")
    with _LOCK:
        pending = _PENDING.get(task_token)
    if pending is None or pending.execution is None:
        raise TaskTokenError("TaskDoesNotExist", "Task does not exist anymore (completed, timed out or never issued)")
    if pending.future.done:
        raise TaskTokenError("TaskTimedOut", "Task Timed Out: the task was already completed")
    return pending


def _take(task_token: Any) -> PendingTask:
    pending = _find(task_token)
    with _LOCK:
        _PENDING.pop(pending.token, None)
    return pending


def _output_value(output: Any) -> Any:
    if isinstance(output, (bytes, bytearray)):
        output = output.decode("utf-8")
    if isinstance(output, str):
        if len(output.encode("utf-8")) > _OUTPUT_LIMIT:
            raise TaskTokenError("InvalidOutput", "the output is larger than 256 KiB")
        try:
            return json.loads(output, parse_constant=_not_json, parse_float=_finite_number)
        except (ValueError, RecursionError) as exc:
            raise TaskTokenError("InvalidOutput", f"the output is not valid JSON: {exc}") from None
    try:
        text = json.dumps(output, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TaskTokenError("InvalidOutput", f"the output is not JSON-serialisable: {exc}") from None
    if len(text.encode("utf-8")) > _OUTPUT_LIMIT:
        raise TaskTokenError("InvalidOutput", "the output is larger than 256 KiB")
    return json.loads(text)


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_number(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text} is out of range of a double")
    return value


def _descends_from(execution: Any, ancestor: Any) -> bool:
    while execution is not None:
        if execution is ancestor:
            return True
        execution = execution.parent
    return False
