"""The console's actions: start, stop, redrive an execution, answer a waiting callback task.

Each is the API action of the same name, answered by the same service object as an SDK's request
(``StartExecution``, ``StopExecution``, ``RedriveExecution``, ``SendTaskSuccess`` /
``SendTaskFailure``), so the console can do nothing the API would not, and refuses what the API
refuses, in the API's words. The region is the resource's own (from its ARN).
"""

from __future__ import annotations

import json
from typing import Any

from ..faults import ServiceError
from ..wire import operation as operation_model
from ..wire import parse_request

__all__ = ["ACTIONS", "ActionError", "run_action"]


class ActionError(Exception):
    """An action refused: ``code`` is the API's error type (``ValidationException``, ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def _region(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[3] if len(parts) > 4 and parts[3] else None


def _text(body: dict[str, Any], key: str, *, required: bool = True) -> str | None:
    value = body.get(key)
    if value is None or value == "":
        if required:
            raise ActionError("ValidationException", f"'{key}' is required")
        return None
    if not isinstance(value, str):
        raise ActionError("ValidationException", f"'{key}' must be a string")
    return value


def _json_text(body: dict[str, Any], key: str) -> str:
    """A JSON document given as text, checked here so the refusal names the place."""
    text = _text(body, key, required=False) or "{}"
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise ActionError("ValidationException",
                          f"{key} is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    return text


def _start(body: dict[str, Any]) -> tuple[str, dict[str, Any], str]:
    arn = _text(body, "stateMachineArn")
    request: dict[str, Any] = {"stateMachineArn": arn, "input": _json_text(body, "input")}
    name = _text(body, "name", required=False)
    if name is not None:
        request["name"] = name
    return "StartExecution", request, str(arn)


def _stop(body: dict[str, Any]) -> tuple[str, dict[str, Any], str]:
    arn = _text(body, "executionArn")
    request: dict[str, Any] = {"executionArn": arn}
    for key in ("error", "cause"):
        value = _text(body, key, required=False)
        if value is not None:
            request[key] = value
    return "StopExecution", request, str(arn)


def _redrive(body: dict[str, Any]) -> tuple[str, dict[str, Any], str]:
    arn = _text(body, "executionArn")
    return "RedriveExecution", {"executionArn": arn}, str(arn)


def _callback(body: dict[str, Any]) -> tuple[str, dict[str, Any], str]:
    token = _text(body, "taskToken")
    arn = _text(body, "executionArn", required=False) or ""
    outcome = body.get("outcome")
    if outcome == "success":
        return "SendTaskSuccess", {"taskToken": token, "output": _json_text(body, "output")}, arn
    if outcome == "failure":
        request: dict[str, Any] = {"taskToken": token}
        for key in ("error", "cause"):
            value = _text(body, key, required=False)
            if value is not None:
                request[key] = value
        return "SendTaskFailure", request, arn
    raise ActionError("ValidationException", "'outcome' is 'success' or 'failure'")


ACTIONS = {"start": _start, "stop": _stop, "redrive": _redrive, "callback": _callback}


def run_action(service: Any, name: str, body: Any) -> dict[str, Any]:
    """Do one action (blocking: call it on a worker thread); the API's answer."""
    build = ACTIONS.get(name)
    if build is None:
        raise ActionError("UnknownOperationException", f"the console has no action {name!r}")
    if not isinstance(body, dict):
        raise ActionError("ValidationException", "an action's body is a JSON object")
    operation, request, arn = build(body)
    try:
        members = parse_request(operation_model(f"AWSStepFunctions.{operation}"),
                                json.dumps(request).encode("utf-8"))
        return service.handle(operation, members, service.call(_region(arn)))  # type: ignore[no-any-return]
    except ServiceError as error:
        raise ActionError(error.code, error.message or error.code) from None
