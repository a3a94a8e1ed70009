"""A step-debugging session over one execution: where it is paused, and how to move on.

The session is the execution's *stepping object*: the runner calls :meth:`DebugSession.checkpoint`
before every state of every branch (top level, Parallel branches, Map iterations). The session
decides there whether to pause; when it does, ``execution.run()`` returns early (status RUNNING)
and the session reports a :class:`Position`: which branch, which state, with which input. The
input can be replaced before the state runs. Moving on is :meth:`resume` with a mode:

* ``step``: pause at the next state of this branch, or at the first state of a branch that starts
  (into Map iterations and Parallel branches, the next iteration), or where the parent goes on
  when this branch ends;
* ``next``: the same without going into the branches this state starts;
* ``out``: pause when the branch ends and its parent goes on;
* ``continue``: pause only at a breakpoint (a state name, or an error when errors break);
* ``run``: to the end, breakpoints off;
* ``pause``: at the next state of any branch (what Ctrl-C asks for while the execution runs).

Other branches run on freely while the followed one is stepped, as threads do in a debugger; a
branch that arrives at a checkpoint while the session is paused waits there ("held") and is
looked at again when the session resumes.

Errors break at the next checkpoint after they happen (a Retry or Catch has already been applied
then), or at the end when they fail the execution. :meth:`restart` starts a new execution, from
the beginning or from a top-level state, with an input of one's choosing and the workflow
variables that state saw: edit a state's input and re-run from there.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Generator
from typing import Any

from ..engine.clock import VirtualClock, iso_timestamp
from ..engine.scheduler import CHECKPOINT
from ..errors import AslrunError, StatesError
from ..history import Event
from ..report.visits import Visit, read_visits
from ..states.task import NOT_INTERCEPTED
from .inspector import Inspector

__all__ = ["DebugSession", "Position"]

MODES = ("step", "next", "out", "continue", "run", "pause")
_ERROR_EVENTS = ("Failed", "TimedOut")


class Position:
    """A branch paused before entering a state."""

    __slots__ = ("frame", "state", "data")

    def __init__(self, frame: Any, state: Any, data: Any) -> None:
        self.frame = frame
        self.state = state
        self.data = data  # the input the state will receive (editable while paused)

    @property
    def name(self) -> str:
        return str(self.state.name)

    @property
    def depth(self) -> int:
        return int(self.frame.depth)

    def __repr__(self) -> str:
        return f"<Position {self.name} depth {self.depth}>"


class DebugSession:
    def __init__(self, machine: Any, input: Any = None, *, handlers: Any = None,
                 interceptor_factory: Callable[[Any], Any] | None = None, clock_start: Any = None,
                 frozen: bool = False, seed: int = 0) -> None:
        self.machine = machine
        self.initial_input = {} if input is None else input
        self.handlers = handlers
        self.interceptor_factory = interceptor_factory
        self.clock_start = clock_start
        self.frozen = frozen  # a clock that moves only when the engine skips time (repeatable times)
        self.seed = seed
        self.breakpoints: set[str] = set()
        self.break_on_errors: bool = False
        self.error_filter: set[str] = set()  # error names that break (empty: all)
        self.mode = "step"
        self.paused: Position | None = None
        self.held: list[Position] = []
        self.error_hit: Event | None = None  # the error that made the session pause
        self.mocks: dict[tuple[int, str], tuple[str, Any]] = {}  # one-shot results for (frame, state)
        self.execution: Any = None
        self.events: list[Event] = []
        self.inspector = Inspector()
        self._pending: Position | None = None
        self._pending_error: Event | None = None
        self._focus: Any = None
        self._frames_seen: set[int] = set()
        self._frames_alive: list[Any] = []  # keeps frames alive so their ids stay unique
        self._origins: dict[int, tuple[int, int]] = {}  # frame id -> (event it started from, arrival order)
        self._arrivals: dict[int, int] = {}  # event id -> branches that started from it so far
        self._top_variables: dict[str, dict[str, Any]] = {}
        self._inject_variables: dict[str, Any] | None = None
        self._user_interceptor: Any = None
        self.start()

    # -- starting ---------------------------------------------------------------------------------

    def start(self, input: Any = None, *, start_at: str | None = None, variables: dict[str, Any] | None = None,
              clock_start: Any = None) -> None:
        """A new execution (from the beginning, or from the top-level state ``start_at``), paused
        before its first state."""
        machine = self.machine if start_at is None else self._machine_starting_at(start_at)
        self._user_interceptor = self.interceptor_factory(machine) if self.interceptor_factory else None
        start = clock_start if clock_start is not None else self.clock_start
        self.events = []
        self.inspector = Inspector()
        self.paused, self.held, self.error_hit = None, [], None
        self._pending, self._pending_error, self._focus = None, None, None
        self._frames_seen, self._frames_alive, self.mocks = set(), [], {}
        self._origins, self._arrivals, self._top_variables = {}, {}, {}
        self._inject_variables = variables
        self.execution = machine.start(
            self.initial_input if input is None else input, handlers=self.handlers,
            clock=VirtualClock(start=start, frozen=self.frozen), seed=self.seed,
            listeners=[self.events.append, self._watch_errors], task_interceptor=_SessionInterceptor(self),
        )
        self.execution.stepping = self  # the runner calls self.checkpoint before every state
        self.execution.scheduler.on_checkpoint = self._on_checkpoint
        self.mode = "step"
        self._advance()

    def _machine_starting_at(self, name: str) -> Any:
        if name not in self.machine.program.states:
            nested = any(state.name == name for state in self.machine.program.walk())
            raise AslrunError(f"'{name}' is " + ("inside a Map or Parallel: restart from the top-level state around "
                                                   "it, or pause before it and edit its input"
                                                   if nested else "not a state of this machine"))
        from ..machine import StateMachine

        definition = {**self.machine.definition, "StartAt": name}
        return StateMachine(definition, name=self.machine.name, source=self.machine.source, validate=False,
                            substitutions=self.machine.substitutions or None)

    def restart(self, state: str | None = None, input: Any = None) -> None:
        """Run again: from the beginning (with ``input`` or the first input), or from the top-level
        ``state`` with ``input`` (default: what it last received) and the variables it saw then."""
        if state is None:
            self.start(input)
            return
        visit = next((v for v in reversed(self.visits()) if v.name == state and v.depth == 0), None)
        if input is None:
            if visit is None:
                raise AslrunError(f"'{state}' has not run yet: give the input to start it with")
            input = copy.deepcopy(visit.input)
        variables = copy.deepcopy(self._top_variables.get(state)) if visit is not None else None
        self.start(input, start_at=state, variables=variables, clock_start=visit.start if visit else None)

    # -- the stepping protocol (called by the runner and the scheduler) ---------------------------

    def checkpoint(self, frame: Any, state: Any, data: Any) -> Generator[Any, Any, Any]:
        """Before ``state`` is entered on ``frame``'s branch: pause or go on; return its input."""
        frame.inspector = self.inspector
        fresh = id(frame) not in self._frames_seen
        if fresh:
            self._frames_seen.add(id(frame))
            self._frames_alive.append(frame)
            started_from = frame.last_event_id  # MapIterationStarted / ParallelStateStarted for a new branch
            order = self._arrivals.get(started_from, 0)
            self._arrivals[started_from] = order + 1
            self._origins[id(frame)] = (started_from, order)
            if self._inject_variables is not None and frame.depth == 0:
                frame.variables.assign(self._inject_variables)
                frame.variables.take_assigned()
                self._inject_variables = None
        position = Position(frame, state, data)
        if frame.depth == 0:  # what a restart from this state will give it (the latest entry last)
            self._top_variables.pop(state.name, None)
            self._top_variables[state.name] = copy.deepcopy(frame.variables.visible())
        while True:
            if self._pending is None:
                if not self._wants_pause(position, fresh):
                    return position.data
                self._pending = position
            self.held.append(position)
            yield CHECKPOINT
            self.held.remove(position)
            if position is self.paused:  # the user moves on from here
                self.paused = None
                return position.data
            fresh = False  # held while another branch was paused: look again under the current mode

    def _on_checkpoint(self) -> bool:
        return self._pending is not None

    def _wants_pause(self, position: Position, fresh: bool) -> bool:
        mode = self.mode
        if mode == "run":
            return False
        if mode == "pause":  # asked to stop wherever the execution is (Ctrl-C)
            return True
        if position.name in self.breakpoints or self._pending_error is not None:
            return True
        focus = self._focus
        if focus is None or mode == "continue":
            return mode != "continue"
        if position.frame is focus:
            return mode in ("step", "next")
        if position.depth < focus.depth:
            return True  # the followed branch ended; its parent goes on
        return mode == "step" and fresh  # the first state of a branch that starts (a Map iteration, ...)

    def _watch_errors(self, event: Event) -> None:
        if not self.break_on_errors or self.mode == "run" or self._pending_error is not None or not _is_error(event):
            return  # the first error until the next pause is the one shown (the others follow from it)
        error = event.details.get("error")
        if self.error_filter and error not in self.error_filter:
            return
        self._pending_error = event

    # -- moving on --------------------------------------------------------------------------------

    @property
    def finished(self) -> bool:
        return bool(self.execution.status != "RUNNING")

    def resume(self, mode: str = "continue") -> None:
        """Go on until the next pause the mode asks for (or the end)."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r} (one of {', '.join(MODES)})")
        if self.finished:
            return
        self.mode = mode
        self._focus = self.paused.frame if self.paused is not None else None
        self._advance()

    def request_pause(self) -> None:
        """Pause at the next checkpoint of any branch (safe to call from a signal handler)."""
        self.mode = "pause"

    def _advance(self) -> None:
        self.error_hit = None
        self.execution.run()
        if self._pending is not None:
            self.paused, self._pending = self._pending, None
            self.error_hit, self._pending_error = self._pending_error, None
        else:
            self.paused = None
            if self.break_on_errors and self.execution.status == "FAILED":
                self.error_hit = self._pending_error or self._final_error()
            self._pending_error = None

    def _final_error(self) -> Event | None:
        for event in reversed(self.events):
            if event.type in ("ExecutionFailed", "ExecutionTimedOut"):
                return event
        return None

    # -- while paused -----------------------------------------------------------------------------

    def set_input(self, value: Any) -> None:
        """Replace the input the paused state will receive."""
        if self.paused is None:
            raise AslrunError("not paused before a state: nothing to edit")
        self.paused.data = value

    def mock_next(self, result: Any = None, *, error: str | None = None, cause: str | None = None) -> None:
        """Have the paused Task return ``result`` (or fail with ``error``/``cause``) the next time it
        calls its resource, instead of calling it."""
        if self.paused is None or self.paused.state.type != "Task":
            raise AslrunError("pause before a Task state to mock its result")
        key = (id(self.paused.frame), self.paused.name)
        self.mocks[key] = ("throw", (error, cause)) if error is not None else ("return", result)

    def context(self) -> dict[str, Any]:
        """The context object (``$$``) as the paused state will see it."""
        if self.paused is None:
            return dict(self.execution.context_base())
        frame, state = self.paused.frame, self.paused.state
        context = frame.context()
        entered: dict[str, Any] = {"Name": state.name, "EnteredTime": iso_timestamp(self.execution.clock.now())}
        if state.can_retry:
            entered["RetryCount"] = 0
        context["State"] = entered
        return context  # type: ignore[no-any-return]

    def variables(self) -> dict[str, Any]:
        """The workflow variables in reach of the paused branch (when not paused: those the last
        top-level state saw when it was entered)."""
        if self.paused is not None:
            return dict(self.paused.frame.variables.visible())
        if not self._top_variables:
            return {}
        last = next(reversed(self._top_variables))
        return dict(self._top_variables[last])

    def visits(self) -> list[Visit]:
        return read_visits(self.events)

    def stages(self, state: str | None = None) -> tuple[Visit | None, dict[str, Any]]:
        """The data at each stage of the last visit of ``state`` (default: the last state that
        finished on the followed branch, else anywhere)."""
        visits = [v for v in self.visits() if v.status != "RUNNING"]
        if state is not None:
            visits = [v for v in visits if v.name == state]
        elif self.paused is not None:
            mine = [v for v in visits if v.depth == self.paused.depth]
            visits = mine or visits
        if not visits:
            return None, {}
        visit = visits[-1]
        return visit, self.inspector.stages_of(visit.entered.id)

    def state_of(self, event: Event) -> str | None:
        """The name of the state an event belongs to (a Task's TaskFailed, ...)."""
        if "name" in event.details:
            return str(event.details["name"])
        owners: dict[int, Visit] = {}
        read_visits(self.events, owners)
        visit = owners.get(event.id)
        return visit.where if visit is not None else None

    # -- labels ---------------------------------------------------------------------------------

    def branch_of(self, position: Position) -> str:
        """Where a position is: "" at the top level, ``Each[2]`` in a Map iteration,
        ``Both/branch 1`` in a Parallel branch, nested ones joined by " > "."""
        frame = position.frame
        if frame.depth == 0:
            return ""
        owners: dict[int, Visit] = {}
        read_visits(self.events, owners)
        started_from, order = self._origins.get(id(frame), (frame.last_event_id, 0))
        visit = owners.get(started_from)
        event = next((e for e in reversed(self.events) if e.id == started_from), None)
        if visit is None or event is None:
            return f"depth {frame.depth}"
        outer = _label_of(visit.parent, visit.iteration)
        if event.type == "MapIterationStarted":
            return _join(outer, f"{visit.name}[{event.details.get('index')}]")
        if event.type == "ParallelStateStarted":
            return _join(outer, f"{visit.name}/branch {order}")
        return f"depth {frame.depth}"


def _label_of(parent: Visit | None, iteration: int | None) -> str:
    if parent is None:
        return ""
    inner = f"{parent.name}[{iteration}]" if parent.type == "Map" else f"{parent.name}/branch {iteration}"
    return _join(_label_of(parent.parent, parent.iteration), inner)


def _join(outer: str, inner: str) -> str:
    return f"{outer} > {inner}" if outer else inner


def _is_error(event: Event) -> bool:
    kind = event.type
    if kind == "FailStateEntered":
        return True
    if kind.startswith(("Execution", "MapIteration")):
        return False
    return kind.endswith(_ERROR_EVENTS)


class _SessionInterceptor:
    """Mocks set while paused answer first; then the user's mocks (a test case), if any."""

    def __init__(self, session: DebugSession) -> None:
        self.session = session

    def covers(self, state: Any) -> bool:
        user = self.session._user_interceptor
        return bool(user is not None and user.covers(state))

    def __call__(self, state: Any, call: Any) -> Any:
        session = self.session
        mocked = session.mocks.pop((id(call.frame), state.name), None)
        if mocked is not None:
            kind, value = mocked
            if kind == "throw":
                raise StatesError(value[0], value[1])
            return value
        user = session._user_interceptor
        return user(state, call) if user is not None else NOT_INTERCEPTED
