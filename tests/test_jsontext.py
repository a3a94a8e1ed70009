"""json_value_problem's fast answer (``_surely_sound``) never calls an unsound value sound: it agrees
with the precise walk (``_problem_found``) on any Python value, and takes the usual document itself."""

from __future__ import annotations

import json
import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aslrun.jsondepth import MAX_DEPTH
from aslrun.jsontext import _problem_found, _surely_sound, json_value_problem, json_writer

SOUND_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                          st.text(st.characters(blacklist_categories=("Cs",)), max_size=5))
ANY_SCALARS = st.one_of(SOUND_SCALARS, st.floats(), st.text(max_size=5), st.tuples(st.integers()),
                        st.binary(max_size=2), st.sampled_from([math.nan, math.inf, -math.inf, "\ud800", 1e308]))
KEYS = st.one_of(st.text(max_size=4), st.integers(0, 3), st.just("\udfff"))


def documents(scalars, keys):
    return st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=6),
                                                         st.dictionaries(keys, inner, max_size=4)), max_leaves=30)


@settings(max_examples=400)
@given(documents(ANY_SCALARS, KEYS))
def test_the_fast_answer_never_calls_a_problem_sound(value):
    if _surely_sound(value):
        assert _problem_found(value, True, "$") is None


@settings(max_examples=200)
@given(documents(SOUND_SCALARS, st.text(st.characters(blacklist_categories=("Cs",)), max_size=4)))
def test_a_sound_document_gets_the_fast_answer(value):
    total = [0.0]

    def add_floats(node):
        if isinstance(node, dict):
            for child in node.values():
                add_floats(child)
        elif isinstance(node, list):
            for child in node:
                add_floats(child)
        elif isinstance(node, float):
            total[0] += abs(node)

    add_floats(value)
    if math.isfinite(total[0]):  # a sum that overflows (in whatever order it is added) is sent to the
        assert _surely_sound(value)  # precise walk, which passes it
    assert json_value_problem(value) is None


def nested(depth: int):
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


@pytest.mark.parametrize(("value", "where"), [
    ({"a": [1.0, 2.0, math.nan]}, "$.a[2]"),
    ({"a": {"b": [math.inf]}}, "$.a.b[0]"),
    ({"a": ["x", "\ud800"]}, "$.a[1]"),
    ({"a": {"\udfff": 1}}, "$.a"),
    ({"a": [1, b"x"]}, "$.a[1]"),
    (nested(MAX_DEPTH + 1), "$"),
])
def test_each_problem_is_still_found_and_placed(value, where):
    assert not _surely_sound(value)
    problem = json_value_problem(value)
    assert problem is not None and problem[0] == where


@pytest.mark.parametrize("value", [nested(MAX_DEPTH), [1e308, 1e308], {"s": type("Text", (str,), {})("x")},
                                   {"a": [1, (2,)]}, {1: "one"}])
def test_values_json_writes_are_left_to_the_closer_look_and_pass_it(value):
    """A tuple is written as an array and an int key as a string, as ``json.dumps`` does."""
    assert json_value_problem(value) is None


def records(depth: int, leaf: object) -> object:
    """``depth`` levels of lists of objects around ``leaf`` (a record's array of values, or an object)."""
    value = leaf
    for level in range(depth):
        value = [{"k": value, "s": "x"}, {"k": [0.5, 1.5]}] if level % 2 else [{"a": value}]
    return value


@pytest.mark.parametrize("leaf", [[1.0, 2.0], [], {"z": 1}, [[1.0]], "text"])
@pytest.mark.parametrize("depth", range(MAX_DEPTH // 2 - 3, MAX_DEPTH // 2 + 2))
def test_lists_of_records_are_as_deep_as_the_precise_walk_says(depth, leaf):
    """Lists of objects are taken a batch at a time, and their values' arrays together: the nesting
    limit still falls exactly where it does for the walk that looks at each value."""
    from aslrun.jsondepth import too_deep

    value = records(depth, leaf)
    assert _surely_sound(value) == (not too_deep(value))
    assert (json_value_problem(value) is None) == (not too_deep(value))


@pytest.mark.parametrize("options", [{}, {"separators": (",", ":"), "ensure_ascii": False}, {"allow_nan": False}])
def test_json_writer_writes_json_dumps_text_and_refuses_in_its_words(options):
    write = json_writer(**options)
    for value in ({"é": [1, 2.5, -0.0, None, True], 3: "x", None: ()}, "\u2028\ud800", 10**20, [float("nan")], []):
        try:
            expected = json.dumps(value, **options)
        except ValueError as refusal:
            with pytest.raises(ValueError, match=re.escape(str(refusal))):
                write(value)
        else:
            assert write(value) == expected
    cycle: list = []
    cycle.append(cycle)
    for refused, words in ((cycle, "Circular reference detected"), ({"x": object()}, "not JSON serializable")):
        with pytest.raises((TypeError, ValueError), match=words):
            write(refused)
