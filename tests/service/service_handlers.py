"""Lambda handlers the server tests bind (``aslrun serve --handlers tests/service/service_handlers.py``)."""

from __future__ import annotations

import threading
import time
from typing import Any

_RUNNING = [0, 0]  # handler calls of overlap() running now, and the most seen at once
_LOCK = threading.Lock()


class InvalidAmount(Exception):
    pass


def add(event: Any, context: Any) -> Any:
    return {"sum": event["a"] + event["b"]}


def fail(event: Any, context: Any) -> Any:
    raise InvalidAmount(f"amount {event.get('amount')} is not allowed")


def slow(event: Any, context: Any) -> Any:
    time.sleep(event.get("seconds", 0.5))
    return {"slept": event.get("seconds", 0.5)}


def echo(event: Any, context: Any) -> Any:
    return {"event": event, "function": context.function_name}


def overlap(event: Any, context: Any) -> Any:
    """Sleeps a moment and reports the most calls of it seen running at once."""
    with _LOCK:
        _RUNNING[0] += 1
        _RUNNING[1] = max(_RUNNING[1], _RUNNING[0])
    time.sleep(0.3)
    with _LOCK:
        _RUNNING[0] -= 1
        return {"most_at_once": _RUNNING[1]}


HANDLERS = {"Add": add, "Fail": fail, "Slow": slow, "Echo": echo, "Overlap": overlap}
