"""Running many child branches at once: a Map's iterations, a Parallel's branches.

:func:`run_children` starts the first ``limit`` children at once (``0``: all of them), as AWS does,
then one more each time one finishes; it collects results by index, and stops early when
``stop(index, result)`` says so (a failure beyond what is tolerated): children still running are
then cancelled and no more are started. A failure among the first wave does not keep the rest of
that wave from starting, since on AWS they were all under way already.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from .scheduler import Group, WaitGroup

if TYPE_CHECKING:
    from .scheduler import Scheduler, Task

__all__ = ["run_children"]


def run_children(scheduler: Scheduler, make_child: Callable[[int], Generator[Any, Any, Any]], count: int,
                 limit: int | Callable[[], int], stop: Callable[[int, Any], bool]
                 ) -> Generator[Any, Any, tuple[list[Any], bool]]:
    """Return ``(results by index, stopped early)``. ``limit`` may be read anew each time a child
    ends (a callable: a Map Run whose MaxConcurrency UpdateMapRun changes while it runs)."""
    current_limit = limit if callable(limit) else (lambda: limit)
    group = Group()
    finished = group.finished
    results: list[Any] = [None] * count
    running: dict[Task, int] = {}
    first_limit = current_limit()
    wave = count if first_limit <= 0 else min(first_limit, count)
    for index in range(wave):
        running[scheduler.start(make_child(index), group)] = index
    next_index = wave
    try:
        while True:
            while finished:
                task = finished.popleft()
                index = running.pop(task)
                if task.error is not None:
                    raise task.error
                results[index] = task.result
                if stop(index, task.result):
                    return results, True
                allowed = current_limit()
                while next_index < count and (allowed <= 0 or len(running) < allowed):  # free slots: start more
                    running[scheduler.start(make_child(next_index), group)] = next_index
                    next_index += 1
            if not running:
                return results, False
            yield WaitGroup(group)
    finally:
        for task in list(running):
            scheduler.cancel(task)
