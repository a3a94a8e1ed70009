"""How history events are kept in the store: one row per event, its payloads in columns of their own.

An event as GetExecutionHistory returns it holds its ``input``, ``output`` or ``parameters`` as JSON
*text* inside the event's JSON. Written that way, every payload would be encoded twice (the value
to text, then the text escaped as a JSON string), and a state's data is most of what an execution
records. So a row keeps the event without its payloads (``body``) and each payload's JSON text in
its own column; :func:`read_event` puts them back together when the history is read.

A state's output is usually the very object the next state is given as input (state data is
immutable by convention): :class:`PayloadTexts` encodes each such object once per execution.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

from ..history import DETAILS_EVEN_EMPTY, Event, details_key

__all__ = ["INSERT_EVENT", "PayloadTexts", "event_row", "read_event"]

INSERT_EVENT = ("INSERT OR REPLACE INTO events (execution_arn, id, body, input, output, parameters) "
                "VALUES (?, ?, ?, ?, ?, ?)")
_PAYLOADS = ("input", "output", "parameters")
_KEEP = 8  # objects remembered per execution: a state's output is read again by the next event or two


class PayloadTexts:
    """The JSON text of the last few payloads of one execution, by object identity."""

    __slots__ = ("_texts",)

    def __init__(self) -> None:
        self._texts: OrderedDict[int, tuple[Any, str]] = OrderedDict()

    def text(self, value: Any) -> str:
        key = id(value)
        known = self._texts.get(key)
        if known is not None and known[0] is value:
            return known[1]
        text = _compact(value)
        if isinstance(value, (dict, list)):  # only containers are worth remembering (and keep their id)
            self._texts[key] = (value, text)
            if len(self._texts) > _KEEP:
                self._texts.popitem(last=False)
        return text


def event_row(event: Event, texts: PayloadTexts | None = None) -> tuple[str, str | None, str | None, str | None]:
    """``(body, input, output, parameters)`` of an event: its wire shape without the payloads, and
    each payload's JSON text (None where it has none). Timestamps are epoch seconds."""
    body: dict[str, Any] = {"id": event.id, "previousEventId": event.previous_id,
                            "timestamp": round(event.timestamp, 3), "type": event.type}
    payloads: dict[str, str] = {}
    details = event.details
    if details or event.type in DETAILS_EVEN_EMPTY:
        wire: dict[str, Any] = {}
        for key, value in details.items():
            if key in _PAYLOADS:
                payloads[key] = texts.text(value) if texts is not None else _compact(value)
                if key != "parameters":  # AWS has inputDetails / outputDetails, no parametersDetails
                    wire[key + "Details"] = {"truncated": False}
            else:
                wire[key] = value
        body[details_key(event.type)] = wire
    return (json.dumps(body, separators=(",", ":"), ensure_ascii=False), payloads.get("input"),
            payloads.get("output"), payloads.get("parameters"))


def read_event(row: Any) -> dict[str, Any]:
    """An event row as GetExecutionHistory returns it (payloads back in their details)."""
    event: dict[str, Any] = json.loads(row["body"])
    present = [(key, row[key]) for key in _PAYLOADS if row[key] is not None]
    if present:
        details = event[details_key(event["type"])]
        for key, text in present:
            details[key] = text
    return event


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
