"""How history events are kept in the store: one row per event, its payloads in columns of their own.

An event as GetExecutionHistory returns it holds its ``input``, ``output`` or ``parameters`` as JSON
*text* inside the event's JSON. Written that way, every payload would be encoded twice (the value
to text, then the text escaped as a JSON string), and a state's data is most of what an execution
records. So a row keeps the event without its payloads (``body``) and each payload's JSON text in
its own column; :func:`read_event` puts them back together when the history is read.

A state's output is usually the very object the next state is given as input, and a state that
adds its result makes a new object sharing the rest (state data is immutable by convention):
:class:`PayloadTexts` encodes each large object once per execution, and writes a payload around the
texts of the large objects it holds (a billing reading's month of intervals, carried by every event
of its execution, was encoded again for each: two fifths of a server's CPU).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

from ..history import DETAILS_EVEN_EMPTY, Event, details_key
from ..jsontext import SCALAR_TYPES
from ..jsontext import compact_json_text as _compact  # (a recorder writes a hundred small texts or more)

__all__ = ["INSERT_EVENT", "PayloadTexts", "event_row", "read_event"]

INSERT_EVENT = ("INSERT OR REPLACE INTO events (execution_arn, id, body, input, output, parameters) "
                "VALUES (?, ?, ?, ?, ?, ?)")
_PAYLOADS = ("input", "output", "parameters")
_KEEP = 16  # containers remembered per execution, the most recently used
_KEPT_FROM = 1024  # characters: smaller texts cost less to write again than to look after
_COMPOSED_LEVELS = 3  # a payload's containers this deep are written around their parts' texts
_STR_ONLY = frozenset({str})


class PayloadTexts:
    """The compact JSON text (:func:`_compact`'s, byte for byte) of one execution's payloads: the
    texts of the large containers met lately are kept by object identity (each entry holds its
    object, so the id stays its own), and a payload's top levels are written around them."""

    __slots__ = ("_texts",)

    def __init__(self) -> None:
        self._texts: OrderedDict[int, tuple[Any, str]] = OrderedDict()

    def text(self, value: Any) -> str:
        return self._text(value, 0)

    def _text(self, value: Any, level: int) -> str:
        cls = value.__class__
        if cls is not dict and cls is not list:
            return _compact(value)
        key = id(value)
        known = self._texts.get(key)
        if known is not None and known[0] is value:
            self._texts.move_to_end(key)
            return known[1]
        text = None
        children = value.values() if cls is dict else value
        if level < _COMPOSED_LEVELS and not SCALAR_TYPES.issuperset(map(type, children)):
            text = self._composed(value, level)  # (a container of scalars only: json's C encoder writes it whole)
        if text is None:
            text = _compact(value)
        if len(text) >= _KEPT_FROM:
            self._texts[key] = (value, text)
            if len(self._texts) > _KEEP:
                self._texts.popitem(last=False)
        return text

    def _composed(self, value: dict[str, Any] | list[Any], level: int) -> str | None:
        """The container's text from its items' (None: an item this does not write as json would)."""
        parts = []
        items: Any = value.values() if value.__class__ is dict else value
        for item in items:
            cls = item.__class__
            if cls is dict or cls is list:
                parts.append(self._text(item, level + 1))
            elif cls is str:
                parts.append(_encode_text(item))
            elif item is None or cls is bool or cls is int:
                parts.append(_SCALARS[item] if cls is not int else int.__repr__(item))
            elif cls is float and item - item == 0.0:  # (finite)
                parts.append(float.__repr__(item))
            else:
                return None
        if value.__class__ is list:
            return "[" + ",".join(parts) + "]"
        if not _STR_ONLY.issuperset(map(type, value)):
            return None  # json writes other keys as text (and may refuse some)
        return "{" + ",".join([f"{_encode_text(name)}:{part}" for name, part in zip(value, parts)]) + "}"


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
    return (_compact(body), payloads.get("input"), payloads.get("output"), payloads.get("parameters"))


def read_event(row: Any) -> dict[str, Any]:
    """An event row as GetExecutionHistory returns it (payloads back in their details)."""
    event: dict[str, Any] = json.loads(row["body"])
    present = [(key, row[key]) for key in _PAYLOADS if row[key] is not None]
    if present:
        details = event[details_key(event["type"])]
        for key, text in present:
            details[key] = text
    return event


_encode_text = json.encoder.encode_basestring  # how json.dumps(ensure_ascii=False) writes a str
_SCALARS = {None: "null", True: "true", False: "false"}
