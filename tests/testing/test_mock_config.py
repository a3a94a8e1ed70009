"""Mocked responses in AWS Step Functions Local's format, checked against the rules of AWS's guide
("Using mocked service integrations for testing in Step Functions Local"): the guide's own example
(LambdaSQSIntegration) runs here as it is described there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aslrun import BindingError
from aslrun.testing import MockConfig, MockConfigError, MockedResponse, run_machine

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MACHINE = FIXTURES / "lambda_sqs.asl.json"
CONFIG = FIXTURES / "MockConfigFile.json"
LAMBDA_OK = {"StatusCode": 200, "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"}}
SQS_OK = {"MD5OfMessageBody": "3bcb6e8e-7h85-4375-b0bc-1a59812c6e51", "MessageId": "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"}


def test_happy_path_uses_the_mocked_results_as_task_results():
    check = run_machine(MACHINE, {"who": "me"}, mock_config=CONFIG, test_case="HappyPath")
    check.succeeded().has_output(SQS_OK).took_path(["LambdaState", "SQSState"])
    # the Lambda mock is the whole lambda:invoke response, passed on as the next state's input
    check.state_output("LambdaState", LAMBDA_OK).state_input("SQSState", LAMBDA_OK)
    # mocked tasks still record their events, with the parameters the state computed
    scheduled = check.history.events("TaskScheduled")
    assert [e.details["parameters"] for e in scheduled][0] == {"Payload": {"who": "me"}, "FunctionName": "HelloWorldFunction"}
    assert [e.type for e in check.history][:6] == ["ExecutionStarted", "TaskStateEntered", "TaskScheduled",
                                                  "TaskStarted", "TaskSucceeded", "TaskStateExited"]


def test_retry_path_counts_every_retry_as_the_next_invocation():
    check = run_machine(MACHINE, {}, mock_config=CONFIG, test_case="RetryPath")
    check.succeeded().has_output(SQS_OK).ran("LambdaState", times=4).ran("SQSState", times=1)
    failed = [(e.details["error"], e.details["cause"]) for e in check.history.events("TaskFailed")]
    assert failed == [("Lambda.ResourceNotReadyException", "Lambda resource is not ready."),
                      ("Lambda.TimeoutException", "Lambda timed out."),
                      ("Lambda.TimeoutException", "Lambda timed out.")]
    # the retrier's back-off ran on the clock: 2 + 4 + 8 seconds
    assert check.execution.stop_time - check.execution.start_time == 14
    assert check.mocks.invocations("LambdaState") == 4


def test_an_invocation_past_the_last_range_fails_the_execution():
    # one Throw for invocation 0, but the Retry asks for invocation 1: AWS fails the execution
    check = run_machine(MACHINE, {}, mock_config=CONFIG, test_case="NotEnoughPath")
    check.failed("States.Runtime", cause_contains="No mocked response for invocation 1 of the state 'LambdaState'")
    assert "covers invocations 0" in check.cause
    check.ran("LambdaState", times=2).not_visited("SQSState")


def test_hybrid_path_calls_the_unmocked_state_resource():
    seen = []

    def send_message(parameters, context):
        seen.append(parameters)
        return {"MessageId": "real"}

    check = run_machine(MACHINE, {}, mock_config=CONFIG, test_case="HybridPath",
                        handlers={"arn:aws:states:::sqs:sendMessage": send_message})
    check.succeeded().has_output({"MessageId": "real"})
    assert seen == [{"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/myQueue", "MessageBody": LAMBDA_OK}]


def test_a_mocked_lambda_needs_no_handler_but_an_unmocked_one_does():
    definition = {"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Fa", "Next": "B"},
        "B": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Fb", "End": True}}}
    check = run_machine(definition, {}, mocks={"A": {"0": {"Return": 1}}, "B": {"0": {"Return": 2}}})
    check.succeeded().has_output(2)
    # an unmocked Lambda that the run reaches fails as AWS fails it (a warning said so before the run)
    from aslrun import UnboundResourceWarning

    with pytest.warns(UnboundResourceWarning, match="Fb"):
        reached = run_machine(definition, {}, mocks={"A": {"0": {"Return": 1}}})
    reached.failed("Lambda.ResourceNotFoundException", cause_contains="Function not found: "
                   "arn:aws:lambda:us-east-1:123456789012:function:Fb")
    with pytest.raises(BindingError, match="Fb"):  # or, asked to be strict, refused before the run
        run_machine(definition, {}, mocks={"A": {"0": {"Return": 1}}}, strict_bindings=True)


def test_a_branch_the_run_does_not_take_may_stay_unmocked():
    from aslrun import UnboundResourceWarning

    definition = {"StartAt": "Which", "States": {
        "Which": {"Type": "Choice", "Choices": [{"Variable": "$.rare", "IsPresent": True, "Next": "Rare"}],
                  "Default": "Usual"},
        "Rare": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Rare", "End": True},
        "Usual": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Usual", "End": True}}}
    with pytest.warns(UnboundResourceWarning, match="Rare"):
        run_machine(definition, {}, mocks={"Usual": {"0": {"Return": "ok"}}}).succeeded().has_output("ok")


def test_map_iterations_share_the_invocation_count():
    definition = {"StartAt": "M", "States": {"M": {
        "Type": "Map", "MaxConcurrency": 1,
        "ItemProcessor": {"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                  "Parameters": {"TableName": "t", "Key.$": "$"}, "End": True}}},
        "End": True}}}
    mocks = {"T": {"0-1": {"Return": "first two"}, "2": {"Return": "third"}}}
    check = run_machine(definition, [1, 2, 3], mocks=mocks)
    check.succeeded().has_output(["first two", "first two", "third"])
    four = run_machine(definition, [1, 2, 3, 4], mocks=mocks)
    four.failed("States.Runtime", cause_contains="invocation 3 of the state 'T'")


def test_a_thrown_error_is_caught_like_a_real_one():
    definition = {"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
              "Parameters": {"FunctionName": "F", "Payload": {}},
              "Catch": [{"ErrorEquals": ["Custom.Error"], "ResultPath": "$.err", "Next": "Handled"}], "End": True},
        "Handled": {"Type": "Pass", "End": True}}}
    check = run_machine(definition, {"k": 1}, mocks={"T": {"0": {"Throw": {"Error": "Custom.Error", "Cause": "why"}}}})
    check.succeeded().has_output({"k": 1, "err": {"Error": "Custom.Error", "Cause": "why"}})
    check.took_path(["T", "Handled"]).state_failed("T", "Custom.Error")


def test_each_execution_counts_from_zero():
    config = MockConfig.load(CONFIG)
    machine_check = run_machine(MACHINE, {}, mock_config=config, test_case="HappyPath")
    again = run_machine(MACHINE, {}, mock_config=config, test_case="HappyPath")
    machine_check.succeeded()
    again.succeeded()


def test_test_case_names_machine_and_case_like_aws():
    config = MockConfig.load(CONFIG)
    check = run_machine(MACHINE, {}, mock_config=config, test_case="lambda_sqs#HappyPath")
    check.succeeded()
    with pytest.raises(MockConfigError, match=r"no state machine 'Other'.*lambda_sqs"):
        run_machine(MACHINE, {}, mock_config=config, test_case="Other#HappyPath")
    with pytest.raises(MockConfigError, match=r"no test case 'Sad' \(it has: HappyPath, HybridPath, NotEnoughPath, "
                                              r"RetryPath\)"):
        run_machine(MACHINE, {}, mock_config=config, test_case="Sad")


@pytest.mark.parametrize("document, message", [
    ([], "is a JSON object with StateMachines and MockedResponses"),
    ({"MockedResponses": {"R": {"0": {"Return": 1, "Throw": {}}}}}, 'MockedResponses.R."0": a response holds exactly '
                                                                    "one field, Return or Throw"),
    ({"MockedResponses": {"R": {"first": {"Return": 1}}}}, 'MockedResponses.R: "first" is not an invocation number'),
    ({"MockedResponses": {"R": {"3-1": {"Return": 1}}}}, 'the range "3-1" ends before it starts'),
    ({"MockedResponses": {"R": {"0-2": {"Return": 1}, "2": {"Return": 2}}}}, "invocations 0-2 and 2 overlap"),
    ({"MockedResponses": {"R": {"0": {"Throw": {"Error": "E"}}}}}, 'MockedResponses.R."0".Throw.Cause: must be a string'),
    ({"MockedResponses": {"R": {}}}, "MockedResponses.R: a mocked response is an object of invocations"),
    ({"StateMachines": {"M": {"TestCases": {"C": {"S": "Missing"}}}}, "MockedResponses": {}},
     "StateMachines.M.TestCases.C.S: no mocked response named 'Missing'"),
    ({"StateMachines": {"M": {"Cases": {}}}}, "StateMachines.M: must be an object with a TestCases object"),
])
def test_malformed_configurations_name_the_place(document, message):
    with pytest.raises(MockConfigError) as caught:
        MockConfig(document, source="mocks.json")
    assert message in str(caught.value)
    assert str(caught.value).startswith("mocks.json")


def test_test_cases_must_name_task_states_that_exist():
    config = MockConfig({"StateMachines": {"lambda_sqs": {"TestCases": {
        "Typo": {"LambdaStat": "R"}}}}, "MockedResponses": {"R": {"0": {"Return": 1}}}})
    with pytest.raises(MockConfigError, match="LambdaStat: the state machine has no state named 'LambdaStat'"):
        run_machine(MACHINE, {}, mock_config=config, test_case="Typo")
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    with pytest.raises(MockConfigError, match="'P' is a Pass state; only Task states can be mocked"):
        run_machine(definition, {}, mocks={"P": {"0": {"Return": 1}}})


def test_bad_json_file_names_line_and_column(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"StateMachines": {}\n "MockedResponses": {}}')
    with pytest.raises(MockConfigError, match=r"bad.json: invalid JSON at line 2, column 2"):
        MockConfig.load(path)


def test_yaml_files_and_the_python_shorthand(tmp_path):
    path = tmp_path / "mocks.yaml"
    path.write_text("StateMachines:\n  lambda_sqs:\n    TestCases:\n      Y: {LambdaState: L, SQSState: S}\n"
                    "MockedResponses:\n  L: {'0': {Return: {Payload: 1}}}\n  S: {'0': {Return: done}}\n")
    run_machine(MACHINE, {}, mock_config=path, test_case="Y").succeeded().has_output("done")
    check = run_machine(MACHINE, {}, mocks={"LambdaState": MockedResponse.returning({"Payload": 2}),
                                            "SQSState": MockedResponse.returning("sent")})
    check.succeeded().has_output("sent").state_output("LambdaState", {"Payload": 2})
    assert json.loads(json.dumps(check.output)) == "sent"


def test_any_resource_can_be_mocked_callbacks_nested_executions_sdk_calls():
    definition = {"StartAt": "Approval", "States": {
        "Approval": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                     "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q", "MessageBody": "x"},
                     "ResultPath": "$.approval", "Next": "Child"},
        "Child": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
                  "Parameters": {"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:Other",
                                 "Input": {}},
                  "ResultSelector": {"child.$": "$.Output"}, "ResultPath": "$.child", "Next": "Read"},
        "Read": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                 "Parameters": {"Bucket": "b", "Key": "k"}, "ResultSelector": {"body.$": "$.Body"},
                 "ResultPath": "$.read", "End": True}}}
    check = run_machine(definition, {}, mocks={
        "Approval": {"0": {"Return": {"approved": True}}},  # the callback's output: no token needs sending
        "Child": {"0": {"Return": {"Output": {"x": 1}, "Status": "SUCCEEDED"}}},  # no 'Other' machine needed
        "Read": {"0": {"Return": {"Body": "hi"}}}})
    check.succeeded().has_output({"approval": {"approved": True}, "child": {"child": {"x": 1}}, "read": {"body": "hi"}})


def test_unknown_top_level_fields_are_ignored_with_a_warning():
    from aslrun.testing.mock_config import MockConfigWarning

    with pytest.warns(MockConfigWarning, match=r"mocks.json: unknown top-level field\(s\) 'Comment', 'StateMachine' "
                                               r"\(did you mean 'StateMachines'\?\) ignored"):
        config = MockConfig({"Comment": "ours", "StateMachine": {}, "MockedResponses": {}}, source="mocks.json")
    assert config.responses == {}
