"""Properties of the intrinsics that must hold for any input (hypothesis)."""

from __future__ import annotations

import base64
import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from aslrun.expr.intrinsics import compile_intrinsic
from aslrun.expr.intrinsics_values import json_key, json_text

PROPERTY = settings(max_examples=150, deadline=None)  # per test: global profiles belong to the lead

json_scalars = st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=False,
                                                                                      allow_infinity=False) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=12,
)


def run(text: str, rng: random.Random | None = None, **values: Any) -> Any:
    return compile_intrinsic(text).evaluate(lambda path: values[path[2:]], rng=rng)


def quote(text: str) -> str:
    """``text`` as an intrinsic string literal: the four reserved characters escaped."""
    return "'" + "".join("\\" + ch if ch in "'{}\\" else ch for ch in text) + "'"


def same_json(a: Any, b: Any) -> bool:
    return json_key(a) == json_key(b)


@PROPERTY
@given(st.text())
def test_string_literals_round_trip_through_the_parser(text: str) -> None:
    assert run(f"States.Array({quote(text)})") == [text]


@PROPERTY
@given(st.text())
def test_format_without_placeholders_is_identity(text: str) -> None:
    assert run(f"States.Format({quote(text)})") == text


@PROPERTY
@given(st.lists(st.text(alphabet="ab{} ", max_size=6), min_size=1, max_size=5), st.data())
def test_format_fills_each_placeholder_in_order(pieces: list[str], data: st.DataObject) -> None:
    values = data.draw(st.lists(st.text(max_size=5), min_size=len(pieces) - 1, max_size=len(pieces) - 1))
    template = "{}".join(quote(piece)[1:-1] for piece in pieces)
    expected = pieces[0] + "".join(value + piece for value, piece in zip(values, pieces[1:]))
    args = "".join(f", $.v{i}" for i in range(len(values)))
    assert run(f"States.Format('{template}'{args})", **{f"v{i}": v for i, v in enumerate(values)}) == expected


@PROPERTY
@given(st.text(max_size=2000))
def test_base64_round_trip(text: str) -> None:
    encoded = run("States.Base64Encode($.s)", s=text)
    assert encoded == base64.b64encode(text.encode("utf-8")).decode("ascii")
    assert run("States.Base64Decode($.s)", s=encoded) == text


@PROPERTY
@given(json_values)
def test_json_to_string_then_string_to_json_is_identity(value: Any) -> None:
    text = run("States.JsonToString($.v)", v=value)
    assert text == json_text(value)
    assert same_json(run("States.StringToJson($.s)", s=text), value)


@PROPERTY
@given(st.lists(json_values, max_size=30), st.integers(1, 12))
def test_array_partition_concatenates_back_to_the_input(items: list, size: int) -> None:
    chunks = run("States.ArrayPartition($.a, $.n)", a=items, n=size)
    assert [item for chunk in chunks for item in chunk] == items
    assert all(len(chunk) == size for chunk in chunks[:-1])
    assert all(0 < len(chunk) <= size for chunk in chunks)


@PROPERTY
@given(st.lists(st.integers(-3, 3) | st.booleans() | st.none() | st.sampled_from(["a", "b"]), max_size=30))
def test_array_unique_is_idempotent_and_keeps_every_value(items: list) -> None:
    unique = run("States.ArrayUnique($.a)", a=items)
    assert run("States.ArrayUnique($.a)", a=unique) == unique
    assert len({json_key(v) for v in unique}) == len(unique)
    assert {json_key(v) for v in unique} == {json_key(v) for v in items}
    firsts = [next(i for i, v in enumerate(items) if same_json(v, u)) for u in unique]
    assert firsts == sorted(firsts)  # first occurrences, in input order


@PROPERTY
@given(st.lists(json_values, min_size=1, max_size=10), st.data())
def test_array_contains_finds_every_item(items: list, data: st.DataObject) -> None:
    wanted = data.draw(st.sampled_from(items))
    assert run("States.ArrayContains($.a, $.v)", a=items, v=wanted) is True
    assert run("States.ArrayContains($.a, $.v)", a=items, v={"\u0000never": items}) is False


@PROPERTY
@given(st.integers(-500, 500), st.integers(-500, 500), st.integers(-50, 50).filter(bool))
def test_array_range_is_an_arithmetic_progression_within_bounds(start: int, end: int, step: int) -> None:
    values = run(f"States.ArrayRange({start}, {end}, {step})")
    assert values == list(range(start, end + (1 if step > 0 else -1), step))
    assert all(b - a == step for a, b in zip(values, values[1:]))


@PROPERTY
@given(st.lists(json_values, max_size=10), st.data())
def test_array_get_item_and_length_agree(items: list, data: st.DataObject) -> None:
    assert run("States.ArrayLength($.a)", a=items) == len(items)
    if items:
        index = data.draw(st.integers(0, len(items) - 1))
        assert run("States.ArrayGetItem($.a, $.i)", a=items, i=index) is items[index]


@PROPERTY
@given(st.integers(-10**6, 10**6), st.integers(-10**6, 10**6))
def test_math_add_of_integers_is_addition_and_commutes(a: int, b: int) -> None:
    assert run("States.MathAdd($.a, $.b)", a=a, b=b) == a + b == run("States.MathAdd($.b, $.a)", a=a, b=b)


@PROPERTY
@given(st.integers(-1000, 1000), st.integers(1, 1000), st.integers(0, 2**31))
def test_math_random_stays_in_range_and_a_seed_repeats(start: int, width: int, seed: int) -> None:
    value = run(f"States.MathRandom({start}, {start + width})", rng=random.Random(seed))
    assert start <= value < start + width
    seeded = f"States.MathRandom({start}, {start + width}, {seed})"
    assert run(seeded, rng=random.Random(1)) == run(seeded, rng=random.Random(2))


@PROPERTY
@given(st.text(alphabet="ab,;\n ", max_size=40), st.text(alphabet=",;\n", min_size=1, max_size=3))
def test_string_split_pieces_hold_no_delimiter_and_rebuild_the_text(text: str, delimiters: str) -> None:
    pieces = run("States.StringSplit($.s, $.d)", s=text, d=delimiters)
    assert all(piece and not set(piece) & set(delimiters) for piece in pieces)
    assert "".join(pieces) == "".join(ch for ch in text if ch not in delimiters)


@PROPERTY
@given(st.dictionaries(st.text(max_size=3), json_values, max_size=5),
       st.dictionaries(st.text(max_size=3), json_values, max_size=5))
def test_json_merge_is_a_shallow_update(first: dict, second: dict) -> None:
    merged = run("States.JsonMerge($.a, $.b, false)", a=first, b=second)
    assert merged == {**first, **second}
    assert set(merged) == set(first) | set(second)
