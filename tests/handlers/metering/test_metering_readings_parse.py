"""The reading parse's two ways through a channel's days agree: all at once when every day is sound
(handlers.metering.readings._sound_channel), day by day otherwise (naming each problem's place)."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.helpers.metering import interval_event

from handlers.metering import readings

VALUES = st.one_of(
    st.sampled_from([0.0, 0.5, 1.25, 0.001, 12.0]),  # the usual: plain non-negative floats
    st.floats(min_value=0, max_value=1e6),
    st.sampled_from([-0.0, -1.0, math.nan, math.inf, 2, True, "0.5", "x", None]),  # what needs the closer look
)


@st.composite
def days(draw: st.DrawFn) -> list[object]:
    """A channel's rows: mostly sound, sometimes a flaw (a value, a count, a date, a row's shape)."""
    count = draw(st.integers(1, 4))
    rows: list[object] = []
    for index in range(count):
        values = draw(st.lists(st.sampled_from([0.0, 0.5, 1.25, 0.001]), min_size=48, max_size=48))
        if draw(st.integers(0, 4)) == 0:
            values[draw(st.integers(0, 47))] = draw(VALUES)
        if draw(st.integers(0, 9)) == 0:
            values = values[: draw(st.integers(0, 47))]
        row: dict[str, object] = {"date": f"2024-09-{12 + index:02d}", "values": values}
        if draw(st.integers(0, 9)) == 0:
            row["date"] = draw(st.sampled_from(["2024-13-01", "", 20240912, None]))
        if draw(st.booleans()):
            row["quality"] = draw(st.sampled_from(["A", "S", "E"]))
        if draw(st.integers(0, 4)) == 0:
            row["reasonCode"] = draw(st.sampled_from([61, 39, True, "61"]))
        rows.append(row if draw(st.integers(0, 19)) else draw(st.sampled_from([[], "day", None])))
    return rows


@settings(max_examples=300)
@given(days(), st.sampled_from([30, 15, None]))
def test_the_channel_at_once_parses_as_day_by_day_does(rows, length):
    event = interval_event()
    event["intervals"] = {"E1": rows}
    event["intervalLength"] = length
    at_once = readings._parse_reading(event)
    original = readings._sound_channel
    readings._sound_channel = lambda rows, length: None  # every channel day by day
    try:
        day_by_day = readings._parse_reading(event)
    finally:
        readings._sound_channel = original
    assert _comparable(at_once) == _comparable(day_by_day)


def _comparable(parsed: tuple[object, list[readings.Issue]]) -> object:
    """The parse with each value's exact digits and sign (Decimal('0.0') == Decimal('-0.0')), and each
    day's highest value (found from the floats on the way at once, from the Decimals otherwise)."""
    reading, issues = parsed
    if reading is None:
        return None, issues
    channels = {suffix: [(d.day, tuple(map(str, d.values)), d.quality, d.reason_code, str(d.highest)) for d in rows]
                for suffix, rows in reading.intervals.items()}  # type: ignore[attr-defined]
    return channels, reading, issues


def test_a_sound_channel_is_taken_at_once_and_a_flawed_one_day_by_day():
    rows = interval_event()["intervals"]["E1"]
    assert [day.values for day in readings._sound_channel(rows, 30)] == [(readings._DECIMALS[0.5],) * 48] * len(rows)
    rows[3]["values"][7] = -0.0
    assert readings._sound_channel(rows, 30) is None
    assert readings._sound_channel(interval_event()["intervals"]["E1"], 15) is None  # 48 values are not 15-minute days


def test_the_later_parses_of_the_same_content_share_the_first_and_a_changed_event_is_parsed_again():
    event = interval_event(reading_id="PARSE-CACHE-1")
    first, issues = readings.parse_reading(event)
    assert first is not None and issues == []
    again, _ = readings.parse_reading(interval_event(reading_id="PARSE-CACHE-1"))  # (equal, not the same dict)
    assert again is first
    event["intervals"]["E1"][2]["values"][5] = 1.75  # the caller changes its own event afterwards
    changed, _ = readings.parse_reading(event)
    assert changed is not first and str(changed.intervals["E1"][2].values[5]) == "1.75"  # type: ignore[union-attr]
    assert str(first.intervals["E1"][2].values[5]) == "0.5"  # the first parse holds none of the event's lists
    event["intervals"]["E1"][2]["values"][5] = 2  # an int where a float was: other bytes, another parse
    assert readings.parse_reading(event)[0] is not changed
    event["intervals"]["E1"][2]["values"][5] = "x"
    flawed, issues = readings.parse_reading(event)
    assert flawed is None and issues[0].field == "intervals.E1[2].values[5]"
    assert readings.parse_reading(event)[1] == issues and readings.parse_reading(event)[1] is not issues
