"""Calling a Python handler the way Lambda calls a function.

* The event is a private copy (the handler may mutate it; the engine's data is plain JSON already,
  so a ``marshal`` round trip makes it), but for a handler marked as one that only reads it
  (:mod:`.shared_events`); the result goes back through its JSON text
  (:func:`result_through_json`: tuples become lists, number keys text), so a handler that returns
  something Lambda could not serialise fails here exactly as it would there (``Runtime.MarshalError``),
  and the text's length is the response's Content-Length.
* The handler gets a context object shaped like Lambda's (``function_name``, ``aws_request_id``,
  ``get_remaining_time_in_millis()``, ...).
* An exception becomes a failure named after its class, with Lambda's JSON cause
  (``errorMessage``, ``errorType``, ``requestId``, ``stackTrace``).
* With a time limit the handler runs in place on the main thread, stopped at its deadline by
  SIGALRM (:mod:`.handler_alarm`); on any other thread it runs in a daemon thread and is abandoned
  when the limit passes (Python cannot kill a thread; a hung handler no longer holds the
  execution). Those threads are kept and reused (:class:`_Workers`): starting one per call cost more
  than many handlers' work, and a handler keeping a per-thread resource (a database connection)
  finds it again next call.
"""

from __future__ import annotations

import json
import json.scanner
import marshal
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from ..engine.task_call import HandlerTimedOut
from ..errors import StatesError
from ..jsontext import json_writer

from .callbacks import send_task_failure, send_task_heartbeat, send_task_success, submitting_token
from .handler_alarm import alarm_usable, call_with_alarm
from .reading_code import reads_its_event_only
from .shared_events import call_checking_event, checking_events, shares_event

T = TypeVar("T")

__all__ = ["HandlerFailed", "HandlerTimedOut", "LambdaContext", "LambdaFunctionError", "call_bound_handler",
           "call_handler", "result_through_json", "within_time_limit"]


class HandlerFailed(Exception):
    """The handler raised (or returned something unserialisable): ``error`` and Lambda's error
    document (``errorMessage``, ``errorType``, ``requestId``, ``stackTrace``).

    AWS words the cause differently by integration: ``lambda:invoke`` gives the document as compact
    JSON, a bare function ARN as Python's default ``json.dumps`` (", " and ": ")."""

    def __init__(self, error: str, document: dict[str, Any] | str) -> None:
        message = document.get("errorMessage") if isinstance(document, dict) else document
        super().__init__(f"{error}: {message}")
        self.error = error
        self.document = document

    def __reduce__(self) -> tuple[Any, ...]:  # crosses from a worker process (handler_processes)
        return (HandlerFailed, (self.error, self.document))

    def cause(self, *, compact: bool) -> str:
        if isinstance(self.document, str):  # a cause given as text (not a function's error document)
            return self.document
        return json.dumps(self.document, separators=(",", ":")) if compact else json.dumps(self.document)


class LambdaFunctionError(Exception):
    """What a handler standing for a function elsewhere raises (e.g. one called over Lambda's Invoke
    API): the task fails with ``error`` and ``document`` (Lambda's error document, or a cause text)
    exactly as given, not as an exception of this handler."""

    def __init__(self, error: str, document: dict[str, Any] | str) -> None:
        super().__init__(error)
        self.error = error
        self.document = document


class LambdaContext:
    """What a Lambda function receives as ``context``."""

    def __init__(self, *, function_name: str, invoked_function_arn: str, aws_request_id: str,
                 deadline: float | None, function_version: str = "$LATEST", memory_limit_in_mb: int = 128,
                 client_context: Any = None) -> None:
        self.function_name = function_name
        self.function_version = function_version
        self.invoked_function_arn = invoked_function_arn
        self.memory_limit_in_mb = memory_limit_in_mb
        self.aws_request_id = aws_request_id
        self.identity = None
        self.client_context = client_context
        self._deadline = deadline  # time.monotonic() value, or None (no limit)
        #: the token of the ``.waitForTaskToken`` task that invoked this handler (else None)
        self.task_token: str | None = submitting_token()

    # (worked out when read: most handlers never do, and one context is made for every call)
    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"aslrun/[{self.function_version}]{self.aws_request_id.replace('-', '')}"

    def fields(self) -> dict[str, Any]:
        """What rebuilds this context in a worker process (:meth:`from_fields`)."""
        return {"function_name": self.function_name, "invoked_function_arn": self.invoked_function_arn,
                "aws_request_id": self.aws_request_id, "deadline": self._deadline,
                "function_version": self.function_version, "memory_limit_in_mb": self.memory_limit_in_mb,
                "task_token": self.task_token}

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> LambdaContext:
        """The context :meth:`fields` describes (the deadline is ``time.monotonic()``'s, which every
        process of the machine shares)."""
        given = dict(fields)
        task_token = given.pop("task_token")
        context = cls(**given)
        context.task_token = task_token
        return context

    def get_remaining_time_in_millis(self) -> int:
        if self._deadline is None:
            return 900_000  # Lambda's maximum timeout
        return max(0, int((self._deadline - time.monotonic()) * 1000))

    # -- completing the callback task that invoked this handler (see integrations.callbacks) --------

    def send_task_success(self, output: Any, task_token: str | None = None) -> None:
        send_task_success(self._token(task_token), output)

    def send_task_failure(self, error: str | None = None, cause: str | None = None,
                          task_token: str | None = None) -> None:
        send_task_failure(self._token(task_token), error, cause)

    def send_task_heartbeat(self, task_token: str | None = None) -> None:
        send_task_heartbeat(self._token(task_token))

    def _token(self, task_token: str | None) -> str:
        token = task_token or self.task_token
        if token is None:
            raise ValueError("this handler was not invoked by a .waitForTaskToken task: give the task_token")
        return token

    def __repr__(self) -> str:
        return f"<LambdaContext {self.function_name} request {self.aws_request_id}>"


def call_bound_handler(handler: Callable[..., Any], call: Any, *, function_name: str, arn: str) -> Any:
    """A handler bound to a Task's resource (an AWS service, an activity) called with the task's
    effective input and a Lambda-like context; its exception fails the task as Lambda reports it."""
    context = LambdaContext(function_name=function_name, invoked_function_arn=arn, aws_request_id=call.request_id,
                            deadline=call.real_deadline)
    try:
        result, size = call_handler(handler, call.parameters, context, timeout=call.real_timeout,
                                    gate=call.bindings.handler_gate)
    except HandlerFailed as failed:
        raise StatesError(failed.error, failed.cause(compact=True)) from None
    call.result_size = size
    return result


def call_handler(handler: Callable[..., Any], event: Any, context: LambdaContext, *,
                 timeout: float | None = None, gate: Any = None, processes: Any = None) -> tuple[Any, int]:
    """Call ``handler(event, context)``; return the result (a JSON copy) and the length in bytes of
    its JSON text (:func:`result_through_json`: what Lambda's response carries).

    ``gate`` (a semaphore) bounds how many handlers run at once where executions run on several
    threads (a server): Lambda gives each invocation an environment of its own, so handlers are
    written as if nothing else ran beside them. The gate is held until the call returns or is
    abandoned at its timeout. ``processes`` (:class:`~aslrun.integrations.handler_processes.HandlerProcesses`)
    makes the call in one of its worker processes when a worker can import the handler; one that
    cannot is called here, with its time limit as usual. A call with a time limit is made in place
    on the main thread, stopped at its deadline by SIGALRM (:mod:`.handler_alarm`), and elsewhere
    on one of the kept threads below, abandoned there at its deadline."""
    if gate is not None:
        with gate:
            return call_handler(handler, event, context, timeout=timeout, processes=processes)
    if processes is not None and processes.can_send(handler):  # a worker process does the call
        return processes.call(handler, event, context, timeout)  # type: ignore[no-any-return]
    if timeout is None:
        return call_here(handler, event, context)
    return within_time_limit(lambda: call_here(handler, event, context), timeout)


def within_time_limit(work: Callable[[], T], timeout: float) -> T:
    """``work()``, or :class:`HandlerTimedOut` once ``timeout`` seconds have passed: on the main
    thread it runs in place and is stopped there by SIGALRM (:mod:`.handler_alarm`); elsewhere it
    runs on one of the kept threads below and is abandoned there. Its exception reaches the caller."""
    if timeout > 0 and alarm_usable():
        return call_with_alarm(work, timeout, HandlerTimedOut)
    box: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # delivered to the caller's thread below
            box["error"] = exc
        finally:
            done.set()

    _WORKERS.start(run)
    if not done.wait(max(0.0, timeout)):
        raise HandlerTimedOut()
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


class _Workers:
    """Daemon threads that run timed handler calls, kept between calls.

    A call takes an idle thread or starts a new one; the thread goes back to the idle list when
    the handler returns. A handler abandoned at its timeout keeps its thread busy (and out of the
    idle list) for as long as it runs, exactly as a thread of its own would be. At most
    ``IDLE_KEPT`` idle threads are kept; a thread finding the list full ends."""

    IDLE_KEPT = 16

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []

    def start(self, work: Callable[[], None]) -> None:
        with self._lock:
            worker = self._idle.pop() if self._idle else None
        if worker is None:
            worker = _Worker(self)
        worker.give(work)

    def rest(self, worker: _Worker) -> bool:
        """Put a worker back in the idle list; False when the list is full (the worker ends)."""
        with self._lock:
            if len(self._idle) >= self.IDLE_KEPT:
                return False
            self._idle.append(worker)
            return True


class _Worker:
    def __init__(self, pool: _Workers) -> None:
        self._pool = pool
        self._work: Callable[[], None] | None = None
        self._ready = threading.Event()
        threading.Thread(target=self._loop, name="aslrun-handler", daemon=True).start()

    def give(self, work: Callable[[], None]) -> None:
        self._work = work
        self._ready.set()

    def _loop(self) -> None:
        while True:
            self._ready.wait()
            self._ready.clear()
            work, self._work = self._work, None
            assert work is not None
            work()  # never raises: run() above keeps every exception for the caller
            if not self._pool.rest(self):
                return


_WORKERS = _Workers()


def call_here(handler: Callable[..., Any], event: Any, context: LambdaContext) -> tuple[Any, int]:
    """One call on this thread, in this process: the event copied in (not for a handler whose code
    can only read it, :mod:`.reading_code`, nor one marked as only reading it, :mod:`.shared_events`),
    the result copied out (a JSON copy and its size), a failure as :class:`HandlerFailed`."""
    if reads_its_event_only(handler):
        return call_with_own_event(handler, event, context)
    if shares_event(handler):
        if checking_events():
            return call_checking_event(lambda copy: call_with_own_event(handler, copy, context), handler, event)
        return call_with_own_event(handler, event, context)
    private_event = marshal.loads(marshal.dumps(event))  # engine data is JSON already: a fast deep copy
    return call_with_own_event(handler, private_event, context)


def call_with_own_event(handler: Callable[..., Any], event: Any, context: LambdaContext) -> tuple[Any, int]:
    """:func:`call_here` for an event nobody else holds (a worker process's, just unpickled): no
    copy is made of it."""
    try:
        result = handler(event, context)
    except LambdaFunctionError as exc:
        raise HandlerFailed(exc.error, _remote_document(exc.document)) from None
    except Exception as exc:  # the function failed: Lambda reports it, the task fails with it
        raise HandlerFailed(type(exc).__name__, lambda_error_document(exc, context.aws_request_id)) from exc
    except SystemExit as exc:  # the function's runtime exited: Lambda's Runtime.ExitError, not our exit
        document = {"errorType": "Runtime.ExitError",
                    "errorMessage": f"RequestId: {context.aws_request_id} Error: Runtime exited with error: "
                                    f"exit status {exc.code if isinstance(exc.code, int) else 1}"}
        raise HandlerFailed("Runtime.ExitError", document) from None
    return result_through_json(result, context.aws_request_id)


def result_through_json(result: Any, request_id: str) -> tuple[Any, int]:
    """What crosses Lambda's boundary of a handler's return value: a copy through its JSON text (as
    ``json.dumps`` writes it: tuples become lists, number keys text), and that text's length in
    bytes (the response's Content-Length); :class:`HandlerFailed` (``Runtime.MarshalError``) when
    json cannot write it (NaN, an object json does not know, a cycle)."""
    try:
        text = _write_strictly(result)
    except (TypeError, ValueError) as exc:
        marshal_error: dict[str, Any] = {"errorMessage": f"Unable to marshal response: {exc}",
                                         "errorType": "Runtime.MarshalError", "requestId": request_id,
                                         "stackTrace": []}
        raise HandlerFailed("Runtime.MarshalError", marshal_error) from None
    return _SCAN(text, 0)[0], len(text)  # (ASCII escapes: one byte a character)


# json.dumps(value, allow_nan=False), its C encoder made once, and the C scanner json.loads reads with
# (json.dumps and json.loads without their per-call set-up)
_write_strictly = json_writer(allow_nan=False)
_SCAN = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]  # (typeshed names its own type)


def _remote_document(document: dict[str, Any] | str) -> dict[str, Any] | str:
    """A remote function's error document as Lambda returned it (JSON text) is kept as its value."""
    if isinstance(document, str):
        try:
            parsed = json.loads(document)
        except ValueError:
            return document
        return parsed if isinstance(parsed, dict) else document
    return document


def lambda_error_document(exc: BaseException, request_id: str) -> dict[str, Any]:
    """Lambda's error document for an unhandled exception."""
    frames = traceback.extract_tb(exc.__traceback__)[1:]  # drop our own frame
    stack = [f'  File "{f.filename}", line {f.lineno}, in {f.name}\n    {f.line}\n' for f in frames]
    return {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "requestId": request_id,
        "stackTrace": stack,
    }
