"""Exact text of the value helpers: Java's ``Double.toString``, ``describe``, ``json_key``, ``json_text``.

``java_double_text`` is asserted at every branch and on both sides of each boundary: Java prints a
double positionally from 10^-3 (inclusive) up to 10^7 (exclusive) and in computerized scientific
notation (``1.0E7``, ``9.99E-4``) outside that range.
"""

from __future__ import annotations

import pytest

from aslrun.expr.intrinsics_values import describe, java_double_text, json_key, json_text
from tests.helpers.intrinsics import run


@pytest.mark.parametrize(
    ("number", "text"),
    [
        # not finite
        (float("nan"), "NaN"),
        (float("inf"), "Infinity"),
        (float("-inf"), "-Infinity"),
        # zeros keep their sign
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        # positional, from 10^-3 up to (not including) 10^7
        (1.0, "1.0"),
        (-1.0, "-1.0"),
        (0.5, "0.5"),
        (0.1, "0.1"),
        (0.001, "0.001"),
        (-0.001, "-0.001"),
        (123.456, "123.456"),
        (9999999.0, "9999999.0"),
        (9999999.999, "9999999.999"),
        (9999999.999999998, "9999999.999999998"),  # the largest double below 10^7
        (1234567.0, "1234567.0"),
        (2.0, "2.0"),
        # scientific below 10^-3 and from 10^7 on
        (0.000999, "9.99E-4"),
        (1e-4, "1.0E-4"),
        (1.5e-5, "1.5E-5"),
        (-1.5e-5, "-1.5E-5"),
        (1e7, "1.0E7"),
        (-1e7, "-1.0E7"),
        (10000000.5, "1.00000005E7"),
        (1.2345678e8, "1.2345678E8"),
        (-1.2345678e8, "-1.2345678E8"),
        (1e20, "1.0E20"),
        (1.7976931348623157e308, "1.7976931348623157E308"),
    ],
)
def test_java_double_text(number: float, text: str) -> None:
    assert java_double_text(number) == text


def test_format_prints_doubles_as_java_does() -> None:
    assert run("States.Format('{} {} {} {}', $.a, $.b, $.c, $.d)", a=1e7, b=0.001, c=-0.0, d=1.5e-5) == (
        "1.0E7 0.001 -0.0 1.5E-5"
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("a" * 120, '"' + "a" * 116 + "..."),  # 122 characters of JSON: cut to 120
        ("a" * 118, '"' + "a" * 118 + '"'),  # exactly 120: whole
        ("a" * 119, '"' + "a" * 116 + "..."),  # 121: cut
        ([1, 2], "[1,2]"),
        ({"k": "é"}, '{"k":"é"}'),
        (None, "null"),
    ],
)
def test_describe(value: object, text: str) -> None:
    assert describe(value) == text


def test_describe_with_a_limit() -> None:
    assert describe("abcdefgh", limit=10) == '"abcdefgh"'
    assert describe("abcdefghi", limit=10) == '"abcdef...'


def test_json_text_is_compact_and_keeps_non_ascii() -> None:
    assert json_text({"a": [1, "é", None], "b": "日本"}) == '{"a":[1,"é",null],"b":"日本"}'


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("x", "x"),
        (True, ("bool", True)),
        (1, ("number", 1)),
        (1.5, ("number", 1.5)),
        (None, ("null",)),
        ([1, "a", None], ("array", (("number", 1), "a", ("null",)))),
        ({"k": False}, ("object", frozenset({("k", ("bool", False))}))),
    ],
)
def test_json_key(value: object, key: object) -> None:
    assert json_key(value) == key


def test_arrays_differing_in_one_item_are_not_repeats() -> None:
    assert run("States.ArrayUnique($.a)", a=[[1], [2], [1], [1, 2]]) == [[1], [2], [1, 2]]
    assert run("States.ArrayContains($.a, $.v)", a=[[1], [2]], v=[3]) is False
