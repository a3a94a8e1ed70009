"""The exact words of intrinsic refusals: which argument, what it must be, what it was.

A user reads these causes (``States.Runtime``) or compile errors (a definition refused), so each
is asserted whole: the argument's position, its JSON type and rendering, and the limits named.
"""

from __future__ import annotations

import random
import uuid

import pytest

from aslrun.errors import StatesError
from aslrun.expr import intrinsics_functions
from aslrun.expr.intrinsics import FUNCTIONS, FunctionSpec, IntrinsicSyntaxError, compile_intrinsic, is_intrinsic
from tests.helpers.intrinsics import cause_of, run

BIG = int(1e308)


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        # the argument named by its position, the value by its JSON type and text
        ("States.ArrayRange('a', 2, 1)", 'argument 1 must be an integer, but was the string "a"'),
        ("States.ArrayRange(1, 2, 'x')", 'argument 3 must be an integer, but was the string "x"'),
        ("States.ArrayGetItem('x', 0)", 'argument 1 must be an array, but was the string "x"'),
        ("States.StringToJson(5)", "argument 1 must be a string, but was the number 5"),
        ("States.Hash('a', 5)", "argument 2 must be a string, but was the number 5"),
        ("States.JsonMerge(5, $.o, false)", "argument 1 must be a JSON object, but was the number 5"),
        ("States.MathRandom(1, 'x')", 'argument 2 must be an integer, but was the string "x"'),
        # value refusals quote the value as given
        ("States.ArrayPartition($.a, 0)", "argument 2 (the chunk size) must be a positive integer, but was 0"),
        ("States.ArrayPartition($.a, -1.5)", "argument 2 (the chunk size) must be a positive integer, but was -1.5"),
        ("States.ArrayRange(1, 2, 0)", "argument 3 (the increment) must not be 0"),
        ("States.StringToJson('NaN')", 'argument 1 is not valid JSON (NaN is not valid JSON): "NaN"'),
        ("States.StringToJson('-Infinity')", 'argument 1 is not valid JSON (-Infinity is not valid JSON): "-Infinity"'),
        ("States.StringToJson('1e999')", 'argument 1 is not valid JSON (the number 1e999 is out of range): "1e999"'),
        ("States.StringToJson('-1e999')", 'argument 1 is not valid JSON (the number -1e999 is out of range): "-1e999"'),
        (
            "States.StringToJson('{x')",
            'argument 1 is not valid JSON (Expecting property name enclosed in double quotes: line 1 column 2 (char 1)): "{x"',
        ),
        (
            "States.Hash('a', 'MD4')",
            'argument 2 must name a hash algorithm (MD5, SHA-1, SHA-256, SHA-384, SHA-512), but was "MD4"',
        ),
        ("States.JsonMerge($.o, $.o, true)", "deep merging is not supported: argument 3 must be false"),
        ("States.JsonMerge($.o, $.o, 'x')", 'argument 3 must be the boolean false, but was "x"'),
        ("States.JsonMerge($.o, $.o, null)", "argument 3 must be the boolean false, but was null"),
        (
            "States.MathAdd(2147483648, 1)",
            "argument 1 must be within [-2147483648, 2147483647], but was 2147483648",
        ),
        (
            "States.MathAdd(1, -2147483649.2)",
            "argument 2 must be within [-2147483648, 2147483647], but was -2147483649.2",
        ),
        (
            "States.ArrayRange(-1e308, 1e308, 1)",  # counted exactly, however large
            f"the range would hold {2 * BIG + 1} items, more than the maximum of 1000",
        ),
    ],
)
def test_argument_refusal_causes(text: str, cause: str) -> None:
    assert cause_of(text, a=[1, 2], o={}) == cause


def test_a_nested_call_is_named_by_its_own_text() -> None:
    with pytest.raises(StatesError) as raised:
        run("States.ArrayLength(States.StringToJson($.s))", s="[1")
    assert raised.value.cause == (
        "The intrinsic function 'States.StringToJson($.s)' could not be evaluated: argument 1 is not "
        "valid JSON (Expecting ',' delimiter: line 1 column 3 (char 2)): \"[1\""
    )


def test_array_contains_compares_strings_by_value() -> None:
    assert run("States.ArrayContains($.a, 'b')", a=["a", "c"]) is False
    assert run("States.ArrayContains($.a, 'c')", a=["a", "c"]) is True


@pytest.mark.parametrize(
    ("first", "last", "step"),
    [(5, 1, 1), (1, 5, -1), (0, -1, 2), (0, -1, 1), (-3, 7, -4), (7, -3, 4)],
)
def test_array_range_against_its_step_is_empty(first: int, last: int, step: int) -> None:
    assert run(f"States.ArrayRange({first}, {last}, {step})") == []
    assert run("States.ArrayRange($.f, $.l, $.s)", f=first, l=last, s=step) == []


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("States.Format()", "States.Format takes at least 1 argument, but 0 were given", 1),
        ("States.ArrayLength(1, 2)", "States.ArrayLength takes exactly 1 argument, but 2 were given", 1),
        ("States.UUID(1)", "States.UUID takes exactly 0 arguments, but 1 was given", 1),
        ("States.MathRandom(1)", "States.MathRandom takes 2 to 3 arguments, but 1 was given", 1),
        (
            "States.Array(States.Nope())",
            "unknown intrinsic function 'States.Nope' (known: Array, ArrayContains, ArrayGetItem, ArrayLength, "
            "ArrayPartition, ArrayRange, ArrayUnique, Base64Decode, Base64Encode, Format, Hash, JsonMerge, "
            "JsonToString, MathAdd, MathRandom, StringSplit, StringToJson, UUID)",
            14,
        ),
    ],
)
def test_compile_refusals(text: str, message: str, column: int) -> None:
    with pytest.raises(IntrinsicSyntaxError) as raised:
        compile_intrinsic(text)
    assert str(raised.value) == f"{message} at column {column} of intrinsic function {text!r}"
    assert raised.value.detail == message


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        (FunctionSpec(len, 0, None), "at least 0 arguments"),
        (FunctionSpec(len, 1, None), "at least 1 argument"),
        (FunctionSpec(len, 2, None), "at least 2 arguments"),
        (FunctionSpec(len, 0, 0), "exactly 0 arguments"),
        (FunctionSpec(len, 1, 1), "exactly 1 argument"),
        (FunctionSpec(len, 3, 3), "exactly 3 arguments"),
        (FunctionSpec(len, 2, 3), "2 to 3 arguments"),
    ],
)
def test_arity_text(spec: FunctionSpec, text: str) -> None:
    assert spec.arity_text() == text


def test_arity_text_of_the_functions() -> None:
    assert FUNCTIONS["Array"].arity_text() == "at least 0 arguments"
    assert FUNCTIONS["Format"].arity_text() == "at least 1 argument"


def test_compile_refuses_a_value_that_is_not_text() -> None:
    with pytest.raises(IntrinsicSyntaxError) as raised:
        compile_intrinsic(5)  # type: ignore[arg-type]
    error = raised.value
    assert str(error) == "an intrinsic function must be a string at column 1 of intrinsic function '5'"
    assert (error.detail, error.text, error.position) == ("an intrinsic function must be a string", "5", 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("States.UUID()", True), ("  States.UUID()", True), ("\tStates.Format('a')  ", True), ("$.a", False),
     (" $.States.x", False), (5, False)],
)
def test_is_intrinsic_allows_leading_space(text: object, expected: bool) -> None:
    assert is_intrinsic(text) is expected


def test_math_random_reads_its_arguments_from_paths() -> None:
    assert run("States.MathRandom($.lo, $.hi, $.seed)", lo=1, hi=1000, seed=42) == random.Random(42).randrange(1, 1000)
    assert run("States.MathRandom($.lo, $.hi)", rng=random.Random(3), lo=5, hi=50) == random.Random(3).randrange(5, 50)


def test_nested_calls_draw_from_the_execution_rng() -> None:
    draws = random.Random(7)
    inner = draws.randrange(0, 1_000_000)
    outer = draws.randrange(inner, 2_000_000)
    text = "States.MathRandom(States.MathRandom(0, 1000000), 2000000)"
    assert run(text, rng=random.Random(7)) == outer
    expected_uuid = str(uuid.UUID(int=random.Random(7).getrandbits(128), version=4))
    assert run("States.Format('id={}', States.UUID())", rng=random.Random(7)) == f"id={expected_uuid}"


def test_a_constant_scalar_call_is_computed_once_when_compiled(monkeypatch: pytest.MonkeyPatch) -> None:
    folded = compile_intrinsic("States.JsonToString(States.MathAdd(40, 2))")

    def refuse(value: object) -> str:
        raise AssertionError("a folded constant is not computed again")

    monkeypatch.setattr(intrinsics_functions, "json_text", refuse)
    assert folded.paths == ()
    assert folded.evaluate(lambda path: None) == "42"
