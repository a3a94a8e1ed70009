"""Watching executions from outside, as ``sys.settrace`` lets coverage.py watch Python code.

A tool above the engine (state-machine coverage, an input explorer) needs to know which way each
state was left, which the history does not always say: which Choice rule held when two lead to the
same state, which Catch or Retry entry matched. An :class:`ExecutionObserver` is told, as it happens:

* ``entered(frame, state)``: a branch enters ``state`` (its input is still in reach: ``frame``);
* ``chose(frame, state, rule)``: a Choice state took rule number ``rule`` (``None``: its Default);
* ``retried(frame, state, retrier)``: a state failed and its Retry entry number ``retrier`` runs it again;
* ``left(frame, state, next_name, catcher)``: ``state`` was left for ``next_name`` (``None``: the branch
  ends there), through its Catch entry number ``catcher`` when that is not ``None``.

``observe(observer)`` makes one observer watch every execution started from then on in the process
(nested executions and Map iterations inherit their parent's), until the function it returns is
called; the innermost observer wins. The engine reads ``Execution.observer`` once per branch: an
execution nobody watches pays one ``is None`` test per state.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .frame import Frame

__all__ = ["ExecutionObserver", "current_observer", "observe"]


class ExecutionObserver(Protocol):
    def entered(self, frame: Frame, state: Any) -> None: ...

    def chose(self, frame: Frame, state: Any, rule: int | None) -> None: ...

    def retried(self, frame: Frame, state: Any, retrier: int) -> None: ...

    def left(self, frame: Frame, state: Any, next_name: str | None, catcher: int | None) -> None: ...


_LOCK = threading.Lock()
_ACTIVE: list[ExecutionObserver] = []  # innermost last


def observe(observer: ExecutionObserver) -> Callable[[], None]:
    """Let ``observer`` watch every execution started from now on; returns the function that stops it."""
    with _LOCK:
        _ACTIVE.append(observer)

    def stop() -> None:
        with _LOCK:
            for i in range(len(_ACTIVE) - 1, -1, -1):
                if _ACTIVE[i] is observer:
                    del _ACTIVE[i]
                    break

    return stop


def current_observer() -> ExecutionObserver | None:
    """The observer a new top-level execution gets (None: nobody watches)."""
    return _ACTIVE[-1] if _ACTIVE else None
