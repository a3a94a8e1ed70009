"""Payload templates (Parameters, ResultSelector, ItemSelector): '.$' keys read paths, the context
object, variables or intrinsic functions; everything else is copied literally; a missing path is
a States.Runtime error naming the field and the input, as AWS words it.
"""

from __future__ import annotations

import copy
import random
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aslrun import StatesError
from aslrun.expr.template import compact_json, compile_template


class Scope:
    """The smallest scope a template reads: data, a context object, variables, a random source."""

    def __init__(self, data, context=None, variables=None, seed=0):
        self.data = data
        self._context = context or {"State": {"Name": "S"}}
        self._variables = variables or {}
        self.rng = random.Random(seed)

    def context(self):
        return copy.deepcopy(self._context)

    def variable(self, name):
        if name not in self._variables:
            raise StatesError("States.Runtime", f"Undefined variable '{name}'.")
        return self._variables[name]


def evaluate(source, data, **scope):
    return compile_template(source).evaluate(Scope(data, **scope))


def test_dollar_keys_read_paths_and_lose_their_suffix():
    source = {"a.$": "$.x", "b": "$.x", "nested": {"c.$": "$.y[1]"}, "list": [{"d.$": "$"}, "lit"]}
    assert evaluate(source, {"x": 1, "y": [5, 6]}) == {"a": 1, "b": "$.x", "nested": {"c": 6},
                                                       "list": [{"d": {"x": 1, "y": [5, 6]}}, "lit"]}


def test_context_and_variable_roots():
    source = {"state.$": "$$.State.Name", "whole.$": "$$", "v.$": "$meter.id"}
    out = evaluate(source, {}, variables={"meter": {"id": "M1"}})
    assert out == {"state": "S", "whole": {"State": {"Name": "S"}}, "v": "M1"}


def test_intrinsic_functions():
    source = {"s.$": "States.Format('{} kWh on {}', $.kwh, $.day)", "n.$": "States.ArrayLength($.l)",
              "j.$": "States.JsonToString($.o)"}
    assert evaluate(source, {"kwh": 1.5, "day": "Mon", "l": [1, 2], "o": {"a": [1]}}) == {
        "s": "1.5 kWh on Mon", "n": 2, "j": '{"a":[1]}'}


def test_constant_templates_are_built_once_and_are_equal_every_time():
    template = compile_template({"a": {"b": [1, 2]}, "c": "$.not-a-path"})
    assert template.constant
    assert template.evaluate(Scope({})) == {"a": {"b": [1, 2]}, "c": "$.not-a-path"}


def test_evaluation_never_mutates_the_data_and_results_do_not_alias_each_other():
    data = {"x": {"deep": [1]}}
    template = compile_template({"a.$": "$.x", "k": [1]})
    first = template.evaluate(Scope(data))
    second = template.evaluate(Scope(data))
    assert data == {"x": {"deep": [1]}}
    assert first == second


def test_a_missing_path_names_the_field_and_the_input():
    with pytest.raises(StatesError) as raised:
        evaluate({"total.$": "$.sum"}, {"n": 1, "name": "é"})
    assert raised.value.error == "States.Runtime"
    assert raised.value.cause == ("The JSONPath '$.sum' specified for the field 'total.$' could not be found in "
                                  "the input '{\"n\":1,\"name\":\"é\"}'")


def test_a_missing_intrinsic_argument_names_the_call():
    with pytest.raises(StatesError) as raised:
        evaluate({"t.$": "States.Format('{}', $.nope)"}, {"a": 1})
    assert raised.value.error == "States.Runtime"
    assert "States.Format('{}', $.nope)" in raised.value.cause and "$.nope" in raised.value.cause


def test_an_undefined_variable_is_a_runtime_error():
    with pytest.raises(StatesError, match="Undefined variable 'nope'"):
        evaluate({"v.$": "$nope"}, {})


def test_indefinite_paths_give_lists():
    assert evaluate({"ids.$": "$.items[*].id"}, {"items": [{"id": 1}, {"id": 2}, {}]}) == {"ids": [1, 2]}


def test_compact_json_is_awss_form():
    assert compact_json({"a": [1, None, "é"], "b": {"c": True}}) == '{"a":[1,null,"é"],"b":{"c":true}}'


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                                       max_size=3), max_leaves=12)


@settings(max_examples=100, deadline=None)
@given(JSON_VALUES)
def test_a_template_without_dollar_keys_is_its_own_value(value):
    def has_dollar_key(node):
        if isinstance(node, dict):
            return any(k.endswith(".$") or has_dollar_key(v) for k, v in node.items())
        if isinstance(node, list):
            return any(has_dollar_key(v) for v in node)
        return False

    if not has_dollar_key(value):
        assert compile_template(value).evaluate(Scope({"ignored": 1})) == value


@settings(max_examples=100, deadline=None)
@given(data=JSON_VALUES, names=st.lists(st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=5),
                                        min_size=1, max_size=4, unique=True))
def test_every_dollar_key_copies_the_whole_input(data, names):
    out = evaluate({f"{name}.$": "$" for name in names}, data)
    assert out == {name: data for name in names}
