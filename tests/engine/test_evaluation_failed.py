"""A failing JSONata expression is recorded as AWS records it (AWS-recorded histories, see
LocalStack's test_wait_timestamp_jsonata snapshots): an EvaluationFailed event naming the state and
the field, then the failure."""

from aslrun import StateMachine, VirtualClock

WAIT = {"QueryLanguage": "JSONata", "StartAt": "WaitState", "States": {
    "WaitState": {"Type": "Wait", "Timestamp": "{% $states.input.ts %}", "End": True}}}


def run(definition, document):
    return StateMachine(definition).execute(document, clock=VirtualClock(start="2024-01-01T00:00:00Z", frozen=True))


def test_a_timestamp_string_that_does_not_parse():
    execution = run(WAIT, {"ts": "2016-12-05 21:29:29Z"})
    assert (execution.status, execution.error) == ("FAILED", "States.QueryEvaluationError")
    assert execution.cause == (
        "An error occurred while executing the state 'WaitState' (entered at the event id #2). "
        "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: "
        "2016-12-05 21:29:29Z")
    kinds = [(e.id, e.previous_id, e.type) for e in execution.history]
    assert kinds == [(1, 0, "ExecutionStarted"), (2, 0, "WaitStateEntered"), (3, 2, "EvaluationFailed"),
                     (4, 3, "ExecutionFailed")]
    failed = execution.history.events("EvaluationFailed")[0]
    assert failed.details == {"cause": execution.cause, "error": "States.QueryEvaluationError",
                              "state": "WaitState", "location": "Timestamp"}
    assert "evaluationFailedEventDetails" in failed.to_aws()


def test_an_undefined_output_names_the_field():
    definition = {"QueryLanguage": "JSONata", "StartAt": "P", "States": {
        "P": {"Type": "Pass", "Output": {"result": "{% $nothing %}"}, "End": True}}}
    execution = run(definition, {})
    failed = execution.history.events("EvaluationFailed")[0]
    assert failed.details["location"] == "Output/result"
    assert failed.details["state"] == "P"


def test_jsonpath_failures_record_no_evaluation_event():
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "InputPath": "$.missing", "End": True}}}
    execution = run(definition, {})
    assert execution.error == "States.Runtime"
    assert execution.history.events("EvaluationFailed") == []


def test_a_map_over_a_non_array_records_evaluation_then_map_failure():
    definition = {"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {
        "Type": "Map", "Items": "{% $states.input.items %}", "End": True,
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}}}
    execution = run(definition, {"items": 5})
    kinds = [e.type for e in execution.history]
    assert kinds[-3:] == ["EvaluationFailed", "MapStateFailed", "ExecutionFailed"]


# -- where EvaluationFailed links (previousEventId) ---------------------------------------------------
# AWS evaluates a state's fields in the step that enters it and links the failure to the event the
# state was entered from (as its Entered event is linked); a Wait evaluates Seconds/Timestamp after
# its Entered event (test above: #3 links to #2).


def links(execution):
    return [(e.id, e.previous_id, e.type) for e in execution.history]


def test_a_first_state_failing_its_output_links_evaluation_failed_to_event_zero():
    definition = {"QueryLanguage": "JSONata", "StartAt": "State0", "States": {
        "State0": {"Type": "Pass", "Output": "{% $doesNotExist %}", "End": True}}}
    execution = run(definition, {})
    assert links(execution) == [(1, 0, "ExecutionStarted"), (2, 0, "PassStateEntered"),
                                (3, 0, "EvaluationFailed"), (4, 3, "ExecutionFailed")]


def test_a_later_state_links_evaluation_failed_to_the_event_it_was_entered_from():
    definition = {"QueryLanguage": "JSONata", "StartAt": "State0", "States": {
        "State0": {"Type": "Pass", "Next": "State1"},
        "State1": {"Type": "Pass", "Assign": {"result": "{% $doesNotExist %}"}, "End": True}}}
    execution = run(definition, {})
    assert links(execution) == [(1, 0, "ExecutionStarted"), (2, 0, "PassStateEntered"),
                                (3, 2, "PassStateExited"), (4, 3, "PassStateEntered"),
                                (5, 3, "EvaluationFailed"), (6, 5, "ExecutionFailed")]


def test_a_task_failing_its_arguments_links_before_its_entered_event():
    definition = {"QueryLanguage": "JSONata", "StartAt": "State0", "States": {
        "State0": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                   "Arguments": {"FunctionName": "{% $doesNotExist %}"}, "End": True}}}
    execution = StateMachine(definition).execute({}, handlers={"f": lambda event, context: event},
                                                 clock=VirtualClock(start="2024-01-01T00:00:00Z", frozen=True))
    assert links(execution) == [(1, 0, "ExecutionStarted"), (2, 0, "TaskStateEntered"),
                                (3, 0, "EvaluationFailed"), (4, 3, "ExecutionFailed")]
    assert execution.history.events("EvaluationFailed")[0].details["location"] == "Arguments/FunctionName"


def test_a_map_over_a_non_array_links_evaluation_failed_past_its_entered_event():
    definition = {"QueryLanguage": "JSONata", "StartAt": "Start", "States": {
        "Start": {"Type": "Pass", "Output": 1, "Next": "M"},
        "M": {"Type": "Map", "End": True,
              "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}}}
    execution = run(definition, {})
    assert links(execution) == [(1, 0, "ExecutionStarted"), (2, 0, "PassStateEntered"),
                                (3, 2, "PassStateExited"), (4, 3, "MapStateEntered"),
                                (5, 3, "EvaluationFailed"), (6, 5, "MapStateFailed"), (7, 6, "ExecutionFailed")]


def test_an_output_failing_after_the_task_recorded_its_result_links_to_that_result():
    """Once the state has recorded events of its own, the failure follows the last of them (the
    Output of a Task is evaluated when its result arrives)."""
    definition = {"QueryLanguage": "JSONata", "StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
              "Output": "{% $states.result.missing %}", "End": True}}}
    execution = StateMachine(definition).execute({}, handlers={"f": lambda event, context: {}},
                                                 clock=VirtualClock(start="2024-01-01T00:00:00Z", frozen=True))
    assert links(execution) == [(1, 0, "ExecutionStarted"), (2, 0, "TaskStateEntered"),
                                (3, 2, "LambdaFunctionScheduled"), (4, 3, "LambdaFunctionStarted"),
                                (5, 4, "LambdaFunctionSucceeded"), (6, 5, "EvaluationFailed"),
                                (7, 6, "ExecutionFailed")]
