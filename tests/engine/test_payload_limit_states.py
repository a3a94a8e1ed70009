"""A state's output over AWS's payload limit (256 KiB) fails the state; payload_limit=None lifts it."""

from __future__ import annotations

BIG = {"s": "x" * 300_000}
DEFINITION = {"StartAt": "P", "States": {
    "P": {"Type": "Pass", "Result": {"a": 1}, "ResultPath": "$.r", "Next": "Q"},
    "Q": {"Type": "Pass", "End": True}}}


def test_a_pass_whose_output_passes_the_limit_fails_with_data_limit_exceeded(run):
    execution = run(DEFINITION, BIG)
    assert (execution.status, execution.error, execution.cause) == (
        "FAILED", "States.DataLimitExceeded",
        "The state/task 'P' returned a result with a size exceeding the maximum number of bytes service limit.")


def test_without_a_payload_limit_the_same_run_succeeds(run):
    execution = run(DEFINITION, BIG, payload_limit=None)
    assert execution.status == "SUCCEEDED"
    assert execution.output == {**BIG, "r": {"a": 1}}
