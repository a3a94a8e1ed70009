"""From a history to *visits*: one record per time a state was entered.

A history is a flat list of events, each linked to the event before it on its own branch
(``previousEventId``). The assertion helpers, the debugger and the HTML report all want the same
thing from it: which states ran, in which Map iteration or Parallel branch, with which input and
output, how often a Task called its resource, how long each took and how each ended. This module
reads that once, from aslrun's in-memory events or from a saved history (``aslrun execute
--history`` JSON lines, or AWS's ``get-execution-history`` JSON), so every view agrees.

Events are attributed to visits by following ``previousEventId``: an event belongs to the visit of
the event it links to, except that Map and Parallel bookkeeping events (``MapIterationStarted``,
``MapStateSucceeded``, ...) belong to the nearest enclosing Map or Parallel visit. A state entered
right after a Map iteration or Parallel branch started is a child of that Map or Parallel.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..history import Event
from ..jsontext import JsonTextError, decode_utf8, read_json, read_json_input

__all__ = ["Visit", "read_history_file", "read_visits"]

_JSON_TEXT_FIELDS = ("input", "output", "parameters")
_FINAL_FAILURES = ("MapStateFailed", "ParallelStateFailed", "EvaluationFailed")
#: events that end a branch: a state of it that has not exited by then never will
_CLOSING = ("MapIterationFailed", "MapIterationAborted", "MapStateFailed", "ParallelStateFailed")
_ENDINGS = ("ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted")


class Visit:
    """One entry into a state: where it ran, what it got and gave, how it ended."""

    __slots__ = ("name", "type", "parent", "iteration", "depth", "entered", "exited", "events", "closed",
                 "_children_started")

    def __init__(self, entered: Event, parent: Visit | None, iteration: int | None) -> None:
        self.name: str = entered.details.get("name", "?")
        self.type = entered.type[: -len("StateEntered")]
        self.parent = parent
        self.iteration = iteration  # the Map iteration index / Parallel branch index it ran in
        self.depth: int = 0 if parent is None else parent.depth + 1
        self.entered = entered
        self.exited: Event | None = None
        self.events: list[Event] = [entered]
        self.closed = False  # its branch (or the execution) ended: a visit not exited by then never will be
        self._children_started: dict[int, int] = {}  # ParallelStateStarted id -> branches seen

    def __repr__(self) -> str:
        return f"<Visit {self.where} {self.status}>"

    # -- what it got and gave --------------------------------------------------------------------

    @property
    def input(self) -> Any:
        return self.entered.details.get("input")

    @property
    def output(self) -> Any:
        return None if self.exited is None else self.exited.details.get("output")

    @property
    def parameters(self) -> Any:
        """What a Task sent its resource (the effective input), when the history shows it."""
        for event in self.events:
            if event.type.endswith("Scheduled") and "parameters" in event.details:
                return event.details["parameters"]
        return None

    @property
    def attempts(self) -> int:
        """How many times a Task called its resource (1 + retries); 0 for other states."""
        return sum(1 for e in self.events if e.type.endswith("Scheduled") and not e.type.startswith("Map"))

    @property
    def failures(self) -> list[Event]:
        """The events that report an error inside this visit (a Task's failed attempts, ...)."""
        return [e for e in self.events if _is_failure(e)]

    @property
    def error(self) -> str | None:
        failures = self.failures
        return failures[-1].details.get("error") if failures else None

    @property
    def cause(self) -> str | None:
        failures = self.failures
        return failures[-1].details.get("cause") if failures else None

    # -- how it ended ----------------------------------------------------------------------------

    @property
    def status(self) -> str:
        """``SUCCEEDED``, ``CAUGHT`` (failed, a Catch passed it on), ``FAILED``, ``ABORTED`` (its
        branch was stopped while it ran) or ``RUNNING`` (it may still retry, wait or finish)."""
        if self.type == "Fail":
            return "FAILED"
        outcomes = [e for e in self.events if _is_failure(e) or e.type.endswith("Succeeded")]
        last_failed = bool(outcomes) and _is_failure(outcomes[-1])
        if self.exited is not None:
            return "CAUGHT" if last_failed else "SUCCEEDED"
        if any(e.type in _FINAL_FAILURES for e in self.events):
            return "FAILED"
        if last_failed:
            return "FAILED" if self.closed else "RUNNING"  # a failed attempt may still be retried
        return "ABORTED" if self.closed else "RUNNING"

    @property
    def start(self) -> float:
        return self.entered.timestamp

    @property
    def end(self) -> float:
        return (self.exited or self.events[-1]).timestamp

    @property
    def duration(self) -> float:
        """Clock seconds from entering to leaving (skipped waits count: it is the run's clock)."""
        return max(0.0, self.end - self.start)

    @property
    def where(self) -> str:
        """``Outer[2] > Inner``: the state and the Map iterations / Parallel branches around it."""
        parts = []
        visit: Visit | None = self
        while visit is not None:
            label = visit.name
            parts.append(label)
            if visit.iteration is not None and visit.parent is not None:
                parts[-1] = f"[{visit.iteration}] {label}"
            visit = visit.parent
        return " > ".join(reversed(parts))


def _is_failure(event: Event) -> bool:
    kind = event.type
    if kind.startswith(("MapIteration", "Execution")):
        return False
    return kind.endswith("Failed") or kind.endswith("TimedOut")


def read_visits(events: Iterable[Event], owners: dict[int, Visit] | None = None) -> list[Visit]:
    """The visits of a history, in the order the states were entered (``owners``, when given, is
    filled with the visit each event belongs to, by event id)."""
    owner: dict[int, Visit] = owners if owners is not None else {}
    by_id: dict[int, Event] = {}
    visits: list[Visit] = []
    ended = False
    for event in events:
        by_id[event.id] = event
        previous = by_id.get(event.previous_id)
        linked = owner.get(event.previous_id)
        kind = event.type
        if kind in _ENDINGS:
            ended = True
        if linked is not None and kind in _CLOSING:
            linked.closed = True
        if kind.endswith("StateEntered"):
            parent, iteration = _placement(previous, linked)
            visit = Visit(event, parent, iteration)
            visits.append(visit)
            owner[event.id] = visit
            continue
        if kind == "EvaluationFailed":  # AWS links it to the event its state was entered from
            linked = _open_visit(visits, event.details.get("state")) or linked
        if linked is None:
            continue
        visit = linked
        if kind.startswith(("Map", "Parallel")) and not kind.endswith(("StateEntered", "StateExited")):
            visit = _enclosing(linked, "Map" if kind.startswith("Map") else "Parallel", event) or linked
        elif kind.endswith("StateExited"):
            visit = _named(linked, event.details.get("name")) or linked
        visit.events.append(event)
        if kind.endswith("StateExited") and visit.exited is None:
            visit.exited = event
        owner[event.id] = visit
    if ended:
        for visit in visits:
            visit.closed = True
    return visits


def _placement(previous: Event | None, linked: Visit | None) -> tuple[Visit | None, int | None]:
    """Where a state entered after ``previous`` (an event of visit ``linked``) runs."""
    if linked is None or previous is None:
        return None, None
    if previous.type == "MapIterationStarted":
        return linked, previous.details.get("index")
    if previous.type == "ParallelStateStarted":
        index = linked._children_started.get(previous.id, 0)
        linked._children_started[previous.id] = index + 1
        return linked, index
    if linked.type in ("Map", "Parallel") and previous is not linked.exited and previous.type != "MapStateStarted":
        return linked, None  # e.g. a distributed Map's child states, linked to MapRunStarted
    return linked.parent, linked.iteration


def _enclosing(visit: Visit, kind: str, event: Event) -> Visit | None:
    name = event.details.get("name")
    current: Visit | None = visit
    while current is not None:
        if current.type == kind and (name is None or current.name == name):
            return current
        current = current.parent
    return None


def _open_visit(visits: list[Visit], name: str | None) -> Visit | None:
    """The latest visit of state ``name`` that has not exited."""
    for visit in reversed(visits):
        if visit.name == name and visit.exited is None:
            return visit
    return None


def _named(visit: Visit, name: str | None) -> Visit | None:
    current: Visit | None = visit
    while current is not None:
        if current.name == name and current.exited is None:
            return current
        current = current.parent
    return None


# -- saved histories --------------------------------------------------------------------------------


def read_history_file(path: str | Path) -> list[Event]:
    """Events from ``aslrun execute --history`` (JSON lines) or AWS's ``get-execution-history``
    output (``{"events": [...]}`` or a JSON array). Errors name the file and line."""
    path = Path(path)
    try:
        text = decode_utf8(path.read_bytes())
    except OSError as exc:
        raise InputError(f"--history: cannot read {path}: {exc.strerror}") from None
    except JsonTextError as exc:
        raise InputError(f"--history file {path}: {exc}") from None
    stripped = text.lstrip()
    records: list[tuple[str, Any]] = []
    if stripped.startswith("[") or (stripped.startswith("{") and '"events"' in stripped[:200] and "\n{" not in text.strip()):
        document = read_json_input(text, str(path))
        items = document.get("events") if isinstance(document, dict) else document
        if not isinstance(items, list):
            raise InputError(f"{path}: expected a list of history events (or {{\"events\": [...]}})")
        records = [(f"{path} event #{i + 1}", item) for i, item in enumerate(items)]
    else:
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append((f"{path} line {number}", read_json(line)))
            except JsonTextError as exc:
                if exc.position is not None:
                    detail = exc.message.removeprefix("invalid JSON: ")
                    raise InputError(f"{path} line {number}: invalid JSON at column {exc.position[1]}: {detail}") \
                        from None
                raise InputError(f"{path} line {number}: {exc}") from None
    return [_event_from_aws(where, record) for where, record in records]


def _event_from_aws(where: str, record: Any) -> Event:
    if not isinstance(record, dict):
        raise InputError(f"{where}: a history event is a JSON object, not {type(record).__name__}")
    try:
        event_id = int(record["id"])
        kind = str(record["type"])
    except (KeyError, TypeError, ValueError):
        raise InputError(f"{where}: a history event needs 'id' and 'type'") from None
    previous = record.get("previousEventId", 0)
    details: dict[str, Any] = {}
    for key, value in record.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            details = dict(value)
    for field in _JSON_TEXT_FIELDS:
        if isinstance(details.get(field), str):
            try:
                details[field] = json.loads(details[field])
            except json.JSONDecodeError:
                pass  # a truncated or non-JSON text: keep it as the text
        details.pop(field + "Details", None)
    return Event(event_id, int(previous or 0), kind, _seconds(record.get("timestamp"), where), details)


def _seconds(value: Any, where: str) -> float:
    if value is None:
        return 0.0
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise InputError(f"{where}: timestamp {value!r} is not ISO 8601") from None
