"""The data-flow stages of the server's executions, recorded while they run.

The debugger's :class:`~aslrun.debug.inspector.Inspector` records what each state did with its data
(``input``, ``afterInputPath``, ``afterParameters``, ``result``, ``afterResultSelector``,
``afterResultPath``, ``output``, ...). The console gives every execution the server runs one, through
the engine's stepping protocol: before each state the runner asks ``checkpoint(frame, state,
data)``, which here only hands the branch the inspector and never pauses. Map iterations and
Parallel branches inherit it from their frame; nested and Map Run child executions get their own
(the runner's watchers are told of each).

Records live in memory: the latest executions' are kept (a bounded number, oldest dropped), a
redrive adds to the records of the run it continues, and a server restarted since an execution
ran shows its history without stages.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Generator
from typing import Any

from ...debug.inspector import Inspector

__all__ = ["Inspections"]

_EXECUTIONS_KEPT = 64
_RECORDS_PER_EXECUTION = 10_000


class _Recording:
    """A stepping object that never pauses: it only hands each branch its execution's inspector."""

    __slots__ = ("inspector",)

    def __init__(self, inspector: Inspector) -> None:
        self.inspector = inspector

    def checkpoint(self, frame: Any, state: Any, data: Any) -> Generator[Any, Any, Any]:
        frame.inspector = self.inspector
        return data
        yield  # pragma: no cover - a generator that returns at once


class Inspections:
    """An inspector per execution ARN (the latest executions' only)."""

    def __init__(self, *, keep: int = _EXECUTIONS_KEPT) -> None:
        self.keep = keep
        self._inspectors: OrderedDict[str, Inspector] = OrderedDict()
        self._lock = threading.Lock()

    def watch(self, execution: Any) -> None:
        """Runner watcher: record the stages of ``execution`` (a debugged one keeps its own stepping)."""
        if execution.stepping:
            return
        arn = execution.arn
        with self._lock:
            inspector = self._inspectors.get(arn)
            if inspector is None:
                inspector = self._inspectors[arn] = Inspector(keep=_RECORDS_PER_EXECUTION)
                while len(self._inspectors) > self.keep:
                    self._inspectors.popitem(last=False)
            else:
                self._inspectors.move_to_end(arn)
        execution.stepping = _Recording(inspector)

    def stages(self, arn: str, entered_event_id: int) -> dict[str, Any] | None:
        """The stages of one state run (None: this server has no record of that execution)."""
        with self._lock:
            inspector = self._inspectors.get(arn)
        if inspector is None:
            return None
        return inspector.stages_of(entered_event_id)
