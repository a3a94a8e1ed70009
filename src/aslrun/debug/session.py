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

Child executions are stepped as branches one level deeper (see :mod:`aslrun.debug.nesting`):
``step`` on a Task that starts an execution, or on a distributed Map, pauses at the child's first
state; ``next`` runs the child whole; ``out`` from a child's top level runs it to its end and
pauses where the parent goes on (a child started without ``.sync`` runs beside its parent, as on
AWS: the parent is not held for it). Breakpoints name a state of any machine or of one
(``machine:State``, :mod:`aslrun.debug.breakpoints`).

Errors break at the next checkpoint after they happen (a Retry or Catch has already been applied
then), or at the end when they fail the execution. :meth:`restart` starts a new execution, from
the beginning or from a top-level state, with an input of one's choosing and the workflow
variables that state saw: edit a state's input and re-run from there.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Generator
from typing import Any

from ..bindings import Bindings
from ..engine.clock import VirtualClock, iso_timestamp
from ..engine.scheduler import CHECKPOINT
from ..errors import AslrunError, StatesError
from ..history import Event
from ..report.visits import Visit, read_visits
from ..states.task import NOT_INTERCEPTED
from .breakpoints import machines_reachable, resolve_breakpoint
from .inspector import Inspector
from .restarts import plan_restart
from .nesting import Family, StackLevel, Watched, execution_label, frame_label, stack_of

__all__ = ["DebugSession", "Position", "StackLevel"]

MODES = ("step", "next", "out", "continue", "run", "pause")
_ERROR_EVENTS = ("Failed", "TimedOut")


class Position:
    """A branch paused before entering a state."""

    __slots__ = ("frame", "state", "data", "released")

    def __init__(self, frame: Any, state: Any, data: Any) -> None:
        self.frame = frame
        self.state = state
        self.data = data  # the input the state will receive (editable while paused)
        self.released = False  # the user moved on from it: its branch enters the state when next run

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
                 frozen: bool = False, seed: int = 0, callbacks: Callable[[Any], bool] | None = None) -> None:
        self.machine = machine
        self.initial_input = {} if input is None else input
        self.handlers = handlers
        self.interceptor_factory = interceptor_factory
        self.clock_start = clock_start
        self.frozen = frozen  # a clock that moves only when the engine skips time (repeatable times)
        self.seed = seed
        #: when every branch waits for a task token: answers them (True: one was answered, run on),
        #: or gives up (False: the tasks' timeouts run out); None: time skips to the timeouts at once
        self.callbacks = callbacks
        self.breakpoints: set[str] = set()  # state names, or machine:state
        self.break_on_errors: bool = False
        self.error_filter: set[str] = set()  # error names that break (empty: all)
        self.mode = "step"
        self.paused: Position | None = None
        self.held: list[Position] = []
        self.error_hit: Event | None = None  # the error that made the session pause
        self.mocks: dict[tuple[int, str], tuple[str, Any]] = {}  # one-shot results for (frame, state)
        self.execution: Any = None
        self.root_machine = machine  # the machine the session's execution runs (a restart may choose another)
        self._bindings = handlers if isinstance(handlers, Bindings) else Bindings(handlers)
        self._machines: dict[str, Any] | None = None
        self.family = Family(self, self._watch_errors)
        self._error_in: Watched | None = None
        self._pending: Position | None = None
        self._pending_error: tuple[Watched, Event] | None = None
        self._focus: Any = None
        self._frames_seen: set[int] = set()
        self._top_variables: dict[tuple[str, str], dict[str, Any]] = {}  # (machine, state) -> variables seen
        self._inject_variables: dict[str, Any] | None = None
        self._user_interceptor: Any = None
        self.start()

    # -- starting ---------------------------------------------------------------------------------

    def start(self, input: Any = None, *, start_at: str | None = None, variables: dict[str, Any] | None = None,
              clock_start: Any = None, machine: Any = None) -> None:
        """A new execution (of the session's machine, or ``machine``; from the beginning, or from
        the top-level state ``start_at``), paused before its first state."""
        base = machine if machine is not None else self.machine
        self.root_machine = base
        runs = base if start_at is None else self._machine_starting_at(base, start_at)
        self._user_interceptor = self.interceptor_factory(runs) if self.interceptor_factory else None
        start = clock_start if clock_start is not None else self.clock_start
        self.paused, self.held, self.error_hit, self._error_in = None, [], None, None
        self._pending, self._pending_error, self._focus = None, None, None
        self._frames_seen, self.mocks = set(), {}
        self._top_variables = {}
        self.family = Family(self, self._watch_errors)
        self._inject_variables = variables
        self.execution = runs.start(
            self.initial_input if input is None else input, handlers=self.handlers,
            clock=VirtualClock(start=start, frozen=self.frozen), seed=self.seed,
            task_interceptor=_SessionInterceptor(self), watcher=self.family.watch,
        )
        self.execution.scheduler.on_checkpoint = self._on_checkpoint
        self.mode = "step"
        self._advance()

    @property
    def top(self) -> Watched | None:
        """The session's execution as the session follows it."""
        return self.family.top

    @property
    def events(self) -> list[Event]:
        """The history of the session's execution so far (its children keep their own)."""
        return self.top.events if self.top is not None else []

    @property
    def inspector(self) -> Inspector:
        return self.top.inspector if self.top is not None else Inspector()

    def _machine_starting_at(self, machine: Any, name: str) -> Any:
        if name not in machine.program.states:
            nested = any(state.name == name for state in machine.program.walk())
            raise AslrunError(f"'{name}' is " + ("inside a Map or Parallel: restart from the top-level state around "
                                                   "it, or pause before it and edit its input"
                                                   if nested else f"not a state of {machine.name}"))
        from ..machine import StateMachine

        definition = {**machine.definition, "StartAt": name}
        return StateMachine(definition, name=machine.name, source=machine.source, validate=False,
                            substitutions=machine.substitutions or None)

    def restart(self, state: str | None = None, input: Any = None) -> None:
        """Run again: from the beginning (with ``input`` or the first input), or from the top-level
        ``state`` with ``input`` (default: what it last received) and the variables it saw then.
        ``state`` may be a child machine's (``machine:State``, or a state of the machine paused
        in): that machine then runs alone from it, on the same local AWS."""
        if state is None:
            self.start(input)
            return
        plan = plan_restart(self, state, input)
        self.start(plan.input, start_at=plan.state, variables=plan.variables, clock_start=plan.clock_start,
                   machine=plan.machine)

    def variables_seen(self, machine: str, state: str) -> dict[str, Any] | None:
        """The workflow variables the top-level ``state`` of ``machine`` saw when last entered."""
        return self._top_variables.get((machine, state))

    def machines(self) -> dict[str, Any]:
        """The session's machine and every machine it starts (known before the run, or met in it)."""
        if self._machines is None:
            self._machines = machines_reachable(self.machine, self._bindings)
        for watched in self.family.members():  # a machine named only at run time
            if watched.origin is not None and watched.origin.index is None and watched.execution.machine is not None:
                self._machines.setdefault(watched.machine_name, watched.execution.machine)
        return self._machines

    def add_breakpoint(self, spec: str) -> str:
        """Pause before a state (``State`` in any machine, ``machine:State`` in one); return it.
        A state no machine has is refused (AslrunError, with the closest name)."""
        name = resolve_breakpoint(spec, self.machines())
        self.breakpoints.add(name)
        return name

    def _watched_of(self, frame: Any) -> Watched:
        return self.family.of(frame)

    def depth_of(self, frame: Any) -> int:
        """How deep a branch is among all the session's branches (children count one deeper)."""
        return self._watched_of(frame).depth + int(frame.depth)

    # -- the stepping protocol (called by the runner and the scheduler) ---------------------------

    def checkpoint(self, frame: Any, state: Any, data: Any) -> Generator[Any, Any, Any]:
        """Before ``state`` is entered on ``frame``'s branch: pause or go on; return its input."""
        watched = self._watched_of(frame)
        frame.inspector = watched.inspector
        fresh = id(frame) not in self._frames_seen
        if fresh:
            self._frames_seen.add(id(frame))
            watched.frames.append(frame)
            watched.met(frame)
            if self._inject_variables is not None and frame.depth == 0 and watched is self.top:
                frame.variables.assign(self._inject_variables)
                frame.variables.take_assigned()
                self._inject_variables = None
        position = Position(frame, state, data)
        if frame.depth == 0:  # what a restart from this state will give it (the latest entry last)
            key2 = (watched.machine_name, state.name)
            self._top_variables.pop(key2, None)
            self._top_variables[key2] = copy.deepcopy(frame.variables.visible())
        while True:
            if self._pending is None:
                if not self._wants_pause(position, fresh):
                    return position.data
                self._pending = position
            self.held.append(position)
            yield CHECKPOINT
            self.held.remove(position)
            if position.released:  # the user moved on from here (perhaps while another branch paused since)
                if position is self.paused:
                    self.paused = None
                return position.data
            fresh = False  # held while another branch was paused: look again under the current mode

    def _on_checkpoint(self) -> bool:
        return self._pending is not None

    def _at_breakpoint(self, position: Position) -> bool:
        breakpoints = self.breakpoints
        if not breakpoints:
            return False
        name = position.name
        return name in breakpoints or f"{self._watched_of(position.frame).machine_name}:{name}" in breakpoints

    def _wants_pause(self, position: Position, fresh: bool) -> bool:
        mode = self.mode
        if mode == "run":
            return False
        if mode == "pause":  # asked to stop wherever the execution is (Ctrl-C)
            return True
        if self._at_breakpoint(position) or self._pending_error is not None:
            return True
        focus = self._focus
        if focus is None or mode == "continue":
            return mode != "continue"
        if position.frame is focus:
            return mode in ("step", "next")
        here, followed = self._watched_of(position.frame), self._watched_of(focus)
        if here is not followed and any(here is a for a in followed.ancestors()):
            # the followed branch is in a child of this execution: the parent goes on once that child
            # has ended; before that (a child started without .sync) it runs beside it, unpaused
            child = followed
            while child.parent is not here:
                child = child.parent  # type: ignore[assignment]
            return child.finished
        if self.depth_of(position.frame) < self.depth_of(focus):
            return True  # the followed branch ended; its parent goes on
        return mode == "step" and fresh  # the first state of a branch that starts (a Map iteration, a child, ...)

    def _watch_errors(self, watched: Watched, event: Event) -> None:
        if not self.break_on_errors or self.mode == "run" or self._pending_error is not None or not _is_error(event):
            return  # the first error until the next pause is the one shown (the others follow from it)
        error = event.details.get("error")
        if self.error_filter and error not in self.error_filter:
            return
        self._pending_error = (watched, event)

    # -- moving on --------------------------------------------------------------------------------

    @property
    def finished(self) -> bool:
        """Whether nothing is left to step: the execution has ended and no child is paused."""
        return bool(self.execution.status != "RUNNING") and self.paused is None

    def resume(self, mode: str = "continue") -> None:
        """Go on until the next pause the mode asks for (or the end)."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r} (one of {', '.join(MODES)})")
        if self.finished:
            return
        self.mode = mode
        self._focus = self.paused.frame if self.paused is not None else None
        if self.paused is not None:
            self.paused.released = True
        self._advance()

    def request_pause(self) -> None:
        """Pause at the next checkpoint of any branch (safe to call from a signal handler)."""
        self.mode = "pause"

    def _advance(self) -> None:
        self.error_hit, self._error_in = None, None
        execution, callbacks = self.execution, self.callbacks
        execution.run(until_callbacks=callbacks is not None)
        while callbacks is not None and execution.waiting_for_callbacks and self._pending is None:
            if callbacks(execution):
                execution.run(until_callbacks=True)  # a token was answered: on until the next pause or wait
            else:
                execution.run()  # nobody answers: the tasks' timeouts run out
        if self._pending is not None:
            self.paused, self._pending = self._pending, None
            if self._pending_error is not None:
                self._error_in, self.error_hit = self._pending_error
            self._pending_error = None
        else:
            self.paused = None
            if self.break_on_errors and self.execution.status == "FAILED":
                if self._pending_error is not None:
                    self._error_in, self.error_hit = self._pending_error
                else:
                    self._error_in, self.error_hit = self.top, self._final_error()
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
        entered: dict[str, Any] = {"Name": state.name, "EnteredTime": iso_timestamp(frame.execution.clock.now())}
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

    def here(self) -> Watched:
        """The execution paused in (the session's own when none is paused)."""
        if self.paused is not None:
            return self._watched_of(self.paused.frame)
        assert self.top is not None
        return self.top

    def visits(self, watched: Watched | None = None) -> list[Visit]:
        """The states run so far by one execution (default: the one paused in)."""
        return read_visits((watched or self.here()).events)

    def stages(self, state: str | None = None) -> tuple[Visit | None, dict[str, Any]]:
        """The data at each stage of the last visit of ``state`` (default: the last state that
        finished on the followed branch, else anywhere) in the execution paused in; a state it
        does not have is looked for in the executions around it, ``machine:State`` in the latest
        execution of that machine."""
        _, visit, stages = self.stages_in(state)
        return visit, stages

    def stages_in(self, state: str | None = None) -> tuple[Watched | None, Visit | None, dict[str, Any]]:
        """:meth:`stages`, with the execution the visit belongs to."""
        for watched, name in self._where_to_look(state):
            visits = [v for v in self.visits(watched) if v.status != "RUNNING"]
            if name is not None:
                visits = [v for v in visits if v.name == name]
            elif self.paused is not None:
                mine = [v for v in visits if v.depth == self.paused.depth]
                visits = mine or visits
            if visits:
                visit = visits[-1]
                return watched, visit, watched.inspector.stages_of(visit.entered.id)
        return None, None, {}

    def _where_to_look(self, state: str | None) -> list[tuple[Watched, str | None]]:
        here = self.here()
        if state is None:
            return [(here, None)]
        places: list[tuple[Watched, str | None]] = [(here, state), *((a, state) for a in here.ancestors())]
        machine, colon, name = state.partition(":")
        if colon:
            places += [(w, name) for w in reversed(self.family.members()) if w.machine_name == machine]
        return places

    def state_of(self, event: Event) -> str | None:
        """The name of the state an event belongs to (a Task's TaskFailed, ...)."""
        if "name" in event.details:
            return str(event.details["name"])
        owners: dict[int, Visit] = {}
        watched = self._error_in if self._error_in is not None and event is self.error_hit else self.top
        read_visits(watched.events if watched is not None else [], owners)
        visit = owners.get(event.id)
        return visit.where if visit is not None else None

    def error_place(self) -> str:
        """Where the error that paused the session happened: its execution's label (children only)."""
        return self.execution_label(self._error_in) if self._error_in is not None else ""

    def execution_label(self, watched: Watched) -> str:
        """How an execution is named in labels: "" for the session's own, ``bua-segments`` for a
        child, ``bua-segments > Send[3]`` for a distributed Map's child inside it."""
        return execution_label(watched, self._watched_of)

    def branch_of(self, position: Position) -> str:
        """Where a position is: "" at the top level, ``Each[2]`` in a Map iteration,
        ``Both/branch 1`` in a Parallel branch, ``bua-segments`` in a child execution (``Send[3]``:
        a distributed Map's child of item 3), nested ones joined by " > "."""
        return frame_label(position.frame, self._watched_of)

    def stack(self, position: Position | None = None) -> list[StackLevel]:
        """The executions around a position (default: the paused one), outermost first: in each,
        the state it is in (the one that started the next, and last the paused one)."""
        position = position or self.paused
        if position is None:
            return []
        return stack_of(position.frame, position.state, self._watched_of)


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
        session.family.calling = call.frame  # a child execution this call starts came from this branch
        mocked = session.mocks.pop((id(call.frame), state.name), None)
        if mocked is not None:
            kind, value = mocked
            if kind == "throw":
                raise StatesError(value[0], value[1])
            return value
        user = session._user_interceptor
        return user(state, call) if user is not None else NOT_INTERCEPTED
