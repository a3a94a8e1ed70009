"""An execution's history read from the server's store, as the report reads one: events, then
visits (one per state run, see :mod:`aslrun.report.visits`).

Reading 10,000 events and walking them into visits takes a moment, and a live page asks every
second: the last few executions read are kept, and one still running is read on from the last
event seen (its events only ever grow; a redrive appends).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

from ...history import Event, details_key
from ...report.visits import Visit, read_visits
from ..store import Store

__all__ = ["History", "Histories", "event_from_row"]

_KEPT = 16
_PAYLOADS = ("input", "output", "parameters")


def event_from_row(row: Any) -> Event:
    """A stored event row as the engine's :class:`~aslrun.history.Event` (payloads as values)."""
    body = json.loads(row["body"])
    details = dict(body.get(details_key(body["type"])) or {})
    for key in _PAYLOADS:
        text = row[key]
        if text is not None:
            details[key] = json.loads(text)
        details.pop(key + "Details", None)
    return Event(body["id"], body.get("previousEventId", 0), body["type"], body["timestamp"], details)


class History:
    """The events of one execution, its visits, and which visit each event belongs to."""

    def __init__(self, events: list[Event]) -> None:
        self.events = events
        self.owners: dict[int, Visit] = {}
        self.visits = read_visits(events, self.owners)
        self.by_entered = {visit.entered.id: visit for visit in self.visits}

    @property
    def last_id(self) -> int:
        return self.events[-1].id if self.events else 0


class Histories:
    """The histories the console reads, the latest few kept."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._kept: OrderedDict[str, History] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, arn: str, *, running: bool) -> History:
        if running:
            self.store.flush()  # what it has done up to now, as GetExecutionHistory shows it
        with self._lock:
            known = self._kept.get(arn)
        after = known.last_id if known is not None else 0
        rows = self.store.all("SELECT * FROM events WHERE execution_arn = ? AND id > ? ORDER BY id", (arn, after))
        if known is not None and not rows:
            return known
        events = (known.events if known is not None else []) + [event_from_row(row) for row in rows]
        history = History(events)
        with self._lock:
            self._kept[arn] = history
            self._kept.move_to_end(arn)
            while len(self._kept) > _KEPT:
                self._kept.popitem(last=False)
        return history
