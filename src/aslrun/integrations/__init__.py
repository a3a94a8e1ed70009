"""What a Task's ``Resource`` does: the integration that runs it.

:func:`integration_for` reads a resource ARN once, when the definition is compiled, and returns an
object with ``invoke(call)`` (or a generator, when ``blocking``; a non-blocking one says whether it
``calls_handler``, a Lambda handler that the opt-in ``handler_threads`` mode runs on a thread), the history names it records
(``history``: ``"Task"`` or ``"LambdaFunction"``), ``static_function_names(parameters)`` and
``unbound_problem(bindings)`` so the bindings can be checked before the run, and - for
``.waitForTaskToken`` resources - ``prepare(frame)``, which issues the task token before the
parameters are evaluated.

    Lambda function ARN, lambda:invoke[.waitForTaskToken]           lambda_.py (+ callbacks.py)
    states:startExecution[.sync|.sync:2|.waitForTaskToken]          nested_execution.py
    activity:NAME (arn:aws:states:REGION:ACCOUNT:activity:NAME)      activity.py
    dynamodb / sqs / sns / events (optimized), aws-sdk:SERVICE:...  aws_service.py, on the local AWS
    http:invoke (HTTP Task, with an EventBridge connection of the local AWS)  http_task.py
    anything else: a handler bound to the ARN, or a problem reported before the run   service.py
"""

from __future__ import annotations

from typing import Any

from .lambda_ import LambdaFunction, LambdaInvoke, parse_function_name
from .service import BoundService, parse_service_resource

__all__ = ["WAIT_FOR_TASK_TOKEN", "integration_for"]

WAIT_FOR_TASK_TOKEN = "waitForTaskToken"
_CALLBACK_SERVICES = ("lambda", "states", "sqs", "sns", "events", "aws-sdk")


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
    if service == "activity":
        from .activity import ActivityTask

        return ActivityTask(resource)
    base, _, pattern = action.partition(".")
    inner = _request_response(resource, service, base, action)
    if pattern == WAIT_FOR_TASK_TOKEN and service in _CALLBACK_SERVICES and inner is not None:
        from .callbacks import CallbackTask

        return CallbackTask(inner, resource)
    if inner is not None and (not pattern or (service == "states" and base == "startExecution")):
        return inner
    return BoundService(resource, service, action)  # an integration pattern aslrun does not emulate


def _request_response(resource: str, service: str, base: str, action: str) -> Any:
    if service == "lambda" and base == "invoke":
        return LambdaInvoke(resource)
    if service == "states" and base == "startExecution":
        from .nested_execution import StartExecution

        return StartExecution(resource, action if ".sync" in action else "startExecution")
    if service == "http" and action == "invoke":  # request-response only, as on AWS
        from .http_task import HttpInvoke

        return HttpInvoke(resource)
    if service == "aws-sdk":
        from .aws_service import AwsSdkService

        return AwsSdkService(resource, base)
    from .aws_service import OPTIMIZED_ACTIONS, AwsService

    if service in OPTIMIZED_ACTIONS:
        return AwsService(resource, service, base)
    return None
