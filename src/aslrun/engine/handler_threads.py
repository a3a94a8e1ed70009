"""Handlers on threads: the opt-in concurrent mode (``handler_threads=N``).

By default a Task calls its Lambda handler on the scheduler's own thread: one handler at a time, and
the same input gives the same history on every run. With ``handler_threads=N`` each Lambda handler
call runs on one of N threads while the scheduler goes on with the other branches: up to a Map's
MaxConcurrency iterations (and every branch of a Parallel) have their handlers running at once, as
on AWS. Handlers that wait (the network, a disk, a sleep) then overlap, and a Map of MaxConcurrency k
over such handlers finishes up to k times sooner. Handlers that only compute gain nothing: Python
runs one thread's bytecode at a time.

What changes besides speed: the history records each call's end when it happens, so iterations'
events interleave in an order that may differ from run to run (AWS's do too), and handlers must be
safe to run side by side, as Lambda functions are. Time does not skip past a running handler: a
virtual clock waits for it, as it does in the default mode.
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Callable, Generator
from typing import Any

from .scheduler import Future, Scheduler, WaitFuture

__all__ = ["HandlerThreads"]


class HandlerThreads:
    """N daemon threads for one execution tree's handler calls (its children share them). Daemon:
    a handler still running never keeps the process from exiting (Ctrl-C, a timed-out call)."""

    def __init__(self, scheduler: Scheduler, threads: int) -> None:
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ValueError(f"handler_threads must be a whole number of threads, at least 1 (got {threads!r})")
        self.scheduler = scheduler
        self.threads = threads
        self._queue: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._started = 0

    def run(self, work: Callable[[], Any]) -> Generator[Any, Any, Any]:
        """Run ``work()`` on a handler thread; the branch waits (others go on) and gets its result
        or its exception."""
        scheduler = self.scheduler
        ends = scheduler.handler_ends()  # a call's end is handed to the scheduler's thread through it
        settled = Future(scheduler)
        context = contextvars.copy_context()  # what the call reads from its task (a task token)

        def call() -> None:  # on a handler thread
            try:
                value, error = context.run(work), None
            except BaseException as exc:  # handed to the branch, which raises it
                value, error = None, exc

            def settle() -> None:  # on the scheduler's thread
                scheduler.running_handlers -= 1
                if error is None:
                    settled.set_result(value)
                else:
                    settled.set_error(error)

            ends.post(settle)  # even when the scheduler is between two runs: it settles it next run

        scheduler.running_handlers += 1
        self._submit(call)
        yield WaitFuture(settled, internal=True)
        if settled.error is not None:
            raise settled.error
        return settled.value

    def _submit(self, call: Callable[[], None]) -> None:
        if self._started < min(self.threads, self.scheduler.running_handlers):  # a thread per call in flight, up to N
            self._started += 1
            threading.Thread(target=self._serve, name=f"aslrun-handler-thread-{self._started}", daemon=True).start()
        self._queue.put(call)

    def _serve(self) -> None:
        while True:
            call = self._queue.get()
            if call is None:
                return
            call()

    def close(self) -> None:
        """End the threads once the calls queued before have run (a call abandoned at its timeout
        may still be running: its thread ends after it)."""
        for _ in range(self._started):
            self._queue.put(None)
        self._started = 0
