"""Handlers of the console tests' machines (bound with ``aslrun serve --handlers``)."""

from __future__ import annotations

from typing import Any


def request_approval(event: Any, context: Any) -> Any:
    """A ``.waitForTaskToken`` Task's function: it only hands the token on (the test answers it)."""
    return {"sent": True}


def double(event: Any, context: Any) -> Any:
    return {"value": event["value"] * 2}


HANDLERS = {"request_approval": request_approval, "double": double}
