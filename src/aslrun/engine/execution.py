"""One execution of a state machine: its status, its output or error, and its history.

An :class:`Execution` is what ``StateMachine.execute`` returns, and what the states of a running
execution reach through their frame: the clock, the scheduler, the bindings, the seeded random
source, the context object's fixed part, the AWS region and account its ARNs are built with.
"""

from __future__ import annotations

import gc
import marshal
import random
from contextlib import contextmanager
from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any

from ..errors import StatesError
from ..jsontext import json_size
from ..history import AWS_HISTORY_LIMIT, Event, History, HistoryFull
from .clock import Clock, VirtualClock, iso_timestamp
from .frame import Frame
from .handler_threads import HandlerThreads
from .known_executions import remember
from .observers import ExecutionObserver, current_observer
from .runner import ExecutionTerminated, ExecutionTimedOut, Outcome, run_branch
from .scheduler import Paused, Scheduler, Sleep, Task, WaitingForCallbacks
from .variables import Variables

if TYPE_CHECKING:
    from ..bindings import Bindings
    from .compiled import Branch
    from .redrive import BranchResume

__all__ = ["Execution", "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]

RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED = "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"

PAYLOAD_LIMIT_BYTES = 262_144
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)  # version and variant bits
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)
_MERGE_OVERHEAD = 256  # a ResultPath key and punctuation, generously


class Execution:
    """A run of a state machine. Read ``status``, ``output``, ``error``, ``cause``, ``history``."""

    def __init__(
        self,
        program: Branch,
        input: Any,
        *,
        bindings: Bindings,
        state_machine_name: str = "StateMachine",
        name: str | None = None,
        clock: Clock | None = None,
        seed: int | None = 0,
        timeout_seconds: int | None = None,
        history_keep: int | None = AWS_HISTORY_LIMIT,
        history_limit: int | None = AWS_HISTORY_LIMIT,
        listeners: list[Callable[[Event], None]] | None = None,
        region: str = "us-east-1",
        account: str = "123456789012",
        role_arn: str | None = None,
        payload_limit: int | None = PAYLOAD_LIMIT_BYTES,
        parent: Execution | None = None,
        scheduler: Scheduler | None = None,
        machine: Any = None,
        task_interceptor: Callable[[Any, Any], Any] | None = None,
        watcher: Callable[[Execution], None] | None = None,
        in_map_run: str | None = None,
        handler_threads: int | None = None,
        handler_processes: Any = None,
    ) -> None:
        self.program = program
        self.machine = machine  # the StateMachine this runs (resolves nested state machines)
        #: stands in for Task resources when set (mocked responses, debugger): see states.task
        self.task_interceptor = task_interceptor
        self.input = input
        self.bindings = bindings
        self.clock: Clock = clock if clock is not None else VirtualClock()
        self.rng = random.Random(seed)
        self.region = region
        self.account = account
        self.state_machine_name = state_machine_name
        self.name = name or self.new_uuid()
        self.role_arn = role_arn or f"arn:aws:iam::{account}:role/aslrun-execution-role"
        self.payload_limit = payload_limit
        self.parent = parent
        self.history = History(keep=history_keep, limit=history_limit, listeners=listeners)
        self.scheduler = scheduler if scheduler is not None else Scheduler(self.clock)
        #: the threads Lambda handlers run on (the opt-in concurrent mode), shared with children; None:
        #: handlers run on the scheduler's thread, one at a time (see engine.handler_threads)
        self.handler_threads: HandlerThreads | None = (
            parent.handler_threads if parent is not None
            else HandlerThreads(self.scheduler, handler_threads) if handler_threads is not None else None)
        #: the worker processes those threads hand Lambda handler calls to (integrations.handler_processes), or None
        self.handler_processes: Any = parent.handler_processes if parent is not None else handler_processes
        self.children: list[Execution] = []  # executions this one started (states:startExecution)
        #: what the run would have the user know of how it ran (shared with children), e.g. where a Map's
        #: iterations ran with handler_processes; ``aslrun execute -v`` prints them after the run
        self.notes: list[str] = parent.notes if parent is not None else []
        self.map_run_children = 0  # child executions of distributed Maps (not kept: there may be 100,000s)
        self.map_runs: dict[str, Any] = {}  # Map Run ARN -> its live settings (states.map_.MapRunControl)
        self.deadline_override: float | None = None  # a parent's deadline that bounds this child too
        self.timeout_seconds = timeout_seconds
        self.deadline: float | None = None
        #: False, True (every branch yields a checkpoint before each state), or a stepping object
        #: (the debugger) that is shown each checkpoint and may replace the state's input
        self.stepping: Any = False
        self.waiting_for_callbacks = False
        self.status = RUNNING
        self.output: Any = None
        self.error: str | None = None
        self.cause: str | None = None
        self.start_time: float | None = None
        self.stop_time: float | None = None
        self.redrive_count = 0  # $$.Execution.RedriveCount
        self.given_arn: str | None = None  # the ARN a host chose (express: arn:...:express:machine:name:id)
        #: set (from any thread) to end the execution at its next state transition (see terminate())
        self.terminating: ExecutionTerminated | None = None
        self.in_map_run = in_map_run  # the ARN of the Map Run a distributed Map's child belongs to
        self._root: Task | None = None
        self._context_execution: dict[str, Any] | None = None
        self._resume: BranchResume | None = None  # set by redrive()
        self.redrive_time: float | None = None
        #: a redriven execution's history before its redrive (AWS's shape), which ``history`` goes on from
        self.earlier_events: list[dict[str, Any]] = []
        #: told of this execution and of every execution it starts (nested, distributed Map
        #: children) as each is created, before it runs: a server records them all this way
        self.watcher: Callable[[Execution], None] | None = (
            watcher if watcher is not None or parent is None else parent.watcher)
        #: told of each state entered and each way one is left (see engine.observers); children inherit it
        self.observer: ExecutionObserver | None = current_observer() if parent is None else parent.observer
        if self.watcher is not None:
            self.watcher(self)

    # -- identity -------------------------------------------------------------------------------

    @property
    def state_machine_arn(self) -> str:
        return f"arn:aws:states:{self.region}:{self.account}:stateMachine:{self.state_machine_name}"

    @property
    def arn(self) -> str:
        """The execution's ARN (a host may have given it another: an express execution's)."""
        if self.given_arn is not None:
            return self.given_arn
        return f"arn:aws:states:{self.region}:{self.account}:execution:{self.state_machine_name}:{self.name}"

    def new_uuid(self) -> str:
        """A version-4 UUID from the execution's seeded random source (same seed, same UUIDs)."""
        h = ((self.rng.getrandbits(128) & _UUID_CLEAR) | _UUID_SET).to_bytes(16, "big").hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def map_run_arn(self, label: str) -> str:
        return (f"arn:aws:states:{self.region}:{self.account}:mapRun:{self.state_machine_name}/"
                f"{label}:{self.new_uuid()}")

    def context_base(self) -> dict[str, Any]:
        """The fixed part of the context object (``$$.Execution``, ``$$.StateMachine``), fresh."""
        if self._context_execution is None:
            self._context_execution = {  # AWS's key order: it shows in causes that print $$
                "Id": self.arn,
                "Input": self.input,
                "StartTime": iso_timestamp(self.start_time or self.clock.now()),
                "Name": self.name,
                "RoleArn": self.role_arn,
                "RedriveCount": self.redrive_count,
            }
            if self.redrive_time is not None:
                self._context_execution["RedriveTime"] = iso_timestamp(self.redrive_time)
        return {
            "Execution": dict(self._context_execution),
            "StateMachine": {"Id": self.state_machine_arn, "Name": self.state_machine_name},
        }

    # -- running --------------------------------------------------------------------------------

    def run(self, *, until_callbacks: bool = False) -> Execution:
        """Run to the end (or to the next pause when stepping); return self.

        Executions it started without waiting for them (``states:startExecution``) run to their
        end too before this returns. With ``until_callbacks`` the run also stops (status still
        RUNNING, ``waiting_for_callbacks`` true) as soon as every branch waits for a task token,
        so the caller can send it and call ``run()`` again; without it, time skips ahead to the
        tokens' timeouts, as it would pass on AWS with nobody answering.
        """
        if self._root is None:
            self._root = self.scheduler.spawn(self.main())
        scheduler = self.scheduler
        scheduler.pause_on_callbacks = until_callbacks
        self.waiting_for_callbacks = False
        try:
            with _fewer_collections():
                if self.status == RUNNING:
                    scheduler.run(self._root)
                scheduler.run()  # background children
        except Paused:
            return self
        except WaitingForCallbacks:
            self.waiting_for_callbacks = True
        finally:
            scheduler.pause_on_callbacks = False
        if self.parent is None and self.handler_threads is not None and self.status != RUNNING:
            self.handler_threads.close()
        return self

    def main(self) -> Generator[Any, Any, None]:
        """The whole life of the execution, as a scheduler task (a child runs on its parent's)."""
        if self.start_time is None:  # a host may have fixed it (a server answers StartExecution with it)
            self.start_time = self.clock.now()
        remember(self)
        if self.timeout_seconds is not None:
            self.deadline = self.start_time + self.timeout_seconds
        if self.deadline_override is not None:
            self.deadline = self.deadline_override if self.deadline is None else min(self.deadline,
                                                                                     self.deadline_override)
        resume = self._resume
        if resume is None:
            self.history.add("ExecutionStarted", self.start_time, 0, {
                "input": self.input,
                "roleArn": self.role_arn,
            })
            frame = Frame(self, 0, Variables())  # AWS links the first state's entry to event 0, not 1
        else:  # redriven: the history goes on, and the execution from where it stopped
            when = self.redrive_time if self.redrive_time is not None else self.clock.now()
            redriven = self.history.add("ExecutionRedriven", when, self.history.last_id,
                                        {"redriveCount": self.redrive_count})
            frame = Frame(self, redriven.id, Variables(values=resume.variables))
            if self.timeout_seconds is not None:  # the execution's time limit counts from the redrive
                self.deadline = redriven.timestamp + self.timeout_seconds
        if self.payload_limit is not None:  # an upper bound, as every state's (measured exactly only near the limit)
            cheap = self.cheap_bound(self.input)
            frame.data_bound = cheap if cheap <= self.payload_limit else json_size(self.input)
        try:
            outcome = yield from run_branch(self, self.program, self.input, frame, resume)
        except ExecutionTimedOut:
            self._timed_out()
            return
        except (ExecutionTerminated, HistoryFull) as ended:
            self._end(Outcome(error=StatesError(ended.error, ended.cause)))
            return
        self._end(outcome)

    def sleep(self, until: float) -> Generator[Any, Any, None]:
        """Sleep until a clock time, but no further than the execution's deadline."""
        deadline = self.deadline
        if deadline is not None and until >= deadline:
            yield Sleep(deadline)
            raise ExecutionTimedOut()
        yield Sleep(until)

    def abort(self, error: str | None = None, cause: str | None = None) -> None:
        """Stop a running execution (its branches are cancelled): status ABORTED.

        As AWS records a StopExecution, the history gains only ``ExecutionAborted`` (linked to event
        0): the states that were running record no ``...StateAborted`` of their own."""
        if self.status != RUNNING:
            return
        self.status = ABORTED  # first: the branches being cancelled see it and record nothing
        self.stop_time = self.clock.now()
        self.error, self.cause = error, cause
        if self._root is not None:
            self.scheduler.cancel(self._root)
        details = {k: v for k, v in (("error", error), ("cause", cause)) if v is not None}
        self.history.add("ExecutionAborted", self.stop_time, 0, details)

    def redrive(self, resume: BranchResume, *, redrive_count: int, last_event_id: int, redrive_time: float) -> None:
        """Make this (not yet run) execution the continuation of an earlier run of it that failed,
        timed out or was aborted: its history goes on after ``last_event_id`` with
        ``ExecutionRedriven``, and it picks up where ``resume`` says (see :mod:`engine.redrive`)."""
        self._resume = resume
        self.redrive_count = redrive_count
        self.redrive_time = redrive_time
        self.history.continue_after(last_event_id)

    def terminate(self, error: str, cause: str) -> None:
        """Fail the execution at its next state transition, with ``error`` and ``cause`` (AWS does
        so to the executions of a state machine being deleted); a branch waiting goes on waiting."""
        self.terminating = ExecutionTerminated(error, cause)

    def request_stop(self, error: str | None = None, cause: str | None = None) -> None:
        """Abort from any thread: on a hosted scheduler running elsewhere the abort is handed to the
        scheduler's thread (it happens between two steps), else it happens now."""
        scheduler = self.scheduler
        if scheduler.inbox is not None and not scheduler.on_own_thread():
            scheduler.inbox.post(lambda: self.abort(error, cause))
        else:
            self.abort(error, cause)

    def _end(self, outcome: Outcome) -> None:
        self.stop_time = self.clock.now()
        previous = self.history.last_id
        if outcome.failed:
            assert outcome.error is not None
            self.status = FAILED
            self.error, self.cause = outcome.error.error, outcome.error.cause
            details: dict[str, Any] = {}
            if self.error is not None:
                details["error"] = self.error
            if self.cause is not None:
                details["cause"] = self.cause
            self.history.add("ExecutionFailed", self.stop_time, previous, details)
            return
        self.status = SUCCEEDED
        self.output = outcome.output
        self.history.add("ExecutionSucceeded", self.stop_time, previous, {"output": self.output})

    def _timed_out(self) -> None:
        self.stop_time = self.clock.now()
        self.status = TIMED_OUT
        self.history.add("ExecutionTimedOut", self.stop_time, self.history.last_id, {})

    # -- services for states --------------------------------------------------------------------

    def resolve_state_machine(self, arn: str) -> Any:
        """The StateMachine a ``states:startExecution`` task names, or None."""
        bound = self.bindings.state_machine(arn)
        if bound is not None or self.machine is None:
            return bound
        return self.machine.sibling(arn.rsplit(":", 1)[-1])

    def start_child(self, machine: Any, input: Any, *, name: str | None = None) -> Execution:
        """A child execution on this one's scheduler and clock (``main()`` not started yet)."""
        child = machine.start(
            input, handlers=self.bindings, clock=self.clock, seed=self.rng.getrandbits(32), name=name,
            history_keep=self.history.keep, history_limit=self.history.limit, region=self.region,
            account=self.account, payload_limit=self.payload_limit, scheduler=self.scheduler, parent=self,
            task_interceptor=self.task_interceptor,
        )
        self.children.append(child)
        return child  # type: ignore[no-any-return]

    def start_map_run_child(self, program: Branch, input: Any, label: str, map_run_arn: str | None = None) -> Execution:
        """A distributed Map's child execution of one item: own history, no outer variables, this
        execution's scheduler, clock and deadline."""
        child = Execution(
            program, input, bindings=self.bindings, state_machine_name=f"{self.state_machine_name}/{label}",
            clock=self.clock, seed=self.rng.getrandbits(32), history_keep=self.history.keep,
            history_limit=self.history.limit, region=self.region, account=self.account, role_arn=self.role_arn,
            payload_limit=self.payload_limit, parent=self,
            scheduler=self.scheduler, machine=self.machine, task_interceptor=self.task_interceptor,
            in_map_run=map_run_arn,
        )
        child.deadline_override = self.deadline
        self.map_run_children += 1
        return child

    def note(self, text: str) -> None:
        """Add ``text`` to :attr:`notes`, once (a state run many times is noted once)."""
        if text not in self.notes:
            self.notes.append(text)

    def check_deadline(self) -> None:
        if self.deadline is not None and self.clock.now() >= self.deadline:
            raise ExecutionTimedOut()

    def output_bound(self, state_name: str, output: Any, input_bound: int, result_bound: int | None) -> int:
        """Check a state's output against the payload limit (256 KiB); return a bound of its size.

        AWS fails a state whose output is larger than the limit. Measuring every output would cost
        more than the rest of a step, so a branch carries an upper bound of its data's size: a
        state's output is at most its input plus its result (whose size a Task knows from
        serialising it). Only when that bound nears the limit is the output measured.
        """
        limit = self.payload_limit
        assert limit is not None
        if result_bound is not None:
            bound = input_bound + result_bound + _MERGE_OVERHEAD
            if bound <= limit:
                return bound
        cheap = self.cheap_bound(output)
        if cheap <= limit:
            return cheap
        exact = json_size(output)
        if exact > limit:
            raise StatesError(
                "States.DataLimitExceeded",
                f"The state/task '{state_name}' returned a result with a size exceeding the maximum number of "
                "bytes service limit.",
            )
        return exact

    def cheap_bound(self, value: Any) -> int:
        """An upper bound of a value's JSON size, fast (6x its marshal size; 0 without a limit)."""
        if self.payload_limit is None:
            return 0
        return len(marshal.dumps(value, 2)) * 6  # JSON is at most 6x the marshal form of JSON data

    # -- reading the result ---------------------------------------------------------------------

    @property
    def succeeded(self) -> bool:
        return self.status == SUCCEEDED

    def result(self) -> dict[str, Any]:
        """``{"status", "output", "error", "cause"}``: what ``aslrun execute --json`` prints."""
        return {"status": self.status, "output": self.output, "error": self.error, "cause": self.cause}

    def __repr__(self) -> str:
        if self.status == FAILED:
            return f"<Execution {self.name} FAILED {self.error}: {self.cause}>"
        return f"<Execution {self.name} {self.status}>"


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often while an execution runs.

    A run allocates many small, mostly acyclic objects (events, state data) while holding a growing
    history; with CPython's default first-generation threshold (700) the collector keeps rescanning
    them, which costs 10-15% of a run. Reference counting still frees everything acyclic at once;
    the collector still runs, only less often. The previous thresholds come back afterwards.
    """
    previous = gc.get_threshold()
    if previous[0] >= _RUN_GC_THRESHOLD or not gc.isenabled():
        yield
        return
    gc.set_threshold(_RUN_GC_THRESHOLD, previous[1], previous[2])
    try:
        yield
    finally:
        gc.set_threshold(*previous)


_RUN_GC_THRESHOLD = 10_000
