"""Task state: resources (Lambda ARN, lambda:invoke, a bound service ARN), the handler boundary,
ResultSelector / ResultPath / OutputPath, history events and binding checks before the run.

Lambda semantics follow the Lambda and Step Functions developer guides: the function receives the
effective input (a private copy), returns the task result; ``arn:aws:states:::lambda:invoke``
returns the Invoke API response (``Payload``, ``StatusCode``, ``ExecutedVersion``, SDK metadata).
"""

from __future__ import annotations

import json

import pytest

from aslrun import BindingError, StateMachine

FN_ARN = "arn:aws:lambda:us-east-1:123456789012:function:Fn"
INVOKE = "arn:aws:states:::lambda:invoke"


def task(**fields):
    return {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": FN_ARN, "End": True, **fields}}}


def echo(event, context):
    return {"event": event, "function": context.function_name, "arn": context.invoked_function_arn}


class MeterRejected(Exception):
    """A business error: its class name becomes the ASL error name."""


def reject(event, context):
    raise MeterRejected("meter M1 has no tariff")


# -- Lambda function ARN as Resource --------------------------------------------------------------

def test_lambda_arn_calls_the_handler_with_the_effective_input(run):
    execution = run(task(InputPath="$.in", Parameters={"id.$": "$.id", "fixed": 1}), {"in": {"id": "M1"}},
                    handlers={"Fn": echo})
    assert execution.status == "SUCCEEDED"
    assert execution.output == {"event": {"id": "M1", "fixed": 1}, "function": "Fn", "arn": FN_ARN}


@pytest.mark.parametrize("key", ["Fn", FN_ARN, "123456789012:function:Fn"])
def test_a_handler_bound_by_name_arn_or_partial_arn_serves_the_function(run, key):
    assert run(task(), {"a": 1}, handlers={key: echo}).output["event"] == {"a": 1}


def test_a_qualified_arn_is_served_by_the_function_name_and_the_context_shows_the_qualifier(run):
    execution = run(task(Resource=FN_ARN + ":live"), {}, handlers={"Fn": echo})
    assert execution.output["arn"] == FN_ARN + ":live"


def test_lambda_history_events(run):
    execution = run(task(TimeoutSeconds=30), {"a": 1}, handlers={"Fn": lambda e, c: {"ok": True}})
    kinds = [(e.type, e.details) for e in execution.history][1:-1]
    assert kinds == [
        ("TaskStateEntered", {"name": "T", "input": {"a": 1}}),
        ("LambdaFunctionScheduled", {"resource": FN_ARN, "input": {"a": 1}, "timeoutInSeconds": 30}),
        ("LambdaFunctionStarted", {}),
        ("LambdaFunctionSucceeded", {"output": {"ok": True}}),
        ("TaskStateExited", {"name": "T", "output": {"ok": True}}),
    ]


def test_the_handler_gets_a_private_copy_of_the_input(run):
    def mutate(event, context):
        event["a"] = 99
        return event

    execution = run(task(ResultPath="$.r"), {"a": 1}, handlers={"Fn": mutate})
    assert execution.output == {"a": 1, "r": {"a": 99}}


def test_a_handler_returning_none_gives_null(run):
    execution = run(task(), {}, handlers={"Fn": lambda e, c: None})
    assert (execution.status, execution.output) == ("SUCCEEDED", None)


def test_the_lambda_context_object(run):
    seen = {}

    def inspect(event, context):
        seen.update(name=context.function_name, version=context.function_version,
                    request=context.aws_request_id, remaining=context.get_remaining_time_in_millis(),
                    group=context.log_group_name)
        return None

    run(task(), {}, handlers={"Fn": inspect})
    assert seen["name"] == "Fn" and seen["version"] == "$LATEST" and seen["group"] == "/aws/lambda/Fn"
    assert len(seen["request"]) == 36 and seen["remaining"] > 0


# -- errors at the handler boundary ---------------------------------------------------------------

def test_an_exception_fails_the_task_named_after_its_class_with_lambdas_json_cause(run):
    execution = run(task(), {}, handlers={"Fn": reject})
    assert (execution.status, execution.error) == ("FAILED", "MeterRejected")
    cause = json.loads(execution.cause)
    assert cause["errorMessage"] == "meter M1 has no tariff"
    assert cause["errorType"] == "MeterRejected"
    assert len(cause["requestId"]) == 36
    assert isinstance(cause["stackTrace"], list) and "reject" in "".join(cause["stackTrace"])
    failed = execution.history.events("LambdaFunctionFailed")[0]
    assert failed.details == {"error": "MeterRejected", "cause": execution.cause}


@pytest.mark.parametrize("result", [{1, 2}, float("nan"), object()])
def test_a_result_lambda_could_not_serialise_is_a_marshal_error(run, result):
    execution = run(task(), {}, handlers={"Fn": lambda e, c: result})
    assert (execution.status, execution.error) == ("FAILED", "Runtime.MarshalError")
    assert json.loads(execution.cause)["errorType"] == "Runtime.MarshalError"


def test_a_handler_that_exits_fails_the_task_instead_of_the_engine(run):
    # Lambda reports a function that exits as "Runtime.ExitError"; the engine must not die with it
    def leave(event, context):
        raise SystemExit(3)

    execution = run(task(), {}, handlers={"Fn": leave})
    assert (execution.status, execution.error) == ("FAILED", "Runtime.ExitError")


def test_a_result_over_256_kib_is_data_limit_exceeded(run):
    execution = run(task(), {}, handlers={"Fn": lambda e, c: "x" * 300_000})
    assert (execution.status, execution.error) == ("FAILED", "States.DataLimitExceeded")


# -- ResultSelector / ResultPath / OutputPath ------------------------------------------------------

def test_result_selector_reads_the_result_and_the_context(run):
    definition = task(ResultSelector={"id.$": "$.event.id", "state.$": "$$.State.Name", "k": "v"},
                      ResultPath="$.r", OutputPath="$.r")
    assert run(definition, {"id": 7}, handlers={"Fn": echo}).output == {"id": 7, "state": "T", "k": "v"}


def test_result_path_null_keeps_the_input(run):
    assert run(task(ResultPath=None), {"keep": 1}, handlers={"Fn": echo}).output == {"keep": 1}


def test_result_selector_path_that_finds_nothing_is_a_runtime_error(run):
    execution = run(task(ResultSelector={"x.$": "$.nope"}), {}, handlers={"Fn": echo})
    assert execution.error == "States.Runtime"
    assert "The JSONPath '$.nope' specified for the field 'x.$' could not be found" in execution.cause


# -- arn:aws:states:::lambda:invoke ---------------------------------------------------------------

def test_lambda_invoke_returns_the_invoke_response(run):
    definition = task(Resource=INVOKE, Parameters={"FunctionName": "Fn", "Payload.$": "$"})
    execution = run(definition, {"a": 1}, handlers={"Fn": lambda e, c: {"sum": 3}})
    out = execution.output
    assert execution.status == "SUCCEEDED"
    assert out["Payload"] == {"sum": 3}
    assert out["StatusCode"] == 200
    assert out["ExecutedVersion"] == "$LATEST"
    assert out["SdkHttpMetadata"]["HttpStatusCode"] == 200
    assert out["SdkResponseMetadata"]["RequestId"] == out["SdkHttpMetadata"]["HttpHeaders"]["x-amzn-RequestId"]
    assert {"ExecutedVersion", "Payload", "SdkHttpMetadata", "SdkResponseMetadata", "StatusCode"} <= set(out)


@pytest.mark.parametrize(("payload", "length"), [
    ({"theQuestion": "What is the answer to life, the universe, and everything?", "theAnswer": 42}, 93),
    ("HelloWorld", 12), (0.0, 3), (None, 4), ([], 2), ({"name": "Zoë"}, 20)])
def test_lambda_invoke_content_length_is_the_payload_as_the_python_runtime_serialises_it(run, payload, length):
    # AWS-recorded responses (LocalStack's test_task_dataflow_to_state, test_invoke_json_values):
    # json.dumps of the return value, default separators, non-ASCII escaped
    definition = task(Resource=INVOKE, Parameters={"FunctionName": "Fn"})
    out = run(definition, {}, handlers={"Fn": lambda e, c: payload}).output
    assert out["SdkHttpMetadata"]["HttpHeaders"]["Content-Length"] == str(length)
    assert out["SdkHttpMetadata"]["AllHttpHeaders"]["Content-Length"] == [str(length)]


def test_lambda_invoke_sends_a_json_text_payload_as_its_bytes(run):
    """Invoke sends ``Payload`` as raw bytes: a JSON text arrives decoded; text that is not JSON is
    refused by Lambda in its JSON reader's words, before the function runs."""
    called = []
    handlers = {"Fn": lambda e, c: called.append(e) or e}
    definition = task(Resource=INVOKE, Parameters={"FunctionName": "Fn", "Payload": '{"n": [1, 2]}'})
    assert run(definition, {}, handlers=handlers).output["Payload"] == {"n": [1, 2]}
    failed = run(task(Resource=INVOKE, Parameters={"FunctionName": "Fn", "Payload": "test data"}), {},
                 handlers=handlers)
    assert (failed.status, failed.error) == ("FAILED", "Lambda.InvalidRequestContentException")
    assert failed.cause.startswith(
        "Could not parse request body into json: Could not parse payload into json: Unrecognized token 'test': was "
        "expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n"
        ' at [Source: (byte[])"test data"; line: 1, column: 6] (Service: AWSLambda; Status Code: 400; Error Code: '
        "InvalidRequestContentException; Request ID: ")
    assert failed.cause.endswith("; Proxy: null)")
    assert called == [{"n": [1, 2]}]


def test_lambda_invoke_result_selector_on_the_payload(run):
    definition = task(Resource=INVOKE, Parameters={"FunctionName": "Fn", "Payload": {"n": 2}},
                      ResultSelector={"value.$": "$.Payload.n"})
    assert run(definition, {}, handlers={"Fn": lambda e, c: e}).output == {"value": 2}


def test_lambda_invoke_history_names_the_service(run):
    definition = task(Resource=INVOKE, Parameters={"FunctionName": "Fn", "Payload": {}})
    execution = run(definition, {}, handlers={"Fn": lambda e, c: 1})
    kinds = [e.type for e in execution.history]
    assert kinds[2:5] == ["TaskScheduled", "TaskStarted", "TaskSucceeded"]
    scheduled = execution.history.events("TaskScheduled")[0].details
    assert scheduled == {"resourceType": "lambda", "resource": "invoke", "region": "us-east-1",
                         "parameters": {"FunctionName": "Fn", "Payload": {}}}
    assert execution.history.events("TaskStarted")[0].details == {"resourceType": "lambda", "resource": "invoke"}


def test_lambda_invoke_with_a_version_qualifier(run):
    definition = task(Resource=INVOKE, Parameters={"FunctionName": FN_ARN + ":3", "Payload": {}})
    assert run(definition, {}, handlers={"Fn": lambda e, c: 1}).output["ExecutedVersion"] == "3"


def test_lambda_invoke_error_is_the_functions_error_type(run):
    definition = task(Resource=INVOKE, Parameters={"FunctionName": "Fn", "Payload": {}})
    execution = run(definition, {}, handlers={"Fn": reject})
    assert (execution.status, execution.error) == ("FAILED", "MeterRejected")
    assert json.loads(execution.cause)["errorMessage"] == "meter M1 has no tariff"


def test_lambda_invoke_of_a_function_named_at_run_time_that_does_not_exist(run):
    definition = task(Resource=INVOKE, Parameters={"FunctionName.$": "$.fn", "Payload": {}})
    execution = run(definition, {"fn": "Nope"}, handlers={"Fn": echo})
    assert (execution.status, execution.error) == ("FAILED", "Lambda.ResourceNotFoundException")
    assert execution.cause.startswith("Function not found: arn:aws:lambda:us-east-1:123456789012:function:Nope:$LATEST "
                                      "(Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; "
                                      "Request ID: ")


def test_lambda_invoke_of_a_missing_version_names_that_version(run):
    definition = task(Resource=INVOKE, Parameters={"FunctionName.$": "$.fn", "Payload": {}})
    execution = run(definition, {"fn": "Nope:prod"}, handlers={"Fn": echo})
    assert execution.cause.startswith("Function not found: arn:aws:lambda:us-east-1:123456789012:function:Nope:prod ")


# -- other service integrations bound to a callable -------------------------------------------------

def test_a_service_resource_bound_to_a_handler(run):
    resource = "arn:aws:states:::dynamodb:putItem"
    definition = task(Resource=resource, Parameters={"TableName": "readings", "Item": {"id.$": "$.id"}})
    execution = run(definition, {"id": "M1"}, handlers={resource: lambda params, ctx: {"stored": params}})
    assert execution.output == {"stored": {"TableName": "readings", "Item": {"id": "M1"}}}
    scheduled = execution.history.events("TaskScheduled")[0].details
    assert (scheduled["resourceType"], scheduled["resource"]) == ("dynamodb", "putItem")


def test_a_service_resource_nothing_serves_is_reported_before_the_run():
    # sqs:sendMessage and friends run against the local AWS emulation; ecs:runTask.sync has none
    machine = StateMachine(task(Resource="arn:aws:states:::ecs:runTask.sync", Parameters={"Cluster": "c"}))
    with pytest.raises(BindingError) as raised:
        machine.execute({}, handlers={}, strict_bindings=True)
    assert "'T'" in str(raised.value) and "arn:aws:states:::ecs:runTask.sync" in str(raised.value)


# -- bindings checked before the run ---------------------------------------------------------------

def test_an_unbound_lambda_is_reported_before_anything_runs():
    machine = StateMachine({"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": FN_ARN, "Next": "B"},
        "B": {"Type": "Task", "Resource": INVOKE, "Parameters": {"FunctionName": "Other"}, "End": True}}})
    with pytest.raises(BindingError) as raised:
        machine.execute({}, handlers={}, strict_bindings=True)
    message = str(raised.value)
    assert f"state 'A': no handler is bound to Lambda function '{FN_ARN}'" in message
    assert "state 'B': no handler is bound to Lambda function 'Other'" in message


def test_tasks_nested_in_parallel_branches_and_map_iterations_are_checked_beside_other_states():
    """The check looks only at the states that have resources (found once per machine), nested ones
    included, in the definition's order; Pass, Choice and Wait states around them change nothing."""
    def lambda_task(function):
        return {"Type": "Task", "Resource": INVOKE, "Parameters": {"FunctionName": function}, "End": True}

    machine = StateMachine({"StartAt": "P0", "States": {
        "P0": {"Type": "Pass", "Next": "Fan"},
        "Fan": {"Type": "Parallel", "Next": "Each", "Branches": [
            {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "Next": "InBranch"},
                                        "InBranch": lambda_task("Left")}},
            {"StartAt": "Q", "States": {"Q": {"Type": "Pass", "End": True}}}]},
        "Each": {"Type": "Map", "ItemsPath": "$.items", "Next": "Last",
                 "ItemProcessor": {"StartAt": "InMap", "States": {"InMap": lambda_task("Inner")}}},
        "Last": lambda_task("Bound")}})
    with pytest.raises(BindingError) as raised:
        machine.execute({"items": []}, handlers={"Bound": lambda event, context: event}, strict_bindings=True)
    assert str(raised.value).splitlines() == [
        "state 'InBranch': no handler is bound to Lambda function 'Left'",
        "state 'InMap': no handler is bound to Lambda function 'Inner'"]
    assert sorted(state.name for state in machine._resource_states) == ["Each", "InBranch", "InMap", "Last"]


def test_a_handler_given_as_a_dotted_string_is_imported():
    machine = StateMachine(task())
    execution = machine.execute({"x": 1}, handlers={"Fn": "json.dumps"})
    assert (execution.status, execution.error) == ("FAILED", "TypeError")  # json.dumps(event, context) fails


def test_a_handler_string_naming_nothing_is_a_binding_error():
    with pytest.raises(BindingError, match="no_such_module_xyz"):
        StateMachine(task()).execute({}, handlers={"Fn": "no_such_module_xyz.handler"})


def test_unbound_resources_are_said_once_per_bindings_and_strict_still_refuses():
    import warnings

    from aslrun import Bindings, UnboundResourceWarning

    machine = StateMachine(task())
    bindings = Bindings({})
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        first = machine.execute({}, handlers=bindings)
        second = machine.execute({}, handlers=bindings)
    assert [type(w.message) for w in seen] == [UnboundResourceWarning]  # the second run reuses the check
    assert first.error == second.error == "Lambda.ResourceNotFoundException"
    with pytest.raises(BindingError, match="no handler is bound to Lambda function"):
        machine.execute({}, handlers=bindings, strict_bindings=True)
