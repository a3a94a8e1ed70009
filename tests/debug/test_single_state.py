"""One state run alone, answered as AWS's TestState API answers: status (SUCCEEDED, FAILED,
RETRIABLE, CAUGHT_ERROR), output, next state, and the data at each stage from DEBUG on. Expected
values are worked out by hand from the definitions below."""

from __future__ import annotations

import pytest

from aslrun import StateMachine
from aslrun.debug import run_test_state
from aslrun.errors import AslrunError

MACHINE = StateMachine({"StartAt": "Price", "States": {
    "Price": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
              "InputPath": "$.line", "Parameters": {"FunctionName": "PriceLine", "Payload.$": "$"},
              "ResultSelector": {"amount.$": "$.Payload.amount"}, "ResultPath": "$.price", "OutputPath": "$.price",
              "Retry": [{"ErrorEquals": ["Price.Busy"], "IntervalSeconds": 3, "BackoffRate": 2, "MaxAttempts": 2}],
              "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed"}],
              "Next": "Big?"},
    "Big?": {"Type": "Choice", "Choices": [{"Variable": "$.amount", "NumericGreaterThan": 100, "Next": "Review"}],
             "Default": "Done"},
    "Review": {"Type": "Pass", "Assign": {"reviewed.$": "$.ok"}, "Result": {"ok": True}, "ResultPath": "$.review",
               "Next": "Done"},
    "Failed": {"Type": "Fail", "Error": "Order.Failed", "Cause": "pricing failed"},
    "Done": {"Type": "Succeed"},
}})
LINE = {"line": {"sku": "a", "qty": 2}, "order": "o1"}


def test_info_shows_output_status_and_next_state_only():
    result = run_test_state(MACHINE, "Price", LINE, mock_result={"Payload": {"amount": 60}})
    assert (result.status, result.output, result.next_state) == ("SUCCEEDED", {"amount": 60}, "Big?")
    assert result.to_aws() == {"output": '{"amount":60}', "nextState": "Big?", "status": "SUCCEEDED"}


def test_debug_shows_every_stage():
    result = run_test_state(MACHINE, "Price", LINE, inspection_level="DEBUG", mock_result={"Payload": {"amount": 60}})
    assert result.inspection_data == {
        "input": LINE,
        "afterInputPath": {"sku": "a", "qty": 2},
        "afterParameters": {"FunctionName": "PriceLine", "Payload": {"sku": "a", "qty": 2}},
        "result": {"Payload": {"amount": 60}},
        "afterResultSelector": {"amount": 60},
        "afterResultPath": {**LINE, "price": {"amount": 60}},
    }
    assert result.to_aws()["inspectionData"]["afterInputPath"] == '{"sku":"a","qty":2}'
    trace = run_test_state(MACHINE, "Price", LINE, inspection_level="TRACE", mock_result={"Payload": {"amount": 60}})
    assert trace.inspection_data == result.inspection_data


def test_an_error_a_retrier_takes_is_retriable():
    result = run_test_state(MACHINE, "Price", LINE, inspection_level="DEBUG", mock_error="Price.Busy",
                            mock_cause="try later")
    assert (result.status, result.next_state, result.error, result.cause) == ("RETRIABLE", "Price", "Price.Busy",
                                                                              "try later")
    assert result.inspection_data["errorDetails"] == {"retryIndex": 0, "retryBackoffIntervalSeconds": 3}
    second = run_test_state(MACHINE, "Price", LINE, inspection_level="DEBUG", mock_error="Price.Busy",
                            mock_cause="try later", retry_count=1)
    assert second.inspection_data["errorDetails"] == {"retryIndex": 0, "retryBackoffIntervalSeconds": 6}


def test_an_error_past_its_retries_is_caught():
    result = run_test_state(MACHINE, "Price", LINE, inspection_level="DEBUG", mock_error="Price.Busy",
                            mock_cause="try later", retry_count=2)
    assert result.status == "CAUGHT_ERROR"
    assert result.next_state == "Failed"
    assert result.output == {**LINE, "error": {"Error": "Price.Busy", "Cause": "try later"}}
    assert result.inspection_data["errorDetails"] == {"catchIndex": 0}


def test_a_handler_runs_when_nothing_is_mocked():
    result = run_test_state(MACHINE, "Price", LINE, handlers={"PriceLine": lambda event, context: {"amount": 7}})
    assert (result.status, result.output) == ("SUCCEEDED", {"amount": 7})


def test_choice_pass_and_fail_states():
    assert run_test_state(MACHINE, "Big?", {"amount": 101}).next_state == "Review"
    assert run_test_state(MACHINE, "Big?", {"amount": 100}).next_state == "Done"
    review = run_test_state(MACHINE, "Review", {"amount": 120}, inspection_level="DEBUG")
    assert review.output == {"amount": 120, "review": {"ok": True}}
    assert review.inspection_data["variables"] == {"reviewed": True}  # a Pass state's Assign reads its Result
    failed = run_test_state(MACHINE, "Failed", {"x": 1}, inspection_level="DEBUG")
    assert (failed.status, failed.error, failed.cause, failed.next_state) == ("FAILED", "Order.Failed",
                                                                              "pricing failed", None)
    assert failed.inspection_data == {"input": {"x": 1}}
    done = run_test_state(MACHINE, "Done", {"x": 1})
    assert (done.status, done.output, done.next_state) == ("SUCCEEDED", {"x": 1}, None)


def test_a_runtime_error_fails_with_the_located_cause():
    result = run_test_state(MACHINE, "Price", {"no line": True}, mock_result={})
    assert result.status == "FAILED"  # States.Runtime is never retried or caught
    assert result.error == "States.Runtime"
    assert result.cause == ("An error occurred while executing the state 'Price' (entered at the event id #2). "
                            "Invalid path '$.line' : No results for path: $['line']")


def test_jsonata_stages():
    machine = StateMachine({"QueryLanguage": "JSONata", "StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Arguments": {"FunctionName": "F", "Payload": "{% $states.input.n * 2 %}"},
        "Output": "{% $states.result.Payload + 1 %}", "End": True}}})
    result = run_test_state(machine, "T", {"n": 4}, inspection_level="DEBUG", mock_result={"Payload": 8})
    assert result.output == 9
    assert result.inspection_data == {"input": {"n": 4}, "afterArguments": {"FunctionName": "F", "Payload": 8},
                                      "result": {"Payload": 8}}


def test_wrong_requests_are_clear_errors():
    with pytest.raises(AslrunError, match="no state named 'Nope'"):
        run_test_state(MACHINE, "Nope", {})
    with pytest.raises(AslrunError, match="only a Task's result can be mocked"):
        run_test_state(MACHINE, "Review", {}, mock_result=1)
    with pytest.raises(AslrunError, match="--inspection-level must be one of INFO, DEBUG, TRACE"):
        run_test_state(MACHINE, "Review", {}, inspection_level="LOUD")
