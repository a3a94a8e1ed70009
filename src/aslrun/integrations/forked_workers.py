"""What keeps a fan-out's work out of forked worker processes, whichever pool would run it.

Two pools fork workers that run part of an execution with the caller's memory as it was:
:mod:`.iteration_pool` (an inline Map's iterations, with ``handler_processes``) and :mod:`.map_pool`
(a distributed Map's child executions, by default from 5,000 of them). Both must leave the work in
the caller when what a worker would do cannot reach back: a local AWS running in the caller (a
handler's AWS call in a worker would reach the worker's copy of it, and what it wrote would be lost
with the worker) and an observer (a coverage recorder) that must see every state.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["shared_reason_to_stay"]


def shared_reason_to_stay(execution: Any, *, local_aws_allowed: bool = False) -> str | None:
    """Why neither pool may fork for this execution (None: nothing shared says so). With
    ``local_aws_allowed`` (the user says the handlers never call AWS) a local AWS here is no reason."""
    if execution.observer is not None:
        return "an observer (coverage) watches its states"
    if local_aws_allowed:
        return None
    emulator = sys.modules.get("aslrun.localaws.emulator")  # (imported only by a run that uses AWS)
    if emulator is not None and emulator.current_aws(start=False) is not None:
        return "a local AWS runs in this process (a worker's AWS calls would reach a copy of it)"
    return None
