"""Exact figures of the estimating rules (issue 21): micro scalars as loaded, days before and after
the profile window, average-daily-load estimates, whole-Wh apportioning and day shapes, each
checked value for value so a changed rule cannot pass unnoticed."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.bua.errors import RunNotReady
from handlers.bua.estimates import (
    Scalar,
    apportion,
    apportion_few,
    estimate_days,
    estimate_total,
    load_scalars,
    require_scalar,
    shape_day,
)
from handlers.bua.schema import SCHEMA
from handlers.db import connect

from tests.helpers.bua_accruals import KEY, profile_of

WINDOW = date(2024, 9, 1)


def test_load_scalars_reads_the_batchs_accounts_of_the_run_with_their_average_daily_load():
    conn = connect(":memory:", schema=SCHEMA)
    rows = [("2024-10-01", "A05", 1.5, "BILLED", None), ("2024-10-01", "A10", 0.0, "ADL", 812.5),
            ("2024-10-01", "A20", 1.0, "NO_HISTORY", None),
            ("2024-10-01", "A01", 9.0, "BILLED", None),      # before the batch
            ("2024-10-01", "A21", 9.0, "BILLED", None),      # after the batch
            ("2024-09-01", "A06", 9.0, "ADL", 5.0)]          # another run
    conn.executemany("INSERT INTO micro_scalar (run_date, account_id, scalar, flag, adl_wh) "
                     "VALUES (?, ?, ?, ?, ?)", rows)
    scalars = load_scalars(conn, date(2024, 10, 1), "A05", "A20")
    assert scalars == {"A05": Scalar(k=1.5, flag="BILLED", adl_wh=None),
                       "A10": Scalar(k=0.0, flag="ADL", adl_wh=812.5),
                       "A20": Scalar(k=1.0, flag="NO_HISTORY", adl_wh=None)}
    conn.close()


def test_an_account_without_a_micro_scalar_says_which_stage_to_run():
    scalars = {"A1": Scalar(1.0, "BILLED")}
    assert require_scalar(scalars, "A1") is scalars["A1"]
    with pytest.raises(RunNotReady) as caught:
        require_scalar(scalars, "A2")
    assert str(caught.value) == "account A2 has no micro scalar: run the microscalar stage first"


def test_days_wholly_before_the_window_all_take_its_first_day():
    profile = profile_of({KEY: [3_000.0, 5_000.0, 7_000.0]}, start=WINDOW)
    days = estimate_days(profile, KEY, Scalar(2.0, "BILLED"), date(2024, 8, 27), date(2024, 8, 30))
    assert days.tolist() == [6_000.0, 6_000.0, 6_000.0]
    # ending on the window's first day: still only the days before it
    days = estimate_days(profile, KEY, Scalar(2.0, "BILLED"), date(2024, 8, 30), WINDOW)
    assert days.tolist() == [6_000.0, 6_000.0]


def test_a_one_day_window_still_gives_its_day_to_the_days_before_it():
    profile = profile_of({KEY: [4_000.0]}, start=WINDOW)
    days = estimate_days(profile, KEY, Scalar(0.5, "BILLED"), date(2024, 8, 30), date(2024, 9, 2))
    assert days.tolist() == [2_000.0, 2_000.0, 2_000.0]


def test_an_empty_range_after_the_window_estimates_nothing():
    profile = profile_of({KEY: [4_000.0, 4_000.0]}, start=WINDOW)
    after = date(2024, 9, 10)
    days = estimate_days(profile, KEY, Scalar(1.0, "BILLED"), after, after)
    assert days.tolist() == [] and days.dtype == np.float64
    assert estimate_total(profile, KEY, Scalar(1.0, "BILLED"), after, after) == 0.0
    # and a range that ends before it starts
    assert estimate_total(profile, KEY, Scalar(1.0, "BILLED"), date(2024, 9, 2), WINDOW) == 0.0


def test_average_daily_load_estimates_every_day_alike():
    profile = profile_of({KEY: [4_000.0, 4_000.0]}, start=WINDOW)
    adl = Scalar(0.0, "ADL", adl_wh=500.0)
    assert estimate_days(profile, KEY, adl, date(2024, 9, 5), date(2024, 9, 8)).tolist() == [500.0] * 3
    assert estimate_days(profile, KEY, adl, date(2024, 9, 5), date(2024, 9, 5)).tolist() == []
    assert estimate_total(profile, KEY, adl, date(2024, 9, 5), date(2024, 9, 8)) == 1_500.0
    # days outside the window need no profile: the load is the account's own
    assert estimate_total(profile, KEY, adl, date(2024, 7, 1), date(2024, 7, 11)) == 5_000.0
    # no load known: nothing
    none = Scalar(0.0, "ADL", adl_wh=None)
    assert estimate_days(profile, KEY, none, date(2024, 9, 5), date(2024, 9, 7)).tolist() == [0.0, 0.0]
    assert estimate_total(profile, KEY, none, date(2024, 9, 5), date(2024, 9, 7)) == 0.0


def test_inside_the_window_the_total_is_k_times_the_cumulative_sum():
    """From the window's first day the total comes from the profile's cumulative sums (O(1), the
    same figure the micro scalars divide by), not from adding the days up again: over these ten
    days numpy's pairwise sum says 5.4 where the running sum says 5.400000000000001."""
    values = [0.7, 0.4, 0.1, 0.7, 0.5, 0.3, 0.5, 0.9, 0.9, 0.4]
    profile = profile_of({KEY: values}, start=WINDOW)
    running = 0.0
    for value in values:
        running += value
    assert running == 5.400000000000001 and float(np.sum(values)) == 5.4
    k = Scalar(2.0, "BILLED")
    end = date(2024, 9, 11)
    assert estimate_total(profile, KEY, k, WINDOW, end) == 2.0 * running
    assert estimate_total(profile, KEY, k, WINDOW, end) == 2.0 * profile.total(KEY, WINDOW, end)


def test_apportion_returns_int64_even_for_no_weights():
    empty = apportion(7, np.zeros(0))
    assert empty.tolist() == [] and empty.dtype == np.int64
    parts = apportion(10, np.array([1.0, 1.0, 1.0]))
    assert parts.tolist() == [4, 3, 3] and parts.dtype == np.int64


def test_apportion_gives_the_unit_left_over_to_the_largest_remainder():
    # exact shares 2.2 and 0.8: the remainder 0.8 is the larger, not the larger share
    assert apportion(3, np.array([11.0, 4.0])).tolist() == [2, 1]


def test_apportion_breaks_equal_remainders_by_position():
    # 25 over weights of mass 31: ones get 0.806, twos 1.613, threes 2.419. 15 from the floors,
    # 10 left: the six ones first (largest remainder), then four of the five twos, the earliest
    weights = np.array([3, 2, 2, 1, 1, 1, 1, 1, 1, 3, 2, 3, 2, 2, 3, 3], dtype=float)
    assert apportion(25, weights).tolist() == [2, 2, 2, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 1, 2, 2]


def test_apportion_of_large_integer_weights_does_not_overflow():
    # their int64 sum would wrap to a negative mass (and fall back to an equal split)
    weights = np.array([2**62, 2**62, 2**61], dtype=np.int64)
    assert apportion(10, weights).tolist() == [4, 4, 2]


def test_shape_day_splits_half_hours_into_any_whole_divisor_of_30_minutes():
    one_minute = shape_day(1_440, np.full(48, 1 / 48), 1)
    assert one_minute.tolist() == [1] * 1_440
    ten = shape_day(144, np.full(48, 1 / 48), 10)
    assert ten.tolist() == [1] * 144


@pytest.mark.parametrize(("size", "minutes"), [(48, 4), (48, 7), (24, 30), (49, 15)])
def test_shape_day_refuses_a_shape_or_interval_length_it_cannot_use(size, minutes):
    with pytest.raises(ValueError) as caught:
        shape_day(100, np.full(size, 1 / size), minutes)
    assert str(caught.value) == (f"cannot shape a day of {minutes}-minute intervals from {size} "
                                 "half-hour fractions")



@settings(max_examples=500, deadline=None)
@given(total=st.integers(min_value=0, max_value=10**9),
       weights=st.lists(st.floats(min_value=0, allow_nan=False, allow_infinity=True)
                        | st.sampled_from([0.0, -0.0, 1.0, 0.5, 5e-324, math.nan, math.inf]), max_size=7))
def test_apportion_few_gives_numpys_parts(total, weights):
    # an invoice's GST over its few lines (weights clipped at 0), in plain Python: the very parts
    # numpy gives (negative weights are outside both: numpy's int64 parts can overflow there)
    assert apportion_few(total, weights) == apportion(total, np.array(weights, dtype=float)).tolist()


def test_apportion_few_refuses_eight_weights_or_more():
    with pytest.raises(ValueError, match="fewer than 8"):
        apportion_few(10, [1.0] * 8)
