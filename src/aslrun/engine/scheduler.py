"""A deterministic cooperative scheduler for the branches of one execution.

Every running branch (the top level, each Parallel branch, each Map iteration) is a generator. It
runs until it must wait, then yields a command:

* :class:`Sleep` - wake at a clock time (Wait states, Retry back-off);
* :class:`WaitGroup` - wake when a child task of a :class:`Group` has finished (Map / Parallel);
* :class:`WaitFuture` - wake when a :class:`Future` is settled from outside the branch (a task token
  sent back by a handler or a test), or at a time limit;
* :data:`CHECKPOINT` - give the scheduler a chance to pause (the step debugger).

The ready queue is FIFO and timers are ordered by (millisecond, creation order), so the same input
gives the same interleaving and the same history every run: exactly so on a frozen clock, and on the
default clock (which also moves with real time) for timers due within the same millisecond. When nothing is ready the clock jumps (a
virtual clock) or sleeps (the system clock) to the earliest timer: that is the whole of "time
skipping".

Children start *eagerly* (:meth:`Scheduler.start`): a child runs inline until it first waits, so a
Map over items that never wait costs no scheduling at all.

A scheduler may be *hosted* (:meth:`Scheduler.host`): its execution then runs on a thread of its
own while other threads talk to it (a server: a task token sent back, a stop request). They hand it
work through its :class:`Inbox`; the work runs on the scheduler's thread between two steps. A hosted
scheduler never skips time past a callback that someone may still send: while a branch waits for a
future it waits, in real time, for the inbox or the next timer, whichever comes first; and on the
system clock its sleeps wake early for the inbox too.
"""

from __future__ import annotations

import heapq
import threading
from collections import deque
from collections.abc import Callable
from collections.abc import Generator
from typing import Any

from .clock import Clock

__all__ = ["CHECKPOINT", "Deadlock", "Future", "Group", "Inbox", "Paused", "Scheduler", "Sleep", "Task",
           "WaitFuture", "WaitGroup", "WaitingForCallbacks"]

Branch = Generator[Any, Any, Any]


class Sleep:
    __slots__ = ("until",)

    def __init__(self, until: float) -> None:
        self.until = until


class Group:
    """Children started together (a Map's iterations, a Parallel's branches).

    Each child that finishes is appended to ``finished``; a parent waiting on the group is woken.
    """

    __slots__ = ("finished", "waiter")

    def __init__(self) -> None:
        self.finished: deque[Task] = deque()
        self.waiter: Task | None = None


class WaitGroup:
    """Resume when ``group.finished`` is not empty, or at ``until`` (a clock time) if given.

    The resumed generator receives True when a child finished, False when the time ran out.
    """

    __slots__ = ("group", "until")

    def __init__(self, group: Group, until: float | None = None) -> None:
        self.group = group
        self.until = until


class Future:
    """A value that arrives from outside the branches (e.g. SendTaskSuccess for a task token).

    Settle it with :meth:`set_result` or :meth:`set_error` from code running on the scheduler's
    thread (a handler, or a test between two ``run`` calls); the waiting task is then resumed. On a
    hosted scheduler any thread may settle it: the settling is handed to the scheduler's thread.
    """

    __slots__ = ("scheduler", "done", "value", "error", "waiter")

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self.done = False
        self.value: Any = None
        self.error: BaseException | None = None
        self.waiter: Task | None = None

    def set_result(self, value: Any) -> None:
        self._settle(value, None)

    def set_error(self, error: BaseException) -> None:
        self._settle(None, error)

    def _settle(self, value: Any, error: BaseException | None) -> None:
        scheduler = self.scheduler
        if scheduler.inbox is not None and not scheduler.on_own_thread():
            scheduler.call_soon_threadsafe(lambda: self._settle(value, error))
            return
        if self.done:
            raise RuntimeError("this future is already settled")
        self.done, self.value, self.error = True, value, error
        waiter, self.waiter = self.waiter, None
        scheduler.pending_futures.discard(self)
        if waiter is not None and not waiter.done:
            scheduler._timed_group_waits.pop(waiter, None)
            waiter._timer_seq = -1  # its time limit no longer applies
            scheduler._ready.append((waiter, True))


class WaitFuture:
    """Resume when ``future`` is settled (receives True) or at ``until`` (receives False).

    ``internal``: the future is the scheduler's own business (a handler running on a thread, see
    engine.handler_threads), not a callback from outside: it never makes a run stop for callbacks."""

    __slots__ = ("future", "until", "internal")

    def __init__(self, future: Future, until: float | None = None, *, internal: bool = False) -> None:
        self.future = future
        self.until = until
        self.internal = internal


class WaitingForCallbacks(Exception):
    """Raised out of :meth:`Scheduler.run` when ``pause_on_callbacks`` is set and every task left
    is waiting for a :class:`Future` (or a time limit on one): time is not skipped past them."""


class _Checkpoint:
    __slots__ = ()


CHECKPOINT = _Checkpoint()


class Deadlock(RuntimeError):
    """Every task is waiting and nothing can wake any of them (a bug, or a callback never sent)."""


class Paused(Exception):
    """Raised out of :meth:`Scheduler.run` when a pause was requested at a checkpoint."""


class Inbox:
    """Work for a hosted scheduler from other threads: callables run on the scheduler's thread."""

    __slots__ = ("_items", "_condition")

    def __init__(self) -> None:
        self._items: deque[Callable[[], Any]] = deque()
        self._condition = threading.Condition()

    def post(self, work: Callable[[], Any]) -> None:
        with self._condition:
            self._items.append(work)
            self._condition.notify_all()

    def __bool__(self) -> bool:
        return bool(self._items)

    def wait(self, timeout: float | None) -> None:
        """Block until work is posted or ``timeout`` real seconds pass (None: no limit)."""
        with self._condition:
            if not self._items:
                self._condition.wait(timeout)

    def run_posted(self) -> None:
        """Run the work posted so far, oldest first."""
        while True:
            with self._condition:
                if not self._items:
                    return
                work = self._items.popleft()
            work()


class Task:
    """A branch generator managed by the scheduler."""

    __slots__ = ("gen", "done", "result", "error", "group", "_timer_seq", "cancelled")

    def __init__(self, gen: Branch, group: Group | None = None) -> None:
        self.gen = gen
        self.done = False
        self.cancelled = False
        self.result: Any = None
        self.error: BaseException | None = None  # raised by a child task: its parent re-raises it
        self.group = group
        self._timer_seq = -1

    def __repr__(self) -> str:
        return f"<Task {'done' if self.done else 'running'}>"


class Scheduler:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._ready: deque[tuple[Task, Any]] = deque()
        # (wake tick, creation order, task, wake time): ordered by the millisecond, then by creation, so
        # timers due at the same moment wake in a repeatable order even on a clock that moves with
        # real time (whose readings differ by microseconds from run to run)
        self._timers: list[tuple[int, int, Task, float]] = []
        self._seq = 0
        self._timed_group_waits: dict[Task, Any] = {}  # tasks in a WaitGroup/WaitFuture with a time limit
        self.pause_requested = False
        self.pending_futures: set[Future] = set()  # callbacks a task waits on, not settled yet
        self.running_handlers = 0  # handler calls running on threads (engine.handler_threads)
        self._handler_ends: Inbox | None = None  # where those calls' ends arrive when not hosted
        self.pause_on_callbacks = False
        self.inbox: Inbox | None = None  # set when hosted: work from other threads
        self._thread: int | None = None  # the thread running ``run`` (hosted schedulers)

    def host(self) -> Inbox:
        """Let other threads reach this scheduler (see the module docstring); return its inbox."""
        if self.inbox is None:
            self.inbox = Inbox()
        return self.inbox

    def handler_ends(self) -> Inbox:
        """Where a handler call running on another thread hands its end over (engine.handler_threads):
        the inbox of a hosted scheduler, else one of its own, read only for that, so an unhosted
        run keeps its rules for callbacks (it stops for them, or skips time to their limits)."""
        if self.inbox is not None:
            return self.inbox
        if self._handler_ends is None:
            self._handler_ends = Inbox()
        return self._handler_ends

    def call_soon_threadsafe(self, work: Callable[[], Any]) -> None:
        """Run ``work`` on the scheduler's thread: now when called there (or when not hosted), else
        between two of its steps."""
        if self.inbox is not None and not self.on_own_thread():
            self.inbox.post(work)
        else:
            work()

    def on_own_thread(self) -> bool:
        """Whether the caller is the thread running this scheduler (or it is not running)."""
        return self._thread is None or self._thread == threading.get_ident()

    # -- starting tasks ---------------------------------------------------------------------------

    def start(self, gen: Branch, group: Group | None = None) -> Task:
        """Run ``gen`` inline until it first waits (or finishes); return its task."""
        task = Task(gen, group)
        self._step(task, None)
        return task

    def spawn(self, gen: Branch, group: Group | None = None) -> Task:
        """Queue ``gen`` to start on a later turn."""
        task = Task(gen, group)
        self._ready.append((task, None))
        return task

    # -- running ----------------------------------------------------------------------------------

    def run(self, root: Task | None = None) -> None:
        """Run until ``root`` is done (or, without a root, until nothing is left to run).

        Raises Paused when a pause was requested at a checkpoint; an exception escaping a task that
        has no group (no parent to hand it to) propagates out of here.
        """
        inbox = self.inbox
        if inbox is not None:
            self._thread = threading.get_ident()
            try:
                self._run(root, inbox)
            finally:
                self._thread = None
            return
        self._run(root, None)

    def _run(self, root: Task | None, inbox: Inbox | None) -> None:
        ready = self._ready
        timers = self._timers
        clock = self.clock
        while root is None or not root.done:
            if ready:
                task, value = ready.popleft()
                if not task.done:
                    self._step(task, value)
                if self.pause_requested:
                    self.pause_requested = False
                    raise Paused()
                continue
            if inbox:
                inbox.run_posted()
                continue
            ends = self._handler_ends
            if ends:
                ends.run_posted()
                continue
            if self.pause_on_callbacks and self.pending_futures and not self.running_handlers:
                raise WaitingForCallbacks()
            outside = inbox if inbox is not None else ends  # what work from other threads wakes
            if timers:
                _, seq, task, when = timers[0]
                if task.done or task._timer_seq != seq:
                    heapq.heappop(timers)  # a cancelled or stale timer
                    continue
                if (inbox is not None and (clock.real or self.pending_futures)) or self.running_handlers:
                    ahead = when - clock.now()
                    if ahead > 0:  # wait in real time, for the timer or for work from outside
                        outside.wait(ahead)  # type: ignore[union-attr]
                        continue
                heapq.heappop(timers)
                task._timer_seq = -1
                clock.sleep_until(when)
                ready.append((task, self._timer_fired(task)))
                continue
            if self.running_handlers:  # a handler's end comes through ``outside`` (time never skips past it)
                outside.wait(None)  # type: ignore[union-attr]
                continue
            if root is None:
                return
            if self.pending_futures:
                if inbox is not None:  # a callback can only come from outside: wait for it
                    inbox.wait(None)
                    continue
                raise WaitingForCallbacks()
            raise Deadlock("every branch is waiting and nothing can wake them")

    def _step(self, task: Task, value: Any) -> None:
        try:
            command = task.gen.send(value)
        except StopIteration as stop:
            self._finish(task, stop.value)
            return
        except Exception as exc:
            if task.group is None:
                raise
            task.error = exc  # its parent re-raises it where it collects the result
            self._finish(task, None)
            return
        if command.__class__ is Sleep:
            self._seq += 1
            task._timer_seq = self._seq
            heapq.heappush(self._timers, (_tick(command.until), self._seq, task, command.until))
        elif command.__class__ is WaitGroup:
            group = command.group
            if group.finished:
                self._ready.append((task, True))
            else:
                group.waiter = task
                if command.until is not None:
                    self._seq += 1
                    task._timer_seq = self._seq
                    self._timed_group_waits[task] = group
                    heapq.heappush(self._timers, (_tick(command.until), self._seq, task, command.until))
        elif command.__class__ is WaitFuture:
            future = command.future
            if future.done:
                self._ready.append((task, True))
            else:
                future.waiter = task
                if not command.internal:
                    self.pending_futures.add(future)
                if command.until is not None:
                    self._seq += 1
                    task._timer_seq = self._seq
                    self._timed_group_waits[task] = future
                    heapq.heappush(self._timers, (_tick(command.until), self._seq, task, command.until))
        elif command is CHECKPOINT:
            self._ready.appendleft((task, None))
            self.pause_requested = self.pause_requested or self.on_checkpoint()
        else:  # pragma: no cover - a bug in a state
            raise TypeError(f"a branch yielded {command!r}")

    def _timer_fired(self, task: Task) -> Any:
        """What a task woken by its timer receives: False when it was waiting on a group or future
        (time ran out: it stops waiting), None after a plain Sleep."""
        awaited = self._timed_group_waits.pop(task, None)
        if awaited is None:
            return None
        if awaited.waiter is task:
            awaited.waiter = None
        if isinstance(awaited, Future):
            self.pending_futures.discard(awaited)
        return False

    def on_checkpoint(self) -> bool:
        """Whether to pause at a checkpoint (the debugger overrides this)."""
        return False

    def _finish(self, task: Task, result: Any) -> None:
        task.done = True
        task.result = result
        group = task.group
        if group is not None:
            group.finished.append(task)
            waiter = group.waiter
            if waiter is not None:
                group.waiter = None
                if not waiter.done:
                    if self._timed_group_waits.pop(waiter, None) is not None:
                        waiter._timer_seq = -1  # its time limit no longer applies
                    self._ready.append((waiter, True))

    def cancel(self, task: Task) -> None:
        """Stop a task: its generator is closed (``finally`` blocks run, children get cancelled)."""
        if task.done:
            return
        task.cancelled = True
        task.done = True
        task._timer_seq = -1
        task.group = None
        self._timed_group_waits.pop(task, None)
        task.gen.close()


def _tick(when: float) -> int:
    """A wake time to the millisecond (AWS's timestamp resolution)."""
    return int(when * 1000)
