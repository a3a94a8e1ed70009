"""Running many child branches at once: a Map's iterations, a Parallel's branches.

:func:`run_children` starts children in index order, at most ``limit`` at a time (``0``: no
limit), collects their results by index, and stops early when ``stop(index, result)`` says so
(a failure beyond what is tolerated): the children still running are then cancelled.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from .scheduler import Group, WaitGroup

if TYPE_CHECKING:
    from .scheduler import Scheduler, Task

__all__ = ["run_children"]


def run_children(scheduler: Scheduler, make_child: Callable[[int], Generator[Any, Any, Any]], count: int,
                 limit: int, stop: Callable[[int, Any], bool]) -> Generator[Any, Any, tuple[list[Any], bool]]:
    """Return ``(results by index, stopped early)``."""
    group = Group()
    results: list[Any] = [None] * count
    running: dict[Task, int] = {}
    next_index = 0
    finished = group.finished
    try:
        while True:
            while next_index < count and (limit <= 0 or len(running) < limit):
                running[scheduler.start(make_child(next_index), group)] = next_index
                next_index += 1
                while finished:  # children that never waited are done already
                    task = finished.popleft()
                    index = running.pop(task)
                    if task.error is not None:
                        raise task.error
                    results[index] = task.result
                    if stop(index, task.result):
                        return results, True
            if not running:
                return results, False
            yield WaitGroup(group)
            while finished:
                task = finished.popleft()
                index = running.pop(task)
                if task.error is not None:
                    raise task.error
                results[index] = task.result
                if stop(index, task.result):
                    return results, True
    finally:
        for task in list(running):
            scheduler.cancel(task)
