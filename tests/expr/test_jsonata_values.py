"""The border between JSON values and jsonata-python: null vs undefined, numbers as JavaScript
prints them. Expected texts are JavaScript's (``String(n)`` / ``JSON.stringify`` in Node), checked
by hand against the ECMAScript Number::toString rules.
"""

from __future__ import annotations

import math

import pytest
from jsonata.utils import Utils

from aslrun.expr.jsonata_values import (
    NULL,
    UNDEFINED,
    deep_copy,
    from_jsonata,
    js_json,
    js_number_text,
    js_string,
    json_type,
    to_jsonata,
)


def test_to_jsonata_returns_the_same_object_when_there_is_no_null():
    value = {"a": [1, {"b": "x"}], "c": 1.5}
    assert to_jsonata(value) is value


def test_to_jsonata_turns_every_null_into_null_value_without_touching_the_original():
    value = {"a": None, "b": [1, None, {"c": None}]}
    converted = to_jsonata(value)
    assert converted == {"a": NULL, "b": [1, NULL, {"c": NULL}]}
    assert value == {"a": None, "b": [1, None, {"c": None}]}
    assert to_jsonata(None) is NULL


def test_from_jsonata_undefined_null_and_containers():
    assert from_jsonata(None) is UNDEFINED
    assert from_jsonata(NULL) is None
    assert from_jsonata({"a": NULL, "b": None}) == {"a": None}  # undefined members are left out
    assert from_jsonata([1, None, NULL]) == [1, None, None]
    sequence = Utils.create_sequence_from_iter([1, 2])
    out = from_jsonata(sequence)
    assert out == [1, 2] and type(out) is list


@pytest.mark.parametrize("value, expected", [(2.0, 2), (-0.0, 0), (1.5, 1.5), (1e20, 100000000000000000000),
                                             (1e21, 1e21), (math.inf, None), (math.nan, None)])
def test_from_jsonata_numbers_as_javascript_writes_them(value, expected):
    out = from_jsonata(value)
    assert out == expected and type(out) is type(expected)


def test_from_jsonata_keeps_an_unchanged_value_itself():
    value = {"a": [1, "x", True]}
    assert from_jsonata(value) is value


@pytest.mark.parametrize("number, text", [
    (0, "0"), (-0.0, "0"), (1, "1"), (1.5, "1.5"), (-2.25, "-2.25"), (100.0, "100"),
    (0.1 + 0.2, "0.30000000000000004"), (1e20, "100000000000000000000"), (1e21, "1e+21"),
    (1.5e22, "1.5e+22"), (1e-6, "0.000001"), (1e-7, "1e-7"), (-1.5e-7, "-1.5e-7"),
    (123456789.123, "123456789.123"), (2**70, "1.1805916207174113e+21"), (math.inf, "Infinity"),
])
def test_js_number_text(number, text):
    assert js_number_text(number) == text


def test_js_string_uses_fifteen_significant_digits_everywhere():
    assert js_string(0.1 + 0.2) == "0.3"
    assert js_string(1 / 3) == "0.333333333333333"
    assert js_string({"a": 0.1 + 0.2, "b": [1e21, 1e-7]}) == '{"a":0.3,"b":[1e+21,1e-7]}'
    assert js_string("text") == "text"
    assert js_string(None) is None
    assert js_string(NULL) == "null"


def test_js_string_prettified():
    assert js_string({"a": 1, "b": [1, 2]}, True) == '{\n  "a": 1,\n  "b": [\n    1,\n    2\n  ]\n}'


def test_js_json_writes_unicode_and_null_value():
    assert js_json({"é": NULL, "k": "ü"}) == '{"é":null,"k":"ü"}'


def test_deep_copy_keeps_null_value_and_copies_containers():
    value = {"a": [NULL, {"b": 1}]}
    copy = deep_copy(value)
    assert copy == value and copy is not value and copy["a"][1] is not value["a"][1]
    assert copy["a"][0] is NULL


@pytest.mark.parametrize("value, name", [(None, "null"), (True, "boolean"), (1, "number"), (1.5, "number"),
                                         ("s", "string"), ([], "array"), ({}, "object")])
def test_json_type(value, name):
    assert json_type(value) == name


def test_memo_translates_a_container_once_in_each_direction():
    from aslrun.expr.jsonata_values import ConversionMemo

    memo = ConversionMemo()
    data = {"a": None, "b": [1, 2]}
    converted = to_jsonata(data, memo)
    assert to_jsonata(data, memo) is converted  # no second walk
    assert from_jsonata(converted, memo) is data  # back to the very same JSON object
    result = {"x": NULL, "y": [1.5]}
    out = from_jsonata(result, memo)
    assert out == {"x": None, "y": [1.5]} and to_jsonata(out, memo) is result


def test_memo_is_not_used_for_inexact_pairs():
    from aslrun.expr.jsonata_values import ConversionMemo

    memo = ConversionMemo()
    data = {"n": 2.0, "z": None}  # JavaScript writes 2.0 as 2: the way back is not the original
    converted = to_jsonata(data, memo)
    assert from_jsonata(converted, memo) == {"n": 2, "z": None}
    assert type(from_jsonata(converted, memo)["n"]) is int
