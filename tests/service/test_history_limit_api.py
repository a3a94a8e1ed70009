"""A runaway execution through the API: failed at AWS's 25,000-event cap, with the last events as AWS
records them, and not redrivable ("Execution history event limit exceeded.")."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers.service import wait_done

LOOP = {"StartAt": "Loop", "States": {
    "Loop": {"Type": "Choice", "Choices": [{"Variable": "$.stop", "IsPresent": True, "Next": "Done"}],
             "Default": "Loop"},
    "Done": {"Type": "Succeed"}}}


def test_a_runaway_loop_fails_at_the_cap_and_cannot_be_redriven(sfn: Any, create: Any) -> None:
    machine = create(LOOP)
    arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps({}))["executionArn"]
    described = wait_done(sfn, arn, timeout=60)
    assert (described["status"], described["error"], described["cause"]) == (
        "FAILED", "States.Runtime", "The execution reached the maximum number of history events (25000).")
    assert (described["redriveStatus"], described["redriveStatusReason"]) == (
        "NOT_REDRIVABLE", "Execution history event limit exceeded.")
    last = sfn.get_execution_history(executionArn=arn, reverseOrder=True, maxResults=2)["events"]
    assert [(e["id"], e["previousEventId"], e["type"]) for e in last] == [
        (25000, 24999, "ExecutionFailed"), (24999, 24998, "ChoiceStateExited")]
    with pytest.raises(sfn.exceptions.ExecutionNotRedrivable, match="Execution history event limit exceeded"):
        sfn.redrive_execution(executionArn=arn)
