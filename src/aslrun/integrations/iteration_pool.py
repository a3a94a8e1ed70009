"""An inline Map's iterations run whole in forked worker processes (with ``handler_processes=N``).

``handler_processes=N`` hands each Lambda handler call to a worker process, but the engine's own
work stays in the caller, which also pickles every event to a worker and the result back: with
handlers that take a reading of 1,536 values four times, the caller is then the bottleneck and N
workers are no faster than one process. When an inline Map's iterations only compute (Pass,
Choice, Succeed, Fail, Parallel, inline Map, and Tasks whose Lambda functions are Python handlers
bound before the run), each iteration runs *whole* in one of N forked workers instead: its states,
its handlers and its history events; the caller only replays each iteration's events into the
history, in item order, as each is ready.

The history is the one an in-process run records when its iterations run one after another (as they
do without workers when the handlers do not wait): each iteration's events together, in item order,
linked as they would be; only the timestamps and the Lambda request ids differ (each iteration
draws its random values from a seed of its own, drawn in item order from the execution's, so a run
is repeatable for a given seed). At most ``min(N, MaxConcurrency)`` iterations run at once. An
iteration that fails the Map stops the workers: those still running are ended where they are (as
AWS stops a Map's other iterations), and nothing of them is recorded. A worker process that ends
in an iteration (a handler ending its process, a crash) fails the Map with ``States.Runtime``,
naming the iteration (nothing of it is recorded: its events were still in the worker).

The workers are forked when the Map starts (they share the compiled definition, the handlers, the
variables and the execution as they are: only each item crosses, pickled with its index and seed,
so a worker never writes to the caller's pages of it; reading the caller's copy instead made every
page of the items a worker touched its own, up to the Map's input again in each worker) and end
with it. So that the workers' garbage collector does not copy the caller's whole memory page by
page, the caller's objects are frozen (``gc.freeze``) for the fork. Each answer (the iteration's
events and outcome) crosses back pickled, the item's own parts in it named rather than written
again (:func:`_item_parts`); a cause the worker wrote naming an event by its number there is
renumbered here.

What keeps a Map in the caller: a threaded host (a server), a debugger or a coverage recorder
watching the states, mocks, an execution time limit, a redriven Map, a local AWS running in the
caller (a forked worker could not reach it), a Task that is not a Lambda handler bound by name, a
Wait state (its time would pass in the worker's clock), a distributed Map, or fewer than 8 items
per worker (forking and ending the workers costs 6 ms and more).
"""

from __future__ import annotations

import functools
import gc
import io
import os
import pickle
import random
import re
import struct
import sys
import traceback
from collections import deque
from collections.abc import Generator
from typing import Any

from ..engine.runner import Outcome
from ..engine.scheduler import Scheduler
from ..errors import StatesError
from ..history import History
from ..jsontext import SCALAR_TYPES
from .forked_workers import shared_reason_to_stay
from .lambda_ import LambdaFunction, LambdaInvoke

__all__ = ["IterationPool", "start_pool", "why_not"]

_COMPUTING_STATES = frozenset({"Pass", "Choice", "Succeed", "Fail", "Task", "Parallel", "Map"})
#: a worker numbers an iteration's events on from here; an event linked to it is linked to whatever
#: the caller's Map recorded last when it replays the iteration (ids far above any real history's)
_START = 10**15
_EVENT_ID_IN_CAUSE = re.compile(r"\(entered at the event id #(\d+)\)")
_QUEUED = 2  # iterations handed to a worker at a time: the one it runs and the next
#: the largest item (pickled) queued to a worker still running one: a pipe holds this much and more
_QUEUED_BYTES = 64 * 1024
#: a Map with fewer items than this per worker runs here: forking the workers and ending them costs
#: 6 ms and more (more as this process grows), what 16 handler calls of a few microseconds each do not
_ITEMS_PER_WORKER = 8


def start_pool(state: Any, frame: Any, inputs: list[Any], limit: int) -> IterationPool | None:
    """The workers for this inline Map's iterations, started; None when the Map runs in the caller
    (the execution's notes say which, and why). The Map asks only when it is inline and not redriven
    (a redriven Map's iterations that succeeded before are taken as they were)."""
    execution = frame.execution
    processes = getattr(execution.handler_processes, "processes", None)
    if not processes or processes < 2:
        return None
    workers = min(processes, limit) if limit > 0 else processes
    if not hasattr(os, "fork"):
        reason: str | None = "this system forks no process"
    elif workers < 2:
        reason = "its MaxConcurrency is 1"
    elif len(inputs) < _ITEMS_PER_WORKER * workers:
        reason = f"fewer than {_ITEMS_PER_WORKER} items a worker"
    else:
        reason = why_not(state, frame)
    if reason is None:
        try:
            pool = IterationPool(state, frame, inputs, workers)
        except OSError as exc:  # no process could be forked (no memory, too many processes): the Map runs here
            reason = f"no worker could be forked: {exc.strerror or exc}"
        else:
            execution.note(f"Map '{state.name}': its iterations ran whole in {workers} worker processes")
            return pool
    execution.note(f"Map '{state.name}': its iterations ran in this process ({reason}); each handler call "
                   "went to a worker process")
    return None


def why_not(state: Any, frame: Any) -> str | None:
    """Why this Map's iterations must run in the caller (None: they may run in workers)."""
    execution = frame.execution
    if state.writer is not None or state.reader is not None:
        return "it reads or writes its items in S3"
    shared = shared_reason_to_stay(execution)
    if shared is not None:
        return shared
    if frame.inspector is not None:
        return "a debugger steps through it"
    for inner in state.processor.walk():
        if inner.type not in _COMPUTING_STATES or (inner.type == "Map" and inner.distributed):
            return f"its iterations hold a {inner.type} state ({inner.name})"
        if inner.type == "Task":
            if inner.integration.__class__ not in (LambdaFunction, LambdaInvoke):
                return f"its Task {inner.name} is not a Lambda function"
            names = inner.static_function_names()
            if not names or any(execution.bindings.lambda_handler(name) is None for name in names):
                return f"its Task {inner.name} calls no Python handler bound before the run"
    return None


class IterationPool:
    """Forked workers running a Map's iterations; :meth:`iteration` replays one in the caller."""

    def __init__(self, state: Any, frame: Any, inputs: list[Any], workers: int) -> None:
        import multiprocessing

        self.state = state
        self.frame = frame
        execution = frame.execution
        self._seeds = [execution.rng.getrandbits(32) for _ in inputs]  # in item order, whatever runs where
        self._count = len(inputs)
        self._inputs = inputs
        self._next = 0  # the next index to hand to a worker
        self._results: dict[int, Any] = {}
        self._task: tuple[int, Any] | None = None  # the next item to hand out, pickled
        self._ended: str | None = None  # why the workers can answer no more (the cause the Map fails with)
        context = multiprocessing.get_context("fork")
        self._workers: list[tuple[Any, Any]] = []
        # a worker's pipe -> the indexes it was handed, in order: the one it runs, and the next one,
        # waiting in its pipe (so that it goes on while this process replays what it sent before)
        self._busy: dict[Any, deque[int]] = {}
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()  # (else what is buffered would be written by each worker too)
            except (AttributeError, ValueError, OSError):
                pass
        already_frozen = gc.get_freeze_count()  # (a host may have frozen its own: they stay so)
        gc.freeze()
        try:
            for _ in range(workers):
                ours, theirs = context.Pipe()
                # (forked: the worker gets the Map and its frame as they are, nothing pickled)
                self._workers.append((None, ours))  # (its place, so that the worker gets this end too)
                process = context.Process(target=_serve, daemon=True, name="aslrun-iterations",
                                          args=(theirs, [end for _, end in self._workers], state, frame))
                self._workers[-1] = (process, ours)
                try:
                    process.start()
                finally:
                    theirs.close()
            self._busy = {pipe: deque() for _, pipe in self._workers}
            for _ in range(_QUEUED):
                for _, pipe in self._workers:
                    self._hand_out(pipe)
        except BaseException:
            self.close()
            raise
        finally:
            if not already_frozen:
                gc.unfreeze()

    def iteration(self, index: int) -> Generator[Any, Any, Outcome]:
        """The iteration's outcome, its events recorded in the caller's history as they were in the worker."""
        (events, ended), names_event_ids = self._result(index)
        frame = self.frame
        record = frame.execution.history.add
        ids = {_START: frame.last_event_id}
        for event_id, previous_id, event_type, timestamp, details, depth in events:
            if names_event_ids:  # (an error's cause names an event: the data a Catch kept of it too)
                details = _relinked(details, ids)
            ids[event_id] = record(event_type, timestamp, ids.get(previous_id, previous_id), details, depth).id
        output, error, cause, bound, last_event_id, end_event_id = ended
        if names_event_ids:
            output, cause = _relinked(output, ids), _relinked(cause, ids)
        outcome = Outcome(output, None if error is None else StatesError(error, cause), bound, ids[last_event_id])
        outcome.end_event_id = ids[end_event_id]
        return outcome
        yield  # pragma: no cover - a generator, as every branch is

    def close(self) -> None:
        """End the workers: those idle are told to, those still running an iteration are killed."""
        for process, pipe in self._workers:
            try:
                if process is None or process.pid is None:  # (never started)
                    continue
                if self._busy.get(pipe):
                    process.kill()
                else:
                    pipe.send(None)
            except OSError:
                pass
        for process, pipe in self._workers:
            if process is None or process.pid is None:
                pipe.close()
                continue
            process.join(5)
            if process.exitcode is None:
                process.kill()
                process.join()
            pipe.close()
        self._workers = []

    def _hand_out(self, pipe: Any) -> None:
        """Send the worker the next item, unless it is busy and the item too large to wait in the pipe:
        queued while the worker runs, a large item fills the pipe and this process waits for the
        worker to read it, while the worker, its iteration done, waits for this process to read a large
        answer the other way (each waiting for the other for good). It goes when the worker is idle."""
        if self._next < self._count:
            index = self._next
            if self._task is None or self._task[0] != index:
                # (pickle's own: multiprocessing's pickler looks each object's type up in a table
                # written in Python, four times the cost of a reading)
                handed = (index, self._seeds[index], self._inputs[index])
                self._task = (index, pickle.dumps(handed, pickle.HIGHEST_PROTOCOL))
            task = self._task[1]
            if self._busy[pipe] and len(task) > _QUEUED_BYTES:
                return
            try:
                pipe.send_bytes(task)
            except OSError:  # the worker has ended (in the iteration it runs): the wait for it finds so
                return
            self._next += 1
            self._busy[pipe].append(index)

    def _result(self, index: int) -> Any:
        """The answer for ``index``, waiting for it. Once a worker process has ended in an iteration
        or answered a failure (:attr:`_ended`), every iteration not answered yet fails with it: the
        Map has failed, and the indexes queued to an ended worker would never be answered."""
        from multiprocessing.connection import wait

        while index not in self._results:
            if self._ended is None:
                waiting = [pipe for pipe, handed in self._busy.items() if handed]
                if waiting:
                    for ready in wait(waiting):
                        self._take_answer(ready)
                        if self._ended is not None:
                            break
                    continue
                # (cannot happen: each index handed out is answered, or its worker's end is found)
                self._ended = f"Iteration {index} was handed to no worker process"
            raise StatesError("States.Runtime", self._ended, in_state=True)
        return self._results.pop(index)

    def _take_answer(self, pipe: Any) -> None:
        done = self._busy[pipe].popleft()
        try:
            written = pipe.recv_bytes()
        except (EOFError, OSError):
            process = next(p for p, q in self._workers if q is pipe)
            process.join(1)
            del self._busy[pipe]  # (nothing more comes from it: what was queued to it is never answered)
            self._ended = (f"The worker process running iteration {done} ended (exit code {process.exitcode}): "
                           "nothing of that iteration was recorded")
            return
        answer = _load_answer(written, self._inputs[done])
        if answer[0] != "ok":
            self._ended = f"Iteration {done} failed in its worker process: {answer[1]}"
            return
        # an error located in its state names the event its state was entered at (runner.locate),
        # and a Catch may keep that text in the data: then every text of the iteration is relinked
        self._results[done] = (answer[1], b"event id #" in written)
        self._hand_out(pipe)


def _item_parts(item: Any) -> list[Any]:
    """The item's objects and arrays down to :data:`_PARTS_DEPTH` levels below it, each once, in an
    order fixed by the item alone (depth first).

    Both ends of a worker's pipe list them from their own copy of the item (the worker's crossed
    pickled, which keeps the item's shape), and an answer names each by its place in this list, as
    pickle's memo does a value it wrote before: the events of an iteration carry its item again and
    again (each state's input, each Task's parameters, the new object a ResultPath makes around the
    item's own parts), and the caller then keeps its own item in the history, as a run in one
    process does, instead of reading a copy of it from every answer. Deeper parts (a month of
    interval days) travel inside those named: listing them all cost both ends more than the rest of
    an answer."""
    parts: list[Any] = []
    seen: set[int] = set()
    pending = [(item, 0)]
    while pending:
        value, depth = pending.pop()
        cls = value.__class__
        if (cls is not dict and cls is not list) or id(value) in seen:
            continue
        seen.add(id(value))
        parts.append(value)
        if depth < _PARTS_DEPTH:
            inner = value.values() if cls is dict else value
            if not SCALAR_TYPES.issuperset(map(type, inner)):
                pending.extend((part, depth + 1) for part in inner)
    return parts


#: how deep below an item its parts are named in its answers (the item's own values and theirs)
_PARTS_DEPTH = 2


def _dump_answer(answer: Any, parts: list[Any]) -> bytes | memoryview:
    """The worker's answer, pickled with the item's ``parts`` (:func:`_item_parts`) named by their places."""
    written = io.BytesIO()
    pickler = pickle.Pickler(written, pickle.HIGHEST_PROTOCOL)
    pickler.memo = {id(part): (place, part) for place, part in enumerate(parts)}
    pickler.dump(answer)
    return written.getbuffer()


def _load_answer(written: bytes, item: Any) -> Any:
    """An answer :func:`_dump_answer` wrote, the item's parts taken from this process's item.

    (A C unpickler's memo cannot be given as a dict on Python 3.11: a first pickle fills it, each of
    its values one of the item's parts by its place, through ``persistent_load``.)"""
    parts = _item_parts(item)
    unpickler = pickle.Unpickler(io.BytesIO(_memo_of_places(len(parts)) + written))
    unpickler.persistent_load = parts.__getitem__  # type: ignore[method-assign]
    unpickler.load()
    return unpickler.load()


@functools.lru_cache(maxsize=64)
def _memo_of_places(count: int) -> bytes:
    """A pickle that puts ``persistent_load(0)`` .. ``persistent_load(count - 1)`` in the memo, in order."""
    opcodes = [pickle.PROTO + bytes([pickle.HIGHEST_PROTOCOL])]
    for place in range(count):  # each: the place pushed, BINPERSID, MEMOIZE, POP
        opcodes.append(pickle.BININT1 + bytes([place]) if place < 256 else pickle.BININT + struct.pack("<i", place))
        opcodes.append(pickle.BINPERSID + pickle.MEMOIZE + pickle.POP)
    opcodes.append(pickle.NONE + pickle.STOP)
    return b"".join(opcodes)


def _relinked(value: Any, ids: dict[int, int]) -> Any:
    """``value`` with each error cause in it that names an event by its number in the worker naming
    it by its number here (a cause is text; a Catch may keep one in the state data)."""
    if isinstance(value, str):
        if "event id #" not in value:
            return value
        return _EVENT_ID_IN_CAUSE.sub(
            lambda m: f"(entered at the event id #{ids.get(int(m.group(1)), int(m.group(1)))})", value)
    if isinstance(value, dict):
        return {key: _relinked(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [_relinked(item, ids) for item in value]
    return value


# -- in a worker ------------------------------------------------------------------------------------------

def _serve(pipe: Any, callers_ends: list[Any], state: Any, frame: Any) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's to act on: it ends the workers
    for end in callers_ends:  # (inherited: held here, they would keep every worker's pipe open after the
        end.close()           # caller died, and the workers waiting on them for good)
    execution = frame.execution
    execution.handler_processes = None  # the handlers run here, in this worker
    execution.handler_threads = None
    while True:
        try:
            task = pipe.recv()
        except EOFError:
            return
        if task is None:
            return
        index, seed, item_input = task
        parts = _item_parts(item_input)  # (listed as the item came, as the caller lists its own)
        try:
            answer: tuple[str, Any] = ("ok", _run_iteration(state, frame, index, item_input, seed))
        except BaseException as exc:  # an engine failure: reported to the caller, which fails the Map with it
            answer = ("failed", "".join(traceback.format_exception_only(exc)).strip())
        try:
            pipe.send_bytes(_dump_answer(answer, parts))
        except OSError:  # the caller is gone (killed): nobody waits for the answer
            return


def _run_iteration(state: Any, frame: Any, index: int, item_input: Any, seed: int) -> tuple[list[Any], tuple[Any, ...]]:
    execution = frame.execution
    recorder = History(keep=None, limit=None)
    recorder.continue_after(_START)
    execution.history = recorder
    execution.rng = frame.rng = random.Random(seed)
    execution.scheduler = scheduler = Scheduler(execution.clock)
    frame.last_event_id = _START
    task = scheduler.spawn(state._iteration(frame, index, item_input))
    scheduler.run(task)
    if task.error is not None:
        raise task.error
    outcome: Outcome = task.result
    events = [(e.id, e.previous_id, e.type, e.timestamp, e.details, e.depth) for e in recorder]
    error = outcome.error
    return events, (outcome.output, None if error is None else error.error, None if error is None else error.cause,
                    outcome.bound, outcome.last_event_id, outcome.end_event_id)
