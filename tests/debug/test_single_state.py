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
    assert failed.inspection_data == {"input": {"x": 1}, "afterInputPath": {"x": 1}}  # as AWS shows a Fail state
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
    with pytest.raises(AslrunError, match="State type 'Pass' is not supported when a mock is specified"):
        run_test_state(MACHINE, "Review", {}, mock_result=1)
    with pytest.raises(AslrunError, match="--inspection-level must be one of INFO, DEBUG, TRACE"):
        run_test_state(MACHINE, "Review", {}, inspection_level="LOUD")


FAN_OUT = StateMachine({"StartAt": "Lines", "States": {
    "Lines": {"Type": "Map", "ItemsPath": "$.lines", "ToleratedFailureCount": 1,
              "ItemProcessor": {"StartAt": "Line", "States": {"Line": {"Type": "Pass", "End": True}}},
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}], "Next": "Both"},
    "Both": {"Type": "Parallel", "Next": "Read", "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
        {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}}]},
    "Read": {"Type": "Map", "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                                           "Parameters": {"Bucket": "b", "Key": "k"}},
             "ToleratedFailurePercentage": 50, "End": True,
             "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                               "StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": True}}}},
    "Failed": {"Type": "Fail", "Error": "Lines.Failed"},
}})


def test_a_mocked_map_runs_no_iteration_and_judges_the_failed_ones():
    result = run_test_state(FAN_OUT, "Lines", {"lines": [1, 2, 3]}, inspection_level="DEBUG", mock_result=[2, 4, 6])
    assert (result.status, result.output, result.next_state) == ("SUCCEEDED", [2, 4, 6], "Both")
    assert result.inspection_data == {"input": {"lines": [1, 2, 3]}, "afterInputPath": {"lines": [1, 2, 3]},
                                      "afterItemsPath": [1, 2, 3], "afterResultSelector": [2, 4, 6],
                                      "afterResultPath": [2, 4, 6], "maxConcurrency": 0, "toleratedFailureCount": 1}
    assert result.to_aws()["inspectionData"]["maxConcurrency"] == 0  # a number on the wire, not JSON text
    assert [event.type for event in result.events] == ["ExecutionStarted", "MapStateEntered"]
    failed = run_test_state(FAN_OUT, "Lines", {"lines": [1, 2, 3]}, mock_result=[2, 4, 6], map_failure_count=2)
    assert (failed.status, failed.error, failed.next_state) == ("CAUGHT_ERROR",
                                                                "States.ExceedToleratedFailureThreshold", "Failed")


def test_an_item_readers_data_can_be_given():
    within = run_test_state(FAN_OUT, "Read", {}, mock_result=[1, 2, 3, 4], map_reader_data="[1, 2, 3, 4]",
                            map_failure_count=2, inspection_level="DEBUG")
    assert (within.status, within.output) == ("SUCCEEDED", [1, 2, 3, 4])
    assert within.inspection_data["toleratedFailurePercentage"] == 50.0
    beyond = run_test_state(FAN_OUT, "Read", {}, mock_result=[1, 2, 3, 4], map_reader_data="[1, 2, 3, 4]",
                            map_failure_count=3)
    assert (beyond.status, beyond.error) == ("FAILED", "States.ExceedToleratedFailureThreshold")


def test_a_mocked_parallel_state_and_mocks_of_the_wrong_shape():
    result = run_test_state(FAN_OUT, "Both", {"x": 1}, mock_result=["a", "b"])
    assert (result.status, result.output, result.next_state) == ("SUCCEEDED", ["a", "b"], "Read")
    with pytest.raises(AslrunError, match="Mocked result must contain the same number of items as number of "
                                          "Parallel branches."):
        run_test_state(FAN_OUT, "Both", {}, mock_result=["a"])
    with pytest.raises(AslrunError, match="Mocked result must be an array."):
        run_test_state(FAN_OUT, "Lines", {"lines": []}, mock_result={"not": "an array"})


def test_a_given_context_object_is_the_whole_of_dollar_dollar():
    machine = StateMachine({"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "F", "Payload.$": "$$"}, "End": True}}})
    context = {"Execution": {"Name": "run-1"}}
    result = run_test_state(machine, "T", {}, inspection_level="DEBUG", mock_result={}, context=context,
                            role_arn="arn:aws:iam::123456789012:role/r")
    assert result.inspection_data["afterParameters"] == {"FunctionName": "F", "Payload": context}
    plain = run_test_state(machine, "T", {}, inspection_level="DEBUG", mock_result={},
                           role_arn="arn:aws:iam::123456789012:role/r")
    assert plain.inspection_data["afterParameters"]["Payload"]["Execution"]["RoleArn"] == \
        "arn:aws:iam::123456789012:role/r"


def test_a_mocked_maps_item_selector_and_batcher_stages():
    machine = StateMachine({"StartAt": "M", "States": {"M": {
        "Type": "Map", "ItemSelector": {"v.$": "$$.Map.Item.Value"},
        "ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": {"k": 1}}, "End": True,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}}})
    result = run_test_state(machine, "M", [1, 2, 3], mock_result=["x", "y"], inspection_level="DEBUG")
    assert result.inspection_data["afterItemSelector"] == [{"v": 1}, {"v": 2}, {"v": 3}]
    assert result.inspection_data["afterItemBatcher"] == [{"Items": [{"v": 1}, {"v": 2}], "BatchInput": {"k": 1}},
                                                          {"Items": [{"v": 3}], "BatchInput": {"k": 1}}]
    assert result.output == ["x", "y"]
