"""Small pieces: whole-Wh apportioning, shaping a day, usage from reads, events and settings that
name their bad field, the control table's bookkeeping."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.bua.config import default_period, parse_config
from handlers.bua.control import STAGES, downstream
from handlers.bua.errors import BadEvent
from handlers.bua.estimates import Scalar, apportion, shape_day
from handlers.bua.events import batches_of, run_date_of
from handlers.bua.export import _dollars, _kwh
from handlers.bua.profile import ProfileSet
from handlers.bua.store import pack_wh, unpack_wh
from handlers.bua.usage import basic_usage


@given(total=st.integers(0, 10**9),
       weights=st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=300))
def test_apportion_always_adds_up_and_never_goes_negative(total, weights):
    parts = apportion(total, np.array(weights))
    assert int(parts.sum()) == total and (parts >= 0).all()
    if sum(weights) > 0:
        exact = np.array(weights) * total / sum(weights)
        assert np.all(np.abs(parts - exact) < 1 + 1e-6)


def test_apportion_examples():
    assert list(apportion(10_000, np.full(48, 1.0))) == [209] * 16 + [208] * 32
    assert list(apportion(10, np.array([0.0, 0.0]))) == [5, 5]
    assert list(apportion(7, np.array([1.0, 0.0, 2.0]))) == [2, 0, 5]


def test_a_day_is_shaped_into_15_and_5_minute_intervals():
    shape = np.zeros(48)
    shape[10], shape[11] = 0.25, 0.75
    fifteen = shape_day(1_000, shape, 15)
    assert len(fifteen) == 96 and fifteen.sum() == 1_000
    assert list(fifteen[20:24]) == [125, 125, 375, 375]
    five = shape_day(600, np.full(48, 1 / 48), 5)
    assert len(five) == 288 and set(five) == {2, 3} and five.sum() == 600


def flat_profile(start=date(2024, 8, 1), days=61, wh=10_000.0):
    key = ("NSW", "RESIDENTIAL", "FLAT")
    values = np.full((1, days), wh)
    cum = np.concatenate([[[0.0]], np.cumsum(values, axis=1)], axis=1)
    return ProfileSet(start=start, days=days, index={key: 0}, wh=values, cum=cum,
                      shapes=np.full((1, days, 48), 1 / 48)), key


def test_basic_usage_counts_an_unbilled_actual_read_as_actual():
    profile, key = flat_profile()
    reads = [("2024-09-01", 1_000_000, "METER"), ("2024-09-11", 1_100_000, "METER"),
             ("2024-10-01", 1_300_000, "BUA")]
    usage = basic_usage(date(2024, 9, 1), date(2024, 10, 1), reads, 10**8, profile, key,
                        Scalar(1.0, "BILLED"))
    assert (usage.actual_wh, usage.estimated_wh) == (100_000, 200_000)
    assert list(usage.daily[:10]) == [10_000] * 10 and usage.estimated[10:].all()


def test_basic_usage_shares_a_read_difference_that_started_before_the_unbilled_days():
    profile, key = flat_profile()
    reads = [("2024-08-22", 0, "METER"), ("2024-10-01", 400_000, "BUA")]  # 40 days apart
    usage = basic_usage(date(2024, 9, 1), date(2024, 10, 1), reads, 10**8, profile, key,
                        Scalar(1.0, "BILLED"))
    # 10 of the 40 days of the difference were before the unbilled period (already billed)
    assert usage.daily.sum() == 300_000 and usage.estimated.all()


def test_basic_usage_without_any_read_uses_the_estimates_and_says_so():
    profile, key = flat_profile()
    usage = basic_usage(date(2024, 9, 1), date(2024, 9, 11), [], 10**8, profile, key,
                        Scalar(2.0, "NO_HISTORY"))
    assert usage.daily.sum() == 200_000 and usage.flags == ["NO_READ_AT_START"]


def test_run_date_and_batches_are_read_from_every_event_shape():
    item = {"run_date": "2024-10-01", "stage": "nem12", "batch": 2, "first": "A1", "last": "A9",
            "count": 9}
    assert run_date_of(item) == date(2024, 10, 1)
    assert [b.number for b in batches_of(item)] == [2]
    batched = {"Items": [item, {**item, "batch": 3}], "BatchInput": {"run_date": "2024-10-01",
                                                                     "db": None}}
    assert [b.number for b in batches_of(batched)] == [2, 3]
    assert run_date_of({"Items": [item]}) == date(2024, 10, 1)


@pytest.mark.parametrize(("event", "message"), [
    ({}, "run_date: missing"),
    ({"run_date": "01/10/2024"}, "run_date: expected a date YYYY-MM-DD, got '01/10/2024'"),
    ({"run_date": 20241001}, "run_date: expected a date"),
    ([1, 2], "event: expected a JSON object, got list"),
])
def test_bad_events_name_the_field(event, message):
    with pytest.raises(BadEvent, match=message):
        run_date_of(event)


@pytest.mark.parametrize(("event", "message"), [
    ({"run_date": "2024-10-01"}, "batch: missing"),
    ({"batch": {"batch": 1, "first": "B", "last": "A"}}, "first/last must be account ids"),
    ({"Items": [{"batch": 1, "first": "A"}]}, r"Items\[0\].last: missing"),
    ({"batch": {"batch": -1, "first": "A", "last": "B"}}, "batch.batch: expected a batch number"),
])
def test_bad_batch_descriptors_name_the_field(event, message):
    with pytest.raises(BadEvent, match=message):
        batches_of(event)


def test_settings_default_and_bad_fields_are_named():
    assert parse_config(None).min_segment_accounts == 30
    assert parse_config('{"batch_size": 50}').batch_size == 50
    with pytest.raises(BadEvent, match="config.min_segment_acounts: Extra inputs"):
        parse_config({"min_segment_acounts": 3})
    with pytest.raises(BadEvent, match="config.max_estimated_fraction: Input should be less"):
        parse_config({"max_estimated_fraction": 5})
    with pytest.raises(BadEvent, match="config: not JSON"):
        parse_config("{")


def test_default_period_is_the_last_complete_month():
    assert default_period(date(2024, 10, 1)) == (date(2024, 9, 1), date(2024, 10, 1))
    assert default_period(date(2025, 1, 15)) == (date(2024, 12, 1), date(2025, 1, 1))


def test_rerunning_a_stage_invalidates_exactly_the_stages_that_read_it():
    assert downstream("segments") == {"microscalar", "basicreads", "nem12", "invoiceruns", "export"}
    assert downstream("reset-basicreads") == {"basicreads", "invoiceruns", "export"}
    assert downstream("export") == set() and set(STAGES) >= downstream("restore")


def test_days_before_the_profile_window_take_its_first_day():
    profile, key = flat_profile(start=date(2024, 9, 1), days=10)
    profile.wh[0] = np.arange(1, 11) * 1000.0
    profile.cum[0] = np.concatenate([[0.0], np.cumsum(profile.wh[0])])
    from handlers.bua.estimates import estimate_days, estimate_total

    k2 = Scalar(2.0, "BILLED")
    days = estimate_days(profile, key, k2, date(2024, 8, 29), date(2024, 9, 3))
    assert list(days) == [2000, 2000, 2000, 2000, 4000]
    assert estimate_total(profile, key, k2, date(2024, 8, 29), date(2024, 9, 3)) == 12_000
    assert estimate_total(profile, key, k2, date(2024, 9, 2), date(2024, 9, 4)) == 10_000
    assert list(estimate_days(profile, key, Scalar(1.0, "ADL", adl_wh=500.0), date(2024, 8, 1),
                              date(2024, 8, 3))) == [500, 500]


@settings(max_examples=300)
@given(st.one_of(st.integers(-10**20, 10**20), st.sampled_from([0, -1, 1, -99, 99, -100, 100, -101, 999, -1000, 1005])))
def test_export_money_and_energy_texts_are_the_decimals_texts(number):
    """The export writes cents and Wh from the integers: the very texts the Decimal formulas give."""
    assert _dollars(number) == str((Decimal(number) / 100).quantize(Decimal("0.01")))
    assert _kwh(number) == str(Decimal(number).scaleb(-3).quantize(Decimal("0.001")))


def test_stored_watt_hours_are_never_wrapped_round():
    """The database keeps interval watt-hours as 32-bit integers: what fits is stored as it is, whatever
    the array's type; what does not (or is not whole) is refused, where numpy would wrap it silently."""
    for values in ([0, 1, 2**31 - 1, -2**31], np.array([5, 6], dtype=np.int64), np.array([7.0, 8.0])):
        assert unpack_wh(pack_wh(values)).tolist() == [int(v) for v in values]
    for values in (np.array([1, 2**31], dtype=np.int64), np.array([-2**31 - 1]), np.array([1.5])):
        with pytest.raises(OverflowError, match="past a 32-bit integer's range"):
            pack_wh(values)
    with pytest.raises(OverflowError):  # (numpy refuses a list itself)
        pack_wh([2**31])
