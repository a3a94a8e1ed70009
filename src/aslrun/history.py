"""The execution history: the one observable record of a run.

Events are named and numbered as AWS's GetExecutionHistory names and numbers them
(``ExecutionStarted`` is #1, the first state's ``PassStateEntered`` #2, ...), each links to the
event before it on its own branch (``previous_id``), so causes that say "(entered at the event id
#N)" match AWS. The CLI renders the history, the debugger steps through it, tests assert on it.

Details are kept as Python values (no JSON encoding on the hot path); :meth:`Event.to_aws` gives
the AWS wire shape, where inputs, outputs and parameters are JSON *strings*.

Memory stays bounded: by default only the most recent ``keep`` events (AWS caps a history at
25,000) stay in memory, numbering continues, and ``dropped`` counts the rest. ``keep=None`` keeps
everything. Listeners see every event as it happens (streaming to a file, progress, debugger).

The cap itself is AWS's: an execution whose history would go past ``limit`` events (25,000) fails.
Event 24,999 is the last the machine records; recording one more raises :class:`HistoryFull`
through the branch (and any other branch that tries to record), and the execution ends with
``ExecutionFailed`` as event 25,000, error ``States.Runtime``, cause "The execution reached the
maximum number of history events (25000)." (as AWS records it). ``limit=None`` lifts it
(``StateMachine.execute(..., history_limit=None)``: benchmarks of runs AWS would refuse).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from .jsontext import compact_json_text
from .model.timestamps import iso_timestamp

__all__ = ["AWS_HISTORY_LIMIT", "DETAILS_EVEN_EMPTY", "Event", "History", "HistoryFull", "details_key"]

AWS_HISTORY_LIMIT = 25_000

_JSON_TEXT_FIELDS = ("input", "output", "parameters")
# events AWS records with a details object even when it is empty (a Fail state with neither Error
# nor Cause ends the execution with "executionFailedEventDetails": {})
DETAILS_EVEN_EMPTY = frozenset({"ExecutionAborted", "ActivityStarted", "ExecutionFailed"})
# the events that close an execution: recorded even when the history is full
_CLOSING = frozenset({"ExecutionFailed", "ExecutionSucceeded", "ExecutionTimedOut", "ExecutionAborted"})


class HistoryFull(Exception):
    """The history holds ``limit - 1`` events: the execution fails (see the module docstring)."""

    def __init__(self, limit: int) -> None:
        self.error = "States.Runtime"
        self.cause = f"The execution reached the maximum number of history events ({limit})."
        super().__init__(self.cause)


class Event:
    """One history event; ``details`` holds the event's fields as Python values."""

    __slots__ = ("id", "previous_id", "type", "timestamp", "details", "depth")

    def __init__(self, id: int, previous_id: int, type: str, timestamp: float, details: dict[str, Any] | None,
                 depth: int = 0) -> None:
        self.id = id
        self.previous_id = previous_id
        self.type = type
        self.timestamp = timestamp
        self.details = details if details is not None else {}
        self.depth = depth  # how deep in Parallel branches / Map iterations (0: top level); not AWS's

    def __repr__(self) -> str:
        name = self.details.get("name")
        return f"<Event #{self.id} {self.type}{' ' + repr(name) if name else ''}>"

    @property
    def state_name(self) -> str | None:
        return self.details.get("name")

    def to_aws(self) -> dict[str, Any]:
        """The event as GetExecutionHistory returns it."""
        out: dict[str, Any] = {
            "id": self.id,
            "previousEventId": self.previous_id,
            "timestamp": iso_timestamp(self.timestamp),
            "type": self.type,
        }
        if self.details or self.type in DETAILS_EVEN_EMPTY:
            details: dict[str, Any] = {}
            for key, value in self.details.items():
                if key in _JSON_TEXT_FIELDS:
                    details[key] = compact_json_text(value)
                    if key != "parameters":  # AWS has inputDetails/outputDetails, no parametersDetails
                        details[key + "Details"] = {"truncated": False}
                else:
                    details[key] = value
            out[details_key(self.type)] = details
        return out


def details_key(event_type: str) -> str:
    """The key of an event type's details in AWS's shape (``taskScheduledEventDetails``, ...)."""
    if event_type.endswith("StateEntered"):
        return "stateEnteredEventDetails"
    if event_type.endswith("StateExited"):
        return "stateExitedEventDetails"
    return event_type[0].lower() + event_type[1:] + "EventDetails"


class History:
    """Numbered events of one execution, with a bounded in-memory window."""

    def __init__(self, *, keep: int | None = AWS_HISTORY_LIMIT, limit: int | None = AWS_HISTORY_LIMIT,
                 listeners: list[Callable[[Event], None]] | None = None) -> None:
        self.keep = keep
        self.limit = limit  # AWS's cap on an execution's events (None: none)
        self._full_at = limit - 1 if limit is not None else math.inf  # events held when only closing ones fit
        self._events: deque[Event] = deque(maxlen=keep) if keep is not None else deque()
        self._count = 0
        self.listeners: list[Callable[[Event], None]] = list(listeners or [])

    def add(self, type: str, timestamp: float, previous_id: int, details: dict[str, Any] | None = None,
            depth: int = 0) -> Event:
        if self._count >= self._full_at and type not in _CLOSING:
            raise HistoryFull(self.limit)  # type: ignore[arg-type]  # (_full_at is finite only with a limit)
        self._count += 1
        event = Event(self._count, previous_id, type, timestamp, details, depth)
        self._events.append(event)
        for listener in self.listeners:
            listener(event)
        return event

    def continue_after(self, last_id: int) -> None:
        """Number the next event ``last_id + 1`` (a redriven execution goes on with its history)."""
        self._count = last_id

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Event]:
        return iter(self._events)

    def __getitem__(self, index: int) -> Event:
        """The event at a position in the in-memory window (not an event id)."""
        return self._events[index]

    @property
    def dropped(self) -> int:
        """Events no longer held in memory (older than the window)."""
        return self._count - len(self._events)

    @property
    def last_id(self) -> int:
        return self._count

    def events(self, type: str | None = None) -> list[Event]:
        """The events in memory, optionally only those of one type."""
        if type is None:
            return list(self._events)
        return [e for e in self._events if e.type == type]

    def states_entered(self) -> list[str]:
        """Names of the states entered, in order (the path taken, nested states included)."""
        return [e.details["name"] for e in self._events if e.type.endswith("StateEntered")]

    def to_aws(self) -> list[dict[str, Any]]:
        return [e.to_aws() for e in self._events]
