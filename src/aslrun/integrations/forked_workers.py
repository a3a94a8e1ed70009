"""What keeps a fan-out's work out of forked worker processes, whichever pool would run it.

Two pools fork workers that run part of an execution with the caller's memory as it was:
:mod:`.iteration_pool` (an inline Map's iterations, with ``handler_processes``) and :mod:`.map_pool`
(a distributed Map's child executions, by default from 5,000 of them). Both must leave the work in
the caller when what a worker would do cannot reach back or be seen: mocks, a debugger, an execution
time limit, a host watching each event, an observer (a coverage recorder) that must see every state,
and a local AWS running in the caller (a handler's AWS call in a worker would reach the worker's copy
of it, and what it wrote would be lost with the worker).
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["shared_reason_to_stay"]


def shared_reason_to_stay(execution: Any, *, local_aws_allowed: bool = False) -> str | None:
    """Why neither pool may fork for this execution (None: nothing shared says so). With
    ``local_aws_allowed`` (the user says the handlers never call AWS) a local AWS here is no reason."""
    for reason, applies in (
            ("mocks stand in for its Tasks", execution.task_interceptor is not None),
            ("a debugger steps through it", bool(execution.stepping)),
            ("the execution has a time limit", execution.deadline is not None),
            # (a server records every event as it happens; a threaded host must not fork)
            ("a host watches the execution", execution.watcher is not None or execution.scheduler.inbox is not None),
            ("an observer (coverage) watches its states", execution.observer is not None)):
        if applies:
            return reason
    if local_aws_allowed:
        return None
    emulator = sys.modules.get("aslrun.localaws.emulator")  # (imported only by a run that uses AWS)
    if emulator is not None and emulator.current_aws(start=False) is not None:
        return "a local AWS runs in this process (a worker's AWS calls would reach a copy of it)"
    return None
