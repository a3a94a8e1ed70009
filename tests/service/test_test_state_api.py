"""TestState through the server, with boto3: one state run on a given input, answered as AWS answers
(status, output, nextState, error/cause, inspectionData from DEBUG on), mocks for Task, Map and
Parallel states, the bound handlers for a Task that is not mocked, and the requests AWS refuses.

Expected values are worked out by hand from the definitions below; the shapes of the answers and
the wording of the refusals are AWS's (see src/aslrun/service/test_state.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers.service import ROLE

ADD = "arn:aws:lambda:us-east-1:123456789012:function:Add"
NUMBERS = {"numbers": {"a": 2, "b": 3}, "order": "o1"}

#: a JSONPath Task with every processing stage, a Retrier and two Catchers
PRICE = {
    "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
    "InputPath": "$.line", "Parameters": {"FunctionName": "Price", "Payload.$": "$"},
    "ResultSelector": {"amount.$": "$.Payload.amount"}, "ResultPath": "$.price", "OutputPath": "$.price",
    "Retry": [{"ErrorEquals": ["Price.Busy"], "IntervalSeconds": 3, "BackoffRate": 2, "MaxAttempts": 2}],
    "Catch": [{"ErrorEquals": ["Price.Unknown"], "Next": "Unknown"},
              {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed"}],
    "Next": "Big?",
}
LINE = {"line": {"sku": "a", "qty": 2}}
MACHINE = {"StartAt": "Price", "States": {
    "Price": PRICE,
    "Big?": {"Type": "Choice", "Choices": [{"Variable": "$.amount", "NumericGreaterThan": 100, "Next": "Review"}],
             "Default": "Done"},
    "Review": {"Type": "Pass", "Next": "Done"},
    "Unknown": {"Type": "Fail", "Error": "Order.Unknown"},
    "Failed": {"Type": "Fail", "Error": "Order.Failed", "Cause": "pricing failed"},
    "Done": {"Type": "Succeed"},
}}


def test_state(sfn: Any, definition: dict[str, Any], **request: Any) -> dict[str, Any]:
    """TestState's answer (without ResponseMetadata) for ``definition`` (a dict, sent as JSON text)."""
    answer = sfn.test_state(definition=json.dumps(definition), **request)
    answer.pop("ResponseMetadata")
    return answer  # type: ignore[no-any-return]


test_state.__test__ = False  # a helper, not a test


def decoded(answer: dict[str, Any]) -> dict[str, Any]:
    """The answer with its JSON text (output, each inspected stage) read back into values."""
    out = dict(answer)
    if "output" in out:
        out["output"] = json.loads(out["output"])
    if "inspectionData" in out:
        out["inspectionData"] = {key: value if not isinstance(value, str) else json.loads(value)
                                 for key, value in out["inspectionData"].items()}
    return out


def refusal(sfn: Any, definition: Any, **request: Any) -> tuple[str, str]:
    """The error code and message TestState refuses the request with."""
    text = definition if isinstance(definition, str) else json.dumps(definition)
    with pytest.raises(sfn.exceptions.ClientError) as raised:
        sfn.test_state(definition=text, **request)
    error = raised.value.response["Error"]
    return error["Code"], error["Message"]


# -- Pass, Choice, Fail, Succeed: single states and states of a whole machine ---------------------------


def test_a_pass_state_at_each_inspection_level(sfn: Any) -> None:
    definition = {"Type": "Pass", "InputPath": "$.line", "Parameters": {"sku.$": "$.sku", "kind": "line"},
                  "ResultPath": "$.line", "Next": "Price"}
    info = test_state(sfn, definition, input=json.dumps(LINE))
    assert info == {"output": '{"line":{"sku":"a","kind":"line"}}', "nextState": "Price", "status": "SUCCEEDED"}
    debug = test_state(sfn, definition, input=json.dumps(LINE), inspectionLevel="DEBUG")
    assert debug == {
        "output": '{"line":{"sku":"a","kind":"line"}}',
        "inspectionData": {  # AWS shows no "result" stage for a Pass state without a Result
            "input": '{"line":{"sku":"a","qty":2}}',
            "afterInputPath": '{"sku":"a","qty":2}',
            "afterParameters": '{"sku":"a","kind":"line"}',
            "afterResultSelector": '{"sku":"a","kind":"line"}',
            "afterResultPath": '{"line":{"sku":"a","kind":"line"}}',
        },
        "nextState": "Price",
        "status": "SUCCEEDED",
    }
    assert test_state(sfn, definition, input=json.dumps(LINE), inspectionLevel="TRACE") == debug


def test_a_pass_state_with_a_result_shows_the_result_instead_of_its_input_stages(sfn: Any) -> None:
    definition = {"Type": "Pass", "InputPath": "$.line", "Result": {"ok": True}, "ResultPath": "$.checked",
                  "End": True}
    answer = decoded(test_state(sfn, definition, input=json.dumps(LINE), inspectionLevel="DEBUG"))
    assert answer == {
        "output": {**LINE, "checked": {"ok": True}},
        "inspectionData": {"input": LINE, "result": {"ok": True}, "afterResultSelector": {"ok": True},
                           "afterResultPath": {**LINE, "checked": {"ok": True}}},
        "status": "SUCCEEDED",  # End: no nextState
    }


def test_a_choice_of_a_whole_machine_names_the_next_state(sfn: Any) -> None:
    big = test_state(sfn, MACHINE, stateName="Big?", input='{"amount": 101}', inspectionLevel="DEBUG")
    assert big == {"output": '{"amount":101}',
                   "inspectionData": {"input": '{"amount":101}', "afterInputPath": '{"amount":101}'},
                   "nextState": "Review", "status": "SUCCEEDED"}
    small = test_state(sfn, MACHINE, stateName="Big?", input='{"amount": 100}')
    assert small == {"output": '{"amount":100}', "nextState": "Done", "status": "SUCCEEDED"}


def test_fail_and_succeed_states(sfn: Any) -> None:
    failed = test_state(sfn, MACHINE, stateName="Failed", input='{"x": 1}', inspectionLevel="DEBUG")
    assert failed == {"error": "Order.Failed", "cause": "pricing failed",
                      "inspectionData": {"input": '{"x":1}', "afterInputPath": '{"x":1}'}, "status": "FAILED"}
    done = test_state(sfn, MACHINE, stateName="Done", input='{"x": 1}')
    assert done == {"output": '{"x":1}', "status": "SUCCEEDED"}


def test_a_wait_state_moves_on_without_waiting(sfn: Any) -> None:
    answer = test_state(sfn, {"Type": "Wait", "Seconds": 3600, "Next": "Later"}, input='{"x": 1}',
                        inspectionLevel="DEBUG")
    assert answer == {"output": '{"x":1}', "inspectionData": {"input": '{"x":1}', "afterInputPath": '{"x":1}'},
                      "nextState": "Later", "status": "SUCCEEDED"}


def test_no_input_is_an_empty_object_and_no_state_machine_is_created(sfn: Any) -> None:
    before = sfn.list_state_machines()["stateMachines"]
    answer = test_state(sfn, {"Type": "Pass", "End": True})
    assert answer == {"output": "{}", "status": "SUCCEEDED"}
    assert sfn.list_state_machines()["stateMachines"] == before


# -- Task states: mocked results and errors -------------------------------------------------------------------


def test_a_task_with_a_mocked_result_needs_no_role_and_shows_every_stage(sfn: Any) -> None:
    answer = test_state(sfn, MACHINE, stateName="Price", input=json.dumps(LINE), inspectionLevel="DEBUG",
                        mock={"result": json.dumps({"Payload": {"amount": 60}, "StatusCode": 200})})
    assert answer == {
        "output": '{"amount":60}',
        "inspectionData": {
            "input": '{"line":{"sku":"a","qty":2}}',
            "afterInputPath": '{"sku":"a","qty":2}',
            "afterParameters": '{"FunctionName":"Price","Payload":{"sku":"a","qty":2}}',
            "result": '{"Payload":{"amount":60},"StatusCode":200}',
            "afterResultSelector": '{"amount":60}',
            "afterResultPath": '{"line":{"sku":"a","qty":2},"price":{"amount":60}}',
        },
        "nextState": "Big?",
        "status": "SUCCEEDED",
    }


def test_a_mocked_error_a_retrier_takes_is_retriable(sfn: Any) -> None:
    busy = {"errorOutput": {"error": "Price.Busy", "cause": "try later"}}
    first = test_state(sfn, MACHINE, stateName="Price", input=json.dumps(LINE), inspectionLevel="DEBUG", mock=busy)
    assert first == {
        "error": "Price.Busy", "cause": "try later",
        "inspectionData": {
            "input": '{"line":{"sku":"a","qty":2}}',
            "afterInputPath": '{"sku":"a","qty":2}',
            "afterParameters": '{"FunctionName":"Price","Payload":{"sku":"a","qty":2}}',
            "errorDetails": {"retryIndex": 0, "retryBackoffIntervalSeconds": 3},
        },
        "nextState": "Price",  # a retry runs the state again
        "status": "RETRIABLE",
    }
    second = test_state(sfn, MACHINE, stateName="Price", input=json.dumps(LINE), inspectionLevel="DEBUG", mock=busy,
                        stateConfiguration={"retrierRetryCount": 1})
    assert second["status"] == "RETRIABLE"
    assert second["inspectionData"]["errorDetails"] == {"retryIndex": 0, "retryBackoffIntervalSeconds": 6}


def test_a_mocked_error_past_its_retries_is_caught(sfn: Any) -> None:
    answer = test_state(sfn, MACHINE, stateName="Price", input=json.dumps(LINE), inspectionLevel="DEBUG",
                        mock={"errorOutput": {"error": "Price.Busy", "cause": "try later"}},
                        stateConfiguration={"retrierRetryCount": 2})
    assert decoded(answer) == {
        "output": {**LINE, "error": {"Error": "Price.Busy", "Cause": "try later"}},  # the catcher's ResultPath
        "error": "Price.Busy", "cause": "try later",
        "inspectionData": {
            "input": LINE, "afterInputPath": {"sku": "a", "qty": 2},
            "afterParameters": {"FunctionName": "Price", "Payload": {"sku": "a", "qty": 2}},
            "errorDetails": {"catchIndex": 1},
        },
        "nextState": "Failed",
        "status": "CAUGHT_ERROR",
    }


def test_a_mocked_error_no_retrier_takes_goes_to_the_first_matching_catcher(sfn: Any) -> None:
    answer = test_state(sfn, MACHINE, stateName="Price", input=json.dumps(LINE),
                        mock={"errorOutput": {"error": "Price.Unknown"}})
    assert answer == {"output": '{"Error":"Price.Unknown","Cause":""}', "error": "Price.Unknown",
                      "nextState": "Unknown", "status": "CAUGHT_ERROR"}


def test_an_error_nothing_handles_fails_the_state(sfn: Any) -> None:
    single = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "F"},
              "End": True}
    answer = test_state(sfn, single, mock={"errorOutput": {"error": "Boom", "cause": "it broke"}})
    assert answer == {"error": "Boom", "cause": "it broke", "status": "FAILED"}


# -- Task states calling the server's bound handlers ----------------------------------------------------------


def test_a_task_calls_the_bound_handler(sfn: Any) -> None:
    definition = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "Parameters": {"FunctionName": "Add", "Payload.$": "$.numbers"},
                  "ResultSelector": {"sum.$": "$.Payload.sum", "status.$": "$.StatusCode"}, "ResultPath": "$.added",
                  "Next": "Report"}
    answer = decoded(test_state(sfn, definition, input=json.dumps(NUMBERS), roleArn=ROLE, inspectionLevel="DEBUG"))
    assert answer["status"] == "SUCCEEDED"
    assert answer["output"] == {**NUMBERS, "added": {"sum": 5, "status": 200}}
    assert answer["nextState"] == "Report"
    stages = answer["inspectionData"]
    assert stages["afterParameters"] == {"FunctionName": "Add", "Payload": {"a": 2, "b": 3}}
    assert stages["result"]["Payload"] == {"sum": 5}  # what the handler returned, as lambda:invoke wraps it
    assert stages["afterResultSelector"] == {"sum": 5, "status": 200}


def test_a_task_on_a_function_arn_calls_the_handler_and_its_failure_can_be_caught(sfn: Any) -> None:
    add = {"Type": "Task", "Resource": ADD, "InputPath": "$.numbers", "End": True}
    assert test_state(sfn, add, input=json.dumps(NUMBERS), roleArn=ROLE) == {"output": '{"sum":5}',
                                                                             "status": "SUCCEEDED"}
    fail = {"Type": "Task", "Resource": ADD.replace("Add", "Fail"),
            "Catch": [{"ErrorEquals": ["InvalidAmount"], "ResultPath": "$.problem", "Next": "Refund"}], "End": True}
    answer = test_state(sfn, fail, input='{"amount": 7}', roleArn=ROLE)
    assert answer["status"] == "CAUGHT_ERROR"
    assert answer["error"] == "InvalidAmount"
    assert json.loads(answer["cause"])["errorMessage"] == "amount 7 is not allowed"
    assert answer["nextState"] == "Refund"
    assert json.loads(answer["output"])["problem"]["Error"] == "InvalidAmount"


def test_a_task_nothing_serves_fails_as_on_aws(sfn: Any) -> None:
    nobody = {"Type": "Task", "Resource": ADD.replace("Add", "Nobody"), "End": True}
    answer = test_state(sfn, nobody, roleArn=ROLE)
    assert answer["status"] == "FAILED"
    assert answer["error"] == "Lambda.ResourceNotFoundException"
    assert answer["cause"].startswith(f"Function not found: {ADD.replace('Add', 'Nobody')} (Service: AWSLambda; ")


def test_a_task_that_really_calls_its_resource_needs_a_role(sfn: Any) -> None:
    assert refusal(sfn, {"Type": "Task", "Resource": ADD, "End": True}) == (
        "ValidationException", "RoleArn must be specified when testing a Task state")
    assert refusal(sfn, {"Type": "Task", "Resource": ADD, "End": True}, roleArn="role/x") == (
        "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: role/x'")


# -- JSONata and variables -------------------------------------------------------------------------------------


def test_a_jsonata_pass_state_reads_the_given_variables_and_shows_those_it_assigns(sfn: Any) -> None:
    definition = {"QueryLanguage": "JSONata", "Type": "Pass",
                  "Assign": {"total": "{% $subtotal + $states.input.shipping %}"},
                  "Output": {"total": "{% $subtotal + $states.input.shipping %}", "currency": "{% $currency %}"},
                  "Next": "Charge"}
    answer = test_state(sfn, definition, input='{"shipping": 5}', variables='{"subtotal": 40, "currency": "EUR"}',
                        inspectionLevel="DEBUG")
    assert answer == {
        "output": '{"total":45,"currency":"EUR"}',
        "inspectionData": {"input": '{"shipping":5}', "variables": '{"subtotal":40,"currency":"EUR","total":45}'},
        "nextState": "Charge",
        "status": "SUCCEEDED",
    }


def test_a_jsonata_task_with_a_mocked_result(sfn: Any) -> None:
    definition = {"QueryLanguage": "JSONata", "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "Arguments": {"FunctionName": "Price", "Payload": {"qty": "{% $states.input.qty * $factor %}"}},
                  "Output": "{% $states.result.Payload.amount %}", "End": True}
    answer = test_state(sfn, definition, input='{"qty": 3}', variables='{"factor": 2}', inspectionLevel="DEBUG",
                        mock={"result": '{"Payload": {"amount": 12}}'})
    assert answer == {
        "output": "12",
        "inspectionData": {"input": '{"qty":3}', "afterArguments": '{"FunctionName":"Price","Payload":{"qty":6}}',
                           "result": '{"Payload":{"amount":12}}', "variables": '{"factor":2}'},
        "status": "SUCCEEDED",
    }


def test_a_jsonata_choice_decides_on_a_variable(sfn: Any) -> None:
    definition = {"QueryLanguage": "JSONata", "Type": "Choice",
                  "Choices": [{"Condition": "{% $tier = 'gold' %}", "Next": "Fast"}], "Default": "Slow"}
    assert test_state(sfn, definition, variables='{"tier": "gold"}')["nextState"] == "Fast"
    assert test_state(sfn, definition, variables='{"tier": "tin"}')["nextState"] == "Slow"


# -- the context object ----------------------------------------------------------------------------------------


def test_a_given_context_object_is_what_the_state_reads(sfn: Any) -> None:
    context = {"Execution": {"Id": "arn:aws:states:us-east-1:123456789012:execution:Orders:o1", "Name": "o1"},
               "State": {"Name": "Price", "RetryCount": 1}}
    definition = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "Parameters": {"FunctionName": "Price", "Payload": {"execution.$": "$$.Execution.Name",
                                                                      "attempt.$": "$$.State.RetryCount"}},
                  "ResultPath": None, "End": True}
    answer = test_state(sfn, definition, inspectionLevel="DEBUG", context=json.dumps(context),
                        mock={"result": "{}"})
    assert json.loads(answer["inspectionData"]["afterParameters"]) == {
        "FunctionName": "Price", "Payload": {"execution": "o1", "attempt": 1}}


# -- Map and Parallel states (mocked: no iteration or branch runs) -----------------------------------------------

MAP = {
    "Type": "Map", "InputPath": "$.order", "ItemsPath": "$.lines",
    "ItemSelector": {"sku.$": "$$.Map.Item.Value.sku", "index.$": "$$.Map.Item.Index"},
    "MaxConcurrency": 2, "ToleratedFailureCount": 1,
    "ItemProcessor": {"StartAt": "PriceLine", "States": {"PriceLine": {"Type": "Task", "Resource": ADD,
                                                                        "End": True}}},
    "ResultSelector": {"prices.$": "$"}, "ResultPath": "$.priced",
    "Catch": [{"ErrorEquals": ["States.ExceedToleratedFailureThreshold"], "ResultPath": "$.error",
               "Next": "TooManyFailed"}],
    "Next": "Total",
}
ORDER = {"order": {"lines": [{"sku": "a"}, {"sku": "b"}, {"sku": "c"}]}}


def test_a_mocked_map_runs_its_input_and_output_processing_around_the_mocked_result(sfn: Any) -> None:
    answer = test_state(sfn, MAP, input=json.dumps(ORDER), inspectionLevel="DEBUG",
                        mock={"result": "[10, 20, 30]"})
    lines = ORDER["order"]["lines"]
    assert decoded(answer) == {
        "output": {**ORDER, "priced": {"prices": [10, 20, 30]}},  # ResultPath places it in the Map's own input
        "inspectionData": {
            "input": ORDER,
            "afterInputPath": ORDER["order"],
            "afterItemsPath": lines,
            "afterItemSelector": [{"sku": "a", "index": 0}, {"sku": "b", "index": 1}, {"sku": "c", "index": 2}],
            "afterResultSelector": {"prices": [10, 20, 30]},
            "afterResultPath": {**ORDER, "priced": {"prices": [10, 20, 30]}},
            "maxConcurrency": 2,
            "toleratedFailureCount": 1,
        },
        "nextState": "Total",
        "status": "SUCCEEDED",
    }


def test_map_iteration_failures_past_the_tolerated_count_fail_the_map(sfn: Any) -> None:
    within = test_state(sfn, MAP, input=json.dumps(ORDER), mock={"result": "[10, 20, 30]"},
                        stateConfiguration={"mapIterationFailureCount": 1})
    assert within["status"] == "SUCCEEDED"
    beyond = test_state(sfn, MAP, input=json.dumps(ORDER), mock={"result": "[10, 20, 30]"},
                        stateConfiguration={"mapIterationFailureCount": 2})
    assert decoded(beyond) == {
        "output": {**ORDER, "error": {"Error": "States.ExceedToleratedFailureThreshold",
                                      "Cause": "The specified tolerated failure threshold was exceeded"}},
        "error": "States.ExceedToleratedFailureThreshold",
        "cause": "The specified tolerated failure threshold was exceeded",
        "nextState": "TooManyFailed",
        "status": "CAUGHT_ERROR",
    }


def test_a_map_with_a_mocked_error_caused_by_an_inner_state(sfn: Any) -> None:
    answer = test_state(sfn, MAP, input=json.dumps(ORDER), mock={"errorOutput": {"error": "Oops", "cause": "bad"}},
                        stateConfiguration={"errorCausedByState": "PriceLine", "mapIterationFailureCount": 3})
    assert answer == {"error": "Oops", "cause": "bad", "status": "FAILED"}  # the mocked error, not the threshold


def test_a_jsonata_map_shows_its_settings(sfn: Any) -> None:
    definition = {"QueryLanguage": "JSONata", "Type": "Map", "Items": "{% $states.input.values %}",
                  "ToleratedFailurePercentage": 50,
                  "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                  "Output": "{% $sum($states.result) %}", "End": True}
    answer = test_state(sfn, definition, input='{"values": [1, 2, 3, 4]}', inspectionLevel="DEBUG",
                        mock={"result": "[1, 2, 3, 4]"}, stateConfiguration={"mapIterationFailureCount": 2})
    assert answer == {"output": "10",
                      "inspectionData": {"input": '{"values":[1,2,3,4]}', "maxConcurrency": 0,
                                         "toleratedFailurePercentage": 50.0},
                      "status": "SUCCEEDED"}  # 2 of 4 failed: 50% tolerated
    beyond = test_state(sfn, definition, input='{"values": [1, 2, 3, 4]}', mock={"result": "[1, 2, 3, 4]"},
                        stateConfiguration={"mapIterationFailureCount": 3})
    assert beyond == {"error": "States.ExceedToleratedFailureThreshold",
                      "cause": "The specified tolerated failure threshold was exceeded", "status": "FAILED"}


def test_a_distributed_map_reads_the_given_item_reader_data(sfn: Any) -> None:
    definition = {"Type": "Map", "ToleratedFailurePercentage": 25, "End": True,
                  "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "CSV"},
                                 "Parameters": {"Bucket": "orders", "Key": "lines.csv"}},
                  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                                    "StartAt": "Line", "States": {"Line": {"Type": "Pass", "End": True}}}}
    rows = "sku,qty\na,1\nb,2\nc,3\nd,4\n"  # four items: 25% tolerates one failed iteration
    one = test_state(sfn, definition, mock={"result": "[1, 2, 3, 4]"},
                     stateConfiguration={"mapItemReaderData": rows, "mapIterationFailureCount": 1})
    assert one == {"output": "[1,2,3,4]", "status": "SUCCEEDED"}
    two = test_state(sfn, definition, mock={"result": "[1, 2, 3, 4]"},
                     stateConfiguration={"mapItemReaderData": rows, "mapIterationFailureCount": 2})
    assert two["status"] == "FAILED" and two["error"] == "States.ExceedToleratedFailureThreshold"
    assert refusal(sfn, MAP, mock={"result": "[]"}, stateConfiguration={"mapItemReaderData": rows}) == (
        "ValidationException", "mapItemReaderData can only be specified for a Map state with an ItemReader")
    assert refusal(sfn, MAP, mock={"errorOutput": {"error": "E"}}, stateConfiguration={"errorCausedByState": "X"}) \
        == ("ValidationException", "errorCausedByState 'X' is not a state inside 'StateName'")


def test_a_mocked_parallel_state(sfn: Any) -> None:
    definition = {"Type": "Parallel", "Parameters": {"sku.$": "$.sku"},
                  "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
                               {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}}],
                  "ResultSelector": {"stock.$": "$[0]", "price.$": "$[1]"}, "Next": "Ship"}
    answer = test_state(sfn, definition, input='{"sku": "a"}', inspectionLevel="DEBUG",
                        mock={"result": '[{"left": 3}, {"amount": 9}]'})
    assert decoded(answer) == {
        "output": {"stock": {"left": 3}, "price": {"amount": 9}},
        "inspectionData": {
            "input": {"sku": "a"}, "afterInputPath": {"sku": "a"}, "afterParameters": {"sku": "a"},
            "result": [{"left": 3}, {"amount": 9}],
            "afterResultSelector": {"stock": {"left": 3}, "price": {"amount": 9}},
            "afterResultPath": {"stock": {"left": 3}, "price": {"amount": 9}},
        },
        "nextState": "Ship",
        "status": "SUCCEEDED",
    }
    assert refusal(sfn, definition, mock={"result": "[1]"}) == (
        "ValidationException", "Mocked result must contain the same number of items as number of Parallel branches.")


def test_map_and_parallel_states_need_a_mock(sfn: Any) -> None:
    message = ("TestState API does not support Map or Parallel states. Supported state types include: "
               "[Task, Wait, Pass, Succeed, Fail, Choice]")
    assert refusal(sfn, MAP, input=json.dumps(ORDER)) == ("InvalidDefinition", message)
    assert refusal(sfn, MAP, mock={"result": '{"not": "an array"}'}) == (
        "ValidationException", "Mocked result must be an array.")


# -- field validation of mocked results -------------------------------------------------------------------------

START = {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution",
         "Parameters": {"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:Child"}, "End": True}
INVOKE = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "F"},
          "End": True}


def test_a_mocked_result_is_checked_against_the_api_model(sfn: Any) -> None:
    schema = "Mock result schema validation error: "
    assert refusal(sfn, START, mock={"result": '{"executionArn": "arn"}'}) == (
        "ValidationException", schema + "Required field 'ExecutionArn' is missing")
    assert refusal(sfn, START, mock={"result": '{"ExecutionArn": "arn", "StartDate": 1}'}) == (
        "ValidationException", schema + "Field 'StartDate' must be a string")
    assert refusal(sfn, INVOKE, mock={"result": '{"StatusCode": "200"}'}) == (
        "ValidationException", schema + "Field 'StatusCode' must be a number")
    put = {"Type": "Task", "Resource": "arn:aws:states:::events:putEvents", "Parameters": {"Entries": []},
           "End": True}
    assert refusal(sfn, put, mock={"result": '{"Entries": [{"EventId": "1"}, {"EventId": 2}]}'}) == (
        "ValidationException", schema + "Field 'EventId' must be a string")
    get = {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject", "End": True,
           "Parameters": {"Bucket": "b", "Key": "k"}}
    assert refusal(sfn, get, mock={"result": '{"StorageClass": "CHEAP"}'}) == (
        "ValidationException", schema + "Field 'StorageClass' is not an expected value")


def test_field_validation_modes(sfn: Any) -> None:
    partial = '{"ExecutionArn": "arn:aws:states:us-east-1:123456789012:execution:Child:c1"}'
    assert test_state(sfn, START, mock={"result": partial, "fieldValidationMode": "PRESENT"}) == {
        "output": '{"ExecutionArn":"arn:aws:states:us-east-1:123456789012:execution:Child:c1"}',
        "status": "SUCCEEDED"}
    assert refusal(sfn, START, mock={"result": '{"ExecutionArn": 1}', "fieldValidationMode": "PRESENT"})[1] == \
        "Mock result schema validation error: Field 'ExecutionArn' must be a string"
    anything = test_state(sfn, START, mock={"result": '{"whatever": 1}', "fieldValidationMode": "NONE"})
    assert anything == {"output": '{"whatever":1}', "status": "SUCCEEDED"}
    extra = test_state(sfn, INVOKE, mock={"result": '{"Payload": {"any": ["json"]}, "random": "json"}'})
    assert extra["status"] == "SUCCEEDED"  # members the API does not name are let through, as on AWS


# -- requests AWS refuses ---------------------------------------------------------------------------------------


def test_an_invalid_definition(sfn: Any) -> None:
    assert refusal(sfn, {"Type": "Pazz", "End": True}) == (
        "InvalidDefinition", "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The field 'Type' should "
                             "have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map] at "
                             "/States/StateName'")
    broken_machine = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}
    assert refusal(sfn, broken_machine, stateName="A") == (
        "InvalidDefinition", "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: "
                             "no state named 'Nowhere' in this scope at /States/A/Next, MISSING_END_STATE: No terminal "
                             "state: some state must be a Succeed or Fail state or have \"End\": true at /States'")
    code, message = refusal(sfn, "{not json")  # described as definitions.py describes text that is not JSON
    assert (code, message.startswith("Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: ")) == (
        "InvalidDefinition", True)


def test_a_whole_machine_needs_a_state_name_that_is_in_it(sfn: Any) -> None:
    assert refusal(sfn, MACHINE) == (
        "ValidationException", "stateName must be specified when the definition is a whole state machine")
    assert refusal(sfn, MACHINE, stateName="Nope") == ("ValidationException", "State not found in definition")


def test_input_that_is_not_json(sfn: Any) -> None:
    assert refusal(sfn, {"Type": "Pass", "End": True}, input="{bad") == (
        "InvalidExecutionInput", "Invalid State Machine Execution Input: 'Expecting property name enclosed in double "
                                 "quotes: line 1 column 2 (char 1)'")


@pytest.mark.parametrize("request_members, refused", [
    ({"mock": {"result": "{}"}}, "State type 'Pass' is not supported when a mock is specified"),
    ({"mock": {"errorOutput": {"error": "E"}}}, "State type 'Pass' is not supported when a mock is specified"),
    ({"variables": "[1]"}, "variables must be a JSON object literal (variable names and their values)"),
    ({"context": "{}"}, "A context object can only be specified together with a mock"),
    ({"stateConfiguration": {"mapIterationFailureCount": 1}},
     "mapIterationFailureCount can only be specified for a Map state"),
])
def test_requests_a_pass_state_refuses(sfn: Any, request_members: dict[str, Any], refused: str) -> None:
    assert refusal(sfn, {"Type": "Pass", "End": True}, **request_members) == ("ValidationException", refused)


@pytest.mark.parametrize("request_members, refused", [
    ({"mock": {"result": "{}", "errorOutput": {"error": "E"}}},
     "A test mock should have only one of the following fields: [result, errorOutput]."),
    ({"mock": {"result": "{}"}, "revealSecrets": True},
     "TestState does not support RevealSecrets when a mock is specified."),
    ({"mock": {"result": "{"}}, "mock.result is not valid JSON: Expecting property name enclosed in double quotes: "
                                "line 1 column 2 (char 1)"),
    ({"mock": {"result": "{}"}, "context": '{"Map": {}}'},
     "Invalid Context object provided: 'Map' field is not supported when mocking a Context object"),
    ({"mock": {"result": "{}"}, "context": '{"Pokedex": {}}'}, "Invalid Context object provided: Field 'Pokedex' is "
                                                              "not allowed"),
    ({"mock": {"result": "{}"}, "context": '{"Execution": {"Id": 1}}'},
     "Invalid Context object provided: Execution.Id must be a string"),
    ({"mock": {"result": "{}"}, "context": '{"Task": {"Token": "t"}}'},
     "Invalid Context object provided: Context object contains 'Task' when state is not a Task state with a '.sync' "
     "or '.waitForTaskToken' service integration pattern"),
    ({"mock": {"result": "{}"}, "stateConfiguration": {"errorCausedByState": "X"}},
     "errorCausedByState can only be specified for a Map or Parallel state"),
])
def test_requests_a_task_refuses(sfn: Any, request_members: dict[str, Any], refused: str) -> None:
    assert refusal(sfn, INVOKE, **request_members) == ("ValidationException", refused)


def test_tasks_that_wait_run_only_mocked(sfn: Any) -> None:
    waiting = {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
               "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}}, "End": True}
    code, message = refusal(sfn, waiting, roleArn=ROLE)
    assert (code, message) == ("InvalidDefinition", "TestState API does not support Activity tasks or the .sync and "
                                                    ".waitForTaskToken integration patterns unless a mock is specified")
    answer = test_state(sfn, waiting, mock={"result": '{"approved": true}'}, inspectionLevel="DEBUG",
                        context=json.dumps({"Task": {"Token": "abc"}}))
    assert json.loads(answer["inspectionData"]["afterParameters"]) == {"QueueUrl": "q",
                                                                       "MessageBody": {"token": "abc"}}
    assert answer["output"] == '{"approved":true}'  # a callback's result is whatever was sent: not validated
