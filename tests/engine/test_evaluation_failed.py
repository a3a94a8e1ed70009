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
