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


def test_a_pass_whose_constant_result_alone_passes_the_limit_fails_too(run):
    # (a Pass knows its constant Result's size when compiled: it bounds the output without measuring
    # it, and the bound of a result this large makes the limit measure the output, as AWS's does)
    definition = {"StartAt": "P", "States": {
        "P": {"Type": "Pass", "Result": {"s": "é" * 140_000}, "ResultPath": "$.r", "End": True}}}
    execution = run(definition, {"small": 1})
    assert (execution.status, execution.error) == ("FAILED", "States.DataLimitExceeded")
    assert run(definition, {"small": 1}, payload_limit=None).status == "SUCCEEDED"


def test_a_pass_with_a_constant_result_knows_its_size_and_one_without_does_not():
    from aslrun import StateMachine

    machine = StateMachine({"StartAt": "P", "States": {
        "P": {"Type": "Pass", "Result": {"a": [1, "é"]}, "ResultPath": "$.deep.r", "Next": "Q"},
        "Q": {"Type": "Pass", "End": True}}})
    states = {state.name: state for state in machine.program.walk()}
    assert states["P"].result_bound == len('{"a":[1,"é"]}'.encode()) + len("$.deep.r")
    assert states["Q"].result_bound is None
