"""The functions Step Functions adds to JSONata: $partition, $range, $hash, $random, $uuid, $parse,
and $now/$millis on the execution's clock.

Expected values: AWS-recorded ones from ../shared/conformance ($partition, $range, $parse) and the
Step Functions developer guide; digests computed with ``hashlib``/``sha256sum``; ``$random(seed)``
values are ``new java.util.Random(seed).nextDouble()`` (the published first double of seeds 42
and 0).
"""

from __future__ import annotations

import random
import re

import pytest

from aslrun.expr.jsonata_engine import NOT_FOUND, JsonataEvaluationError, compile_expression
from aslrun.expr.jsonata_functions import java_random_double, scope_functions
from aslrun.expr.jsonata_values import UNDEFINED


def evaluate(text, functions=None):
    functions = functions or {}
    return compile_expression(text).evaluate(lambda name: functions.get(name, NOT_FOUND))


def failure(text):
    with pytest.raises(JsonataEvaluationError) as raised:
        evaluate(text)
    return str(raised.value)


# -- $partition -------------------------------------------------------------------------------------

@pytest.mark.parametrize("array, size, expected", [
    ([0], 1, [[0]]), ([0, 1], 5, [[0, 1]]), ([0, 1, 2], 2, [[0, 1], [2]]), ([0, 1, 2, 3], 3, [[0, 1, 2], [3]]),
])
def test_partition_as_recorded_on_aws(array, size, expected):
    assert evaluate(f"$partition({array}, {size})") == expected


def test_partition_edges():
    assert evaluate("$partition([1,2,3])") == [[1, 2, 3]]
    assert evaluate("$partition([1,2,3,4,5], 2.9)") == [[1, 2], [3, 4], [5]]  # truncated towards zero
    assert evaluate("$partition([], 2)") is UNDEFINED
    assert evaluate("$partition([1,2,3], 0)") is UNDEFINED
    assert failure("$partition([1,2,3], -1)") == "D3137: Second argument must be zero or greater"


# -- $range ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, expected", [
    ("0, 9, 3", [0, 3, 6, 9]), ("0, 10, 3", [0, 3, 6, 9]), ("1, 9, 9", 1), ("1, 9, 2", [1, 3, 5, 7, 9]),
    ("10, 0, -2", [10, 8, 6, 4, 2, 0]), ("-1.7, 2, 1", [-1, 0, 1, 2]),
])
def test_range(args, expected):
    assert evaluate(f"$range({args})") == expected  # a one-item range is that item (AWS-recorded)


@pytest.mark.parametrize("args", ["5, 1, 1", "1, 5, 0", "1, 5"])
def test_range_that_gives_nothing(args):
    assert evaluate(f"$range({args})") is UNDEFINED


def test_range_needs_an_end():
    assert failure("$range(1)") == 'T0410: Argument 2 of function "range" does not match function signature'


# -- $hash ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("algorithm, digest", [
    ("MD5", "8b1a9953c4611296a827abf8c47804d7"),
    ("SHA-1", "f7ff9e8b7bb2e09b70935a5d785e0cc5d9d0abf0"),
    ("SHA-256", "185f8db32271fe25f561a6fc938b2e264306ec304eda518007d1764826381969"),
])
def test_hash(algorithm, digest):
    assert evaluate(f"$hash('Hello', '{algorithm}')") == digest


def test_hash_of_utf8_text_and_bad_algorithms():
    assert evaluate("$hash('ñ', 'MD5')") == "94e9342ecbb1458b6043ecd3bfcbc192"
    assert failure("$hash('Hello', 'md5')").startswith("D3137: Invalid hash algorithm 'md5'")
    assert evaluate("$hash('Hello')") is UNDEFINED
    assert failure("$hash(42, 'MD5')").startswith("T0410: Argument 1 of function \"hash\"")


# -- $parse ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("-0", 0), ("1", 1), ("1.1", 1.1), ("true", True), ('"HelloWorld"', "HelloWorld"),
    ('[1, 2, "HelloWorld"]', [1, 2, "HelloWorld"]), ('{"Arg1": 1, "Arg2": []}', {"Arg1": 1, "Arg2": []}),
    ("null", None), ('{"a": null, "b": [null]}', {"a": None, "b": [None]}), ("1.0", 1),
])
def test_parse_as_recorded_on_aws(text, expected):
    assert evaluate(f"$parse({text!r})") == expected


@pytest.mark.parametrize("text", ["''", "'{\"a\":1}{\"b\":2}'", "'{\"a\":1,\"a\":2}'", "'1e400'", "'NaN'"])
def test_parse_is_strict(text):
    assert failure(f"$parse({text})").startswith("D3137: Invalid JSON")


def test_parse_keeps_null_distinct_from_nothing():
    assert evaluate("$exists($parse('null'))") is True
    assert evaluate("$parse()") is UNDEFINED


# -- $random, $uuid, $now, $millis (per execution) ---------------------------------------------------

def test_java_random_double_matches_java():
    assert java_random_double(42) == 0.7275636800328681
    assert java_random_double(0) == 0.730967787376657


def test_random_with_a_seed_is_javas_and_truncates_the_seed():
    functions = scope_functions(random.Random(1), lambda: 0.0)
    assert evaluate("$random(42)", functions) == 0.7275636800328681
    assert evaluate("$random(0.9)", functions) == evaluate("$random(0)", functions)


def test_random_and_uuid_draw_from_the_execution_source():
    first = scope_functions(random.Random(7), lambda: 0.0)
    second = scope_functions(random.Random(7), lambda: 0.0)
    values = [evaluate("$random()", first), evaluate("$uuid()", first)]
    assert values == [evaluate("$random()", second), evaluate("$uuid()", second)]
    assert 0 <= values[0] < 1
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", values[1])


def test_uuid_and_random_signatures():
    functions = scope_functions(random.Random(1), lambda: 0.0)
    with pytest.raises(JsonataEvaluationError, match="T0410"):
        evaluate("$uuid('seed')", functions)
    with pytest.raises(JsonataEvaluationError, match="T0410"):
        evaluate("$random(1, 2)", functions)


def test_now_and_millis_read_the_given_clock():
    functions = scope_functions(None, lambda: 1704067200.5)  # 2024-01-01T00:00:00.5Z
    assert evaluate("$millis()", functions) == 1704067200500
    assert evaluate("$now()", functions) == "2024-01-01T00:00:00.500Z"
    assert evaluate("$now('[Y0001]-[M01]-[D01]')", functions) == "2024-01-01"


# -- built-ins that used to crash with a Python exception ------------------------------------------

@pytest.mark.parametrize("text, cause", [
    ("$fromMillis(1e300)", "RangeError: Invalid time value"),
    ("$fromMillis(-1e20)", "RangeError: Invalid time value"),
    ("$fromMillis(0, 'xx[')", "D3135: No matching closing bracket"),
    ("$formatInteger(5, '#')", 'D3130: Formatting or parsing an integer as a sequence starting with "#"'),
    ("$formatInteger(5, '')", "D3130: "),
    ("$parseInteger('12', '')", "D3130: "),
    ("$parseInteger('abc', '#')", "D3130: "),
    ("$contains('abc', $nothing)", 'T0410: Argument 2 of function "contains"'),
    ("$pad('x', 1000000000000)", "RangeError: Invalid string length"),
    ("$pad('x', -1000000000000)", "RangeError: Invalid string length"),
])
def test_a_function_given_what_it_cannot_do_fails_with_a_cause(text, cause):
    assert failure(text).startswith(cause)


def test_the_guarded_functions_still_answer_as_before():
    assert evaluate("$pad('x', 3)") == "x  "
    assert evaluate("$pad('x', -3, '#')") == "##x"
    assert evaluate("$contains('abc', 'b')") is True
    assert evaluate("$contains('abc', /z/)") is False
    assert evaluate("$contains($nothing, 'b')") is UNDEFINED
    assert evaluate("$formatInteger(12, '#0')") == "12"
    assert evaluate("$parseInteger('12', '#0')") == 12
    assert evaluate("$fromMillis(0)") == "1970-01-01T00:00:00.000Z"


@pytest.mark.parametrize("expression", ["$uppercase", "/ab+/", "function($x){$x}"])
def test_a_result_that_is_not_json_fails_the_state_as_an_unsupported_result_type(expression):
    from aslrun import StateMachine

    definition = {"QueryLanguage": "JSONata", "StartAt": "A", "States": {
        "A": {"Type": "Pass", "Output": "{% " + expression + " %}", "End": True}}}
    execution = StateMachine(definition).execute({})
    assert execution.error == "States.QueryEvaluationError"
    assert execution.cause.endswith(f"The JSONata expression '{expression}' specified for the field 'Output' "
                                    "returned an unsupported result type.")
