"""A handler's result crosses Lambda's boundary as its JSON text: result_through_json gives exactly
json.loads(json.dumps(result)) and that text's length, or Runtime.MarshalError in json's words."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aslrun.integrations.handler_call import HandlerFailed, result_through_json

_SCALARS = st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.floats(allow_nan=False, allow_infinity=False) \
    | st.text(max_size=8)
_KEYS = (st.text(max_size=6) | st.integers(-5, 5) | st.booleans() | st.none()
         | st.floats(allow_nan=False, allow_infinity=False, width=16))
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                       | st.dictionaries(_KEYS, inner, max_size=4), max_leaves=20)


@given(_VALUES)
def test_the_copy_and_length_are_those_of_json_dumps_text(value):
    text = json.dumps(value, allow_nan=False)
    copy, length = result_through_json(value, "request-1")
    assert json.dumps(copy) == json.dumps(json.loads(text))  # (a float compared by its text: -0.0 stays -0.0)
    assert copy == json.loads(text)
    assert length == len(text.encode("utf-8"))


def test_the_copy_shares_nothing_with_the_result():
    inner = {"values": [1.5, 2.5]}
    result = {"a": inner, "b": [inner, ("t", 1)]}
    copy, _ = result_through_json(result, "request-1")
    assert copy == {"a": {"values": [1.5, 2.5]}, "b": [{"values": [1.5, 2.5]}, ["t", 1]]}
    copy["a"]["values"].append(9)
    assert inner == {"values": [1.5, 2.5]} and copy["b"][0] == {"values": [1.5, 2.5]}


@pytest.mark.parametrize(("result", "words"), [
    ({"x": math.nan}, "Out of range float values are not JSON compliant"),
    ([math.inf], "Out of range float values are not JSON compliant"),
    ({"when": object()}, "Object of type object is not JSON serializable"),
    ({(1, 2): "tuple key"}, "keys must be str, int, float, bool or None, not tuple"),
])
def test_what_json_cannot_write_is_a_marshal_error_in_jsons_words(result, words):
    with pytest.raises(HandlerFailed) as failed:
        result_through_json(result, "request-1")
    assert failed.value.error == "Runtime.MarshalError"
    assert failed.value.document == {"errorMessage": f"Unable to marshal response: {words}",
                                     "errorType": "Runtime.MarshalError", "requestId": "request-1", "stackTrace": []}


def test_a_cycle_is_a_marshal_error_naming_it():
    result: list = []
    result.append(result)
    with pytest.raises(HandlerFailed) as failed:
        result_through_json(result, "request-1")
    assert failed.value.document["errorMessage"] == "Unable to marshal response: Circular reference detected"
