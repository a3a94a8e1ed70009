"""``Parameters`` (and JSONata ``Arguments``) may be any JSON value, as AWS accepts; ResultSelector stays
an object.

AWS's own ASL language service team "validated that customers are able to create and execute state
machines with Parameters values of type number, array, object, boolean, string, and null"
(aws/amazon-states-language-service#83); JSONata ``Output`` of any type is AWS-recorded
(outputdecl/test_output.py::test_base_output_any_non_dict in tests/conformance).
"""

from __future__ import annotations

import pytest

from aslrun.model import validate_definition


def _pass(parameters):
    return {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": parameters, "End": True}}}


@pytest.mark.parametrize(("parameters", "output"), [
    (5, 5), (0.5, 0.5), ("text", "text"), ("$.x", "$.x"), (True, True), (None, None), ([], []),
    ([1, {"a.$": "$.x"}, [{"b.$": "$$.State.Name"}]], [1, {"a": 9}, [{"b": "P"}]]),
])
def test_a_pass_state_s_parameters_may_be_any_json_value(run, parameters, output):
    assert validate_definition(_pass(parameters)) == []
    execution = run(_pass(parameters), {"x": 9})
    assert (execution.status, execution.output) == ("SUCCEEDED", output)


def test_a_task_s_parameters_may_be_an_array(run):
    definition = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:any:thing",
                                                   "Parameters": [{"v.$": "$.x"}, 2], "End": True}}}
    assert validate_definition(definition) == []
    execution = run(definition, {"x": 9}, handlers={"arn:aws:states:::aws-sdk:any:thing": lambda event, ctx: event})
    assert (execution.status, execution.output) == ("SUCCEEDED", [{"v": 9}, 2])


def test_a_parallel_state_s_parameters_may_be_an_array(run):
    definition = {"StartAt": "P", "States": {"P": {
        "Type": "Parallel", "Parameters": [{"v.$": "$.x"}], "End": True,
        "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}]}}}
    execution = run(definition, {"x": 9})
    assert (execution.status, execution.output) == ("SUCCEEDED", [[{"v": 9}]])


@pytest.mark.parametrize(("arguments", "result"), [
    (["{% $states.input.x %}", 2], [9, 2]), (7, 7), ("plain text", "plain text"), (None, None),
])
def test_jsonata_arguments_may_be_any_json_value(run, arguments, result):
    definition = {"QueryLanguage": "JSONata", "StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:any:thing", "Arguments": arguments, "End": True}}}
    assert validate_definition(definition) == []
    execution = run(definition, {"x": 9}, handlers={"arn:aws:states:::aws-sdk:any:thing": lambda event, ctx: event})
    assert (execution.status, execution.output) == ("SUCCEEDED", result)


@pytest.mark.parametrize("selector", [5, [1], "text"])
def test_result_selector_stays_an_object(selector):
    definition = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:any:thing",
                                                   "ResultSelector": selector, "End": True}}}
    problems = [(p.location, p.message) for p in validate_definition(definition)]
    assert problems == [("States.T.ResultSelector", "Expected value of type [OBJECT]")]
