"""Exact unbilled usage of one account (issue 21): interval days as metered, estimated in NEM12 or
estimated at invoice time (shaped, flagged), and basic reads spread over the days between them,
compared array for array with the day-by-day figures worked out here."""

from __future__ import annotations

from datetime import date

import numpy as np

from handlers.bua.estimates import Scalar
from handlers.bua.store import pack_wh
from handlers.bua.usage import basic_usage, interval_usage

from tests.helpers.bua_accruals import KEY, half_hour_shape, profile_of

WINDOW = date(2024, 9, 1)
TWO_HALF_HOURS = half_hour_shape({0: 0.25, 1: 0.75})


def _profile(wh: float = 10_000.0):
    return profile_of({KEY: [wh] * 30}, start=WINDOW, shapes={KEY: TWO_HALF_HOURS})


def _row(day: str, values: list[int], source: str = "METER"):
    return (day, 1440 // len(values), pack_wh(values), sum(values), source)


def _intervals(usage) -> dict[str, list[int]]:
    return {day.isoformat(): values.tolist() for day, values in usage.intervals.items()}


def test_metered_and_nem12_days_are_taken_as_they_are():
    metered = [100] * 48
    estimated = [200] * 48
    usage = interval_usage(date(2024, 9, 10), date(2024, 9, 12),
                           [_row("2024-09-10", metered), _row("2024-09-11", estimated, "BUA")],
                           _profile(), KEY, Scalar(1.0, "BILLED"), 30)
    assert (usage.start, usage.end) == (date(2024, 9, 10), date(2024, 9, 12))
    assert usage.daily.tolist() == [4_800, 9_600] and usage.daily.dtype == np.int64
    assert usage.estimated.tolist() == [False, True]
    assert _intervals(usage) == {"2024-09-10": metered, "2024-09-11": estimated}
    # whole Wh: the stored int32 values as they are (a view of the row, never written to)
    assert all(np.issubdtype(values.dtype, np.integer) and not values.flags.writeable
               for values in usage.intervals.values())
    assert (usage.interval_length, usage.flags) == (30, [])
    assert (usage.actual_wh, usage.estimated_wh) == (4_800, 9_600)


def test_a_day_missing_at_invoice_time_is_k_times_m_shaped_and_flagged():
    # 12 Sep missing: k = 1.5 x 10,000 = 15,000 Wh, 1/4 and 3/4 in the first two half hours
    usage = interval_usage(date(2024, 9, 11), date(2024, 9, 14),
                           [_row("2024-09-11", [100] * 48), _row("2024-09-13", [300] * 48, "BUA")],
                           _profile(), KEY, Scalar(1.5, "BILLED"), 30)
    assert usage.daily.tolist() == [4_800, 15_000, 14_400] and usage.daily.dtype == np.int64
    assert usage.estimated.tolist() == [False, True, True]
    assert _intervals(usage) == {"2024-09-11": [100] * 48,
                                 "2024-09-12": [3_750, 11_250] + [0] * 46,
                                 "2024-09-13": [300] * 48}
    assert usage.flags == ["DAYS_ESTIMATED_AT_INVOICE"]
    assert (usage.actual_wh, usage.estimated_wh) == (4_800, 29_400)


def test_an_account_without_any_day_is_estimated_in_its_own_interval_length():
    # 15-minute meter: each half hour's share is split in two; 7 Wh a day (average daily load)
    usage = interval_usage(date(2024, 9, 20), date(2024, 9, 22), [], _profile(), KEY,
                           Scalar(0.0, "ADL", adl_wh=7.0), 15)
    assert usage.daily.tolist() == [7, 7] and usage.estimated.tolist() == [True, True]
    day = [1, 1, 3, 2] + [0] * 92  # 0.875, 0.875, 2.625, 2.625: largest remainders first
    assert _intervals(usage) == {"2024-09-20": day, "2024-09-21": day}
    assert (usage.interval_length, usage.flags) == (15, ["DAYS_ESTIMATED_AT_INVOICE"])


def test_the_meters_interval_length_shapes_the_missing_days():
    # the rows say 15 minutes (the account's record said 30): the missing day follows the rows
    rows = [_row("2024-09-20", [50] * 96)]
    usage = interval_usage(date(2024, 9, 20), date(2024, 9, 22), rows, _profile(), KEY,
                           Scalar(0.0004, "BILLED"), 30)
    assert usage.interval_length == 15
    assert usage.daily.tolist() == [4_800, 4]  # 0.0004 x 10,000 = 4 Wh
    # 0.5, 0.5, 1.5, 1.5: floors 0, 0, 1, 1; the two Wh left go to the first equal remainders
    assert _intervals(usage)["2024-09-21"] == [1, 1, 1, 1] + [0] * 92


def test_every_unbilled_day_present_needs_no_estimate_and_no_flag():
    rows = [_row(f"2024-09-{d:02d}", [d] * 48) for d in (20, 21, 22)]
    usage = interval_usage(date(2024, 9, 20), date(2024, 9, 23), rows, _profile(), KEY,
                           Scalar(1.0, "BILLED"), 30)
    assert usage.daily.tolist() == [960, 1_008, 1_056]
    assert usage.estimated.tolist() == [False, False, False] and usage.flags == []


def test_basic_reads_anchored_on_the_first_day_are_spread_by_the_estimates():
    # flat M(d): 20 kWh over the 4 days to 14 Sep (actual), 30 kWh over the 2 days to 16 Sep (BUA)
    reads = [("2024-09-10", 1_000_000, "METER"), ("2024-09-14", 1_020_000, "METER"),
             ("2024-09-16", 1_050_000, "BUA")]
    usage = basic_usage(date(2024, 9, 10), date(2024, 9, 16), reads, 10**8, _profile(), KEY,
                        Scalar(1.0, "BILLED"))
    assert (usage.start, usage.end) == (date(2024, 9, 10), date(2024, 9, 16))
    assert usage.daily.tolist() == [5_000] * 4 + [15_000] * 2 and usage.daily.dtype == np.int64
    assert usage.estimated.tolist() == [False] * 4 + [True] * 2
    assert usage.flags == []


def test_an_actual_read_on_the_last_day_closes_the_period_without_estimates():
    reads = [("2024-09-10", 500, "METER"), ("2024-09-13", 3_500, "METER")]
    usage = basic_usage(date(2024, 9, 10), date(2024, 9, 13), reads, 10**8, _profile(), KEY,
                        Scalar(7.0, "BILLED"))
    assert usage.daily.tolist() == [1_000, 1_000, 1_000]
    assert usage.estimated.tolist() == [False, False, False] and usage.flags == []


def test_days_after_the_last_read_are_estimated_and_flagged():
    # actual read on 12 Sep; nothing after: 13 and 14 Sep are k x M = 2,000 Wh, estimated
    reads = [("2024-09-10", 0, "METER"), ("2024-09-12", 6_000, "METER")]
    usage = basic_usage(date(2024, 9, 10), date(2024, 9, 14), reads, 10**8, _profile(), KEY,
                        Scalar(0.2, "BILLED"))
    assert usage.daily.tolist() == [3_000, 3_000, 2_000, 2_000]
    assert usage.estimated.tolist() == [False, False, True, True]
    assert usage.flags == ["ESTIMATED_AFTER_LAST_READ"]


def test_a_read_difference_straddling_the_first_day_is_shared_by_days():
    # anchor 10 days before the first unbilled day, next read 10 days after it: half is unbilled
    reads = [("2024-08-31", 0, "METER"), ("2024-09-20", 40_000, "METER")]
    usage = basic_usage(date(2024, 9, 10), date(2024, 9, 20), reads, 10**8, _profile(), KEY,
                        Scalar(1.0, "BILLED"))
    assert usage.daily.tolist() == [2_000] * 10
    assert usage.estimated.tolist() == [False] * 10 and usage.flags == []


def test_a_register_rolling_over_between_reads_counts_the_wrap():
    reads = [("2024-09-10", 99_998_000, "METER"), ("2024-09-12", 2_000, "METER")]
    usage = basic_usage(date(2024, 9, 10), date(2024, 9, 12), reads, 10**8, _profile(), KEY,
                        Scalar(1.0, "BILLED"))
    assert usage.daily.tolist() == [2_000, 2_000]
