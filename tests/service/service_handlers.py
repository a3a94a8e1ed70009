"""Lambda handlers the server tests bind (``aslrun serve --handlers tests/service/service_handlers.py``)."""

from __future__ import annotations

import time
from typing import Any


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


HANDLERS = {"Add": add, "Fail": fail, "Slow": slow, "Echo": echo}
