"""Succeed and Fail states: how a branch ends.

Fail: fixed ``Error``/``Cause``, or ``ErrorPath``/``CausePath`` (a reference path, a context path or
an intrinsic function) read from the state's raw input; a Fail state records no exit event.
Succeed: ends with its input (InputPath/OutputPath applied).
"""

from __future__ import annotations

import pytest


def fail(**fields):
    return {"StartAt": "Setup", "States": {
        "Setup": {"Type": "Pass", "Next": "F"},
        "F": {"Type": "Fail", **fields}}}


def test_fail_with_error_and_cause(run):
    execution = run(fail(Error="Billing.Rejected", Cause="meter M1 has no tariff"))
    assert (execution.status, execution.error, execution.cause) == ("FAILED", "Billing.Rejected",
                                                                     "meter M1 has no tariff")
    assert execution.output is None


def test_fail_without_error_or_cause(run):
    execution = run(fail())
    assert (execution.status, execution.error, execution.cause) == ("FAILED", None, None)


def test_a_fail_state_without_error_or_cause_records_empty_failure_details(run):
    # AWS records "executionFailedEventDetails": {} (LocalStack's test_state_fail_empty recording)
    definition = {"StartAt": "F", "States": {"F": {"Type": "Fail"}}}
    execution = run(definition)
    last = execution.history.to_aws()[-1]
    assert {key: value for key, value in last.items() if key != "timestamp"} == {
        "id": 3, "previousEventId": 2, "type": "ExecutionFailed", "executionFailedEventDetails": {}}


def test_fail_with_error_paths(run):
    execution = run(fail(ErrorPath="$.e", CausePath="$.c"), {"e": "Err", "c": "why"})
    assert (execution.error, execution.cause) == ("Err", "why")


def test_fail_with_an_intrinsic_cause_and_a_context_error(run):
    execution = run(fail(ErrorPath="$$.State.Name", CausePath="States.Format('n={}', $.n)"), {"n": 3})
    assert (execution.error, execution.cause) == ("F", "n=3")


def test_fail_error_path_that_finds_nothing_is_a_runtime_error(run):
    execution = run(fail(ErrorPath="$.missing"), {"x": 1})
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")
    assert execution.cause == ("An error occurred while executing the state 'F' (entered at the event id #4). "
                               "The JSONPath '$.missing' specified for the field 'ErrorPath' could not be found "
                               "in the input '{\"x\":1}'")


def test_a_cause_path_that_finds_nothing_is_named_cause_path(run):
    # as AWS words it (LocalStack's test_invalid_jsonpath[INVALID_JSONPATH_IN_CAUSEPATH] recording)
    execution = run(fail(Error="E", CausePath="$.NoSuchCausePath"), {"Error": "error-value"})
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")
    assert execution.cause == ("An error occurred while executing the state 'F' (entered at the event id #4). "
                               "The JSONPath '$.NoSuchCausePath' specified for the field 'CausePath' could not be "
                               "found in the input '{\"Error\":\"error-value\"}'")


@pytest.mark.parametrize("value", [5, {"a": 1}, ["x"], True])
def test_fail_error_path_must_resolve_to_a_string(run, value):
    # Developer guide, Fail state: "ErrorPath ... the reference path must select a field whose value is a
    # string"; the same for CausePath.
    execution = run(fail(ErrorPath="$.e", CausePath="$.c"), {"e": value, "c": value})
    assert execution.status == "FAILED"
    assert execution.error == "States.Runtime"


def test_fail_records_no_exit_event(run):
    execution = run(fail(Error="E"))
    kinds = [e.type for e in execution.history]
    assert kinds == ["ExecutionStarted", "PassStateEntered", "PassStateExited", "FailStateEntered", "ExecutionFailed"]
    failed = execution.history.events("ExecutionFailed")[0]
    assert failed.details == {"error": "E"}


def test_succeed_ends_with_its_filtered_input(run):
    definition = {"StartAt": "S", "States": {"S": {"Type": "Succeed", "InputPath": "$.a", "OutputPath": "$.b"}}}
    execution = run(definition, {"a": {"b": 2}})
    assert (execution.status, execution.output) == ("SUCCEEDED", 2)


def test_succeed_stops_the_branch_even_in_the_middle(run):
    definition = {"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.done", "BooleanEquals": True, "Next": "Done"}],
              "Default": "More"},
        "Done": {"Type": "Succeed"},
        "More": {"Type": "Pass", "Result": "more", "End": True}}}
    execution = run(definition, {"done": True})
    assert (execution.status, execution.output) == ("SUCCEEDED", {"done": True})
    assert [e.type for e in execution.history][-3:] == ["SucceedStateEntered", "SucceedStateExited",
                                                         "ExecutionSucceeded"]


def test_fail_inside_a_parallel_branch_fails_the_execution(run):
    definition = {"StartAt": "Par", "States": {"Par": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "Ok", "States": {"Ok": {"Type": "Pass", "End": True}}},
        {"StartAt": "No", "States": {"No": {"Type": "Fail", "Error": "Branch.Broke", "Cause": "b"}}}]}}}
    execution = run(definition)
    assert (execution.status, execution.error, execution.cause) == ("FAILED", "Branch.Broke", "b")
