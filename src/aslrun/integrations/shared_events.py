"""Handlers that only read their event: called with the execution's own value, not a private copy.

Lambda hands each invocation an event of its own, read from JSON, so a handler may change it at
will; aslrun gives every handler a private copy for the same reason (:func:`.handler_call.call_here`).
For a handler that reads a large event (a month of half-hour readings) several times an execution,
that copy and its freeing cost more than many handlers' own work. A handler that never changes its
event can say so::

    def handler(event, context):
        ...

    handler.aslrun_reads_event_only = True   # (no import of aslrun needed: Lambda ignores it)

or ``@aslrun.reads_event_only``. It is then called with the execution's own value (the engine never
changes a value in place: ResultPath and the like make new containers around the old parts), and
nothing else changes: the result still crosses through its JSON text, its size and failures as
before. A ``functools.partial`` of a marked function counts as marked. (A plain function whose own
code shows that it can only read its event needs no mark: :mod:`.reading_code`.)

The promise is checked where it costs nothing that matters: with ``ASLRUN_CHECK_EVENTS=1`` (the
pytest plugin sets it for a test session unless it is set already) a marked handler gets a copy
after all, which is compared with the execution's value when the handler returns or raises; a
difference raises :class:`EventChangedError` out of the execution, naming the handler and the
first place changed.
"""

from __future__ import annotations

import functools
import marshal
import os
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["CHECK_VARIABLE", "MARK", "EventChangedError", "call_checking_event", "checking_events",
           "first_difference", "reads_event_only", "shares_event"]

#: the attribute that marks a handler as one that only reads its event
MARK = "aslrun_reads_event_only"
#: the environment variable that makes each marked handler's call check the promise
CHECK_VARIABLE = "ASLRUN_CHECK_EVENTS"

H = TypeVar("H", bound=Callable[..., Any])


def reads_event_only(handler: H) -> H:
    """Mark ``handler`` as one that never changes its event (see the module docstring)."""
    try:
        setattr(handler, MARK, True)
    except (AttributeError, TypeError):
        raise TypeError(f"{handler!r} takes no attributes: mark the function it calls, or wrap it in a "
                        "function of your own") from None
    return handler


def shares_event(handler: Any) -> bool:
    """Whether ``handler`` is marked (a partial of a marked function is)."""
    while True:
        if getattr(handler, MARK, False) is True:
            return True
        if not isinstance(handler, functools.partial):
            return False
        handler = handler.func


def checking_events() -> bool:
    """Whether marked handlers' calls check that the event came back unchanged (``ASLRUN_CHECK_EVENTS``).

    Asked at every such call: the variable is read from ``os.environ``'s own table (``os.environ.get``
    encodes the name and raises KeyError inside for a variable not set: 1.1 us against 0.05)."""
    if _ENVIRON_TABLE is None:
        return os.environ.get(CHECK_VARIABLE, "") not in ("", "0")
    return _ENVIRON_TABLE.get(_CHECK_KEY) not in _OFF


def _environ_table() -> tuple[dict[Any, Any] | None, Any]:
    """``os.environ``'s table of encoded names and values (what its setting and deleting change) and
    the variable's name as it is kept there; (None, None) where CPython's ``os`` has no such table."""
    table, encode = getattr(os.environ, "_data", None), getattr(os.environ, "encodekey", None)
    if isinstance(table, dict) and callable(encode):
        return table, encode(CHECK_VARIABLE)
    return None, None


_ENVIRON_TABLE, _CHECK_KEY = _environ_table()
_OFF = (None, "", "0", b"", b"0")  # (the value not set, empty or 0; bytes on POSIX, text on Windows)


class EventChangedError(RuntimeError):
    """A handler marked as reading its event only changed it (found with ``ASLRUN_CHECK_EVENTS=1``)."""


def call_checking_event(call: Callable[[Any], Any], handler: Any, event: Any) -> Any:
    """``call(copy)`` for a copy of ``event``; :class:`EventChangedError` when the handler changed it."""
    before = _content(event)
    copy = marshal.loads(before)
    try:
        return call(copy)
    finally:
        if _content(copy) != before:
            where = first_difference(event, copy)
            raise EventChangedError(
                f"the handler {_name(handler)} is marked {MARK} (it only reads its event) but changed its "
                f"event at {where}: remove the mark, or leave the event as it came")


def first_difference(before: Any, after: Any, at: str = "$") -> str:
    """The JSONPath of the first place where ``after`` differs from ``before`` (``at`` when they differ
    there as a whole)."""
    if before.__class__ is not after.__class__:
        return at
    if isinstance(before, dict):
        for key in [*before, *after]:
            if key not in before or key not in after:
                return f"{at}.{key}"
        for key in before:
            if _content(before[key]) != _content(after[key]):
                return first_difference(before[key], after[key], f"{at}.{key}")
        return at  # (the same entries in another order)
    if isinstance(before, list):
        if len(before) != len(after):
            return at
        for index, (old, new) in enumerate(zip(before, after)):
            if _content(old) != _content(new):
                return first_difference(old, new, f"{at}[{index}]")
    return at


def _content(value: Any) -> bytes:
    """The bytes of ``value``'s content alone: marshal's format 2 writes no back-references (the later
    formats mark an object that something else refers to as well, so the bytes of the same content
    change once a handler keeps a reference to a part of it)."""
    return marshal.dumps(value, 2)


def _name(handler: Any) -> str:
    while isinstance(handler, functools.partial):
        handler = handler.func
    module = getattr(handler, "__module__", None)
    name = getattr(handler, "__qualname__", None) or repr(handler)
    return f"{module}.{name}" if module else name
