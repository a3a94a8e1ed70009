"""Writing what executions do into the store, as they do it.

The :class:`Recorder` is the engine's *watcher* (see ``StateMachine.start``): it is told of every
execution the server runs, and of every execution those start (nested ``states:startExecution``
children, a distributed Map's children), and listens to each one's history. Every event is queued
for the store's writer in the order it happened; an execution's end is queued after its last
event, so a reader never sees an execution closed with events missing. Map Runs are recorded from
their parent's ``MapRunStarted`` / ``MapRunSucceeded`` / ``MapRunFailed`` events.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

from ..engine.execution import Execution
from ..errors import StatesError
from ..history import Event
from .event_rows import INSERT_EVENT, PayloadTexts, event_row
from .store import Store

__all__ = ["Recorder", "recorded_output_text"]

_ENDS = {"ExecutionSucceeded": "SUCCEEDED", "ExecutionFailed": "FAILED", "ExecutionTimedOut": "TIMED_OUT",
         "ExecutionAborted": "ABORTED"}
_MAP_RUN_ENDS = {"MapRunSucceeded": "SUCCEEDED", "MapRunFailed": "FAILED", "MapRunAborted": "ABORTED"}

_END = "UPDATE executions SET status = ?, output = ?, error = ?, cause = ?, stop = ? WHERE arn = ?"
_INSERT_CHILD = ("INSERT OR IGNORE INTO executions (arn, machine_arn, name, type, status, input, start, revision_id, "
                 "map_run_arn, parent_arn, seq) VALUES (?, ?, ?, ?, 'RUNNING', ?, ?, ?, ?, ?, ?)")
_INSERT_MAP_RUN = ("INSERT OR IGNORE INTO map_runs (arn, execution_arn, state_name, status, start, max_concurrency, "
                   "tolerated_count, tolerated_percentage, seq) VALUES (?, ?, ?, 'RUNNING', ?, ?, ?, ?, ?)")
_END_MAP_RUN = "UPDATE map_runs SET status = ?, stop = ? WHERE arn = ?"


class Recorder:
    """The watcher of the server's executions (called once per execution, before it runs)."""

    def __init__(self, store: Store, *, on_end: Callable[[Execution], None] | None = None) -> None:
        self.store = store
        self.on_end = on_end
        self._claimed: set[str] = set()  # nested executions' ARNs taken, before their rows are written
        self._lock = threading.Lock()

    def __call__(self, execution: Execution) -> None:
        registered = getattr(execution, "service_registered", False)
        if not registered and execution.in_map_run is None:
            self._claim_name(execution)
        listener = _ExecutionListener(self, execution, registered=registered)
        execution.history.listeners.append(listener)

    def _claim_name(self, child: Execution) -> None:
        """A nested execution's name is unique per state machine, as for any StartExecution: a Task
        starting one under a name already used fails as AWS fails it."""
        arn = child.arn
        with self._lock:
            taken = arn in self._claimed or self.store.one("SELECT 1 FROM executions WHERE arn = ?", (arn,))
            if not taken:
                self._claimed.add(arn)
        if taken:
            raise StatesError("StepFunctions.ExecutionAlreadyExistsException",
                              f"Execution Already Exists: '{arn}' (Service: AWSStepFunctions; Status Code: 400; "
                              "Error Code: ExecutionAlreadyExists; Request ID: "
                              f"{child.parent.new_uuid() if child.parent else ''}; Proxy: null)")


def recorded_output_text(execution: Execution) -> str | None:
    """The JSON text of a succeeded execution's output as its recorder wrote it to the store (None
    when no recorder wrote one): StartSyncExecution answers with the same text, not encoded again."""
    for listener in execution.history.listeners:
        if isinstance(listener, _ExecutionListener):
            return listener.output_text
    return None


class _ExecutionListener:
    __slots__ = ("recorder", "execution", "registered", "open_map_runs", "queue", "texts", "output_text")

    def __init__(self, recorder: Recorder, execution: Execution, *, registered: bool) -> None:
        self.recorder = recorder
        self.execution = execution
        self.registered = registered  # the server wrote its row when it was started (a root execution)
        self.open_map_runs: dict[int, str] = {}  # MapRunStarted's event id -> the Map Run's ARN
        self.queue = recorder.store.queue
        self.texts = PayloadTexts()
        self.output_text: str | None = None  # the succeeded output's text, as written to the store

    def __call__(self, event: Event) -> None:
        execution = self.execution
        kind = event.type
        if kind == "ExecutionStarted" and not self.registered:
            self._register_child(event)
        self.queue(INSERT_EVENT, (execution.arn, event.id, *event_row(event, self.texts)))
        if kind.startswith("MapRun"):
            self._map_run(event)
        status = _ENDS.get(kind)
        if status is not None:
            output = self.output_text = self.texts.text(execution.output) if status == "SUCCEEDED" else None
            details = event.details
            self.queue(_END, (status, output, details.get("error"), details.get("cause"), round(event.timestamp, 3),
                              execution.arn))
            if self.recorder.on_end is not None:
                self.recorder.on_end(execution)

    def _register_child(self, event: Event) -> None:
        """A nested or Map Run child execution: its row, from its first event."""
        child = self.execution
        parent = child.parent
        machine = child.machine
        revision = getattr(machine, "service_revision", None) or getattr(parent, "service_revision", "")
        child.service_revision = revision  # type: ignore[attr-defined]
        kind = "EXPRESS" if child.in_map_run is not None else getattr(machine, "service_type", "STANDARD")
        self.queue(_INSERT_CHILD, (child.arn, child.state_machine_arn, child.name, kind,
                                   json.dumps(child.input, separators=(",", ":"), ensure_ascii=False),
                                   round(event.timestamp, 3), revision, child.in_map_run,
                                   parent.arn if parent is not None else None, self.recorder.store.next_seq()))

    def _map_run(self, event: Event) -> None:
        kind = event.type
        if kind == "MapRunStarted":
            arn = event.details["mapRunArn"]
            self.open_map_runs[event.id] = arn
            state = _map_state(self.execution, arn)
            self.queue(_INSERT_MAP_RUN, (arn, self.execution.arn, state[0], round(event.timestamp, 3),
                                         state[1], state[2], state[3], self.recorder.store.next_seq()))
            return
        status = _MAP_RUN_ENDS.get(kind)
        if status is None or not self.open_map_runs:
            return
        started = event.previous_id if event.previous_id in self.open_map_runs else max(self.open_map_runs)
        arn = self.open_map_runs.pop(started)
        self.queue(_END_MAP_RUN, (status, round(event.timestamp, 3), arn))


def _map_state(execution: Execution, map_run_arn: str) -> tuple[str, int, int, float]:
    """The Map state a Map Run belongs to: its name, and the MaxConcurrency and tolerated failures it
    runs with (the Map's live settings, read by paths or not)."""
    label = map_run_arn.rsplit(":", 1)[0].rsplit("/", 1)[-1]
    name = next((state.name for state in execution.program.walk()
                 if state.type == "Map" and (state.spec.get("Label") or state.name) == label), label)
    control = execution.map_runs.get(map_run_arn)
    if control is None:
        return name, 0, 0, 0.0
    limit = control.max_concurrency if control.max_concurrency < 10_000 else 0  # 0: no limit set
    return name, limit, control.tolerated_count or 0, float(control.tolerated_percentage or 0)
