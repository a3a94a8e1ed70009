"""sorted_json_text writes json.dumps(value, sort_keys=True)'s text byte for byte (the fingerprints
of readings stored before the canonical form hash it, so the text must never change)."""

import json
import math
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.metering.fingerprint import legacy_content_hash
from handlers.metering.sorted_json import _FLOAT_TEXT, sorted_json_text

_SCALARS = (st.none() | st.booleans() | st.integers() | st.text()
            | st.floats(allow_nan=True, allow_infinity=True)
            | st.sampled_from([0.0, -0.0, 0.1, 1e16, 1e-7, 5e-324, math.inf, -math.inf, math.nan]))
_DAY = st.fixed_dictionaries({"date": st.text(max_size=10), "quality": st.text(max_size=2),
                              "values": st.lists(st.floats() | st.sampled_from([0.0, -0.0, 0.25]), max_size=8)})
_JSON = st.recursive(
    _SCALARS,
    lambda inner: (st.lists(inner, max_size=6) | st.tuples(inner, inner)
                   | st.dictionaries(st.text(max_size=5), inner, max_size=5)
                   | st.lists(st.floats(), max_size=60)
                   | st.fixed_dictionaries({"date": st.text(max_size=10), "quality": st.text(max_size=2),
                                            "values": st.lists(st.floats(), max_size=50)})
                   | st.fixed_dictionaries({"date": inner, "quality": inner, "values": inner})
                   | st.lists(_DAY, min_size=1, max_size=4)),  # a channel of days: written all at once
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(_JSON)
def test_the_text_is_json_dumps_sorted(value):
    assert sorted_json_text(value) == json.dumps(value, sort_keys=True)
    assert sorted_json_text(value) == json.dumps(value, sort_keys=True)  # again, from the kept texts


def test_a_negative_zero_keeps_its_sign_after_zero_and_the_value_were_met():
    assert sorted_json_text([0.0, 1.5]) == "[0.0, 1.5]"
    assert sorted_json_text([1.5, -0.0, 0.0]) == "[1.5, -0.0, 0.0]"
    assert sorted_json_text({"v": -0.0}) == '{"v": -0.0}'
    assert _FLOAT_TEXT[0.0] == "0.0" and _FLOAT_TEXT[1.5] == "1.5"


def test_what_json_would_convert_or_refuse_is_left_to_json():
    assert sorted_json_text({2: "a", 1: None}) == '{"1": null, "2": "a"}'
    with pytest.raises(TypeError):  # as json.dumps: keys it cannot sort
        sorted_json_text({1: "a", "b": 2})
    assert sorted_json_text({"d": Decimal("1.5")}, default=str) == '{"d": "1.5"}'
    assert sorted_json_text(["ü", "\u2028", 'q"'], default=str) == json.dumps(["ü", "\u2028", 'q"'])
    circular: list = []
    circular.append(circular)
    with pytest.raises(ValueError, match="Circular reference"):
        sorted_json_text(circular)


def test_the_legacy_reading_fingerprint_is_the_sha256_of_the_sorted_dumps():
    import hashlib

    reading = {"readingId": "R1", "meterId": "M1", "intervalLength": 30, "validation": {"x": 1},
               "intervals": {"E1": [{"date": "2024-09-12", "values": [0.21] * 47 + [-0.0]}]}}
    own = {k: v for k, v in reading.items() if k != "validation"}
    expected = hashlib.sha256(json.dumps(own, sort_keys=True, default=str).encode()).hexdigest()
    assert legacy_content_hash(own) == expected
