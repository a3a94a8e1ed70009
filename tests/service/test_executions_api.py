"""Executions through the API: start, describe, list, history, stop, name rules, sync express runs,
callbacks, nested executions, handlers bound with --handlers."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from .conftest import history, wait_done

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"ok": True}, "End": True}}}
ADD = {"StartAt": "Add", "States": {"Add": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Add",
                                            "End": True}}}


def test_an_execution_runs_its_bound_handler_and_is_described_as_aws_describes_it(sfn: Any, create: Any) -> None:
    machine = create(ADD)
    started = sfn.start_execution(stateMachineArn=machine, name="first", input=json.dumps({"a": 2, "b": 3}))
    assert started["executionArn"].endswith(":execution:" + machine.rsplit(":", 1)[-1] + ":first")
    described = wait_done(sfn, started["executionArn"])
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"sum": 5}
    assert described["redriveStatus"] == "NOT_REDRIVABLE"
    assert described["redriveStatusReason"] == "Execution is SUCCEEDED and cannot be redriven"
    assert described["startDate"] == started["startDate"]
    kinds = [event["type"] for event in history(sfn, started["executionArn"])]
    assert kinds == ["ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted",
                     "LambdaFunctionSucceeded", "TaskStateExited", "ExecutionSucceeded"]
