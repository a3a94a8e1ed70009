"""Parallel state: every branch gets the same input, the result is the list of branch outputs in
branch order; the first failing branch fails the state (and the others are stopped); Retry re-runs
all branches; Catch, ResultSelector, ResultPath and OutputPath apply to the whole state.
"""

from __future__ import annotations


def wait(seconds, then=None):
    return {"Type": "Wait", "Seconds": seconds, **({"Next": then} if then else {"End": True})}


def branch(start, states):
    return {"StartAt": start, "States": states}


def parallel(*branches, **fields):
    return {"StartAt": "Par", "States": {"Par": {"Type": "Parallel", "Branches": list(branches), "End": True,
                                                 **fields}}}


TAG_A = branch("A", {"A": {"Type": "Pass", "Parameters": {"branch": "A", "in.$": "$"}, "End": True}})
TAG_B = branch("B1", {"B1": {"Type": "Pass", "Result": "b", "Next": "B2"},
                      "B2": {"Type": "Pass", "Parameters": {"branch": "B", "prev.$": "$"}, "End": True}})


def test_branch_outputs_in_branch_order_each_from_the_same_input(run):
    execution = run(parallel(TAG_A, TAG_B), {"x": 1})
    assert execution.status == "SUCCEEDED"
    assert execution.output == [{"branch": "A", "in": {"x": 1}}, {"branch": "B", "prev": "b"}]


def test_order_is_branch_order_even_when_later_branches_finish_first(run):
    slow = branch("S", {"S": wait(10, "SR"), "SR": {"Type": "Pass", "Result": "slow", "End": True}})
    fast = branch("F", {"F": {"Type": "Pass", "Result": "fast", "End": True}})
    execution = run(parallel(slow, fast))
    assert execution.output == ["slow", "fast"]
    assert execution.stop_time - execution.start_time == 10


def test_branches_wait_side_by_side(run):
    execution = run(parallel(branch("A", {"A": wait(30)}), branch("B", {"B": wait(20)}), branch("C", {"C": wait(10)})))
    assert execution.stop_time - execution.start_time == 30  # not 60


def test_input_path_parameters_result_selector_result_path_output_path(run):
    definition = parallel(TAG_A, TAG_B, InputPath="$.in", Parameters={"v.$": "$.v"},
                          ResultSelector={"first.$": "$[0].in.v", "n.$": "States.ArrayLength($)"},
                          ResultPath="$.in.result", OutputPath="$.in")
    execution = run(definition, {"in": {"v": 7}, "other": 1})
    assert execution.output == {"v": 7, "result": {"first": 7, "n": 2}}


def test_history_events(run):
    execution = run(parallel(TAG_A, TAG_B), {})
    kinds = [e.type for e in execution.history]
    assert kinds[:3] == ["ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted"]
    assert kinds[-3:] == ["ParallelStateSucceeded", "ParallelStateExited", "ExecutionSucceeded"]
    started = execution.history.events("ParallelStateStarted")[0]
    branch_firsts = [e for e in execution.history if e.type == "PassStateEntered" and e.details["name"] in ("A", "B1")]
    assert [e.previous_id for e in branch_firsts] == [started.id, started.id]
    assert sorted(e.details["name"] for e in execution.history.events("PassStateEntered")) == ["A", "B1", "B2"]


def test_a_failing_branch_fails_the_state_with_its_error(run):
    failing = branch("W", {"W": wait(1, "F"), "F": {"Type": "Fail", "Error": "Branch.Failed", "Cause": "b"}})
    execution = run(parallel(branch("Long", {"Long": wait(100)}), failing))
    assert (execution.status, execution.error, execution.cause) == ("FAILED", "Branch.Failed", "b")
    assert execution.stop_time - execution.start_time == 1  # the long branch was stopped, not awaited
    assert len(execution.history.events("ParallelStateFailed")) == 1
    assert not execution.history.events("ParallelStateSucceeded")


def test_a_failing_parallel_can_be_caught(run):
    failing = branch("F", {"F": {"Type": "Fail", "Error": "Oops", "Cause": "c"}})
    definition = {"StartAt": "Par", "States": {
        "Par": {"Type": "Parallel", "Branches": [TAG_A, failing], "Next": "Unreached",
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "Caught"}]},
        "Unreached": {"Type": "Pass", "End": True},
        "Caught": {"Type": "Pass", "End": True}}}
    execution = run(definition, {"x": 1})
    assert execution.output == {"x": 1, "err": {"Error": "Oops", "Cause": "c"}}


def test_retry_reruns_every_branch(run):
    calls = []

    def flaky(event, context):
        calls.append(event)
        if len(calls) < 3:
            raise RuntimeError("not yet")
        return "ok"

    task = branch("T", {"T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Flaky",
                              "End": True}})
    definition = parallel(TAG_A, task, Retry=[{"ErrorEquals": ["RuntimeError"], "IntervalSeconds": 2,
                                               "MaxAttempts": 5}])
    execution = run(definition, {"x": 1}, handlers={"Flaky": flaky})
    assert execution.status == "SUCCEEDED"
    assert execution.output == [{"branch": "A", "in": {"x": 1}}, "ok"]
    assert len(calls) == 3
    # each attempt runs branch A again too
    assert [e.details["name"] for e in execution.history.events("PassStateEntered")] == ["A", "A", "A"]
    assert execution.stop_time - execution.start_time == 2 + 4  # backoff rate 2.0


def test_nested_parallel(run):
    inner = branch("In", {"In": {"Type": "Parallel", "End": True, "Branches": [
        branch("X", {"X": {"Type": "Pass", "Result": "x", "End": True}}),
        branch("Y", {"Y": {"Type": "Pass", "Result": "y", "End": True}})]}})
    execution = run(parallel(inner, TAG_A), {})
    assert execution.output == [["x", "y"], {"branch": "A", "in": {}}]


def test_map_inside_a_branch(run):
    fan = branch("M", {"M": {"Type": "Map", "ItemsPath": "$.items", "End": True,
                             "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}})
    assert run(parallel(fan, TAG_A), {"items": [1, 2]}).output == [[1, 2], {"branch": "A", "in": {"items": [1, 2]}}]


# -- how a failed branch links what the Parallel records next (AWS-recorded: LocalStack's
#    test_parallel_state_retry, test_parallel_state_fail, test_parallel_catch_error) -------------------

FAILING = branch("Branch1", {"Branch1": {"Type": "Fail", "Error": "FailureType", "Cause": "Cause description"}})


def links(execution):
    return [(e.id, e.previous_id, e.type) for e in execution.history]


def test_a_retry_and_the_final_failure_link_to_the_failed_branchs_last_event(run):
    definition = parallel(FAILING, Retry=[{"ErrorEquals": ["FailureType"], "MaxAttempts": 2}])
    assert links(run(definition)) == [
        (1, 0, "ExecutionStarted"), (2, 0, "ParallelStateEntered"), (3, 2, "ParallelStateStarted"),
        (4, 3, "FailStateEntered"), (5, 4, "ParallelStateStarted"), (6, 5, "FailStateEntered"),
        (7, 6, "ParallelStateStarted"), (8, 7, "FailStateEntered"), (9, 8, "ParallelStateFailed"),
        (10, 9, "ExecutionFailed")]


def test_a_task_that_fails_its_branch_is_recorded_aborted_after_its_failure(run):
    def boom(event, context):
        raise Exception("Some exception was raised.")

    task = branch("T", {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                              "Parameters": {"FunctionName": "f", "Payload": {"foo": "foobar"}}, "End": True}})
    definition = {"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Branches": [task], "Next": "Done",
              "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1, "IntervalSeconds": 1}],
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Fallback"}]},
        "Fallback": {"Type": "Pass", "End": True}, "Done": {"Type": "Pass", "End": True}}}
    assert links(run(definition, {}, handlers={"f": boom})) == [
        (1, 0, "ExecutionStarted"), (2, 0, "ParallelStateEntered"), (3, 2, "ParallelStateStarted"),
        (4, 3, "TaskStateEntered"), (5, 4, "TaskScheduled"), (6, 5, "TaskStarted"), (7, 6, "TaskFailed"),
        (8, 7, "TaskStateAborted"), (9, 7, "ParallelStateStarted"), (10, 9, "TaskStateEntered"),
        (11, 10, "TaskScheduled"), (12, 11, "TaskStarted"), (13, 12, "TaskFailed"), (14, 13, "TaskStateAborted"),
        (15, 13, "ParallelStateFailed"), (16, 15, "ParallelStateExited"), (17, 16, "PassStateEntered"),
        (18, 17, "PassStateExited"), (19, 18, "ExecutionSucceeded")]
