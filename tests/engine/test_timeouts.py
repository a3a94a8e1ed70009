"""Timeouts: a Task's TimeoutSeconds / TimeoutSecondsPath against a handler that never returns in
time (it waits on an event the test sets only after the run; the engine waits its 1 s in real time), and the execution's TimeoutSeconds against waits and retries (virtual time:
instant). Expected shapes follow the AWS-recorded cases (conformance timeouts/*): a timed-out task
fails with States.Timeout and no cause; a timed-out execution is TIMED_OUT with neither error nor
cause, and its history ends with ExecutionTimedOut.
"""

from __future__ import annotations

import threading

import pytest

FN = "arn:aws:lambda:us-east-1:123456789012:function:Slow"


@pytest.fixture
def held():
    """A handler that holds until the test is over (no race with the timeout), then returns: on
    the main thread it is stopped in place at its deadline (SIGALRM), on another it is abandoned
    there and released after the test. Either way it ends: nothing sleeps on."""
    release, ended = threading.Event(), threading.Event()

    def handler(event, context):
        try:
            release.wait()
            return "too late"
        finally:
            ended.set()

    yield handler
    release.set()
    assert ended.wait(timeout=30)


def test_task_timeout_seconds_path_against_a_slow_lambda_invoke_is_caught_as_states_timeout(run, held):
    # the one real-time test: TimeoutSeconds 1 (read by a path), a handler that has not returned
    definition = {"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSecondsPath": "$.limit",
              "Parameters": {"FunctionName": "Slow", "Payload": {}}, "Next": "Unreached",
              "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "WrongCatcher"},
                        {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "TimedOut"}]},
        "Unreached": {"Type": "Pass", "End": True},
        "WrongCatcher": {"Type": "Pass", "End": True},
        "TimedOut": {"Type": "Pass", "End": True}}}
    execution = run(definition, {"limit": 1}, handlers={"Slow": held})
    assert execution.status == "SUCCEEDED"
    assert execution.output == {"limit": 1, "error": {"Error": "States.Timeout", "Cause": ""}}
    assert execution.history.states_entered()[-1] == "TimedOut"  # States.TaskFailed does not match a timeout
    scheduled = execution.history.events("TaskScheduled")[0]
    assert scheduled.details["timeoutInSeconds"] == 1
    timed_out = execution.history.events("TaskTimedOut")[0]
    assert timed_out.details == {"resourceType": "lambda", "resource": "invoke", "error": "States.Timeout"}


def test_a_fast_handler_within_its_timeout_succeeds(run):
    definition = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": FN, "TimeoutSeconds": 30,
                                                   "End": True}}}
    execution = run(definition, {"a": 1}, handlers={"Slow": lambda e, c: e})
    assert (execution.status, execution.output) == ("SUCCEEDED", {"a": 1})
    assert execution.history.events("LambdaFunctionScheduled")[0].details["timeoutInSeconds"] == 30


@pytest.mark.parametrize("bad", [0, -3, "10", 2.5, None])
def test_timeout_seconds_path_must_be_a_positive_integer(run, bad):
    definition = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": FN, "TimeoutSecondsPath": "$.t",
                                                   "End": True}}}
    execution = run(definition, {"t": bad}, handlers={"Slow": lambda e, c: e})
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")
    assert "TimeoutSecondsPath" in execution.cause


# -- the execution's TimeoutSeconds ----------------------------------------------------------------

def test_execution_timeout_during_a_wait(run):
    # AWS-recorded shape (conformance timeouts/test_global_timeout): TIMED_OUT, no error, no cause
    definition = {"TimeoutSeconds": 5, "StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 60, "Next": "After"},
        "After": {"Type": "Pass", "End": True}}}
    execution = run(definition)
    assert execution.result() == {"status": "TIMED_OUT", "output": None, "error": None, "cause": None}
    assert execution.stop_time - execution.start_time == 5
    kinds = [e.type for e in execution.history]
    assert kinds[-1] == "ExecutionTimedOut"
    assert "PassStateEntered" not in kinds


def test_execution_timeout_during_retry_backoff(run):
    definition = {"TimeoutSeconds": 10, "StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": FN, "End": True,
              "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 4, "MaxAttempts": 5}]}}}
    calls = []

    def failing(event, context):
        calls.append(1)
        raise RuntimeError("down")

    execution = run(definition, {}, handlers={"Slow": failing})
    assert execution.status == "TIMED_OUT"
    assert execution.stop_time - execution.start_time == 10
    assert len(calls) == 2  # at 0 s and 4 s; the next try (at 12 s) is past the deadline


def test_execution_timeout_inside_map_and_parallel(run):
    long_wait = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": True}}}
    definition = {"TimeoutSeconds": 7, "StartAt": "Par", "States": {"Par": {"Type": "Parallel", "End": True,
        "Branches": [long_wait, {"StartAt": "M", "States": {"M": {"Type": "Map", "End": True,
                                                                  "ItemProcessor": {"StartAt": "W2", "States": {
                                                                      "W2": {"Type": "Wait", "Seconds": 30,
                                                                             "End": True}}}}}}]}}}
    execution = run(definition, [1, 2, 3])
    assert execution.status == "TIMED_OUT"
    assert execution.stop_time - execution.start_time == 7


def test_an_execution_finishing_before_its_timeout_succeeds(run):
    definition = {"TimeoutSeconds": 100, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 99,
                                                                          "End": True}}}
    assert run(definition).status == "SUCCEEDED"


def test_every_running_iteration_is_closed_when_the_execution_times_out(run):
    definition = {"TimeoutSeconds": 5, "StartAt": "M", "States": {"M": {"Type": "Map", "End": True,
        "ItemProcessor": {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": True}}}}}}
    execution = run(definition, [1, 2])
    started = {e.details["index"] for e in execution.history.events("MapIterationStarted")}
    closed = {e.details["index"] for e in execution.history
              if e.type in ("MapIterationSucceeded", "MapIterationFailed", "MapIterationAborted")}
    assert started == {0, 1}
    assert closed == started
