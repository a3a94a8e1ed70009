"""Lambda, both ways a Task can call it.

* ``"Resource": "arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]"``: the function gets the
  state's effective input; the task result is the function's return value. History records
  ``LambdaFunctionScheduled``, ``LambdaFunctionStarted``, ``LambdaFunctionSucceeded`` / ``Failed`` /
  ``TimedOut``.
* ``"Resource": "arn:aws:states:::lambda:invoke"`` (optimized integration): the effective input is
  the Invoke API request (``FunctionName`` as a name, a full or partial ARN, with alias or version;
  ``Payload``; ``InvocationType``; ``Qualifier``); the task result is the Invoke response:
  ``{"ExecutedVersion", "Payload", "SdkHttpMetadata", "SdkResponseMetadata", "StatusCode"}``.
  History records ``TaskScheduled``, ``TaskStarted``, ``TaskSucceeded`` / ``Failed`` / ``TimedOut``.

Both call a Python handler bound by function name (see :mod:`aslrun.bindings`).
"""

from __future__ import annotations

import base64
import json
import re
from functools import lru_cache
from typing import Any

from .. import jackson
from ..engine.task_call import TaskCall
from ..errors import StatesError
from .handler_call import HandlerFailed, LambdaContext, call_handler

__all__ = ["LambdaFunction", "LambdaInvoke", "function_arn", "lambda_sdk_cause", "log_tail", "parse_function_name"]

_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]+)(?::([A-Za-z0-9_$-]+))?$")
_PARTIAL = re.compile(r"^(\d{12}):function:([A-Za-z0-9_-]+)(?::([A-Za-z0-9_$-]+))?$")
_NAME = re.compile(r"^([A-Za-z0-9_-]+)(?::([A-Za-z0-9_$-]+))?$")


@lru_cache(maxsize=1024)
def parse_function_name(reference: str) -> tuple[str, str | None] | None:
    """``(name, qualifier)`` from any FunctionName form Lambda accepts, or None if malformed."""
    for pattern, name_group in ((_ARN, 3), (_PARTIAL, 2), (_NAME, 1)):
        match = pattern.match(reference)
        if match:
            return match.group(name_group), match.group(name_group + 1)
    return None


def function_arn(name: str, qualifier: str | None, region: str, account: str) -> str:
    arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


class LambdaFunction:
    """A Task whose Resource is a Lambda function ARN."""

    history = "LambdaFunction"
    resource_type = "lambda"
    blocking = False
    calls_handler = True  # on a thread of its own with handler_threads (engine.handler_threads)
    envelope_bytes = 0  # the task result is the function's return value

    def __init__(self, resource: str) -> None:
        self.resource = resource
        parsed = parse_function_name(resource)
        assert parsed is not None
        self.function_name, self.qualifier = parsed

    def static_function_names(self, parameters: Any) -> list[str]:
        return [self.resource]

    def scheduled_details(self, call: TaskCall) -> dict[str, Any]:
        details: dict[str, Any] = {"resource": self.resource, "input": call.parameters}
        if call.timeout is not None:
            details["timeoutInSeconds"] = call.timeout
        return details

    def invoke(self, call: TaskCall) -> Any:
        handler = call.bindings.lambda_handler(self.resource)
        if handler is None:  # bound before the run; a late miss means the bindings changed
            raise StatesError("Lambda.ResourceNotFoundException", _not_found(self.resource, call))
        result, _ = _invoke(handler, call.parameters, call, self.function_name, self.resource, self.qualifier,
                            compact_cause=False)
        return result

    def limit_name(self, call: TaskCall) -> str:
        """Who "returned a result" too large, in AWS's States.DataLimitExceeded cause."""
        return self.resource


class LambdaInvoke:
    """A Task with ``arn:aws:states:::lambda:invoke``."""

    history = "Task"
    resource_type = "lambda"
    resource_name = "invoke"
    blocking = False
    calls_handler = True
    envelope_bytes = 1024  # the Invoke response around the payload (status, headers, request id)

    def __init__(self, resource: str) -> None:
        self.resource = resource

    def static_function_names(self, parameters: Any) -> list[str]:
        if isinstance(parameters, dict) and isinstance(parameters.get("FunctionName"), str):
            return [parameters["FunctionName"]]
        return []

    def scheduled_details(self, call: TaskCall) -> dict[str, Any]:
        return call.scheduled_details(self.resource_type, self.resource_name)

    def invoke(self, call: TaskCall) -> Any:
        request = call.parameters
        if not isinstance(request, dict) or "FunctionName" not in request:
            raise StatesError("States.Runtime",
                              "The field 'FunctionName' is required by arn:aws:states:::lambda:invoke", in_state=True)
        reference = request["FunctionName"]
        parsed = parse_function_name(reference) if isinstance(reference, str) else None
        execution = call.execution
        if parsed is None:
            raise StatesError(
                "Lambda.AWSLambdaException",
                f"1 validation error detected: Value '{reference}' at 'functionName' failed to satisfy "
                "constraint: Member must satisfy regular expression pattern: "
                "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?"
                "([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))? (Service: AWSLambda; Status Code: 400; "
                "Error Code: ValidationException; Request ID: " + call.request_id + "; Proxy: null)",
            )
        name, qualifier = parsed
        qualifier = request.get("Qualifier", qualifier)
        arn = function_arn(name, qualifier, execution.region, execution.account)
        handler = call.bindings.lambda_handler(reference)
        if handler is None:  # Lambda names the version it looked for: $LATEST when none was asked
            missing = function_arn(name, qualifier or "$LATEST", execution.region, execution.account)
            raise StatesError("Lambda.ResourceNotFoundException", _not_found(missing, call))
        payload = _event_from_payload(request.get("Payload"), call)
        invocation_type = request.get("InvocationType", "RequestResponse")
        version = qualifier if qualifier and qualifier != "$LATEST" and qualifier.isdigit() else "$LATEST"
        if invocation_type == "DryRun":
            return _response("", call, version, 0, status=204)
        result, length = _invoke(handler, payload, call, name, arn, qualifier, compact_cause=True)
        if invocation_type == "Event":
            return _response("", call, version, 0, status=202)
        response = _response(result, call, version, length)
        if request.get("LogType") == "Tail":
            response["LogResult"] = log_tail(call.request_id, version)
            for headers in (response["SdkHttpMetadata"]["HttpHeaders"],):
                headers["X-Amz-Log-Result"] = response["LogResult"]
            response["SdkHttpMetadata"]["AllHttpHeaders"]["X-Amz-Log-Result"] = [response["LogResult"]]
        return response

    def limit_name(self, call: TaskCall) -> str:
        """Who "returned a result" too large, in AWS's States.DataLimitExceeded cause."""
        return self.resource_type


def _event_from_payload(payload: Any, call: TaskCall) -> Any:
    """What the function receives: Invoke sends ``Payload`` as raw bytes, so a JSON *string* arrives
    decoded, and no payload (or null) arrives as ``{}``."""
    if payload is None:
        return {}
    if isinstance(payload, str):
        try:
            return json.loads(payload)
        except ValueError as error:  # (a JSONDecodeError, or a number Python will not read)
            raise StatesError("Lambda.InvalidRequestContentException", lambda_sdk_cause(
                unreadable_payload(payload, error), 400, "InvalidRequestContentException", call.request_id)) from None
    return payload


def unreadable_payload(text: str, error: ValueError) -> str:
    """Lambda's message for an Invoke payload that is not JSON (its reader's words: :mod:`aslrun.jackson`)."""
    prefix = "Could not parse request body into json: Could not parse payload into json: "
    if not isinstance(error, json.JSONDecodeError):
        return prefix + str(error)
    message, location = jackson.describe(text, error, source="byte[]")
    return f"{prefix}{message}\n at {location}"


def log_tail(request_id: str, version: str, *, memory_mb: int = 128, printed: str = "") -> str:
    """``LogType: Tail``: the base64 of the invocation's last 4 KB of log, as Lambda writes it
    (START, what the function printed, END, REPORT)."""
    text = (f"START RequestId: {request_id} Version: {version}\n{printed}END RequestId: {request_id}\n"
            f"REPORT RequestId: {request_id}\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: {memory_mb} MB\t"
            "Max Memory Used: 40 MB\t\n")
    return base64.b64encode(text.encode()[-4096:]).decode("ascii")


def lambda_sdk_cause(message: str, status: int, code: str, request_id: str) -> str:
    """A Lambda service error as Step Functions words it in a task's cause (the Java SDK's text)."""
    return (f"{message} (Service: AWSLambda; Status Code: {status}; Error Code: {code}; Request ID: {request_id}; "
            "Proxy: null)")


def _invoke(handler: Any, event: Any, call: TaskCall, name: str, arn: str, qualifier: str | None, *,
            compact_cause: bool) -> tuple[Any, int]:
    context = LambdaContext(
        function_name=name,
        invoked_function_arn=arn,
        aws_request_id=call.request_id,
        deadline=call.real_deadline,
        function_version=qualifier if qualifier and qualifier.isdigit() else "$LATEST",
    )
    try:
        result, size = call_handler(handler, event, context, timeout=call.real_timeout,
                                    gate=call.bindings.handler_gate, processes=call.execution.handler_processes)
    except HandlerFailed as failed:
        raise StatesError(failed.error, failed.cause(compact=compact_cause)) from None
    call.result_size = size
    return result, size


def _response(payload: Any, call: TaskCall, version: str, content_length: int, status: int = 200) -> dict[str, Any]:
    # (written out rather than built from the headers by a loop: one is made for every Lambda call,
    # and this takes half the time; the keys in the same order in both)
    length, date, trace, request_id = str(content_length), call.http_date, call.trace_id, call.request_id
    headers = {
        "Connection": "keep-alive",
        "Content-Length": length,
        "Content-Type": "application/json",
        "Date": date,
        "X-Amz-Executed-Version": version,
        "X-Amzn-Trace-Id": trace,
        "x-amzn-Remapped-Content-Length": "0",
        "x-amzn-RequestId": request_id,
    }
    every_header = {
        "Connection": ["keep-alive"],
        "Content-Length": [length],
        "Content-Type": ["application/json"],
        "Date": [date],
        "X-Amz-Executed-Version": [version],
        "X-Amzn-Trace-Id": [trace],
        "x-amzn-Remapped-Content-Length": ["0"],
        "x-amzn-RequestId": [request_id],
    }
    return {
        "ExecutedVersion": version,
        "Payload": payload,
        "SdkHttpMetadata": {"AllHttpHeaders": every_header, "HttpHeaders": headers, "HttpStatusCode": status},
        "SdkResponseMetadata": {"RequestId": request_id},
        "StatusCode": status,
    }


def _not_found(arn: str, call: TaskCall) -> str:
    return lambda_sdk_cause(f"Function not found: {arn}", 404, "ResourceNotFoundException", call.request_id)
