"""What a Task's ``Resource`` does: the integration that runs it.

:func:`integration_for` reads a resource ARN once, when the definition is compiled, and returns an
object with ``invoke(call)`` (or a generator, when ``blocking``), the history names it records
(``history``: ``"Task"`` or ``"LambdaFunction"``) and ``static_function_names(parameters)`` so the
bindings can be checked before the run.
"""

from __future__ import annotations

from typing import Any

from .lambda_ import LambdaFunction, LambdaInvoke, parse_function_name
from .service import BoundService, parse_service_resource

__all__ = ["integration_for"]


def integration_for(resource: str) -> Any:
    """The integration of a Task resource ARN; ValueError when the ARN is not one AWS knows."""
    if resource.startswith("arn:") and ":lambda:" in resource and ":function:" in resource:
        if parse_function_name(resource) is None:
            raise ValueError(f"malformed Lambda function ARN: {resource!r}")
        return LambdaFunction(resource)
    parsed = parse_service_resource(resource)
    if parsed is None:
        raise ValueError(f"unsupported Task resource: {resource!r}")
    service, action = parsed
    if service == "lambda" and action in ("invoke",):
        return LambdaInvoke(resource)
    if service == "states" and action.startswith("startExecution"):
        from .nested_execution import StartExecution

        return StartExecution(resource, action)
    return BoundService(resource, service, action)
