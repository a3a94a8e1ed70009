"""One JSONata expression compiled and evaluated as AWS does, and every place where jsonata-python
departs from the JavaScript implementation AWS runs.

Expected values and messages below were produced by JavaScript JSONata 2.x (the reference
implementation) for the same expressions and checked by hand; each ``difference`` test names
the jsonata-python behaviour it guards against.
"""

from __future__ import annotations

import re

import pytest

from aslrun.expr import jsonata_engine
from aslrun.expr.jsonata_engine import (
    NOT_FOUND,
    JsonataEvaluationError,
    JsonataSyntaxError,
    compile_expression,
)
from aslrun.expr.jsonata_values import UNDEFINED, to_jsonata


def evaluate(text, **names):
    converted = {name: to_jsonata(value) for name, value in names.items()}
    return compile_expression(text).evaluate(lambda name: converted.get(name, NOT_FOUND))


def failure(text, **names):
    with pytest.raises(JsonataEvaluationError) as raised:
        evaluate(text, **names)
    return str(raised.value)


# -- basics ---------------------------------------------------------------------------------------

def test_compiled_once_and_shared():
    assert compile_expression("$a + 1") is compile_expression("$a + 1")


def test_names_read_by_an_expression():
    assert compile_expression("$sum($states.input.x) + $y").names == {"sum", "states", "y"}


def test_undefined_result_and_null_result_differ():
    assert evaluate("$states.input.missing", states={"input": {}}) is UNDEFINED
    assert evaluate("$states.input.a", states={"input": {"a": None}}) is None
    assert evaluate("$exists($states.input.a)", states={"input": {"a": None}}) is True


def test_variables_come_from_the_lookup_and_inner_bindings_win():
    assert evaluate("$x * 2", x=21) == 42
    assert evaluate("($x := 5; $x)", x=21) == 5


def test_paths_sequences_and_singletons_as_javascript():
    states = {"input": {"arr": [{"k": 1, "v": [1, 2]}, {"k": 2, "v": [3]}], "one": [7]}}
    assert evaluate("$states.input.arr.k", states=states) == [1, 2]
    assert evaluate("$states.input.arr[k = 2].v", states=states) == [3]
    assert evaluate("$states.input.arr.v", states=states) == [1, 2, 3]
    assert evaluate("$states.input.one", states=states) == [7]
    assert evaluate("$states.input.arr{$string(k): v}", states=states) == {"1": [1, 2], "2": [3]}


def test_syntax_error_is_reported_at_compile_time():
    with pytest.raises(JsonataSyntaxError) as raised:
        compile_expression("(1 + ")
    assert str(raised.value).startswith("S0")


def test_an_unknown_function_is_t1006():
    assert failure("$randomSeeded(1)") == "T1006: Attempted to invoke a non-function"


# -- differences from jsonata-python, each fixed ---------------------------------------------------

def test_difference_modulo_keeps_the_fraction():
    assert evaluate("5.5 % 2") == 1.5  # jsonata-python truncates to 1
    assert evaluate("7.5 % -2") == 1.5


def test_difference_division_by_zero_is_infinity_not_a_python_error():
    assert evaluate("1/0") is None  # Infinity, written as null by JSON.stringify
    assert evaluate("-1/0") is None
    assert failure("1/0 + 1") == "D1001: Number out of range: null"


def test_difference_concatenation_writes_numbers_as_javascript():
    assert evaluate('"n=" & 1e21 & "," & (0.1+0.2)') == "n=1e+21,0.3"
    assert evaluate('"a" & 100000000000000000000') == "a100000000000000000000"


def test_difference_string_rounds_nested_numbers_too():
    assert evaluate("$string([1/3])") == "[0.333333333333333]"
    assert evaluate('$string({"a": 0.1 + 0.2})') == '{"a":0.3}'
    assert evaluate("$string(1e-7)") == "1e-7"


def test_difference_distinct_keeps_a_single_item_array():
    assert evaluate('$distinct(["a", "a"])') == ["a"]
    assert evaluate("$distinct([[1], [1]])") == [[1]]


def test_difference_power_overflow_is_d3061():
    assert failure("$power(10, 1000)") == (
        "D3061: The power function has resulted in a value that cannot be represented as a JSON number: "
        "base=10, exponent=1000")
    assert failure("$power(-8, 1/3)").startswith("D3061: ")


def test_difference_transform_keeps_nulls():
    value = evaluate('$states.input ~> |c|{"f": 2}|', states={"input": {"a": None, "c": {"f": 1}}})
    assert value == {"a": None, "c": {"f": 2}}


def test_difference_messages_say_function_not_object():
    assert failure('$each("x", function($v){$v})') == (
        'T0410: Argument 1 of function "each" does not match function signature')
    assert failure("$reduce([1,2], function($a){$a})") == (
        "D3050: The second argument of reduce function must be a function with at least two arguments")
    assert failure("$single([1,2], function($x){true})") == (
        "D3138: The $single() function expected exactly 1 matching result.  Instead it matched more.")


def test_difference_placeholders_are_filled_with_json():
    assert failure("1 + {}") == 'T2002: The right side of the "+" operator must evaluate to a number'
    assert failure('1 < "a"') == 'T2009: The values 1 and "a" either side of operator "<" must be of the same data type'
    assert failure("$sqrt(-1)") == "D3060: The sqrt function cannot be applied to a negative number: -1"
    assert failure('-"a"') == 'D1002: Cannot negate a non-numeric value: "a"'
    assert failure("$formatBase(10, 40)") == (
        "D3100: The radix of the formatBase function must be between 2 and 36.  It was given 40")


def test_difference_t0412_names_the_element_type():
    assert failure('$sum(["a"])') == 'T0412: Argument 1 of function "sum" must be an array of "numbers"'
    assert failure('$join(["a", 1])') == 'T0412: Argument 1 of function "join" must be an array of "strings"'


def test_difference_t0410_names_the_first_argument_that_does_not_fit():
    assert failure('$substring("abc", "a")') == (
        'T0410: Argument 2 of function "substring" does not match function signature')
    assert failure('$substring("abc", 1, "x")') == (
        'T0410: Argument 3 of function "substring" does not match function signature')


def test_difference_a_message_raised_as_code_gets_its_code():
    assert failure('$replace("a", "", "b")') == "D3010: Second argument of replace function cannot be an empty string"


def test_difference_python_errors_become_jsonata_codes():
    assert failure('$number("x")') == 'D3030: Unable to cast value to a number: "x"'
    assert failure('$toMillis("nope")') == (
        'D3110: The argument of the toMillis function must be an ISO 8601 formatted timestamp. Given "nope"')


def test_error_function_message_is_the_whole_text():
    assert failure('$error("custom message")') == "D3137: custom message"


# -- runaway expressions ----------------------------------------------------------------------------

def test_an_endless_tail_recursion_stops(monkeypatch):
    monkeypatch.setattr(jsonata_engine, "MAX_STEPS", 20_000)
    assert failure("($f := function($x){ $f($x+1) }; $f(1))") == (
        "U1002: Expression evaluation timeout: Check for infinite loop")


def test_a_deep_recursion_stops():
    message = failure("($f := function($x){ $x <= 0 ? 0 : 1 + $f($x-1) }; $f(100000))")
    assert message.startswith("U1001: Stack overflow error")


def test_a_bounded_recursion_works():
    assert evaluate("($f := function($x){ $x <= 0 ? 0 : 1 + $f($x-1) }; $f(30))") == 30


def test_difference_the_whole_catalog_is_repaired():
    """jsonata-python's catalog says "Object" for "function" and quotes terms with double quotes;
    every template as repaired must read like JavaScript's (which has neither)."""
    from jsonata.jexception import JException

    from aslrun.expr.jsonata_errors import _js_template

    for code in JException.error_codes:
        template = _js_template(code)
        assert template is not None
        assert "Object" not in template.replace("Object property", ""), code
        assert not re.search(r'"[A-Za-z][A-Za-z -]*"', template), code
