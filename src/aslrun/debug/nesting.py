"""The executions a debugging session follows: the one it started and every child execution that
one starts (``states:startExecution`` in all its forms, a distributed Map's item executions), at
any depth.

The engine tells the session of each execution as it is created (the execution's ``watcher``, which
children inherit); the session then makes the child step through it like its parent
(``execution.stepping``) and listens to its history. A :class:`Watched` keeps what the session knows
of one execution: its events, the data stages of its states (an :class:`Inspector` each, since event
ids are per history), and its :class:`Origin`: which branch of the parent started it, in which
state, and for a distributed Map's child which item it runs. That is what ``where`` draws as a
stack, and what makes "the parent goes on" and breakpoints per machine (``bua-segments:Validate``)
mean something across executions.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..history import Event
from .inspector import Inspector

__all__ = ["Origin", "Watched"]


class Origin:
    """Where a child execution came from: the parent's branch (``frame``) running the state
    ``state``; ``index`` is the item a distributed Map's child runs (None for startExecution)."""

    __slots__ = ("frame", "state", "index")

    def __init__(self, frame: Any, state: str, index: int | None = None) -> None:
        self.frame = frame
        self.state = state
        self.index = index


class Watched:
    """One execution the session follows."""

    __slots__ = ("execution", "parent", "origin", "events", "inspector", "depth", "frames")

    def __init__(self, execution: Any, parent: Watched | None = None, origin: Origin | None = None) -> None:
        self.execution = execution
        self.parent = parent
        self.origin = origin
        self.events: list[Event] = []
        self.inspector = Inspector()
        self.frames: list[Any] = []  # its branches met so far (kept alive: their ids stay unique)
        #: how deep its top-level branch is counted among all branches of the session (0: the top);
        #: a child sits one deeper than the branch that started it
        if parent is None:
            self.depth = 0
        else:
            self.depth = parent.depth + (origin.frame.depth if origin is not None and origin.frame is not None
                                         else 0) + 1

    @property
    def machine_name(self) -> str:
        """The name of the state machine whose definition runs (a distributed Map's child: its parent's)."""
        machine = self.execution.machine
        return str(machine.name if machine is not None else self.execution.state_machine_name)

    @property
    def finished(self) -> bool:
        return bool(self.execution.status != "RUNNING")

    def ancestors(self) -> Iterator[Watched]:
        parent = self.parent
        while parent is not None:
            yield parent
            parent = parent.parent

    def segment(self) -> str:
        """How this execution is named in a position's label: the machine a startExecution ran,
        or ``Map[index]`` for a distributed Map's child (an iteration with a history of its own)."""
        origin = self.origin
        if origin is not None and origin.index is not None:
            return f"{origin.state}[{origin.index}]"
        return self.machine_name

    def __repr__(self) -> str:
        return f"<Watched {self.machine_name} {self.execution.name} depth {self.depth}>"
