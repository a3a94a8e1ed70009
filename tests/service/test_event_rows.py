"""The store's payload texts (aslrun.service.event_rows.PayloadTexts) are json.dumps' compact text
byte for byte, however the payloads of an execution share their parts."""

from __future__ import annotations

import json
import math
import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from aslrun.history import Event
from aslrun.service.event_rows import PayloadTexts, event_row

_SCALARS = (st.none() | st.booleans() | st.integers() | st.text(max_size=8)
            | st.floats(allow_nan=True, allow_infinity=True)
            | st.sampled_from([0.0, -0.0, 1e16, 5e-324, math.inf, math.nan, "\u2028", "\ud800", "é"]))
_JSON = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=5)
                     | st.dictionaries(st.text(max_size=4), inner, max_size=5)
                     | st.dictionaries(st.sampled_from([1, 2.5, True, None]), inner, min_size=1, max_size=2),
                     max_leaves=30)
# texts worth keeping: their size matters, not each value (drawn one by one they cost most of the test)
_BIG = st.builds(lambda count, seed: _floats(count, random.Random(seed)), st.integers(150, 200), st.integers(0, 2**32))


def _floats(count: int, rng: random.Random) -> list[float]:
    return [rng.uniform(0, 100) for _ in range(count)]


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@settings(max_examples=300)
@given(st.lists(_JSON, min_size=1, max_size=4), _BIG, st.lists(st.tuples(st.integers(0, 3), st.text(max_size=3)),
                                                                 max_size=6))
def test_payloads_sharing_their_parts_are_written_as_json_writes_them(parts, big, steps):
    """Each payload a new object around the parts of the ones before (as a state adds its result),
    some of them large (kept by identity), some nested deeper than the levels written around parts."""
    texts = PayloadTexts()
    state: dict[str, Any] = {"big": big, "nested": {"a": {"b": {"c": {"d": big}}}}, "parts": parts}
    assert texts.text(state) == _compact(state)
    for index, name in steps:
        state = {**state, name: parts[index % len(parts)], "list": [state["big"], name, parts]}
        assert texts.text(state) == _compact(state)
        assert texts.text(state["list"]) == _compact(state["list"])


@given(_JSON)
def test_any_payload_is_written_as_json_writes_it(value):
    assert PayloadTexts().text(value) == _compact(value)


def test_an_event_row_keeps_each_payload_text_in_its_own_column():
    data = {"reading": [0.5] * 300, "id": "R1"}
    texts = PayloadTexts()
    entered = event_row(Event(1, 0, "TaskStateEntered", 1.0, {"name": "T", "input": data}), texts)
    exited = event_row(Event(2, 1, "TaskStateExited", 1.0, {"name": "T", "output": data}), texts)
    assert entered[1:] == (_compact(data), None, None) and exited[1:] == (None, _compact(data), None)
    assert json.loads(entered[0])["stateEnteredEventDetails"] == {"name": "T", "inputDetails": {"truncated": False}}


def test_what_json_refuses_is_refused_in_its_own_words():
    """The texts are written by json's C encoder made once, without json.dumps' cycle markers or
    ``default``: what it refuses goes to json.dumps, so the error is json's own."""
    cycle: list[Any] = []
    cycle.append(cycle)
    for value in ({"when": object()}, {"a": [1, cycle]}):
        try:
            _compact(value)
        except (TypeError, ValueError) as exc:
            expected = (type(exc), str(exc))
        for write in (PayloadTexts().text, lambda v: event_row(Event(1, 0, "PassStateEntered", 0.0, {"input": v}))):
            try:
                write(value)
            except (TypeError, ValueError) as exc:
                assert (type(exc), str(exc)) == expected
            else:
                raise AssertionError(f"{value!r} was written")
