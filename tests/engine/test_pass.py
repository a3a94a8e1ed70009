"""Pass state: Result, Parameters and every step of the JSONPath data flow, checked by hand.

raw input -> InputPath -> Parameters -> (Result or the effective input) -> ResultPath (merged into
the raw input) -> OutputPath. Expected values follow the Step Functions developer guide
("Processing input and output") and the AWS-recorded cases in ../shared/conformance.
"""

from __future__ import annotations

import pytest


def machine(**pass_fields):
    return {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True, **pass_fields}}}


def succeeded(execution):
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    return execution.output


# -- Result and the plain flow --------------------------------------------------------------------

def test_without_fields_the_input_passes_through(run):
    assert succeeded(run(machine(), {"a": [1, {"b": None}], "c": "é"})) == {"a": [1, {"b": None}], "c": "é"}


def test_result_replaces_the_input(run):
    assert succeeded(run(machine(Result={"x": 1}), {"a": 1})) == {"x": 1}


@pytest.mark.parametrize("result", [0, "text", None, [1, 2], False, 1.5])
def test_result_may_be_any_json_value(run, result):
    assert succeeded(run(machine(Result=result), {"a": 1})) == result


def test_result_is_a_constant_whose_dollar_keys_are_not_evaluated(run):
    # Result is taken literally; only Parameters/ResultSelector evaluate '.$' keys
    assert succeeded(run(machine(Result={"k.$": "$.x"}), {"x": 1})) == {"k.$": "$.x"}


# -- InputPath ------------------------------------------------------------------------------------

def test_input_path_selects_part_of_the_input(run):
    assert succeeded(run(machine(InputPath="$.a.b"), {"a": {"b": {"c": 1}}, "z": 0})) == {"c": 1}


def test_input_path_can_index_an_array(run):
    assert succeeded(run(machine(InputPath="$.l[1]"), {"l": ["x", "y"]})) == "y"


def test_input_path_null_gives_an_empty_object(run):
    assert succeeded(run(machine(InputPath=None), {"x": 1})) == {}


def test_input_path_may_read_the_context_object(run):
    assert succeeded(run(machine(InputPath="$$.Execution.Input.a"), {"a": {"b": 2}})) == {"b": 2}


def test_input_path_that_finds_nothing_is_a_runtime_error_with_jayways_words(run):
    execution = run(machine(InputPath="$.missing"), {"x": 1})
    assert execution.status == "FAILED"
    assert execution.error == "States.Runtime"
    assert execution.cause == ("An error occurred while executing the state 'P' (entered at the event id #2). "
                               "Invalid path '$.missing' : No results for path: $['missing']")


# -- Parameters -----------------------------------------------------------------------------------

def test_parameters_build_a_new_input_with_paths_context_and_literals(run):
    params = {
        "fromInput.$": "$.x",
        "nested": {"state.$": "$$.State.Name", "literal": "$.x"},
        "inArray": [{"v.$": "$.x"}, 2],
        "whole.$": "$",
    }
    out = succeeded(run(machine(Parameters=params), {"x": 1}))
    assert out == {"fromInput": 1, "nested": {"state": "P", "literal": "$.x"}, "inArray": [{"v": 1}, 2],
                   "whole": {"x": 1}}


def test_parameters_see_the_input_after_input_path(run):
    assert succeeded(run(machine(InputPath="$.a", Parameters={"v.$": "$.b"}), {"a": {"b": 5}, "b": 9})) == {"v": 5}


def test_parameters_with_an_intrinsic_function(run):
    params = {"greeting.$": "States.Format('Hello, {}! You are {}.', $.name, $.age)"}
    assert succeeded(run(machine(Parameters=params), {"name": "Ann", "age": 7})) == {
        "greeting": "Hello, Ann! You are 7."}


def test_parameters_with_an_indefinite_path_yield_a_list(run):
    params = {"vs.$": "$.l[*].v", "big.$": "$.l[?(@.v > 1)].v"}
    out = succeeded(run(machine(Parameters=params), {"l": [{"v": 1}, {"w": 2}, {"v": 3}]}))
    assert out == {"vs": [1, 3], "big": [3]}


def test_parameters_path_that_finds_nothing_names_the_field_and_the_input(run):
    execution = run(machine(Parameters={"a.$": "$.missing"}), {"x": 1})
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")
    assert execution.cause == ("An error occurred while executing the state 'P' (entered at the event id #2). "
                               "The JSONPath '$.missing' specified for the field 'a.$' could not be found in "
                               "the input '{\"x\":1}'")


# -- ResultPath -----------------------------------------------------------------------------------

def test_result_path_merges_the_result_into_the_raw_input(run):
    out = succeeded(run(machine(Result="r", ResultPath="$.res"), {"a": 1}))
    assert out == {"a": 1, "res": "r"}


def test_result_path_creates_missing_objects_along_the_way(run):
    out = succeeded(run(machine(Result=1, ResultPath="$.a.b.c"), {"a": {"keep": True}}))
    assert out == {"a": {"keep": True, "b": {"c": 1}}}


def test_result_path_merges_into_the_raw_input_not_the_input_path_selection(run):
    out = succeeded(run(machine(InputPath="$.a", ResultPath="$.copy"), {"a": {"x": 1}, "z": 0}))
    assert out == {"a": {"x": 1}, "z": 0, "copy": {"x": 1}}


def test_result_path_replaces_an_existing_value(run):
    assert succeeded(run(machine(Result=2, ResultPath="$.a"), {"a": {"old": 1}})) == {"a": 2}


def test_result_path_into_an_array_element(run):
    assert succeeded(run(machine(Result=5, ResultPath="$.a[1]"), {"a": [1, 2, 3]})) == {"a": [1, 5, 3]}


def test_result_path_dollar_replaces_everything(run):
    assert succeeded(run(machine(Result={"x": 1}, ResultPath="$"), [1, 2])) == {"x": 1}


def test_result_path_null_discards_the_result(run):
    assert succeeded(run(machine(Result={"x": 1}, ResultPath=None), {"keep": 1})) == {"keep": 1}


@pytest.mark.parametrize(("raw", "path"), [({"a": "text"}, "$.a.b"), ({"a": [1, 2, 3]}, "$.a[5]"), ([1], "$.y")])
def test_result_path_that_cannot_apply_is_a_result_path_match_failure(run, raw, path):
    execution = run(machine(Result=1, ResultPath=path), raw)
    assert (execution.status, execution.error) == ("FAILED", "States.ResultPathMatchFailure")
    assert execution.cause.startswith("An error occurred while executing the state 'P' (entered at the event id #2). ")
    assert f'Unable to apply ResultPath "{path}" to input' in execution.cause


# -- OutputPath -----------------------------------------------------------------------------------

def test_output_path_filters_after_result_path(run):
    out = succeeded(run(machine(Result={"v": 1}, ResultPath="$.r", OutputPath="$.r.v"), {"a": 1}))
    assert out == 1


def test_output_path_null_gives_an_empty_object(run):
    assert succeeded(run(machine(OutputPath=None), {"x": 1})) == {}


def test_output_path_with_a_missing_intermediate_uses_jayways_missing_property_words(run):
    execution = run(machine(OutputPath="$.a.b.c"), {"a": {}})
    assert execution.error == "States.Runtime"
    assert execution.cause.endswith("Invalid path '$.a.b.c' : Missing property in path $['a']['b']")


def test_every_step_together(run):
    definition = machine(InputPath="$.order", Parameters={"id.$": "$.id", "n.$": "States.ArrayLength($.lines)"},
                         ResultPath="$.summary", OutputPath="$.summary")
    out = succeeded(run(definition, {"order": {"id": "o-1", "lines": [1, 2, 3]}, "other": True}))
    assert out == {"id": "o-1", "n": 3}


# -- the context object ---------------------------------------------------------------------------

def test_context_object_fields(run):
    definition = {"StartAt": "First", "States": {
        "First": {"Type": "Pass", "Next": "Second"},
        "Second": {"Type": "Pass", "Parameters": {"ctx.$": "$$"}, "End": True}}}
    execution = run(definition, {"a": 1}, name="my-run")
    ctx = succeeded(execution)["ctx"]
    assert ctx["Execution"] == {
        "Id": "arn:aws:states:us-east-1:123456789012:execution:StateMachine:my-run",
        "Input": {"a": 1},
        "Name": "my-run",
        "RoleArn": ctx["Execution"]["RoleArn"],
        "StartTime": "2024-01-01T00:00:00.000Z",
        "RedriveCount": 0,
    }
    assert ctx["Execution"]["RoleArn"].startswith("arn:aws:iam::123456789012:role/")
    assert ctx["StateMachine"] == {"Id": "arn:aws:states:us-east-1:123456789012:stateMachine:StateMachine",
                                   "Name": "StateMachine"}
    # AWS-recorded (LocalStack's context_object snapshots, 2024-09): a Pass state's $$.State has no
    # RetryCount (states that can retry have one, see test_retry_catch)
    assert ctx["State"] == {"EnteredTime": "2024-01-01T00:00:00.000Z", "Name": "Second"}
    assert "Map" not in ctx and "Task" not in ctx


def test_context_object_uses_region_and_account_given_to_execute(run):
    definition = machine(Parameters={"id.$": "$$.StateMachine.Id"})
    out = succeeded(run(definition, {}, region="eu-west-1", account="111122223333"))
    assert out == {"id": "arn:aws:states:eu-west-1:111122223333:stateMachine:StateMachine"}


def test_context_execution_input_is_the_original_input_even_after_changes(run):
    definition = {"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Result": {"changed": True}, "Next": "B"},
        "B": {"Type": "Pass", "Parameters": {"original.$": "$$.Execution.Input", "now.$": "$"}, "End": True}}}
    assert succeeded(run(definition, {"x": 1})) == {"original": {"x": 1}, "now": {"changed": True}}


def test_state_data_is_never_shared_with_the_callers_input(run):
    given = {"a": {"b": 1}}
    run(machine(Result=2, ResultPath="$.a.c"), given)
    assert given == {"a": {"b": 1}}
