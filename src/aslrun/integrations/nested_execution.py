"""``arn:aws:states:::states:startExecution``: a Task that starts another state machine.

* plain: start the child and go on at once; the result is ``{"ExecutionArn", "StartDate"}``;
* ``.sync``: wait for the child; the result is DescribeExecution's answer, with ``Input`` and
  ``Output`` as JSON *text*;
* ``.sync:2``: the same with ``Input`` and ``Output`` as JSON values.

A child that fails, times out or is aborted fails the task with ``States.TaskFailed`` and
DescribeExecution's answer (with ``Error`` and ``Cause``) as the cause, as AWS reports it.

The child runs on the parent's scheduler and clock (so Map over nested executions really runs them
side by side), with its own history: ``execution.children`` lists them. Which definition runs is
decided by the bindings: a state machine bound to the ARN (or its name), else the file
``<name>.asl.json`` (or ``<name>.json``) beside the parent's definition, loaded with the parent's
substitutions.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from typing import Any

from ..engine.scheduler import Group, WaitGroup
from ..engine.task_call import HandlerTimedOut, TaskCall
from ..errors import StatesError

__all__ = ["StartExecution"]


class StartExecution:
    history = "Task"
    envelope_bytes = 0
    resource_type = "states"

    def __init__(self, resource: str, action: str) -> None:
        self.resource = resource
        self.resource_name = action
        self.wait = action in ("startExecution.sync", "startExecution.sync:2")
        self.parsed_output = action == "startExecution.sync:2"
        self.blocking = True

    def static_function_names(self, parameters: Any) -> list[str]:
        return []

    def limit_name(self, call: TaskCall) -> str:
        """Who "returned a result" too large, in AWS's States.DataLimitExceeded cause."""
        return self.resource_type

    def static_state_machines(self, parameters: Any) -> list[str]:
        """State machine ARNs fixed in the definition (checked before the run)."""
        if isinstance(parameters, dict) and isinstance(parameters.get("StateMachineArn"), str) \
                and not parameters["StateMachineArn"].startswith("{%"):
            return [parameters["StateMachineArn"]]
        return []

    def scheduled_details(self, call: TaskCall) -> dict[str, Any]:
        return call.scheduled_details(self.resource_type, self.resource_name)

    def invoke(self, call: TaskCall) -> Generator[Any, Any, Any]:
        request = call.parameters
        if not isinstance(request, dict) or not isinstance(request.get("StateMachineArn"), str):
            raise StatesError("States.Runtime", "The field 'StateMachineArn' is required by states:startExecution",
                              in_state=True)
        parent = call.execution
        arn = request["StateMachineArn"]
        machine = parent.resolve_state_machine(arn)
        if machine is None:
            raise StatesError(
                "StepFunctions.StateMachineDoesNotExistException",
                f"State Machine Does Not Exist: '{arn}' (Service: AWSStepFunctions; Status Code: 400; "
                f"Error Code: StateMachineDoesNotExist; Request ID: {call.request_id}; Proxy: null)",
            )
        child_input = request.get("Input", {})
        if isinstance(child_input, str):
            try:
                child_input = json.loads(child_input)
            except ValueError:
                raise StatesError(
                    "StepFunctions.InvalidExecutionInputException",
                    f"Invalid State Machine Execution Input: 'Unexpected character' (Service: AWSStepFunctions; "
                    f"Status Code: 400; Error Code: InvalidExecutionInput; Request ID: {call.request_id}; "
                    "Proxy: null)",
                ) from None
        child = parent.start_child(machine, child_input, name=request.get("Name"))
        group = Group()
        task = parent.scheduler.start(child.main(), group)
        if not self.wait:
            return _start_response(child, call)
        until = None
        if call.timeout is not None:
            until = call.frame.entered_time + call.timeout
        if parent.deadline is not None:
            until = parent.deadline if until is None else min(until, parent.deadline)
        if not task.done:
            finished = yield WaitGroup(group, until)
            if not finished:
                parent.scheduler.cancel(task)
                child.abort()
                parent.check_deadline()
                raise HandlerTimedOut()
        if task.error is not None:
            raise task.error
        description = self.describe(child)
        if child.status != "SUCCEEDED":
            raise StatesError("States.TaskFailed", json.dumps(description, separators=(",", ":")))
        return description

    def describe(self, child: Any) -> dict[str, Any]:
        """DescribeExecution's answer for a finished child."""
        as_text = not self.parsed_output
        out: dict[str, Any] = {
            "ExecutionArn": child.arn,
            "Input": json.dumps(child.input, separators=(",", ":")) if as_text else child.input,
            "InputDetails": {"Included": True},
            "Name": child.name,
            "RedriveCount": 0,
            "StartDate": _millis(child.start_time),
            "StateMachineArn": child.state_machine_arn,
            "Status": child.status,
            "StopDate": _millis(child.stop_time),
        }
        if child.status == "SUCCEEDED":
            out["Output"] = json.dumps(child.output, separators=(",", ":")) if as_text else child.output
            out["OutputDetails"] = {"Included": True}
            out["RedriveStatus"] = "NOT_REDRIVABLE"
            out["RedriveStatusReason"] = "Execution is SUCCEEDED and cannot be redriven"
        else:
            if child.error is not None:
                out["Error"] = child.error
            if child.cause is not None:
                out["Cause"] = child.cause
            out["RedriveStatus"] = "REDRIVABLE"
        return out


def _start_response(child: Any, call: TaskCall) -> dict[str, Any]:
    """StartExecution's answer, with the SDK metadata AWS's integration adds."""
    body = {"executionArn": child.arn, "startDate": _millis(child.start_time)}
    headers = {
        "Content-Length": str(len(json.dumps(body, separators=(",", ":")))),
        "Content-Type": "application/x-amz-json-1.0",
        "Date": call.http_date,
        "connection": "keep-alive",
        "x-amzn-RequestId": call.request_id,
    }
    return {
        "ExecutionArn": child.arn,
        "SdkHttpMetadata": {
            "AllHttpHeaders": {key: [value] for key, value in headers.items()},
            "HttpHeaders": headers,
            "HttpStatusCode": 200,
        },
        "SdkResponseMetadata": {"RequestId": call.request_id},
        "StartDate": _millis(child.start_time),
    }


def _millis(seconds: float | None) -> int | None:
    return None if seconds is None else int(round(seconds * 1000))
