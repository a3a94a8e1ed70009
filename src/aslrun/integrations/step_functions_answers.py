"""Step Functions calls about this process's own executions, answered from the engine.

An ``aws-sdk:sfn:describeExecution`` Task (the BUA controller asks whether the execution holding
its run is still alive) goes through a boto3 client to the local AWS. moto does not know aslrun's
executions, so while such a Task's call is made (:func:`answering_step_functions_calls`, through
:mod:`aslrun.localaws.answered_calls`) ``DescribeExecution`` of an execution the engine still holds
(:mod:`aslrun.engine.known_executions`) is answered from it, as AWS would answer. Any other ARN is
left to whoever answers next (a server's store, a template's runtime) and at last to moto, whose
answer for an execution it never saw is AWS's ``ExecutionDoesNotExist``. Only the Task's own call is
answered so: other code of the process (a template's functions) keeps whatever answers it had.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..engine.known_executions import find

__all__ = ["answer_from_engine", "answering_step_functions_calls", "describe"]


@contextmanager
def answering_step_functions_calls(client: Any) -> Iterator[None]:
    """While inside, Step Functions calls of ``client`` about the engine's executions are answered
    by the engine (innermost: before a server's or a template's answers)."""
    from ..localaws.answered_calls import answer_calls, install_hook

    install_hook(client.meta.events)  # a client of a session made before the hook was installed
    stop = answer_calls("sfn", answer_from_engine)
    try:
        yield
    finally:
        stop()


def answer_from_engine(operation: str, request: dict[str, Any]) -> dict[str, Any] | None:
    """DescribeExecution's answer for an execution the engine holds; None for anything else."""
    if operation != "DescribeExecution":
        return None
    execution = find(str(request.get("executionArn", "")))
    if execution is None:
        return None
    return describe(execution)


def describe(execution: Any) -> dict[str, Any]:
    """DescribeExecution's answer (the wire's member names) for an execution of the engine."""
    answer: dict[str, Any] = {
        "executionArn": execution.arn,
        "stateMachineArn": execution.state_machine_arn,
        "name": execution.name,
        "status": str(execution.status),
        "startDate": execution.start_time,
        "input": _text(execution.input),
        "inputDetails": {"included": True},
        "redriveCount": execution.redrive_count,
    }
    if execution.status == "RUNNING":
        return answer
    answer["stopDate"] = execution.stop_time
    if execution.status == "SUCCEEDED":
        answer["output"] = _text(execution.output)
        answer["outputDetails"] = {"included": True}
        answer["redriveStatus"] = "NOT_REDRIVABLE"
    else:
        if execution.error is not None:
            answer["error"] = execution.error
        if execution.cause is not None:
            answer["cause"] = execution.cause
    return answer


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
