"""A machine whose two tasks are handed the same part of the state's input, for the tests of which
handlers get the execution's own value (the engine never changes a value in place, so both calls
see the very same object when it is not copied for them) and which get a private copy."""

from __future__ import annotations

from typing import Any

from aslrun import StateMachine, VirtualClock

__all__ = ["TWO_READS", "TWO_READS_INPUT", "run_two_reads"]

TWO_READS = {
    "StartAt": "First",
    "States": {
        "First": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "Parameters": {"FunctionName": "Reader", "Payload.$": "$.reading"},
                  "ResultSelector": {"n.$": "$.Payload"}, "ResultPath": "$.first", "Next": "Second"},
        "Second": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                   "Parameters": {"FunctionName": "Reader", "Payload.$": "$.reading"},
                   "ResultSelector": {"n.$": "$.Payload"}, "ResultPath": "$.second", "End": True},
    },
}
TWO_READS_INPUT = {"reading": {"meterId": "M1", "values": [1.5, 2.25, -0.0]}}


def run_two_reads(handler: Any, definition: dict[str, Any] = TWO_READS) -> Any:
    """The execution of ``definition`` (TWO_READS) on TWO_READS_INPUT, its function ``Reader`` bound to
    ``handler``, on a frozen clock."""
    clock = VirtualClock(start="2024-01-01T00:00:00Z", frozen=True)
    return StateMachine(definition).execute(TWO_READS_INPUT, handlers={"Reader": handler}, clock=clock)
