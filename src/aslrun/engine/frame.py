"""A frame: where one branch of an execution is, and the scope its expressions read.

Each running branch (top level, Parallel branch, Map iteration) has a frame. It knows the state
being run (for ``$$.State``), the event its branch recorded last (history events link to it), the
workflow variables in reach, and the ``data`` that ``$`` means at this moment of input/output
processing. Expressions read a frame through the small scope protocol of
:mod:`aslrun.expr.template` (``data``, ``context()``, ``variable()``, ``rng``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .clock import iso_timestamp

if TYPE_CHECKING:
    from ..history import Event
    from .execution import Execution
    from .variables import Variables

__all__ = ["Frame", "ItemScope"]


class Frame:
    __slots__ = (
        "execution", "data", "state_name", "entered_time", "retry_count", "last_event_id",
        "entered_event_id", "evaluation_source", "variables", "rng", "task_token", "depth", "data_bound", "result_bound",
        "retryable", "record", "now", "inspector", "resume",
    )

    def __init__(self, execution: Execution, last_event_id: int, variables: Variables, depth: int = 0) -> None:
        self.execution = execution
        self.record = execution.history.add  # bound once: emit() is the hottest call of a run
        self.now = execution.clock.now
        self.depth = depth
        self.rng = execution.rng
        self.data: Any = None
        self.state_name = ""
        self.entered_time = 0.0
        self.retry_count = 0
        self.retryable = False  # whether the current state can Retry (Task, Map, Parallel)
        self.last_event_id = last_event_id
        self.entered_event_id = 0
        self.evaluation_source = 0  # where an EvaluationFailed of the current state links (see enter())
        self.variables = variables
        self.task_token: str | None = None
        # Payload-limit accounting: an upper bound of the JSON size of the branch's current data, and
        # the size of the last state's result when the state knows it (see Execution.output_bound).
        self.data_bound = 0
        self.result_bound: int | None = None
        #: records each stage of the states' input/output processing when a debugger asks (None: off)
        self.inspector: Any = None
        #: a redriven Parallel or Map's way to pick up (engine.redrive.FanOutResume), read once by it
        self.resume: Any = None

    def child(self, variables: Variables, data_bound: int | None = None) -> Frame:
        """The frame of a branch started from this one (Parallel branch, Map iteration)."""
        frame = Frame(self.execution, self.last_event_id, variables, self.depth + 1)
        frame.data_bound = self.data_bound if data_bound is None else data_bound
        frame.inspector = self.inspector
        return frame

    def emit(self, type: str, details: dict[str, Any] | None = None) -> Event:
        """Record a history event on this branch."""
        event = self.record(type, self.now(), self.last_event_id, details, self.depth)
        self.last_event_id = event.id
        return event

    def enter(self, state: Any, details: dict[str, Any]) -> Event:
        """Record ``state``'s Entered event, and where an ``EvaluationFailed`` of it would link.

        AWS evaluates a state's fields (Arguments, Items, Output, Assign...) in the step that
        enters it, and links a failure of that evaluation to the event the state was entered
        from, as the Entered event itself is linked. A Wait evaluates its Seconds/Timestamp in a
        step of its own, after its Entered event (``evaluates_on_entry = False``), and links to it.
        (AWS-recorded histories: test_undefined_reference, test_map_state_items_input_types,
        test_wait_timestamp_jsonata.)"""
        source = self.last_event_id
        event = self.emit(state.entered_event, details)
        self.entered_event_id = event.id
        self.evaluation_source = source if state.evaluates_on_entry else event.id
        return event

    def emit_evaluation_failed(self, details: dict[str, Any]) -> Event:
        """``EvaluationFailed``: linked as :meth:`enter` says while the state has recorded nothing
        since it was entered, else to the state's last event (a result's Output or Assign)."""
        source = self.evaluation_source if self.last_event_id == self.entered_event_id else self.last_event_id
        event = self.record("EvaluationFailed", self.now(), source, details, self.depth)
        self.last_event_id = event.id
        return event

    # -- the scope protocol ---------------------------------------------------------------------

    def context(self) -> dict[str, Any]:
        """The context object (``$$``) as the current state sees it."""
        context = self.execution.context_base()
        state: dict[str, Any] = {"Name": self.state_name, "EnteredTime": iso_timestamp(self.entered_time)}
        if self.retryable:
            state["RetryCount"] = self.retry_count  # only states that can Retry have it
        context["State"] = state
        if self.task_token is not None:
            context["Task"] = {"Token": self.task_token}
        return context

    def variable(self, name: str) -> Any:
        return self.variables.get(name)


class ItemScope:
    """The scope of a Map's ItemSelector: ``$`` is the Map's input, ``$$.Map.Item`` the item."""

    __slots__ = ("frame", "data", "rng", "index", "value")

    def __init__(self, frame: Frame, data: Any, index: int, value: Any) -> None:
        self.frame = frame
        self.data = data
        self.rng = frame.rng
        self.index = index
        self.value = value

    def context(self) -> dict[str, Any]:
        context = self.frame.context()
        context["Map"] = {"Item": {"Index": self.index, "Value": self.value}}
        return context

    def variable(self, name: str) -> Any:
        return self.frame.variable(name)
