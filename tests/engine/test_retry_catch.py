"""Retry and Catch: back-off timing on a frozen clock, first-match rules, States.ALL /
States.TaskFailed / States.Timeout semantics, States.Runtime never caught, Catch ResultPath and
order, $$.State.RetryCount, errors raised by handlers.

Timings follow the developer guide ("Handling errors"): the n-th retry (from 0) waits
IntervalSeconds * BackoffRate**n, capped by MaxDelaySeconds; FULL jitter draws it uniformly in
[0, that], from the execution's seeded random source.
"""

from __future__ import annotations

import json

import pytest

FN = "arn:aws:lambda:us-east-1:123456789012:function:Fn"


class Flaky:
    """A handler failing with ``error`` for its first ``failures`` calls; records the events it saw."""

    def __init__(self, failures, error=ValueError, result="ok"):
        self.failures = failures
        self.error = error
        self.result = result
        self.events = []

    def __call__(self, event, context):
        self.events.append(event)
        if len(self.events) <= self.failures:
            raise self.error(f"attempt {len(self.events)}")
        return self.result


class Throttled(Exception):
    pass


def task(**fields):
    return {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": FN, "End": True, **fields}}}


def with_catch_targets(definition, *names):
    for name in names:
        definition["States"][name] = {"Type": "Pass", "Parameters": {"handledBy": name, "input.$": "$"},
                                      "End": True}
    return definition


def attempt_times(execution):
    """Seconds after the start at which each attempt was scheduled."""
    return [e.timestamp - execution.start_time for e in execution.history.events("LambdaFunctionScheduled")]


# -- Retry timing ----------------------------------------------------------------------------------

def test_interval_and_backoff(run):
    handler = Flaky(3)
    retry = [{"ErrorEquals": ["ValueError"], "IntervalSeconds": 3, "BackoffRate": 2, "MaxAttempts": 3}]
    execution = run(task(Retry=retry), {}, handlers={"Fn": handler})
    assert (execution.status, execution.output) == ("SUCCEEDED", "ok")
    assert attempt_times(execution) == [0, 3, 3 + 6, 3 + 6 + 12]


def test_defaults_are_one_second_rate_two_three_attempts(run):
    handler = Flaky(10)
    execution = run(task(Retry=[{"ErrorEquals": ["ValueError"]}]), {}, handlers={"Fn": handler})
    assert execution.status == "FAILED"
    assert attempt_times(execution) == [0, 1, 3, 7]


def test_max_delay_seconds_caps_each_wait(run):
    handler = Flaky(10)
    retry = [{"ErrorEquals": ["ValueError"], "IntervalSeconds": 3, "BackoffRate": 2, "MaxAttempts": 3,
              "MaxDelaySeconds": 10}]
    execution = run(task(Retry=retry), {}, handlers={"Fn": handler})
    assert attempt_times(execution) == [0, 3, 9, 19]  # waits 3, 6, min(12, 10)


def test_max_attempts_zero_never_retries(run):
    handler = Flaky(10)
    execution = run(task(Retry=[{"ErrorEquals": ["ValueError"], "MaxAttempts": 0}]), {}, handlers={"Fn": handler})
    assert (execution.status, execution.error) == ("FAILED", "ValueError")
    assert len(handler.events) == 1


def test_full_jitter_waits_at_most_the_computed_interval_and_is_reproducible(run):
    retry = [{"ErrorEquals": ["ValueError"], "IntervalSeconds": 4, "MaxAttempts": 3, "JitterStrategy": "FULL"}]
    first = run(task(Retry=retry), {}, handlers={"Fn": Flaky(3)}, seed=7)
    again = run(task(Retry=retry), {}, handlers={"Fn": Flaky(3)}, seed=7)
    other = run(task(Retry=retry), {}, handlers={"Fn": Flaky(3)}, seed=8)
    times = attempt_times(first)
    waits = [b - a for a, b in zip(times, times[1:])]
    assert all(0 <= wait <= limit for wait, limit in zip(waits, [4, 8, 16]))
    assert waits != [4, 8, 16]  # jittered, not the plain back-off
    assert attempt_times(again) == times
    assert attempt_times(other) != times


def test_retry_count_in_the_context_object(run):
    handler = Flaky(2)
    definition = task(Parameters={"retry.$": "$$.State.RetryCount"},
                      Retry=[{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1}])
    run(definition, {}, handlers={"Fn": handler})
    assert handler.events == [{"retry": 0}, {"retry": 1}, {"retry": 2}]


def test_retry_count_restarts_in_the_next_state(run):
    first, second = Flaky(1), Flaky(0)
    definition = {"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": FN, "Parameters": {"rc.$": "$$.State.RetryCount"}, "Next": "B",
              "Retry": [{"ErrorEquals": ["States.ALL"]}]},
        "B": {"Type": "Task", "Resource": FN.replace("Fn", "Gn"), "Parameters": {"rc.$": "$$.State.RetryCount"},
              "End": True}}}
    run(definition, {}, handlers={"Fn": first, "Gn": second})
    assert (first.events, second.events) == ([{"rc": 0}, {"rc": 1}], [{"rc": 0}])


# -- which retrier applies -------------------------------------------------------------------------

def test_only_the_first_matching_retrier_applies_even_when_exhausted(run):
    # spec: the interpreter uses the first retrier whose ErrorEquals holds the error; once its
    # MaxAttempts are spent, retrying stops - a later retrier for the same error is not consulted
    handler = Flaky(10)
    retry = [{"ErrorEquals": ["OtherError"], "MaxAttempts": 5},
             {"ErrorEquals": ["ValueError"], "MaxAttempts": 1, "IntervalSeconds": 1},
             {"ErrorEquals": ["States.ALL"], "MaxAttempts": 5, "IntervalSeconds": 1}]
    execution = run(task(Retry=retry), {}, handlers={"Fn": handler})
    assert (execution.status, execution.error) == ("FAILED", "ValueError")
    assert len(handler.events) == 2


def test_each_retrier_counts_its_own_attempts(run):
    errors = iter([Throttled, ValueError, Throttled, ValueError])

    def alternating(event, context):
        error = next(errors, None)
        if error:
            raise error("again")
        return "done"

    retry = [{"ErrorEquals": ["Throttled"], "MaxAttempts": 2, "IntervalSeconds": 1, "BackoffRate": 1},
             {"ErrorEquals": ["ValueError"], "MaxAttempts": 2, "IntervalSeconds": 1, "BackoffRate": 1}]
    execution = run(task(Retry=retry), {}, handlers={"Fn": alternating})
    assert (execution.status, execution.output) == ("SUCCEEDED", "done")


def test_retry_then_catch_when_attempts_run_out(run):
    handler = Flaky(10)
    definition = with_catch_targets(task(Retry=[{"ErrorEquals": ["ValueError"], "MaxAttempts": 2}],
                                         Catch=[{"ErrorEquals": ["ValueError"], "Next": "Handler"}]), "Handler")
    execution = run(definition, {}, handlers={"Fn": handler})
    assert execution.output["handledBy"] == "Handler"
    assert len(handler.events) == 3


# -- Catch -----------------------------------------------------------------------------------------

def test_catch_output_is_error_and_cause_by_default(run):
    definition = with_catch_targets(task(Catch=[{"ErrorEquals": ["ValueError"], "Next": "Handler"}]), "Handler")
    execution = run(definition, {"keep": 1}, handlers={"Fn": Flaky(1)})
    caught = execution.output["input"]
    assert set(caught) == {"Error", "Cause"} and caught["Error"] == "ValueError"
    assert json.loads(caught["Cause"])["errorMessage"] == "attempt 1"


def test_catch_result_path_merges_into_the_raw_input(run):
    definition = with_catch_targets(
        task(InputPath="$.sub", Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "H"}]), "H")
    execution = run(definition, {"sub": {"a": 1}, "keep": True}, handlers={"Fn": Flaky(1)})
    assert execution.output["input"]["keep"] is True and execution.output["input"]["sub"] == {"a": 1}
    assert execution.output["input"]["error"]["Error"] == "ValueError"


def test_catch_result_path_null_keeps_the_input(run):
    definition = with_catch_targets(task(Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": "H"}]),
                                    "H")
    assert run(definition, {"k": 1}, handlers={"Fn": Flaky(1)}).output["input"] == {"k": 1}


def test_catchers_are_tried_in_order(run):
    definition = with_catch_targets(task(Catch=[{"ErrorEquals": ["Throttled", "KeyError"], "Next": "First"},
                                                {"ErrorEquals": ["ValueError", "Throttled"], "Next": "Second"},
                                                {"ErrorEquals": ["States.ALL"], "Next": "Third"}]),
                                    "First", "Second", "Third")
    assert run(definition, {}, handlers={"Fn": Flaky(1)}).output["handledBy"] == "Second"
    assert run(definition, {}, handlers={"Fn": Flaky(1, Throttled)}).output["handledBy"] == "First"
    assert run(definition, {}, handlers={"Fn": Flaky(1, TypeError)}).output["handledBy"] == "Third"


def test_an_error_no_catcher_names_fails_the_execution(run):
    definition = with_catch_targets(task(Catch=[{"ErrorEquals": ["Throttled"], "Next": "H"}]), "H")
    execution = run(definition, {}, handlers={"Fn": Flaky(1)})
    assert (execution.status, execution.error) == ("FAILED", "ValueError")


def test_a_fail_state_error_is_caught_by_a_parallel_catcher_by_name(run):
    definition = {"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Next": "Unreached", "Branches": [
            {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Custom.Error", "Cause": "why"}}}],
              "Catch": [{"ErrorEquals": ["Custom.Error"], "Next": "H"}]},
        "Unreached": {"Type": "Pass", "End": True}}}
    with_catch_targets(definition, "H")
    assert run(definition).output == {"handledBy": "H", "input": {"Error": "Custom.Error", "Cause": "why"}}


# -- error name semantics --------------------------------------------------------------------------

@pytest.mark.parametrize(("error", "pattern", "caught"), [
    ("ValueError", "States.ALL", True),
    ("ValueError", "States.TaskFailed", True),
    ("States.Timeout", "States.TaskFailed", False),  # TaskFailed matches every error but States.Timeout
    ("States.Timeout", "States.ALL", True),
    ("States.Timeout", "States.Timeout", True),
    ("Custom.Error", "Custom.Error", True),
    ("Custom.Error", "Custom", False),                # names match exactly
])
def test_error_name_matching(run, error, pattern, caught):
    fail = {"Type": "Parallel", "Next": "Unreached", "Branches": [
        {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": error}}}],
        "Catch": [{"ErrorEquals": [pattern], "Next": "H"}]}
    definition = with_catch_targets({"StartAt": "P", "States": {"P": fail,
                                                                "Unreached": {"Type": "Pass", "End": True}}}, "H")
    execution = run(definition)
    assert (execution.status == "SUCCEEDED") is caught


@pytest.mark.parametrize("pattern", ["States.ALL", "States.Runtime", "States.TaskFailed"])
def test_states_runtime_is_never_retried_or_caught(run, pattern):
    # AWS-recorded (conformance scenarios/test_catch_states_runtime): even a catcher naming
    # States.Runtime does not catch it
    definition = with_catch_targets(task(OutputPath="$.no.such.field",
                                         Retry=[{"ErrorEquals": [pattern], "MaxAttempts": 3}],
                                         Catch=[{"ErrorEquals": [pattern], "Next": "H"}]), "H")
    handler = Flaky(0, result={})
    execution = run(definition, {}, handlers={"Fn": handler})
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")
    assert len(handler.events) == 1


def test_a_too_large_task_result_is_caught_by_states_all(run):
    # The developer guide calls States.DataLimitExceeded terminal, but executions recorded on AWS
    # (LocalStack's AWS-validated test_states_errors snapshots, 2024-03) show a Lambda task's too-large
    # result failing the task (LambdaFunctionFailed) and caught by a States.ALL catcher. The recording wins.
    definition = with_catch_targets(task(Catch=[{"ErrorEquals": ["States.ALL"], "Next": "H"}]), "H")
    execution = run(definition, {}, handlers={"Fn": lambda e, c: "x" * 300_000})
    assert execution.status == "SUCCEEDED"
    assert execution.output["input"] == {
        "Error": "States.DataLimitExceeded",
        "Cause": f"The state/task '{FN}' returned a result with a size exceeding the maximum number of bytes "
                 "service limit."}
    failed = execution.history.events("LambdaFunctionFailed")[0]
    assert failed.details["error"] == "States.DataLimitExceeded"


def test_a_catch_inside_a_map_iteration_keeps_the_map_going(run):
    processor = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": FN, "End": True,
                                                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Note"}]},
                                            "Note": {"Type": "Pass", "Parameters": {"failed.$": "$.Error"},
                                                     "End": True}}}
    definition = {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": processor, "End": True}}}

    def odd_fails(event, context):
        if event % 2:
            raise Throttled("odd")
        return event

    assert run(definition, [1, 2, 3], handlers={"Fn": odd_fails}).output == [{"failed": "Throttled"}, 2,
                                                                              {"failed": "Throttled"}]
