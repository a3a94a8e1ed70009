"""Handlers in worker processes: the opt-in mode for handlers that compute (``handler_processes=N``).

(An inline Map whose iterations only compute goes further with N at least 2: each iteration runs whole
in a forked worker, see :mod:`aslrun.integrations.iteration_pool`; what follows is how the calls of
every other Task are made.)

``handler_threads=N`` (see :mod:`aslrun.engine.handler_threads`) lets a Map's iterations call their
handlers at once, but Python runs one thread's bytecode at a time, so handlers that compute (parse,
price, aggregate) gain nothing from it. With ``handler_processes=N`` the same N threads hand each
Lambda handler call to one of N worker processes (:mod:`aslrun.integrations.handler_worker`) and
wait for its answer: the calls run on as many cores. What crosses to a worker: the handler, by its
module and name (the worker imports it), the event and the context's fields; what comes back: the
result, or the failure (Lambda's error document). A handler that cannot be sent by name (a lambda, a
closure, a function of the script being run) runs on its thread in this process instead, with a
warning naming it.

Workers start on first use, with the parent's ``sys.path`` and directory and a fresh interpreter
(no database connection, lock or ``__main__`` of the parent inherited), and are kept for the
process's life, shared by the executions asking for the same number: a handler keeping a
per-process resource (a connection) finds it again. A call past its time limit ends its worker, as
Lambda ends a timed-out function's environment; the next call starts a new one. Like a Lambda
environment, a worker shares no memory with the caller: a handler answering its own task token
with ``context.send_task_success`` needs the threads mode. A handler's AWS calls while the run uses
a local AWS (moto, in the caller's memory) are handed to the caller, which makes them on its local
AWS in the thread waiting for that worker (:mod:`aslrun.integrations.worker_aws_calls`): journaled
and answered as they would be from a thread.
"""

from __future__ import annotations

import atexit
import os
import pickle
import queue
import select
import subprocess
import sys
import threading
import time
import warnings
from typing import Any

from .handler_call import HandlerFailed, HandlerTimedOut, LambdaContext
from .worker_aws_calls import AWS_CALL, answer_in_caller
from .worker_messages import read_message, write_message

__all__ = ["HandlerProcesses", "handler_processes"]

_POOLS: dict[int, HandlerProcesses] = {}
_POOLS_LOCK = threading.Lock()
_WORKER_MAIN = "from aslrun.integrations.handler_worker import serve; serve()"


@atexit.register
def _close_pools() -> None:
    """At exit, the idle workers are ended and waited for (a worker still in a call ends when this
    process's end closes its pipe)."""
    with _POOLS_LOCK:
        pools = list(_POOLS.values())
    for pool in pools:
        pool.close()


def handler_processes(processes: int) -> HandlerProcesses:
    """The pool of ``processes`` workers (one per size, kept for the process's life)."""
    if isinstance(processes, bool) or not isinstance(processes, int) or processes < 1:
        raise ValueError(f"handler_processes must be a whole number of processes, at least 1 (got {processes!r})")
    with _POOLS_LOCK:
        pool = _POOLS.get(processes)
        if pool is None:
            pool = _POOLS[processes] = HandlerProcesses(processes)
        return pool


class _Worker:
    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", _WORKER_MAIN], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE)
        write_message(self.process.stdin, (list(sys.path), os.getcwd()))  # type: ignore[arg-type]

    def call(self, message: Any, timeout: float | None) -> Any:
        """The worker's answer to ``message``; meanwhile, the AWS calls its handler makes are made
        here, on the local AWS, and answered (the time limit counts them in, as Lambda's does)."""
        write_message(self.process.stdin, message)  # type: ignore[arg-type]
        answers = self.process.stdout
        assert answers is not None
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if deadline is not None and not select.select([answers], [], [], max(0.0, deadline - time.monotonic()))[0]:
                raise HandlerTimedOut()
            answer = read_message(answers)  # type: ignore[arg-type]
            if not (isinstance(answer, tuple) and answer and answer[0] == AWS_CALL):
                return answer
            write_message(self.process.stdin, answer_in_caller(*answer[1:]))  # type: ignore[arg-type]

    def end(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._close_pipes()

    def close(self, grace: float = 2.0) -> None:
        """End an idle worker as it expects: its pipe closed, it returns (killed past ``grace``)."""
        self._close_pipes()
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            self.end()

    def _close_pipes(self) -> None:
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None and not pipe.closed:
                try:
                    pipe.close()
                except OSError:  # a worker that died with data unread
                    pass


def _local_aws_environment() -> dict[str, str | None] | None:
    """None when this process runs no local AWS; else its AWS settings from the environment (the fake
    credentials and the region the local AWS set), which a worker takes on for the call: its
    handler's clients then resolve them as here (never from a metadata service) and hand their calls
    to this process (see worker_aws_calls). Asked of the local AWS only when it was imported."""
    emulator = sys.modules.get("aslrun.localaws.emulator")
    if emulator is None or emulator.current_aws(start=False) is None:
        return None
    return {name: os.environ.get(name) for name in _AWS_SETTINGS}


_AWS_SETTINGS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                 "AWS_DEFAULT_REGION", "AWS_REGION")


class HandlerProcesses:
    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._idle: queue.SimpleQueue[_Worker | None] = queue.SimpleQueue()
        for _ in range(processes):
            self._idle.put(None)  # a place for a worker, started when first needed
        self._verdicts: dict[int, tuple[Any, bool]] = {}  # id of a handler -> it, and whether it can be sent

    def can_send(self, handler: Any) -> bool:
        """Whether a worker can import ``handler`` by name (checked once; a warning names one that
        cannot: the caller then calls it in this process, as without workers)."""
        verdict = self._verdicts.get(id(handler))
        if verdict is None:  # the handler is kept with its verdict: its id cannot be reused
            verdict = self._verdicts[id(handler)] = (handler, self._sendable(handler))
        return verdict[1]

    def call(self, handler: Any, event: Any, context: LambdaContext, timeout: float | None) -> tuple[Any, int]:
        """:func:`~aslrun.integrations.handler_call.call_here` in a worker (``handler`` one it
        :meth:`can_send`): the result (a JSON copy) and its size."""
        slot = self._idle.get()
        worker = None
        try:
            worker = slot or _Worker()
            ok, answer = worker.call((handler, event, context.fields(), _local_aws_environment()), timeout)
        except BaseException as exc:  # timed out, or the worker died: it is ended, its place kept
            if worker is not None:
                worker.end()  # as Lambda ends a timed-out environment
            self._idle.put(None)
            if isinstance(exc, (EOFError, OSError)):  # the runtime exited: what Lambda reports then
                raise HandlerFailed("Runtime.ExitError", {
                    "errorType": "Runtime.ExitError",
                    "errorMessage": f"RequestId: {context.aws_request_id} Error: Runtime exited without providing a "
                                    "reason"}) from None
            raise
        self._idle.put(worker)
        if not ok:
            raise answer
        return answer  # type: ignore[no-any-return]

    def close(self) -> None:
        """End the idle workers (their places stay: a later call starts a new one)."""
        ended: list[Any] = []
        while True:
            try:
                slot = self._idle.get_nowait()
            except queue.Empty:
                break
            if slot is not None:
                slot.close()
            ended.append(None)
        for place in ended:
            self._idle.put(place)

    def _sendable(self, handler: Any) -> bool:
        module = getattr(handler, "__module__", None)
        try:
            if module == "__main__":
                raise pickle.PicklingError("it is defined in the script being run, which a worker does not import")
            pickle.dumps(handler)
        except Exception as exc:  # pickle raises several types for a function it cannot name
            name = getattr(handler, "__qualname__", None) or f"{type(handler).__qualname__} object"
            warnings.warn(f"handler_processes: the handler {name} cannot be sent to a worker process ({exc}); "
                          "it runs on a thread of this process", RuntimeWarning, stacklevel=3)
            return False
        return True
