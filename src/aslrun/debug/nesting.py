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

from collections.abc import Callable, Iterator
from typing import Any

from ..history import Event
from ..report.visits import Visit, read_visits
from .inspector import Inspector

__all__ = ["Family", "Origin", "StackLevel", "Watched", "execution_label", "frame_label", "stack_of"]


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

    __slots__ = ("execution", "parent", "origin", "events", "inspector", "depth", "frames", "starts", "_arrivals")

    def __init__(self, execution: Any, parent: Watched | None = None, origin: Origin | None = None) -> None:
        self.execution = execution
        self.parent = parent
        self.origin = origin
        self.events: list[Event] = []
        self.inspector = Inspector()
        self.frames: list[Any] = []  # its branches met so far (kept alive: their ids stay unique)
        #: frame id -> (the event its branch started from, how many branches started from it before)
        self.starts: dict[int, tuple[int, int]] = {}
        self._arrivals: dict[int, int] = {}
        #: how deep its top-level branch is counted among all branches of the session (0: the top);
        #: a child sits one deeper than the branch that started it
        if parent is None:
            self.depth = 0
        else:
            self.depth = parent.depth + (origin.frame.depth if origin is not None and origin.frame is not None
                                         else 0) + 1

    def met(self, frame: Any) -> None:
        """A branch of this execution reached its first state: note where it started from (a
        MapIterationStarted / ParallelStateStarted event, and which of the branches started there)."""
        self.frames.append(frame)
        started_from = frame.last_event_id
        order = self._arrivals.get(started_from, 0)
        self._arrivals[started_from] = order + 1
        self.starts[id(frame)] = (started_from, order)

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


class Family:
    """The executions one session follows: the one it started (``top``) and its children at any
    depth, each made to step through the session (``stepping``) as the engine creates it
    (:meth:`watch` is the execution's watcher, which children inherit). ``on_event(watched,
    event)`` hears every event of every one of them.

    A child's origin is found from what happens just before it is created: a startExecution Task
    calls its resource (the session's task interceptor sets ``calling`` to that branch) and then
    creates the child in the same step; a distributed Map records ``MapRunStarted`` (on the branch
    whose last event it follows) and then creates its children in item order."""

    def __init__(self, stepping: Any, on_event: Callable[[Watched, Event], None]) -> None:
        self.stepping = stepping
        self.on_event = on_event
        self.top: Watched | None = None
        self.calling: Any = None  # the branch whose Task called its resource last
        self._by_id: dict[int, Watched] = {}
        self._map_runs: dict[str, list[Any]] = {}  # Map Run ARN -> [Map's frame, children so far]

    def watch(self, execution: Any) -> None:
        if execution.parent is None:
            watched = self.top = Watched(execution)
        else:
            parent = self._by_id.get(id(execution.parent))
            if parent is None:  # started before the session followed it: left alone
                return
            watched = Watched(execution, parent, self._origin_of(execution, parent))
        self._by_id[id(execution)] = watched
        execution.stepping = self.stepping  # the runner calls its checkpoint before every state
        execution.history.listeners.append(lambda event: self._heard(watched, event))

    def of(self, frame: Any) -> Watched:
        """The execution a branch belongs to."""
        return self._by_id[id(frame.execution)]

    def members(self) -> list[Watched]:
        """Every execution followed, in the order they started."""
        return list(self._by_id.values())

    def _origin_of(self, execution: Any, parent: Watched) -> Origin | None:
        run = self._map_runs.get(execution.in_map_run) if execution.in_map_run else None
        if run is not None:
            run[1] += 1  # a distributed Map starts its children in item order
            frame = run[0]
            return Origin(frame, frame.state_name if frame is not None else "Map", run[1] - 1)
        calling = self.calling
        if calling is not None and calling.execution is parent.execution:
            return Origin(calling, calling.state_name)
        return None

    def _heard(self, watched: Watched, event: Event) -> None:
        watched.events.append(event)
        if event.type == "MapRunStarted":  # recorded by the Map's branch, whose last event it follows
            frame = next((f for f in reversed(watched.frames) if f.last_event_id == event.previous_id), None)
            self._map_runs[event.details.get("mapRunArn", "")] = [frame, 0]
        self.on_event(watched, event)


WatchedOf = Callable[[Any], Watched]  # a frame's execution, as the session follows it


def frame_label(frame: Any, watched_of: WatchedOf) -> str:
    """Where a branch is: "" at the top level, ``Each[2]`` in a Map iteration, ``Both/branch 1`` in
    a Parallel branch, ``bua-segments`` in a child execution (``Send[3]``: a distributed Map's
    child of item 3), nested ones joined by " > "."""
    watched = watched_of(frame)
    inner = branch_label(watched, frame)
    if watched.parent is None:
        return inner
    return _join(execution_label(watched, watched_of), inner)


def execution_label(watched: Watched, watched_of: WatchedOf) -> str:
    """How an execution is named in labels: "" for the session's own, else the label of the
    branch that started it and its segment (``bua-segments``, ``bua-segments > Send[3]``)."""
    if watched.parent is None:
        return ""
    origin = watched.origin
    outer = frame_label(origin.frame, watched_of) if origin is not None and origin.frame is not None else ""
    return _join(outer, watched.segment())


def branch_label(watched: Watched, frame: Any) -> str:
    """Where a branch is inside its own execution ("" for its top level)."""
    if frame.depth == 0:
        return ""
    owners: dict[int, Visit] = {}
    events = watched.events
    read_visits(events, owners)
    started_from, order = watched.starts.get(id(frame), (frame.last_event_id, 0))
    visit = owners.get(started_from)
    event = next((e for e in reversed(events) if e.id == started_from), None)
    if visit is None or event is None:
        return f"depth {frame.depth}"
    outer = _visit_label(visit.parent, visit.iteration)
    if event.type == "MapIterationStarted":
        return _join(outer, f"{visit.name}[{event.details.get('index')}]")
    if event.type == "ParallelStateStarted":
        return _join(outer, f"{visit.name}/branch {order}")
    return f"depth {frame.depth}"


class StackLevel:
    """One execution of a stack: its state machine and name, the state it is in, the branch."""

    __slots__ = ("watched", "state", "type", "branch")

    def __init__(self, watched: Watched, state: str, type: str, branch: str) -> None:
        self.watched = watched
        self.state = state
        self.type = type
        self.branch = branch

    @property
    def machine(self) -> str:
        return str(self.watched.execution.state_machine_name)

    @property
    def execution_name(self) -> str:
        return str(self.watched.execution.name)

    @property
    def item(self) -> int | None:
        origin = self.watched.origin
        return origin.index if origin is not None else None


def stack_of(frame: Any, state: Any, watched_of: WatchedOf) -> list[StackLevel]:
    """The executions around a branch about to enter ``state``, outermost first: in each, the
    state it is in (the one that started the next one; last, ``state``)."""
    levels = []
    name, kind = str(state.name), str(state.type)
    while True:
        watched = watched_of(frame)
        levels.append(StackLevel(watched, name, kind, branch_label(watched, frame)))
        origin = watched.origin
        if origin is None or origin.frame is None or watched.parent is None:
            break
        frame, name = origin.frame, origin.state
        kind = _state_type(watched.parent, name)
    return levels[::-1]


def _state_type(watched: Watched, name: str) -> str:
    machine = watched.execution.machine
    program = watched.execution.program if machine is None else machine.program
    return next((str(state.type) for state in program.walk() if state.name == name), "")


def _visit_label(parent: Visit | None, iteration: int | None) -> str:
    if parent is None:
        return ""
    inner = f"{parent.name}[{iteration}]" if parent.type == "Map" else f"{parent.name}/branch {iteration}"
    return _join(_visit_label(parent.parent, parent.iteration), inner)


def _join(outer: str, inner: str) -> str:
    return f"{outer} > {inner}" if outer and inner else outer or inner
