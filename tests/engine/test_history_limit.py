"""AWS's cap of 25,000 events per execution history: a runaway loop fails as AWS fails it, with the
failure as event 25,000 right after the last real event, whatever the loop is made of (a Choice
loop, a Task whose failure is caught, Parallel branches, Map iterations); ``limit=None`` lifts it.

AWS's recorded shape (a Choice looping forever): ``ChoiceStateExited`` #24999, then
``ExecutionFailed`` #25000 (previous #24999), error ``States.Runtime``, cause "The execution reached
the maximum number of history events (25000)."
"""

from __future__ import annotations

from aslrun import StateMachine

CAUSE = "The execution reached the maximum number of history events (25000)."

CHOICE_LOOP = {"StartAt": "Loop", "States": {
    "Loop": {"Type": "Choice", "Choices": [{"Variable": "$.stop", "IsPresent": True, "Next": "Done"}],
             "Default": "Loop"},
    "Done": {"Type": "Succeed"}}}


def _failed_at_the_cap(execution) -> None:
    assert (execution.status, execution.error, execution.cause) == ("FAILED", "States.Runtime", CAUSE)
    last = execution.history.events()[-1]
    assert (last.id, last.previous_id, last.type) == (25_000, 24_999, "ExecutionFailed")
    assert last.details == {"error": "States.Runtime", "cause": CAUSE}
    assert len(execution.history) == 25_000


def test_a_choice_loop_fails_at_event_25000_as_aws_records_it():
    execution = StateMachine(CHOICE_LOOP).execute({})
    _failed_at_the_cap(execution)
    before = execution.history.events()[-2]
    assert (before.id, before.type, before.details["name"]) == (24_999, "ChoiceStateExited", "Loop")


def test_catch_does_not_catch_the_cap():
    definition = {"StartAt": "Work", "States": {
        "Work": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Fail",
                 "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Work"}], "End": True}}}

    def fail(event, context):
        raise ValueError("again")

    calls = []
    execution = StateMachine(definition).execute({}, handlers={"Fail": lambda e, c: calls.append(1) or fail(e, c)})
    _failed_at_the_cap(execution)
    assert len(calls) < 25_000 // 4  # each round records several events; no call after the cap


def test_parallel_branches_that_loop_end_together_at_the_cap():
    other = {"StartAt": "Spin", "States": {
        "Spin": {"Type": "Choice", "Choices": [{"Variable": "$.stop", "IsPresent": True, "Next": "Stop"}],
                 "Default": "Spin"},
        "Stop": {"Type": "Succeed"}}}
    definition = {"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": True, "Branches": [
        CHOICE_LOOP, other]}}}
    _failed_at_the_cap(StateMachine(definition).execute({}))


def test_an_inline_map_whose_iterations_loop_fails_at_the_cap():
    definition = {"StartAt": "Each", "States": {"Each": {"Type": "Map", "End": True, "MaxConcurrency": 2,
                                                         "ItemProcessor": CHOICE_LOOP}}}
    _failed_at_the_cap(StateMachine(definition).execute([{}, {}, {}]))


def test_a_long_run_under_the_cap_succeeds_and_the_cap_can_be_lifted():
    counted = {"StartAt": "Count", "States": {
        "Count": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "Enough"},
        "Enough": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThanEquals": 6500,
                                                  "Next": "Done"}], "Default": "Count"},
        "Done": {"Type": "Succeed"}}}
    under = StateMachine(counted).execute({"n": 0})
    assert under.status == "FAILED" and len(under.history) == 25_000  # 6,500 rounds need 26,000 events
    fewer = StateMachine(counted).execute({"n": 1000})
    assert fewer.status == "SUCCEEDED" and len(fewer.history) < 25_000
    lifted = StateMachine(counted).execute({"n": 0}, history_limit=None)
    assert lifted.status == "SUCCEEDED" and len(lifted.history) > 25_000


def test_nested_executions_inherit_a_lifted_cap():
    parent = {"StartAt": "Run", "States": {"Run": {
        "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2", "End": True,
        "Parameters": {"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:Loop",
                       "Input": {"n": 0}}}}}
    counted = {"StartAt": "Count", "States": {
        "Count": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "Enough"},
        "Enough": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThanEquals": 6500,
                                                  "Next": "Done"}], "Default": "Count"},
        "Done": {"Type": "Succeed"}}}
    loop = StateMachine(counted, name="Loop")
    capped = StateMachine(parent).execute({}, handlers={"arn:aws:states:us-east-1:123456789012:stateMachine:Loop": loop})
    assert capped.status == "FAILED"
    lifted = StateMachine(parent).execute({}, handlers={"arn:aws:states:us-east-1:123456789012:stateMachine:Loop": loop},
                                          history_limit=None)
    assert lifted.status == "SUCCEEDED", lifted.cause


def test_an_execution_that_reached_the_cap_is_not_redrivable():
    import pytest

    from aslrun import InputError

    machine = StateMachine(CHOICE_LOOP)
    failed = machine.execute({})
    with pytest.raises(InputError, match=r"Execution history event limit exceeded\. \(its history reached 25000"):
        machine.redrive(failed)
