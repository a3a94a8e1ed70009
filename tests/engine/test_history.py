"""The execution history: event types, ids and previous ids as AWS records them, causes that name
"(entered at the event id #N)", the in-memory window, listeners, and the GetExecutionHistory shape.

Expected (id, previousEventId, type) sequences are transcribed by hand from histories recorded on
AWS (LocalStack's AWS-validated snapshot files for the scenarios named in each fixture's Comment);
the fixtures in tests/fixtures/asl/history/ rebuild those definitions.
"""

from __future__ import annotations

import json


from aslrun import StateMachine

FN = "arn:aws:lambda:us-east-1:123456789012:function:Fn"

#: HistoryEvent members of the AWS API (API reference, "HistoryEvent")
AWS_DETAIL_KEYS = {
    "activityFailedEventDetails", "activityScheduleFailedEventDetails", "activityScheduledEventDetails",
    "activityStartedEventDetails", "activitySucceededEventDetails", "activityTimedOutEventDetails",
    "taskFailedEventDetails", "taskScheduledEventDetails", "taskStartFailedEventDetails", "taskStartedEventDetails",
    "taskSubmitFailedEventDetails", "taskSubmittedEventDetails", "taskSucceededEventDetails",
    "taskTimedOutEventDetails", "executionFailedEventDetails", "executionStartedEventDetails",
    "executionSucceededEventDetails", "executionAbortedEventDetails", "executionTimedOutEventDetails",
    "executionRedrivenEventDetails", "mapStateStartedEventDetails", "mapIterationStartedEventDetails",
    "mapIterationSucceededEventDetails", "mapIterationFailedEventDetails", "mapIterationAbortedEventDetails",
    "lambdaFunctionFailedEventDetails", "lambdaFunctionScheduleFailedEventDetails",
    "lambdaFunctionScheduledEventDetails", "lambdaFunctionStartFailedEventDetails",
    "lambdaFunctionSucceededEventDetails", "lambdaFunctionTimedOutEventDetails", "stateEnteredEventDetails",
    "stateExitedEventDetails", "mapRunStartedEventDetails", "mapRunFailedEventDetails",
    "mapRunRedrivenEventDetails", "evaluationFailedEventDetails",
}


def links(execution):
    return [(e.id, e.previous_id, e.type) for e in execution.history]


# -- ids and previous ids, AWS-recorded --------------------------------------------------------------

def test_a_sequence_of_states(run):
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "End": True}}}
    assert links(run(definition)) == [
        (1, 0, "ExecutionStarted"),
        (2, 0, "PassStateEntered"),  # AWS links the first state to 0, not to ExecutionStarted
        (3, 2, "PassStateExited"),
        (4, 3, "PassStateEntered"),
        (5, 4, "PassStateExited"),
        (6, 5, "ExecutionSucceeded"),
    ]


def test_choice_wait_succeed_and_fail(run):
    definition = {"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.ok", "BooleanEquals": True, "Next": "W"}],
              "Default": "F"},
        "W": {"Type": "Wait", "Seconds": 5, "Next": "S"},
        "S": {"Type": "Succeed"},
        "F": {"Type": "Fail", "Error": "No"}}}
    assert links(run(definition, {"ok": True})) == [
        (1, 0, "ExecutionStarted"), (2, 0, "ChoiceStateEntered"), (3, 2, "ChoiceStateExited"),
        (4, 3, "WaitStateEntered"), (5, 4, "WaitStateExited"), (6, 5, "SucceedStateEntered"),
        (7, 6, "SucceedStateExited"), (8, 7, "ExecutionSucceeded")]
    assert links(run(definition, {"ok": False})) == [
        (1, 0, "ExecutionStarted"), (2, 0, "ChoiceStateEntered"), (3, 2, "ChoiceStateExited"),
        (4, 3, "FailStateEntered"), (5, 4, "ExecutionFailed")]


def test_map_iterations(run, asl):
    iteration_links = []
    last = 5  # MapStateStarted
    for index in range(8):
        first = 6 + 4 * index
        iteration_links += [(first, last if index else 5, "MapIterationStarted"),
                            (first + 1, first, "PassStateEntered"),
                            (first + 2, first + 1, "PassStateExited"),
                            (first + 3, first + 2, "MapIterationSucceeded")]
        last = first + 2  # the next iteration links to this one's last state event
    expected = [(1, 0, "ExecutionStarted"), (2, 0, "PassStateEntered"), (3, 2, "PassStateExited"),
                (4, 3, "MapStateEntered"), (5, 4, "MapStateStarted"), *iteration_links,
                (38, 37, "MapStateSucceeded"), (39, 37, "MapStateExited"),
                (40, 39, "PassStateEntered"), (41, 40, "PassStateExited"), (42, 41, "ExecutionSucceeded")]
    assert iteration_links[4:8] == [(10, 8, "MapIterationStarted"), (11, 10, "PassStateEntered"),
                                    (12, 11, "PassStateExited"), (13, 12, "MapIterationSucceeded")]  # as recorded
    assert links(run(asl("history/map_items"))) == expected


def test_map_failure_caught(run, asl):
    execution = run(asl("history/map_catch"))
    assert links(execution) == [
        (1, 0, "ExecutionStarted"), (2, 0, "PassStateEntered"), (3, 2, "PassStateExited"),
        (4, 3, "MapStateEntered"), (5, 4, "MapStateStarted"), (6, 5, "MapIterationStarted"),
        (7, 6, "FailStateEntered"), (8, 7, "MapIterationFailed"), (9, 7, "MapStateFailed"),
        (10, 9, "MapStateExited"), (11, 10, "PassStateEntered"), (12, 11, "PassStateExited"),
        (13, 12, "ExecutionSucceeded")]
    assert execution.output == {"Error": "HandleItemFailError", "Cause": "HandleItemFailCause"}


def test_map_retried_records_map_state_failed_once(run, asl):
    execution = run(asl("history/map_retry"))
    assert links(execution) == [
        (1, 0, "ExecutionStarted"), (2, 0, "PassStateEntered"), (3, 2, "PassStateExited"),
        (4, 3, "MapStateEntered"),
        (5, 4, "MapStateStarted"), (6, 5, "MapIterationStarted"), (7, 6, "FailStateEntered"),
        (8, 7, "MapIterationFailed"),
        (9, 7, "MapStateStarted"), (10, 9, "MapIterationStarted"), (11, 10, "FailStateEntered"),
        (12, 11, "MapIterationFailed"),
        (13, 11, "MapStateStarted"), (14, 13, "MapIterationStarted"), (15, 14, "FailStateEntered"),
        (16, 15, "MapIterationFailed"),
        (17, 15, "MapStateFailed"), (18, 17, "ExecutionFailed")]
    assert (execution.error, execution.cause) == ("HandleItemFailError", "HandleItemFailCause")


def test_parallel_branches(run, asl):
    execution = run(asl("history/parallel_branches"))
    by_id = {e.id: e for e in execution.history}
    assert links(execution)[:5] == [(1, 0, "ExecutionStarted"), (2, 0, "PassStateEntered"),
                                    (3, 2, "PassStateExited"), (4, 3, "ParallelStateEntered"),
                                    (5, 4, "ParallelStateStarted")]
    branch_events = [by_id[i] for i in range(6, 18)]  # their order across branches is not fixed
    assert sorted(e.type for e in branch_events) == ["PassStateEntered"] * 6 + ["PassStateExited"] * 6
    firsts = [e for e in branch_events if e.details.get("name") in ("Branch1", "Branch21", "Branch31")
              and e.type == "PassStateEntered"]
    assert [e.previous_id for e in firsts] == [5, 5, 5]
    assert (by_id[18].type, by_id[19].type, by_id[20].type) == ("ParallelStateSucceeded", "ParallelStateExited",
                                                                "ExecutionSucceeded")
    assert by_id[20].previous_id == 19
    assert execution.output == [[1, 2, 3, 4]] * 3


def test_parallel_exited_links_like_map_exited(run, asl):
    # recorded: {"id": 19, "previousEventId": 17, "type": "ParallelStateExited"}
    execution = run(asl("history/parallel_branches"))
    by_id = {e.id: e for e in execution.history}
    assert (by_id[19].type, by_id[19].previous_id) == ("ParallelStateExited", 17)


def test_lambda_task_failure(run):
    def boom(event, context):
        raise Exception("Some exception was raised.")

    definition = {"StartAt": "Start", "States": {"Start": {"Type": "Task", "Resource": FN, "End": True}}}
    execution = run(definition, {"FunctionName": "Fn", "Payload": None}, handlers={"Fn": boom})
    assert links(execution) == [(1, 0, "ExecutionStarted"), (2, 0, "TaskStateEntered"),
                                (3, 2, "LambdaFunctionScheduled"), (4, 3, "LambdaFunctionStarted"),
                                (5, 4, "LambdaFunctionFailed"), (6, 5, "ExecutionFailed")]
    assert execution.error == "Exception"


def test_states_inside_a_map_iteration_link_within_their_iteration(run):
    processor = {"StartAt": "W", "States": {"W": {"Type": "Wait", "SecondsPath": "$", "Next": "P"},
                                            "P": {"Type": "Pass", "End": True}}}
    definition = {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": processor, "End": True}}}
    execution = run(definition, [2, 1])
    by_id = {e.id: e for e in execution.history}
    for event in execution.history:
        if event.type in ("WaitStateExited", "PassStateEntered", "PassStateExited"):
            previous = by_id[event.previous_id]
            assert previous.type in ("WaitStateEntered", "WaitStateExited", "PassStateEntered")
            assert previous.details["input" if "input" in previous.details else "output"] in (1, 2)


# -- causes locate the failing state ---------------------------------------------------------------

def test_runtime_error_cause_names_the_entered_event_id(run):
    definition = {"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "B"},
        "B": {"Type": "Wait", "Seconds": 1, "Next": "C"},
        "C": {"Type": "Pass", "OutputPath": "$.missing", "End": True}}}
    execution = run(definition, {})
    entered = [e for e in execution.history if e.type == "PassStateEntered" and e.details["name"] == "C"][0]
    assert entered.id == 6
    assert execution.cause.startswith("An error occurred while executing the state 'C' (entered at the event id #6).")


def test_cause_inside_a_map_iteration_names_the_iterations_event(run):
    processor = {"StartAt": "Bad", "States": {"Bad": {"Type": "Pass", "InputPath": "$.nope", "End": True}}}
    definition = {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": processor, "End": True}}}
    execution = run(definition, [{}])
    entered = execution.history.events("PassStateEntered")[0]
    assert f"'Bad' (entered at the event id #{entered.id})" in execution.cause


# -- aborted siblings ------------------------------------------------------------------------------

def test_a_stopped_iteration_records_its_running_state_as_aborted(run):
    # Recorded on AWS (LocalStack timeouts/test_service_lambda_map_timeout): when one iteration fails, each
    # other running iteration gets "TaskStateAborted" (its Task was running) and "MapIterationAborted".
    # Here the running state is a Wait: AWS's event type for it is "WaitStateAborted".
    processor = {"StartAt": "W", "States": {"W": {"Type": "Wait", "SecondsPath": "$.s", "Next": "Check"},
                                            "Check": {"Type": "Choice", "Choices": [
                                                {"Variable": "$.fail", "BooleanEquals": True, "Next": "F"}],
                                                      "Default": "Ok"},
                                            "F": {"Type": "Fail", "Error": "Boom"},
                                            "Ok": {"Type": "Pass", "End": True}}}
    definition = {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": processor, "End": True}}}
    execution = run(definition, [{"s": 1, "fail": True}, {"s": 100, "fail": False}])
    kinds = [e.type for e in execution.history]
    assert "MapIterationAborted" in kinds
    assert "WaitStateAborted" in kinds


# -- the window and listeners ----------------------------------------------------------------------

def test_history_keep_holds_only_the_latest_events_but_counts_them_all():
    definition = {"StartAt": "M", "States": {"M": {"Type": "Map", "End": True, "ItemProcessor": {
        "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}}}
    full = StateMachine(definition).execute(list(range(50)), history_keep=None)
    windowed = StateMachine(definition).execute(list(range(50)), history_keep=10)
    assert len(full.history) == len(windowed.history) == 3 + 50 * 4 + 3
    assert [e.id for e in windowed.history] == [e.id for e in full.history][-10:]
    assert windowed.history.dropped == len(full.history) - 10
    assert windowed.history[-1].type == "ExecutionSucceeded"
    assert windowed.output == full.output == list(range(50))


def test_listeners_see_every_event_in_order_even_outside_the_window():
    seen = []
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "End": True}}}
    execution = StateMachine(definition).execute({}, history_keep=2, listeners=[seen.append])
    assert [e.id for e in seen] == [1, 2, 3, 4, 5, 6]
    assert [e.id for e in execution.history] == [5, 6]


def test_states_entered_lists_the_path_taken(run):
    definition = {"StartAt": "A", "States": {
        "A": {"Type": "Choice", "Choices": [{"Variable": "$.go", "BooleanEquals": True, "Next": "B"}], "Default": "C"},
        "B": {"Type": "Pass", "End": True}, "C": {"Type": "Pass", "End": True}}}
    assert run(definition, {"go": True}).history.states_entered() == ["A", "B"]


# -- GetExecutionHistory shape ----------------------------------------------------------------------

def _wire(execution):
    return [e.to_aws() for e in execution.history]


def test_to_aws_entered_and_exited_details_carry_json_text(run):
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"é": [1, None]}, "End": True}}}
    wire = _wire(run(definition, {"x": 1}))
    started, entered, exited, succeeded = wire
    assert started["executionStartedEventDetails"]["input"] == '{"x":1}'
    assert started["executionStartedEventDetails"]["inputDetails"] == {"truncated": False}
    assert entered["stateEnteredEventDetails"] == {"name": "A", "input": '{"x":1}', "inputDetails": {"truncated": False}}
    assert exited["stateExitedEventDetails"] == {"name": "A", "output": '{"é":[1,null]}',
                                                 "outputDetails": {"truncated": False}}
    assert json.loads(succeeded["executionSucceededEventDetails"]["output"]) == {"é": [1, None]}
    assert (entered["id"], entered["previousEventId"], entered["type"]) == (2, 0, "PassStateEntered")
    assert entered["timestamp"] == "2024-01-01T00:00:00.000Z"


def test_to_aws_uses_only_history_event_members(run, asl):
    def fine(event, context):
        return {"ok": True}

    definition = {"StartAt": "Invoke", "States": {
        "Invoke": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                   "Parameters": {"FunctionName": "Fn", "Payload": {}}, "Next": "Direct"},
        "Direct": {"Type": "Task", "Resource": FN, "Next": "Fan"},
        "Fan": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {"StartAt": "P", "States": {
            "P": {"Type": "Pass", "End": True}}}, "Next": "Both"},
        "Both": {"Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": True}}}]}}}
    handlers = {"Fn": lambda e, c: {"items": [1, 2]}}
    events = _wire(run(definition, {}, handlers=handlers)) + _wire(run(asl("history/map_catch")))
    allowed_top = {"id", "previousEventId", "timestamp", "type"} | AWS_DETAIL_KEYS
    for event in events:
        assert set(event) <= allowed_top, event
    no_details = {"LambdaFunctionStarted", "MapStateSucceeded", "MapStateFailed", "ParallelStateStarted",
                  "ParallelStateSucceeded"}
    for event in events:
        if event["type"] in no_details:
            assert set(event) == {"id", "previousEventId", "timestamp", "type"}, event


def test_to_aws_lambda_and_map_details(run):
    definition = {"StartAt": "Direct", "States": {
        "Direct": {"Type": "Task", "Resource": FN, "TimeoutSeconds": 9, "Next": "Fan"},
        "Fan": {"Type": "Map", "ItemsPath": "$.items", "End": True,
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}}}
    wire = {e["type"]: e for e in _wire(run(definition, {"n": 1}, handlers={"Fn": lambda e, c: {"items": [7]}}))}
    assert wire["LambdaFunctionScheduled"]["lambdaFunctionScheduledEventDetails"] == {
        "resource": FN, "input": '{"n":1}', "inputDetails": {"truncated": False}, "timeoutInSeconds": 9}
    assert wire["LambdaFunctionSucceeded"]["lambdaFunctionSucceededEventDetails"] == {
        "output": '{"items":[7]}', "outputDetails": {"truncated": False}}
    assert wire["MapStateStarted"]["mapStateStartedEventDetails"] == {"length": 1}
    assert wire["MapIterationStarted"]["mapIterationStartedEventDetails"] == {"name": "Fan", "index": 0}


def test_to_aws_task_scheduled_details(run):
    # AWS-recorded (LocalStack timeouts snapshots): parameters, region, resource, resourceType[, timeoutInSeconds]
    definition = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                                   "Parameters": {"FunctionName": "Fn", "Payload": None},
                                                   "TimeoutSeconds": 5, "End": True}}}
    wire = {e["type"]: e for e in _wire(run(definition, {}, handlers={"Fn": lambda e, c: 1}))}
    details = wire["TaskScheduled"]["taskScheduledEventDetails"]
    assert details == {"parameters": '{"FunctionName":"Fn","Payload":null}', "region": "us-east-1",
                       "resource": "invoke", "resourceType": "lambda", "timeoutInSeconds": 5}


def test_to_aws_failure_details(run):
    definition = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "C"}}}
    wire = _wire(run(definition))
    assert wire[-1] == {"id": 3, "previousEventId": 2, "timestamp": "2024-01-01T00:00:00.000Z",
                        "type": "ExecutionFailed", "executionFailedEventDetails": {"error": "E", "cause": "C"}}
