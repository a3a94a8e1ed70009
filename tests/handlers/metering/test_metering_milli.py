"""Interval values held as thousandths (handlers.metering.milli) give the very Decimals, sums and
highest values the Decimals of the floats' texts give: digit for digit, exponent for exponent."""

from __future__ import annotations

import heapq
import pickle
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.metering.milli import LIMIT, MilliChannel, MilliValues, largest_values, milli_channel, sum_of

ZERO = Decimal(0)

THOUSANDTHS = st.one_of(
    st.integers(0, 5_000),  # a household's half hour, to the watt-hour
    st.sampled_from([0, 10, 100, 1000, 120_000, 999_999_999_999_999]),  # whole tenths and units, the largest
    st.integers(0, 10**15 - 1),
)
#: floats of more decimals, or too large: left to the Decimals
OTHERS = st.sampled_from([0.0005, 1.2345, 1e-7, 0.1 + 0.2, LIMIT, 2e12, 1e15 + 0.5, 123456.7891])


def _text_decimals(values: list[float]) -> list[Decimal]:
    return [Decimal(repr(v)) for v in values]


def _exactly(numbers: list[Decimal] | tuple[Decimal, ...]) -> list[tuple[str, int]]:
    """Each number's text and exponent (Decimal('1.0') == Decimal('1.00'), but their texts differ)."""
    return [(str(n), n.as_tuple().exponent) for n in numbers]  # type: ignore[misc]


@st.composite
def channels(draw: st.DrawFn) -> tuple[list[float], int]:
    days = draw(st.integers(1, 4))
    slots = draw(st.sampled_from([1, 3, 7]))  # (a day of 48 values: the parse tests; drawing each costs)
    values = [draw(THOUSANDTHS) / 1000 for _ in range(days * slots)]
    if draw(st.integers(0, 3)) == 0:
        values[draw(st.integers(0, len(values) - 1))] = draw(OTHERS)
    return values, days


@settings(max_examples=200)
@given(channels())
def test_a_channel_of_thousandths_gives_the_decimals_of_the_floats_texts(channel):
    values, days = channel
    found = milli_channel(np.array(values), days)
    exact = all(v < LIMIT and Decimal(repr(v)).as_tuple().exponent >= -3 for v in values)  # type: ignore[operator]
    assert (found is not None) == exact
    if found is None:
        return
    slots = len(values) // days
    highest = found.highest()
    for day in range(days):
        row = values[day * slots:(day + 1) * slots]
        decimals = _text_decimals(row)
        held = MilliValues(found, day)
        assert _exactly(held.decimals()) == _exactly(decimals)
        assert _exactly([held.sum()]) == _exactly([sum(decimals, ZERO)])
        assert _exactly([highest[day]]) == _exactly([max(decimals)])


@settings(max_examples=150)
@given(channels(), st.data())
def test_sums_by_label_are_the_decimal_sums_of_each_labels_values(channel, data):
    values, days = channel
    found = milli_channel(np.array(values), days)
    if found is None:
        return
    slots = len(values) // days
    count = data.draw(st.integers(1, 4))
    chosen = data.draw(st.lists(st.integers(0, days - 1), min_size=1, max_size=days, unique=True))
    labels = [np.array(data.draw(st.lists(st.integers(0, count - 1), min_size=slots, max_size=slots)))
              for _ in chosen]
    expected = [ZERO] * count
    for day, day_labels in zip(chosen, labels):
        for slot, label in enumerate(day_labels.tolist()):
            expected[label] += Decimal(repr(values[day * slots + slot]))
    sums = found.sums_by_label(chosen, labels, count)
    assert sums is not None and _exactly(sums) == _exactly(expected)


def test_a_days_values_behave_as_the_tuple_of_their_decimals():
    found = milli_channel(np.array([0.5, 1.25, 0.0, 12.0, 0.001, 3.0]), 2)
    assert found is not None
    first, second = MilliValues(found, 0), MilliValues(found, 1)
    assert first == (Decimal("0.5"), Decimal("1.25"), Decimal("0.0")) == first
    assert (Decimal("0.5"), Decimal("1.25"), Decimal("0.0")) == first
    assert first != second and first != [Decimal("0.5"), Decimal("1.25"), Decimal("0.0")]
    assert hash(first) == hash((Decimal("0.5"), Decimal("1.25"), Decimal("0.0")))
    assert len(second) == 3 and list(second) == [Decimal("12.0"), Decimal("0.001"), Decimal("3.0")]
    assert second[1] == Decimal("0.001") and second[1:] == (Decimal("0.001"), Decimal("3.0"))
    assert str(sum_of(second)) == "15.001" and str(sum_of(first)) == "1.75"
    assert str(sum_of((Decimal("1.5"), Decimal("1.50")))) == "3.00"  # (a tuple: the Decimals' own sum)
    assert repr(first) == repr(first.decimals())
    again = pickle.loads(pickle.dumps(second))
    assert again == second and str(again.sum()) == "15.001"
    assert not found.matrix.flags.writeable


def test_values_of_more_decimals_or_too_large_are_left_to_the_decimals():
    assert milli_channel(np.array([0.5, 0.0005]), 1) is None
    assert milli_channel(np.array([0.5, 0.1 + 0.2]), 1) is None  # 0.30000000000000004
    assert milli_channel(np.array([LIMIT]), 1) is None
    assert milli_channel(np.array([LIMIT - 1]), 1) is not None


@settings(max_examples=150)
@given(channels(), st.integers(1, 4))
def test_the_largest_values_are_those_the_decimals_rank_first(channel, count):
    values, days = channel
    found = milli_channel(np.array(values), days)
    if found is None:
        return
    rows = {f"day {day}": MilliValues(found, day) for day in reversed(range(days))}  # (keys not in row order)
    expected = heapq.nlargest(count, ((value, key, slot) for key, row in rows.items()
                                      for slot, value in enumerate(row.decimals())))
    ranked = largest_values(rows, count)
    assert ranked is not None and [(str(v), k, s) for v, k, s in ranked] == [(str(v), k, s) for v, k, s in expected]
    assert largest_values({"a": (Decimal(1),)}, 1) is None  # (a tuple of Decimals: ranked by the caller)


@settings(max_examples=150)
@given(st.lists(THOUSANDTHS, min_size=1, max_size=12), st.sampled_from([1, 2, 3]), st.integers(1, 3), st.data())
def test_a_channel_of_three_decimals_gives_wh_as_kwh_of_three_decimals(thousandths, days, count, data):
    """``decimals=3`` (the BUA pipeline's watt-hours as kWh): every value, sum, band sum, highest
    and largest value is what ``Decimal(wh).scaleb(-3)`` and Decimal addition give, exponent and all
    (``Decimal('1.500')``, never ``Decimal('1.5')``)."""
    slots = len(thousandths)
    matrix = np.array([thousandths] * days, dtype=np.int64) + np.arange(days, dtype=np.int64)[:, None] * 10
    found = MilliChannel(matrix.copy(), decimals=3)
    as_kwh = [[Decimal(int(wh)).scaleb(-3) for wh in row] for row in matrix.tolist()]
    for day in range(days):
        held = MilliValues(found, day)
        assert _exactly(held.decimals()) == _exactly(as_kwh[day])
        assert _exactly([held.sum()]) == _exactly([sum(as_kwh[day], ZERO)])
    assert _exactly(found.highest()) == _exactly([max(row) for row in as_kwh])
    labels = [np.array(data.draw(st.lists(st.integers(0, count - 1), min_size=slots, max_size=slots)))
              for _ in range(days)]
    expected = [ZERO] * count
    for day, day_labels in enumerate(labels):
        for slot, label in enumerate(day_labels.tolist()):
            expected[label] += as_kwh[day][slot]
    sums = found.sums_by_label(list(range(days)), labels, count)
    assert sums is not None and _exactly(sums) == _exactly(expected)
    rows = {day: MilliValues(found, day) for day in range(days)}
    ranked = largest_values(rows, 2)
    assert ranked is not None
    assert _exactly([v for v, _, _ in ranked]) == _exactly(heapq.nlargest(2, (v for row in as_kwh for v in row)))
    again = pickle.loads(pickle.dumps(MilliValues(found, 0)))
    assert _exactly(again.decimals()) == _exactly(as_kwh[0]) and again.channel.decimals == 3


def test_a_channel_takes_no_other_number_of_decimals():
    with pytest.raises(ValueError, match="decimals must be None or 3"):
        MilliChannel(np.zeros((1, 2), dtype=np.int64), decimals=2)


def test_a_three_decimal_memo_keeps_each_figure_it_made():
    from handlers.metering.milli import _DecimalOfMilli

    kwh = _DecimalOfMilli(3, kept=10)
    first = kwh[1_234]
    assert first == Decimal("1.234") and str(first) == "1.234"
    assert kwh[1_234] is first
    assert kwh == {1_234: Decimal("1.234")}
    assert list(map(kwh.__getitem__, [0, 1_234, 5])) == [Decimal("0.000"), first, Decimal("0.005")]
    assert str(kwh[0]) == "0.000" and len(kwh) == 3


def test_a_memo_stops_growing_at_its_bound():
    from handlers.metering.milli import _DecimalOfMilli

    kwh = _DecimalOfMilli(3, kept=2)
    assert [str(kwh[wh]) for wh in (1, 2, 3, 3)] == ["0.001", "0.002", "0.003", "0.003"]
    assert sorted(kwh) == [1, 2]
