"""Running the server's executions: each on a thread of its own, reachable from the API's threads.

An execution's branches run on its own cooperative scheduler (see :mod:`aslrun.engine.scheduler`),
*hosted*: the API's threads hand it work through the scheduler's inbox (a task token sent back, a
stop request) and never touch its state directly. Time is real by default, as on AWS (a ``Wait``
of a minute takes a minute); with ``virtual_time`` the execution's clock skips ahead whenever every
branch is only waiting for time, so test suites do not wait.

A failure inside aslrun while an execution runs (a bug) never takes the server down: the execution
fails with ``States.Runtime`` naming the problem, and the server logs the traceback.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from ..bindings import Bindings
from ..engine.clock import Clock, SystemClock, VirtualClock
from ..engine.execution import Execution
from .catalog import Catalog, Target
from .execution_logs import logger_for
from .recorder import Recorder
from .store import Store

__all__ = ["Runner"]

_HISTORY_IN_MEMORY = 1_000  # the store keeps every event; memory keeps the latest few per execution


class Runner:
    def __init__(self, store: Store, catalog: Catalog, bindings: Bindings, *, virtual_time: bool = False,
                 interceptor_for: Callable[[Target, str | None], Any] | None = None,
                 on_end: Callable[[Execution], None] | None = None, handler_threads: int | None = None,
                 handler_processes: int | None = None) -> None:
        self.store = store
        self.catalog = catalog
        self.bindings = bindings
        self.virtual_time = virtual_time
        #: each execution's handler calls at once (engine.handler_threads), and where (threads, processes)
        self.handler_modes = {"handler_threads": handler_threads, "handler_processes": handler_processes}
        self.interceptor_for = interceptor_for  # mocked responses of a test case (Step Functions Local)
        self._on_end = on_end
        self.running: dict[str, Execution] = {}
        #: told of every execution as it is created, nested ones too (the console's data-flow recorder)
        self.watchers: list[Callable[[Execution], None]] = []
        self._threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()
        self.recorder = Recorder(store, on_end=self._ended)

    def clock(self, start: float) -> Clock:
        return VirtualClock(start=start) if self.virtual_time else SystemClock()

    def prepare(self, target: Target, input: Any, *, name: str, start: float, region: str, account: str,
                arn: str, test_case: str | None = None,
                redrive: tuple[list[dict[str, Any]], int, float] | None = None) -> Execution:
        """An execution of ``target``, hosted, its start time fixed, not yet running. ``redrive``:
        ``(its history so far, the redrive count, the redrive time)`` to continue a failed one."""
        machine = self.catalog.compiled(target.revision, target.name)
        interceptor = self.interceptor_for(target, test_case) if self.interceptor_for is not None else None
        options: dict[str, Any] = dict(
            handlers=self.bindings, seed=None, history_keep=_HISTORY_IN_MEMORY, region=region, account=account,
            watcher=self._watch_root, check_bindings=False, role_arn=target.revision.role_arn,
            task_interceptor=interceptor, **self.handler_modes)
        if redrive is None:
            execution = machine.start(input, clock=self.clock(start), name=name, **options)
        else:
            events, count, when = redrive
            execution = machine.redrive(events=events, input=input, name=name, redrive_count=count,
                                        clock=self.clock(when), **options)
            execution.redrive_time = when
        execution.input = input  # JSON null too (StateMachine.start reads no input as {})
        execution.given_arn = arn  # what the API answered (an express execution's differs from the engine's)
        execution.start_time = start
        logger = logger_for(target.revision.logging, target.name)  # (the machine's loggingConfiguration)
        if logger is not None:
            logger.attach(execution)
        execution.scheduler.host()
        return execution

    def _watch_root(self, execution: Execution) -> None:
        if execution.parent is None:
            execution.service_registered = True  # type: ignore[attr-defined]  # its row is written by the API
        self.recorder(execution)
        for watcher in self.watchers:
            watcher(execution)

    def launch(self, execution: Execution) -> None:
        """Run ``execution`` on a thread of its own."""
        thread = threading.Thread(target=self.run_here, args=(execution,), name=f"execution {execution.name}",
                                  daemon=True)
        with self._lock:
            self.running[execution.arn] = execution
            self._threads[execution.arn] = thread
        thread.start()

    def run_here(self, execution: Execution) -> Execution:
        """Run ``execution`` to its end on the calling thread (StartSyncExecution does)."""
        with self._lock:
            self.running[execution.arn] = execution
        try:
            execution.run()
        except BaseException as exc:  # a bug in aslrun: the execution fails, the server stays up
            print(f"aslrun serve: execution {execution.arn} failed inside aslrun:", file=sys.stderr)
            traceback.print_exc()
            self._fail_internally(execution, exc)
        finally:
            with self._lock:
                self.running.pop(execution.arn, None)
                self._threads.pop(execution.arn, None)
        return execution

    def _fail_internally(self, execution: Execution, exc: BaseException) -> None:
        if execution.status != "RUNNING":
            return
        execution.status = "FAILED"
        execution.error = "States.Runtime"
        execution.cause = f"aslrun failed while running this execution: {type(exc).__name__}: {exc}"
        execution.stop_time = execution.clock.now()
        execution.history.add("ExecutionFailed", execution.stop_time, execution.history.last_id,
                              {"error": execution.error, "cause": execution.cause})

    def _ended(self, execution: Execution) -> None:
        if execution.parent is None and self._on_end is not None:
            self._on_end(execution)

    def stop(self, arn: str, error: str | None, cause: str | None, *, wait: float = 5.0) -> bool:
        """Abort a running execution; True when it had ended before ``wait`` seconds passed."""
        with self._lock:
            execution = self.running.get(arn)
            thread = self._threads.get(arn)
        if execution is None:
            return True
        execution.request_stop(error, cause)
        if thread is not None:
            thread.join(wait)
            return not thread.is_alive() or execution.status != "RUNNING"
        return execution.status != "RUNNING"

    def terminate_executions_of(self, machine_arn: str, error: str, cause: str) -> None:
        """Fail every running execution of a state machine at its next state transition."""
        with self._lock:
            doomed = [e for e in self.running.values() if e.state_machine_arn == machine_arn]
        for execution in doomed:
            execution.terminate(error, cause)

    def wait_all(self, timeout: float) -> None:
        """Wait (up to ``timeout`` seconds in all) for the running executions to end."""
        deadline = time.monotonic() + timeout
        for thread in list(self._threads.values()):
            thread.join(max(0.0, deadline - time.monotonic()))

