"""JSONata states end to end: Arguments, Output, Assign and every field that takes an expression,
per state type, with the rules of AWS's "Transforming data with JSONata" and the state pages of
the Step Functions developer guide. Causes are AWS's (see ../shared/conformance)."""

from __future__ import annotations

import pytest

from aslrun import StateMachine

FN_ARN = "arn:aws:lambda:us-east-1:123456789012:function:Fn"
INVOKE = "arn:aws:states:::lambda:invoke"


def jsonata(states, start=None, **top):
    return {"QueryLanguage": "JSONata", "StartAt": start or next(iter(states)), "States": states, **top}


def succeeded(execution):
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    return execution.output


def failed(execution):
    assert execution.status == "FAILED", execution.output
    return execution.error, execution.cause


def echo(event, context):
    return {"got": event}


# -- Pass: Output and the default output ------------------------------------------------------------

def test_a_state_without_output_passes_its_input_on(run):
    assert succeeded(run(jsonata({"P": {"Type": "Pass", "End": True}}), {"a": None})) == {"a": None}


@pytest.mark.parametrize("output, expected", [
    ("{% $states.input.a + 1 %}", 2),
    ({"x": "{% $states.input.a %}", "lit": "$.a", "list": ["{% $states.input.a * 10 %}", "b"]},
     {"x": 1, "lit": "$.a", "list": [10, "b"]}),
    (None, None), ("plain", "plain"), ([], []),
])
def test_output_is_a_value_an_expression_or_a_template(run, output, expected):
    definition = jsonata({"P": {"Type": "Pass", "Output": output, "End": True}})
    assert succeeded(run(definition, {"a": 1})) == expected


def test_undefined_output_fails_with_the_state_located(run):
    definition = jsonata({"First": {"Type": "Pass", "Next": "P"},
                          "P": {"Type": "Pass", "Output": {"r": "{% $states.input.nope %}"}, "End": True}})
    assert failed(run(definition)) == (
        "States.QueryEvaluationError",
        "An error occurred while executing the state 'P' (entered at the event id #4). The JSONata expression "
        "'$states.input.nope' specified for the field 'Output/r' returned nothing (undefined).")


def test_context_object_and_now_read_the_execution(run):
    definition = jsonata({"P": {"Type": "Pass", "Output": {
        "name": "{% $states.context.State.Name %}", "input": "{% $states.context.Execution.Input %}",
        "now": "{% $now() %}", "entered": "{% $states.context.State.EnteredTime %}"}, "End": True}})
    out = succeeded(run(definition, {"k": 1}))
    assert out == {"name": "P", "input": {"k": 1}, "now": "2024-01-01T00:00:00.000Z",
                   "entered": "2024-01-01T00:00:00.000Z"}


def test_random_and_uuid_are_repeatable_with_the_seed(run):
    definition = jsonata({"P": {"Type": "Pass", "Output": ["{% $random() %}", "{% $uuid() %}"], "End": True}})
    first, second, other = (run(definition, seed=1).output, run(definition, seed=1).output,
                            run(definition, seed=2).output)
    assert first == second and first != other


# -- Task: Arguments, $states.result, Output --------------------------------------------------------

def test_task_arguments_result_and_output(run):
    definition = jsonata({"T": {"Type": "Task", "Resource": FN_ARN,
                                "Arguments": {"id": "{% $states.input.id %}", "fixed": 1},
                                "Output": {"result": "{% $states.result.got %}", "in": "{% $states.input %}"},
                                "End": True}})
    assert succeeded(run(definition, {"id": "M1"}, handlers={"Fn": echo})) == {
        "result": {"id": "M1", "fixed": 1}, "in": {"id": "M1"}}


def test_task_without_output_returns_the_result(run):
    definition = jsonata({"T": {"Type": "Task", "Resource": FN_ARN, "End": True}})
    assert succeeded(run(definition, {"a": 1}, handlers={"Fn": echo})) == {"got": {"a": 1}}


def test_lambda_invoke_function_name_from_an_expression(run):
    definition = jsonata({"T": {"Type": "Task", "Resource": INVOKE,
                                "Arguments": {"FunctionName": "{% $states.input.fn %}", "Payload": {"x": 1}},
                                "Output": "{% $states.result.Payload %}", "End": True}})
    assert succeeded(run(definition, {"fn": FN_ARN}, handlers={"Fn": echo})) == {"got": {"x": 1}}


def test_task_timeouts_from_expressions(run):
    seen = {}

    def record(event, context):
        seen["remaining"] = context.get_remaining_time_in_millis()
        return 1

    definition = jsonata({"T": {"Type": "Task", "Resource": FN_ARN, "TimeoutSeconds": "{% $states.input.t %}",
                                "HeartbeatSeconds": "{% 1 %}", "End": True}})
    execution = run(definition, {"t": 30}, handlers={"Fn": record})
    assert succeeded(execution) == 1
    scheduled = execution.history.events("LambdaFunctionScheduled")[0]
    assert scheduled.details["timeoutInSeconds"] == 30


def test_task_timeout_must_be_a_positive_integer(run):
    definition = jsonata({"T": {"Type": "Task", "Resource": FN_ARN, "TimeoutSeconds": "{% 'x' %}", "End": True}})
    error, cause = failed(run(definition, {}, handlers={"Fn": echo}))
    assert error == "States.QueryEvaluationError"
    assert cause.endswith("The JSONata expression ''x'' specified for the field 'TimeoutSeconds' returned an "
                          "unexpected result type. Expected 'positive integer', but was 'string' for value: \"x\"")


# -- Catch: Output and Assign with $states.errorOutput ------------------------------------------------

class Boom(Exception):
    pass


def boom(event, context):
    raise Boom("it broke")


def test_catch_output_and_assign_read_the_error_output(run):
    definition = jsonata({
        "T": {"Type": "Task", "Resource": FN_ARN, "Assign": {"never": 1},
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "After",
                         "Output": {"error": "{% $states.errorOutput.Error %}", "in": "{% $states.input.k %}"},
                         "Assign": {"cause": "{% $parse($states.errorOutput.Cause).errorMessage %}"}}],
              "End": True},
        "After": {"Type": "Pass", "Output": {"out": "{% $states.input %}", "cause": "{% $cause %}",
                                             "never": "{% $exists($never) %}"}, "End": True}})
    assert succeeded(run(definition, {"k": "v"}, handlers={"Fn": boom})) == {
        "out": {"error": "Boom", "in": "v"}, "cause": "it broke", "never": False}


def test_catch_without_output_passes_the_error_output(run):
    definition = jsonata({
        "T": {"Type": "Task", "Resource": FN_ARN, "Catch": [{"ErrorEquals": ["Boom"], "Next": "After"}], "End": True},
        "After": {"Type": "Pass", "End": True}})
    out = succeeded(run(definition, {}, handlers={"Fn": boom}))
    assert out["Error"] == "Boom" and '"errorMessage": "it broke"' in out["Cause"]  # a Lambda's error JSON


def test_query_evaluation_error_can_be_caught(run):
    definition = jsonata({
        "P": {"Type": "Task", "Resource": FN_ARN, "Arguments": "{% $nope %}",
              "Catch": [{"ErrorEquals": ["States.QueryEvaluationError"], "Next": "After"}], "End": True},
        "After": {"Type": "Pass", "Output": "{% $states.input.Error %}", "End": True}})
    assert succeeded(run(definition, {}, handlers={"Fn": echo})) == "States.QueryEvaluationError"


# -- Choice ---------------------------------------------------------------------------------------

def choice_machine(**choice_fields):
    return jsonata({
        "C": {"Type": "Choice", "Choices": [
            {"Condition": "{% $states.input.n > 10 %}", "Next": "Big", "Output": {"size": "big"},
             "Assign": {"picked": "big"}},
            {"Condition": "{% $states.input.n > 5 %}", "Next": "Big"}],
            "Default": "Small", **choice_fields},
        "Big": {"Type": "Pass", "Output": {"in": "{% $states.input %}", "picked": "{% $picked %}"}, "End": True},
        "Small": {"Type": "Pass", "Output": {"in": "{% $states.input %}", "picked": "{% $picked %}"}, "End": True}})


def test_choice_rule_output_and_assign_win_over_the_states(run):
    definition = choice_machine(Output={"size": "default"}, Assign={"picked": "state"})
    assert succeeded(run(definition, {"n": 20})) == {"in": {"size": "big"}, "picked": "big"}
    # a rule without its own Output and Assign: the state's apply
    assert succeeded(run(definition, {"n": 7})) == {"in": {"size": "default"}, "picked": "state"}
    assert succeeded(run(definition, {"n": 1})) == {"in": {"size": "default"}, "picked": "state"}


def test_condition_must_be_boolean(run):
    definition = jsonata({"C": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.n %}", "Next": "E"}],
                                "Default": "E"}, "E": {"Type": "Succeed"}})
    error, cause = failed(run(definition, {"n": 1}))
    assert error == "States.QueryEvaluationError"
    assert cause.endswith("The JSONata expression '$states.input.n' specified for the field 'Condition' returned an "
                          "unexpected result type. Expected 'boolean', but was 'number' for value: 1")


def test_no_condition_matches_and_no_default(run):
    definition = jsonata({"C": {"Type": "Choice", "Choices": [{"Condition": False, "Next": "E"}]},
                          "E": {"Type": "Succeed"}})
    assert failed(run(definition)) == ("States.NoChoiceMatched", "No Matches!")


# -- Wait -----------------------------------------------------------------------------------------

def test_wait_seconds_and_timestamp_from_expressions(run):
    definition = jsonata({
        "W1": {"Type": "Wait", "Seconds": "{% $states.input.s %}", "Next": "W2"},
        "W2": {"Type": "Wait", "Timestamp": "{% $states.input.until %}", "Next": "Done"},
        "Done": {"Type": "Pass", "Output": "{% $states.context.State.EnteredTime %}", "End": True}})
    out = succeeded(run(definition, {"s": 60, "until": "2024-01-01T02:00:00Z"}))
    assert out == "2024-01-01T02:00:00.000Z"


def test_wait_seconds_must_be_a_non_negative_integer(run):
    definition = jsonata({"W": {"Type": "Wait", "Seconds": "{% -1 %}", "End": True}})
    assert failed(run(definition))[0] == "States.QueryEvaluationError"


# -- Map ------------------------------------------------------------------------------------------

def test_map_items_item_selector_and_limits(run):
    definition = jsonata({"M": {
        "Type": "Map", "Items": "{% $states.input.list %}", "MaxConcurrency": "{% $states.input.limit %}",
        "ItemSelector": {"value": "{% $states.context.Map.Item.Value %}", "index": "{% $states.context.Map.Item.Index %}",
                         "tag": "{% $states.input.tag %}"},
        "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}},
        "Output": "{% $states.result.value %}", "End": True}})
    assert succeeded(run(definition, {"list": ["a", "b"], "limit": 1, "tag": "t"})) == ["a", "b"]


def test_map_items_literal_array_template(run):
    definition = jsonata({"M": {
        "Type": "Map", "Items": [1, "{% $states.input.x %}"],
        "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "Output": "{% $states.input * 2 %}",
                                                         "End": True}}},
        "End": True}})
    assert succeeded(run(definition, {"x": 5})) == [2, 10]


@pytest.mark.parametrize("tolerance", [{"ToleratedFailureCount": "{% 1 %}"},
                                       {"ToleratedFailurePercentage": "{% $states.input[0] * 40 %}"}])
def test_map_tolerated_failures_from_expressions(run, tolerance):
    definition = jsonata({"M": {
        "Type": "Map", **tolerance,
        "ItemProcessor": {"StartAt": "I", "States": {
            "I": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input = 2 %}", "Next": "Bad"}],
                  "Default": "Ok"},
            "Bad": {"Type": "Fail", "Error": "Bad"}, "Ok": {"Type": "Succeed"}}},
        "End": True}})
    assert succeeded(run(definition, [1, 2, 3])) == [1, {"Error": "Bad", "Cause": ""}, 3]


def test_map_input_must_be_an_array(run):
    definition = jsonata({"M": {"Type": "Map", "ItemProcessor": {
        "StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}}, "End": True}})
    assert failed(run(definition, {"a": 1})) == (
        "States.QueryEvaluationError",
        "An error occurred while executing the state 'M' (entered at the event id #2). "
        "Map state input must be an array but was: {\"a\":1}")


# -- Fail -----------------------------------------------------------------------------------------

def test_fail_error_and_cause_from_expressions(run):
    definition = jsonata({"F": {"Type": "Fail", "Error": "{% $states.input.e %}",
                                "Cause": "{% 'because ' & $states.input.c %}"}})
    assert failed(run(definition, {"e": "Oops", "c": 42})) == ("Oops", "because 42")


def test_fail_error_must_be_a_string(run):
    definition = jsonata({"F": {"Type": "Fail", "Error": "{% 1 %}"}})
    assert failed(run(definition))[0] == "States.QueryEvaluationError"


# -- mixing query languages -------------------------------------------------------------------------

def test_jsonpath_machine_with_a_jsonata_state_and_back(run):
    definition = {"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Parameters": {"v.$": "$.x"}, "Assign": {"kept.$": "$.v"}, "Next": "B"},
        "B": {"Type": "Pass", "QueryLanguage": "JSONata",
              "Output": {"sum": "{% $states.input.v + $kept %}"}, "Assign": {"fromJsonata": "{% 'yes' %}"},
              "Next": "C"},
        "C": {"Type": "Pass", "Parameters": {"sum.$": "$.sum", "var.$": "$fromJsonata"}, "End": True}}}
    assert succeeded(run(definition, {"x": 2})) == {"sum": 4, "var": "yes"}


def test_a_jsonata_machine_applies_to_nested_branches(run):
    definition = jsonata({"P": {"Type": "Parallel", "Arguments": {"n": "{% $states.input.n %}"}, "Branches": [
        {"StartAt": "B", "States": {"B": {"Type": "Pass", "Output": "{% $states.input.n + 1 %}", "End": True}}}],
        "Output": "{% $states.result[0] %}", "End": True}})
    assert succeeded(run(definition, {"n": 1})) == 2


def test_a_malformed_expression_is_a_definition_error():
    from aslrun import DefinitionError

    with pytest.raises(DefinitionError):
        StateMachine(jsonata({"P": {"Type": "Pass", "Output": "{% 1 + %}", "End": True}}), validate=False)
