"""State fields holding JSONata: literals, ``{% %}`` expressions and templates of both, the
``$states`` scope and AWS's QueryEvaluationError causes (texts from the AWS-recorded cases in
../shared/conformance: assign/*undefined*, scenarios/*items*)."""

from __future__ import annotations

import random

import pytest

from aslrun.engine.variables import Variables
from aslrun.errors import StatesError
from aslrun.expr.jsonata import (
    JsonataScope,
    JsonataSyntaxError,
    compile_field,
    expression_text,
    is_jsonata,
    unexpected_type,
)


class Clock:
    def now(self):
        return 1704067200.0


class Execution:
    clock = Clock()


class Frame:
    """The parts of an engine frame a JSONata scope reads."""

    def __init__(self, **variables):
        self.variables = Variables(values=variables)
        self.execution = Execution()
        self.rng = random.Random(0)

    def context(self):
        return {"Execution": {"Id": "arn:x"}, "State": {"Name": "S"}}


def scope(input=None, **kwargs):
    variables = kwargs.pop("variables", {})
    return JsonataScope(Frame(**variables), {} if input is None else input, **kwargs)


@pytest.mark.parametrize("text, expected", [
    ("{% $x %}", True), ("{%$x%}", True), (" {% $x %} ", False), ("{% x", False), ("$.a", False), (1, False),
])
def test_is_jsonata(text, expected):
    assert is_jsonata(text) is expected


def test_expression_text_is_stripped():
    assert expression_text("{%  $states.input  %}") == "$states.input"


def test_literals_and_templates():
    literal = compile_field({"a": "$.x", "b": [1, " {% x %} "], "c.$": "$"}, "Output")
    assert literal.constant and literal.evaluate(scope()) == {"a": "$.x", "b": [1, " {% x %} "], "c.$": "$"}
    template = compile_field({"sum": "{% $sum($states.input.v) %}", "k": ["{% $x %}", 2]}, "Output")
    assert not template.constant
    assert template.evaluate(scope({"v": [1, 2]}, variables={"x": "X"})) == {"sum": 3, "k": ["X", 2]}


def test_states_holds_input_result_error_output_and_context():
    field = compile_field("{% $states %}", "Output")
    states = field.evaluate(scope({"a": 1}, result={"r": None}, error_output={"Error": "E", "Cause": ""}))
    assert states == {"input": {"a": 1}, "result": {"r": None}, "errorOutput": {"Error": "E", "Cause": ""},
                      "context": {"Execution": {"Id": "arn:x"}, "State": {"Name": "S"}}}
    item = compile_field("{% $states.context.Map.Item %}", "ItemSelector").evaluate(scope(item=(2, "v")))
    assert item == {"Index": 2, "Value": "v"}


def test_undefined_is_an_error_naming_the_field_path():
    with pytest.raises(StatesError) as raised:
        compile_field({"result": "{% $doesNotExist %}"}, "Output").evaluate(scope())
    assert raised.value.error == "States.QueryEvaluationError" and raised.value.in_state
    assert raised.value.cause == ("The JSONata expression '$doesNotExist' specified for the field 'Output/result' "
                                  "returned nothing (undefined).")
    with pytest.raises(StatesError) as raised:
        compile_field(["a", {"b": "{% $nope %}"}], "Arguments").evaluate(scope())
    assert "for the field 'Arguments[1]/b' returned nothing" in raised.value.cause


def test_an_evaluation_error_is_wrapped_with_the_expression_and_field():
    with pytest.raises(StatesError) as raised:
        compile_field({"FunctionResult": "{% $randomSeeded(1) %}"}, "Output").evaluate(scope())
    assert raised.value.cause == (
        "The JSONata expression '$randomSeeded(1)' specified for the field 'Output/FunctionResult' threw an "
        "error during evaluation. T1006: Attempted to invoke a non-function")


def test_unexpected_type_cause():
    error = unexpected_type("$ItemsVar", "Items", "array", {"foo": "bar"})
    assert error.cause == ("The JSONata expression '$ItemsVar' specified for the field 'Items' returned an "
                           "unexpected result type. Expected 'array', but was 'object' for value: {\"foo\":\"bar\"}")


def test_a_malformed_expression_fails_when_compiled():
    with pytest.raises(JsonataSyntaxError, match="the JSONata expression '1 \\+' is not valid"):
        compile_field({"a": "{% 1 + %}"}, "Output")


def test_variables_are_read_once_per_scope_and_in_their_jsonata_form():
    frame_scope = scope(variables={"v": {"a": None}})
    field = compile_field("{% [$exists($v.a), $v.a] %}", "Output")
    assert field.evaluate(frame_scope) == [True, None]
    assert frame_scope.lookup("v") is frame_scope.lookup("v")  # cached
