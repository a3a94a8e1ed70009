"""A reading's fingerprint: two plain-JSON readings get the same canonical fingerprint exactly when
json.dumps(sort_keys=True) writes them alike; what is not plain JSON, and rows stored before the
canonical form, keep the SHA-256 of that text, and a retry is recognised against either kind."""

from __future__ import annotations

import hashlib
import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.helpers.metering import NOW, basic_event, interval_event

from handlers.metering.fingerprint import CANONICAL, content_hash, legacy_content_hash, same_content
from handlers.metering.readings import READING_FIELDS
from handlers.metering.readings import content_hash as reading_hash
from handlers.metering.validate import validate_reading

# a small domain, so that two values drawn apart are often the same, and the kinds JSON tells apart
_SCALARS = st.sampled_from([None, True, False, 0, 1, 0.0, -0.0, 1.0, 0.25, 1e16, 10**16, 2**70, "", "a", "1",
                            math.inf, -math.inf])
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["a", "b", "c", "ü"]), inner,
                                                                 max_size=3),
    max_leaves=8,
)
_FIELDS = ("x", "y")


def _own(x, y) -> dict:
    return {"x": x, "y": y}


def _reordered(value):
    """The same JSON with every object's keys in reverse order."""
    if isinstance(value, dict):
        return {key: _reordered(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [_reordered(item) for item in value]
    return value


def _codes(result) -> list:
    return [(error["code"], error["field"]) for error in result["errors"]]


def _text(value) -> str:
    return json.dumps(value, sort_keys=True)


@settings(max_examples=500, deadline=None)
@given(_JSON, _JSON, _JSON)
def test_the_same_fingerprint_exactly_when_the_sorted_json_text_is_the_same(a, b, c):
    first, second = content_hash(_own(a, b), _FIELDS), content_hash(_own(a, c), _FIELDS)
    assert first.startswith(CANONICAL) and second.startswith(CANONICAL)
    assert (first == second) == (_text(_own(a, b)) == _text(_own(a, c)))


@settings(max_examples=200, deadline=None)
@given(_JSON, _JSON)
def test_the_order_of_keys_does_not_count(a, b):
    event = _own(a, b)
    assert content_hash(_reordered(event), _FIELDS) == content_hash(event, _FIELDS)


def test_what_json_writes_alike_but_python_holds_apart_is_told_apart_as_json_does():
    pairs = [(1, 1.0), (1, True), (0.0, -0.0), ({}, []), ("1", 1), (10**16, 1e16), ([1], [[1]]),
             ({"a": 1}, [["a", 1]])]
    for one, other in pairs:
        assert content_hash({"x": one}, ("x",)) != content_hash({"x": other}, ("x",)), (one, other)


def test_only_the_readings_own_fields_count():
    event = interval_event()
    assert reading_hash({**event, "validation": {"isValid": True}}) == reading_hash(event)
    assert reading_hash({**event, "meterId": "another"}) != reading_hash(event)


def test_a_reading_that_is_not_plain_json_keeps_the_sha256_of_its_sorted_text():
    from decimal import Decimal

    for own in ({"x": Decimal("1.5"), "y": [1]}, {"x": (1, 2)}, {"x": {1: "a"}}):
        expected = hashlib.sha256(json.dumps(own, sort_keys=True, default=str).encode()).hexdigest()
        assert content_hash(own, _FIELDS) == expected == legacy_content_hash(own)


def test_a_stored_fingerprint_of_either_kind_recognises_the_same_content():
    event, other = interval_event(), interval_event(value=0.7)
    own = {key: event[key] for key in READING_FIELDS if key in event}
    now = reading_hash(event)
    legacy = legacy_content_hash(own)
    assert now.startswith(CANONICAL) and len(legacy) == 64
    assert same_content(now, event, READING_FIELDS, now)
    assert same_content(legacy, event, READING_FIELDS, now)  # (a row written before the canonical form)
    assert not same_content(legacy, other, READING_FIELDS, reading_hash(other))
    assert not same_content(now, other, READING_FIELDS, reading_hash(other))
    assert not same_content(now, event, READING_FIELDS, legacy)  # (a stored canonical one, a reading not plain)


def test_a_retry_of_a_reading_stored_with_the_old_fingerprint_is_replayed(store):
    event = basic_event()
    first = validate_reading(event, store=store, now=NOW)
    own = {key: event[key] for key in READING_FIELDS if key in event}
    with store.transaction():  # as a database written before the canonical fingerprints holds it
        store.conn.execute("UPDATE metering_readings SET content_hash = ? WHERE reading_id = ?",
                           (legacy_content_hash(own), event["readingId"]))
    again = validate_reading(basic_event(), store=store, now=NOW)
    assert again["replayed"] is True and again["previousReads"] == first["previousReads"]
    changed = {**basic_event(), "readAt": "2024-10-14T05:00:00+10:00"}
    assert _codes(validate_reading(changed, store=store, now=NOW)) == [("READING_ID_CONFLICT", "readingId")]


def test_the_fingerprint_of_a_generated_interval_reading_is_canonical_and_stable():
    event = interval_event()
    assert reading_hash(event) == reading_hash(json.loads(json.dumps(event)))
    assert reading_hash(event).startswith(CANONICAL) and len(reading_hash(event)) == len(CANONICAL) + 64


def test_an_interval_day_is_taken_at_once_as_the_pairs_of_its_sorted_keys():
    from handlers.metering import fingerprint

    days = [{"values": [0.5, -0.0, 1, True, None], "quality": "A", "date": "2024-09-12"},
            {"date": "2024-09-12", "quality": "A", "values": []},
            {"date": 20240912, "quality": "A", "values": [0.5]},  # (not text: the general way)
            {"date": "2024-09-12", "quality": "A", "values": [[0.5]]},
            {"date": "2024-09-12", "quality": "A", "values": [0.5], "reasonCode": 61}]
    for day in days:
        assert fingerprint._canonical_object(day) == tuple(  # what the general way makes of it
            (key, fingerprint._canonical(value)) for key, value in sorted(day.items()))
