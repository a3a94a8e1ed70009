"""Service integrations bound to Python callables (``arn:aws:states:::SERVICE:ACTION``).

A user may bind any Task resource ARN to a handler ``(parameters, context) -> result``: the task
result is what the handler returns. Integrations with local emulations or mocks plug in beside
this one; a resource bound to nothing is reported before the run starts.
"""

from __future__ import annotations

import re
from typing import Any

from ..engine.task_call import TaskCall
from ..errors import StatesError
from .handler_call import call_bound_handler

__all__ = ["BoundService", "parse_service_resource"]

_SERVICE = re.compile(r"^arn:aws[a-zA-Z-]*:states:[a-z0-9-]*:\d*:([a-zA-Z0-9-]+):(.+)$")


def parse_service_resource(resource: str) -> tuple[str, str] | None:
    """``("dynamodb", "putItem")`` for ``arn:aws:states:::dynamodb:putItem`` (pattern suffix kept)."""
    match = _SERVICE.match(resource)
    if not match:
        return None
    return match.group(1), match.group(2)


class BoundService:
    history = "Task"
    envelope_bytes = 0
    blocking = False
    calls_handler = False

    def __init__(self, resource: str, service: str, action: str) -> None:
        self.resource = resource
        self.resource_type = service
        self.resource_name = action

    def static_function_names(self, parameters: Any) -> list[str]:
        return []

    def limit_name(self, call: TaskCall) -> str:
        """Who "returned a result" too large, in AWS's States.DataLimitExceeded cause."""
        return self.resource_type

    def unbound_problem(self, bindings: Any) -> str | None:
        """Why this resource cannot run (None: a handler is bound), known before the run."""
        if bindings.service_handler(self.resource) is not None:
            return None
        return (f"resource '{self.resource}' is not emulated locally (see docs/aws-integrations.md) and no "
                "handler is bound to it")

    def scheduled_details(self, call: TaskCall) -> dict[str, Any]:
        return call.scheduled_details(self.resource_type, self.resource_name)

    def invoke(self, call: TaskCall) -> Any:
        handler = call.bindings.service_handler(self.resource)
        if handler is None:
            raise StatesError("States.Runtime", f"No handler or emulation is bound to '{self.resource}'.",
                              in_state=True)
        return call_bound_handler(handler, call, function_name=self.resource_name, arn=self.resource)
