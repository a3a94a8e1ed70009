"""The bill engine against hand-computed figures (each expected value worked out in a comment)."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.metering.tariffs import (
    ChannelUsage,
    Tariff,
    TariffError,
    TariffSchedule,
    Usage,
    bill_totals,
    days_between,
    days_by_month,
    price_usage,
    pro_rata,
)

D = Decimal


def flat(code="RES-FLAT", effective="2024-07-01", supply="100", rate="30", **extra):
    return Tariff.from_json(
        {
            "code": code,
            "effectiveFrom": effective,
            "supplyCentsPerDay": supply,
            "usage": {"kind": "FLAT", "centsPerUnit": rate},
            **extra,
        }
    )


def amounts(lines, kind=None):
    return [line.amount for line in lines if kind is None or line.kind == kind]


# --- DOMAIN.md test vectors -------------------------------------------------------------------


def test_pro_rata_rounds_once():
    # 950 / 31 = 30.645161...; x 12 = 367.7419... -> 367.74 (rounding the daily rate first: 367.80)
    assert pro_rata(D(950), 12, 31) == D("367.74")


def test_bill_across_months_has_32_days_19_in_september():
    assert days_between(date(2024, 9, 12), date(2024, 10, 14)) == 32
    assert days_by_month(date(2024, 9, 12), date(2024, 10, 14)) == {(2024, 9): 19, (2024, 10): 13}


def test_days_by_month_over_a_year_end_and_a_leap_february():
    # 20 Dec 2023 .. 5 Mar 2024: Dec 20..31 = 12, Jan 31, Feb 29 (leap), Mar 1..4 = 4
    assert days_by_month(date(2023, 12, 20), date(2024, 3, 5)) == {
        (2023, 12): 12,
        (2024, 1): 31,
        (2024, 2): 29,
        (2024, 3): 4,
    }


# --- flat, GST, rounding ----------------------------------------------------------------------


def test_flat_bill_with_feed_in_credit_outside_gst():
    tariff = flat(supply="110.0", rate="30.0", feedIn={"centsPerUnit": "5.0"})
    lines = price_usage(
        tariff,
        date(2024, 9, 12),
        date(2024, 10, 14),
        Usage.of_totals(general="350.5", feed_in="40"),
    )
    # supply 32 x 110c = $35.20; usage 350.5 x 30c = $105.15; feed-in 40 x 5c = -$2.00
    assert amounts(lines) == [D("35.20"), D("105.15"), D("-2.00")]
    totals = bill_totals(lines)
    # GST = 10 % of 140.35 = 14.035 -> 14.04 (half up); total = 140.35 + 14.04 - 2.00
    assert (totals.taxable, totals.gst, totals.gst_free, totals.total) == (
        D("140.35"),
        D("14.04"),
        D("-2.00"),
        D("152.39"),
    )
    assert totals.to_json()["total"] == "152.39"


def test_each_line_rounds_half_up_not_to_even():
    # 2.5 kWh x 5c = 12.5c = $0.125 -> $0.13 (banker's rounding would give 0.12)
    lines = price_usage(
        flat(supply="0", rate="5"),
        date(2024, 8, 1),
        date(2024, 8, 2),
        Usage.of_totals(general="2.5"),
    )
    assert amounts(lines, "USAGE") == [D("0.13")]


def test_line_json_uses_strings_for_money():
    lines = price_usage(flat(), date(2024, 8, 1), date(2024, 8, 11), Usage.of_totals("12.345"))
    usage = lines[1].to_json()
    # 12.345 x 30c = 370.35c = $3.7035 -> 3.70
    assert usage["amount"] == "3.70" and usage["quantity"] == "12.345"
    assert usage["periodStart"] == "2024-08-01" and usage["periodEnd"] == "2024-08-11"


def test_float_rates_do_not_leak_binary_noise():
    tariff = flat(rate=0.1)
    assert tariff.usage.cents_per_unit == D("0.1")


# --- price change mid-period ------------------------------------------------------------------


def test_price_change_splits_days_and_apportions_a_total():
    schedule = TariffSchedule(
        [
            flat("RES", "2024-07-01", supply="100", rate="30"),
            flat("RES", "2024-10-01", supply="105", rate="33"),
        ]
    )
    lines = price_usage(schedule, date(2024, 9, 12), date(2024, 10, 14), Usage.of_totals("320"))
    # 19 days old price, 13 days new; usage 320 x 19/32 = 190.000, remainder 130.000
    assert [(l.kind, l.quantity, l.amount) for l in lines] == [
        ("SUPPLY", D(19), D("19.00")),  # 19 x 100c
        ("USAGE", D("190.000"), D("57.00")),  # 190 x 30c
        ("SUPPLY", D(13), D("13.65")),  # 13 x 105c
        ("USAGE", D("130.000"), D("42.90")),  # 130 x 33c
    ]
    totals = bill_totals(lines)
    # taxable 132.55; GST 13.255 -> 13.26 (half up); total 145.81
    assert (totals.gst, totals.total) == (D("13.26"), D("145.81"))


def test_price_change_with_daily_data_uses_each_days_figure():
    schedule = [flat("A", "2024-07-01", rate="20"), flat("B", "2024-08-03", rate="40")]
    usage = Usage(
        general=ChannelUsage.from_daily(
            {date(2024, 8, 1): 1, date(2024, 8, 2): 2, date(2024, 8, 3): 10}
        )
    )
    lines = price_usage(schedule, date(2024, 8, 1), date(2024, 8, 4), usage)
    usage_lines = [(l.tariff_code, l.quantity, l.amount) for l in lines if l.kind == "USAGE"]
    # A: 3 kWh x 20c = 0.60; B: 10 kWh x 40c = 4.00
    assert usage_lines == [("A", D(3), D("0.60")), ("B", D(10), D("4.00"))]


def test_split_by_month_gives_one_line_per_month():
    lines = price_usage(
        flat(), date(2024, 9, 12), date(2024, 10, 14), Usage.of_totals("320"), split_by_month=True
    )
    supply = [(l.period_start, l.period_end, l.quantity) for l in lines if l.kind == "SUPPLY"]
    assert supply == [
        (date(2024, 9, 12), date(2024, 10, 1), 19),
        (date(2024, 10, 1), date(2024, 10, 14), 13),
    ]
    assert [l.quantity for l in lines if l.kind == "USAGE"] == [D("190.000"), D("130.000")]


def test_apportioned_total_keeps_every_watt_hour():
    # 100 kWh over 31 days, split 19 (September) / 12 (October)
    lines = price_usage(
        flat(), date(2024, 9, 12), date(2024, 10, 13), Usage.of_totals("100"), split_by_month=True
    )
    shares = [l.quantity for l in lines if l.kind == "USAGE"]
    # 100 x 19/31 = 61.2903... -> 61.290; the last share takes 38.710
    assert shares == [D("61.290"), D("38.710")] and sum(shares) == 100


# --- blocks -----------------------------------------------------------------------------------


def test_quarterly_block_threshold_is_pro_rated_to_the_bill_days():
    tariff = Tariff.from_json(
        {
            "code": "RES-BLOCK",
            "effectiveFrom": "2024-07-01",
            "supplyCentsPerDay": "100",
            "usage": {
                "kind": "BLOCK",
                "thresholdDays": 91,
                "blocks": [
                    {"upTo": "1000", "centsPerUnit": "25"},
                    {"upTo": None, "centsPerUnit": "30"},
                ],
            },
        }
    )
    lines = price_usage(tariff, date(2024, 9, 12), date(2024, 10, 14), Usage.of_totals("500"))
    # threshold 1000 x 32/91 = 351.648 kWh; block 1: 351.648 x 25c = 87.912 -> 87.91;
    # block 2: 148.352 x 30c = 44.5056 -> 44.51; supply 32 x 100c = 32.00
    assert [(l.band, l.quantity, l.amount) for l in lines] == [
        (None, D(32), D("32.00")),
        ("BLOCK 1", D("351.648"), D("87.91")),
        ("BLOCK 2", D("148.352"), D("44.51")),
    ]
    # taxable 164.42, GST 16.442 -> 16.44, total 180.86
    assert bill_totals(lines).total == D("180.86")


def test_daily_block_threshold_and_usage_below_it():
    tariff = Tariff.from_json(
        {
            "code": "B",
            "effectiveFrom": "2024-01-01",
            "supplyCentsPerDay": "0",
            "usage": {
                "kind": "BLOCK",
                "blocks": [
                    {"upTo": 10, "centsPerUnit": 20},
                    {"upTo": 20, "centsPerUnit": 25},
                    {"centsPerUnit": 40},
                ],
            },
        }
    )
    over = price_usage(tariff, date(2024, 6, 1), date(2024, 7, 1), Usage.of_totals("700"))
    # 30 days: block 1 up to 300 kWh (x 20c = 60.00), block 2 up to 600 (300 x 25c = 75.00),
    # block 3 the remaining 100 kWh (x 40c = 40.00)
    assert amounts(over, "USAGE") == [D("60.00"), D("75.00"), D("40.00")]
    under = price_usage(tariff, date(2024, 6, 1), date(2024, 7, 1), Usage.of_totals("120"))
    assert [(l.band, l.amount) for l in under if l.kind == "USAGE"] == [("BLOCK 1", D("24.00"))]


def test_blocks_must_be_increasing_and_end_open():
    base = {"code": "B", "effectiveFrom": "2024-01-01", "supplyCentsPerDay": "0"}
    with pytest.raises(TariffError, match="last block must be open-ended"):
        Tariff.from_json(
            {**base, "usage": {"kind": "BLOCK", "blocks": [{"upTo": 10, "centsPerUnit": 20}]}}
        )
    with pytest.raises(TariffError, match=r"blocks\[1\].upTo must exceed"):
        Tariff.from_json(
            {
                **base,
                "usage": {
                    "kind": "BLOCK",
                    "blocks": [
                        {"upTo": 10, "centsPerUnit": 20},
                        {"upTo": 5, "centsPerUnit": 20},
                        {"centsPerUnit": 30},
                    ],
                },
            }
        )


# --- time of use ------------------------------------------------------------------------------

TOU = {
    "code": "RES-TOU",
    "effectiveFrom": "2024-01-01",
    "supplyCentsPerDay": "0",
    "timezone": "Australia/Sydney",
    "usage": {
        "kind": "TOU",
        "holidays": ["2024-01-26"],
        "bands": [
            {
                "name": "PEAK",
                "centsPerUnit": "50",
                "windows": [{"start": "14:00", "end": "20:00", "days": "WEEKDAYS"}],
            },
            {
                "name": "SHOULDER",
                "centsPerUnit": "30",
                "windows": [
                    {"start": "07:00", "end": "14:00", "days": "WEEKDAYS"},
                    {"start": "20:00", "end": "22:00", "days": "WEEKDAYS"},
                ],
            },
            {"name": "OFF_PEAK", "centsPerUnit": "15"},
        ],
    },
}


def tou_lines(day, values, minutes=30):
    usage = Usage(general=ChannelUsage.from_intervals({day: values}, interval_minutes=minutes))
    lines = price_usage(Tariff.from_json(TOU), day, day.replace(day=day.day + 1), usage)
    return {l.band: (l.quantity, l.amount) for l in lines if l.kind == "USAGE"}


def test_tou_winter_weekday_bands():
    # Wed 3 Jul 2024, Sydney on AEST = NEM time. 1 kWh per half hour: peak 14-20 = 12 slots,
    # shoulder 7-14 and 20-22 = 14 + 4 = 18, off-peak the other 18.
    assert tou_lines(date(2024, 7, 3), [1] * 48) == {
        "PEAK": (D(12), D("6.00")),
        "SHOULDER": (D(18), D("5.40")),
        "OFF_PEAK": (D(18), D("2.70")),
    }


def test_tou_windows_follow_daylight_saving():
    one = [0] * 48
    one[26] = 1  # NEM 13:00-13:30
    # winter: 13:00 local -> shoulder; summer (AEDT, UTC+11): 14:00 local -> peak
    assert tou_lines(date(2024, 7, 3), one) == {"SHOULDER": (D(1), D("0.30"))}
    assert tou_lines(date(2024, 1, 10), one) == {"PEAK": (D(1), D("0.50"))}


def test_tou_weekends_and_holidays_are_off_peak():
    assert tou_lines(date(2024, 7, 6), [1] * 48) == {"OFF_PEAK": (D(48), D("7.20"))}
    # Australia Day 2024 was a Friday
    assert tou_lines(date(2024, 1, 26), [1] * 48) == {"OFF_PEAK": (D(48), D("7.20"))}


def test_tou_with_15_minute_intervals():
    # 96 quarter hours of 0.25 kWh on a winter weekday: same energy per band as 48 x 0.5
    result = tou_lines(date(2024, 7, 3), ["0.25"] * 96, minutes=15)
    assert result == {
        "PEAK": (D("6.00"), D("3.00")),
        "SHOULDER": (D("9.00"), D("2.70")),
        "OFF_PEAK": (D("9.00"), D("1.35")),
    }


def test_tou_window_wrapping_midnight():
    tariff = Tariff.from_json(
        {
            **TOU,
            "usage": {
                "kind": "TOU",
                "bands": [
                    {
                        "name": "NIGHT",
                        "centsPerUnit": "10",
                        "windows": [{"start": "22:00", "end": "07:00"}],
                    },
                    {"name": "DAY", "centsPerUnit": "40"},
                ],
            },
        }
    )
    usage = Usage(general=ChannelUsage.from_intervals({date(2024, 7, 3): [1] * 48}))
    lines = price_usage(tariff, date(2024, 7, 3), date(2024, 7, 4), usage)
    # 22:00-24:00 = 4 slots + 00:00-07:00 = 14 slots -> 18 night, 30 day
    assert {l.band: l.quantity for l in lines if l.kind == "USAGE"} == {"NIGHT": 18, "DAY": 30}


_DAY_VALUES = st.lists(
    st.decimals(min_value=0, max_value=10**6, allow_nan=False, allow_infinity=False, places=None)
    .filter(lambda d: d.is_finite()),
    min_size=48, max_size=48,
)


@settings(max_examples=30, deadline=None)
@given(first=st.dates(min_value=date(2023, 1, 1), max_value=date(2025, 12, 1)),
       days=st.lists(_DAY_VALUES, min_size=1, max_size=2))
def test_band_totals_add_each_band_in_interval_order(first, days):
    # the bill engine adds a band's intervals run by run; a loop over every interval (the
    # reference) must give the very same Decimals, rounding included (values of any precision)
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from handlers.metering.money import ZERO
    from handlers.metering.tariff_model import local_start
    from handlers.metering.tariffs import band_totals

    tariff = Tariff.from_json(TOU)
    intervals = {first + timedelta(days=i): values for i, values in enumerate(days)}
    expected = {band.name: ZERO for band in tariff.usage.bands}
    for day, values in intervals.items():
        for slot, quantity in enumerate(values):
            start = local_start(day, slot, 30, ZoneInfo("Australia/Sydney"))
            expected[tariff.usage.band_for(start).name] += quantity
    got = band_totals(tariff, ChannelUsage.from_intervals(intervals))
    assert {k: str(v) for k, v in got.items()} == {k: str(v) for k, v in expected.items()}


def test_tou_needs_intervals():
    with pytest.raises(TariffError, match="time-of-use"):
        price_usage(Tariff.from_json(TOU), date(2024, 7, 1), date(2024, 8, 1), Usage.of_totals(10))


def test_tou_needs_exactly_one_default_band():
    bad = {
        **TOU,
        "usage": {
            "kind": "TOU",
            "bands": [{"name": "A", "centsPerUnit": 1}, {"name": "B", "centsPerUnit": 2}],
        },
    }
    with pytest.raises(TariffError, match="exactly one band must have no windows"):
        Tariff.from_json(bad)


# --- controlled load, feed-in -----------------------------------------------------------------


def test_controlled_load_at_its_own_rate_with_supply():
    tariff = flat(
        supply="100", rate="30", controlledLoad={"centsPerUnit": "18.5", "supplyCentsPerDay": "4"}
    )
    lines = price_usage(
        tariff,
        date(2024, 8, 1),
        date(2024, 9, 1),
        Usage.of_totals(general="200", controlled_load="150"),
    )
    # supply 31 x 100c = 31.00; usage 200 x 30c = 60.00; CL supply 31 x 4c = 1.24;
    # CL usage 150 x 18.5c = 27.75; taxable 119.99, GST 11.999 -> 12.00
    assert [(l.kind, l.amount) for l in lines] == [
        ("SUPPLY", D("31.00")),
        ("USAGE", D("60.00")),
        ("CONTROLLED_LOAD_SUPPLY", D("1.24")),
        ("CONTROLLED_LOAD", D("27.75")),
    ]
    assert bill_totals(lines).gst == D("12.00")


def test_energy_on_a_channel_the_tariff_cannot_price_is_an_error():
    with pytest.raises(TariffError, match="no feed-in rate"):
        price_usage(flat(), date(2024, 8, 1), date(2024, 9, 1), Usage.of_totals(10, feed_in=3))
    with pytest.raises(TariffError, match="no controlled-load rate"):
        price_usage(
            flat(), date(2024, 8, 1), date(2024, 9, 1), Usage.of_totals(10, controlled_load=3)
        )


# --- bad input --------------------------------------------------------------------------------


def test_bad_field_is_named():
    with pytest.raises(TariffError, match=r"tariff\.usage\.FLAT\.centsPerUnit"):
        flat(rate="abc")
    with pytest.raises(TariffError, match=r"tariff\.supplyCentsPerDay"):
        flat(supply="-1")
    with pytest.raises(TariffError, match="unknown time zone"):
        flat(timezone="Mars/Olympus")
    with pytest.raises(TariffError, match=r"tariffs\[1\]"):
        TariffSchedule.from_json([flat().to_json(), {"code": "X"}])


def test_period_before_first_tariff_is_refused():
    with pytest.raises(TariffError, match="no tariff in force on 2024-06-30"):
        price_usage(flat(), date(2024, 6, 30), date(2024, 7, 5), Usage.of_totals(1))


def test_usage_outside_period_and_bad_intervals_are_refused():
    outside = Usage(general=ChannelUsage.from_daily({date(2024, 9, 1): 5}))
    with pytest.raises(TariffError, match="outside the billed period"):
        price_usage(flat(), date(2024, 8, 1), date(2024, 9, 1), outside)
    with pytest.raises(TariffError, match="expected 48 intervals"):
        ChannelUsage.from_intervals({date(2024, 8, 1): [1] * 47})
    with pytest.raises(TariffError, match="must not be negative"):
        ChannelUsage.from_total("-3")
    with pytest.raises(TariffError, match="finite"):
        ChannelUsage.from_total(float("nan"))


def test_duplicate_effective_dates_and_empty_periods():
    with pytest.raises(TariffError, match="two tariff versions start on 2024-07-01"):
        TariffSchedule([flat(), flat(code="OTHER")])
    with pytest.raises(TariffError, match="empty period"):
        price_usage(flat(), date(2024, 8, 1), date(2024, 8, 1), Usage.of_totals(0))


def test_json_round_trip():
    tariff = Tariff.from_json(TOU)
    assert Tariff.from_json(tariff.to_json()) == tariff
    assert tariff.to_json()["usage"]["bands"][0]["centsPerUnit"] == "50"


# --- properties -------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    total=st.decimals(min_value=0, max_value=100000, places=3),
    start_offset=st.integers(0, 200),
    days=st.integers(1, 120),
    change_offset=st.integers(1, 300),
    by_month=st.booleans(),
)
def test_usage_quantities_add_up_to_the_total(total, start_offset, days, change_offset, by_month):
    from datetime import timedelta

    start = date(2024, 1, 1) + timedelta(days=start_offset)
    schedule = [
        flat("A", "2024-01-01"),
        flat("B", (date(2024, 1, 1) + timedelta(days=change_offset)).isoformat(), rate="35"),
    ]
    lines = price_usage(
        schedule,
        start,
        start + timedelta(days=days),
        Usage.of_totals(total),
        split_by_month=by_month,
    )
    assert sum(l.quantity for l in lines if l.kind == "USAGE") == total
    assert sum(l.quantity for l in lines if l.kind == "SUPPLY") == days
    for line in lines:
        assert line.amount == line.amount.quantize(D("0.01"))


def test_the_controlled_load_supply_charge_is_billed_only_to_sites_with_that_circuit():
    tariff = flat(controlledLoad={"centsPerUnit": "15", "supplyCentsPerDay": "20"})
    period = (date(2024, 8, 1), date(2024, 8, 11))
    without = price_usage(tariff, *period, Usage.of_totals(general="50"))  # no E2 register
    assert [line.kind for line in without] == ["SUPPLY", "USAGE"]
    idle = price_usage(tariff, *period, Usage.of_totals(general="50", controlled_load="0"))  # E2 read, unused
    assert [line.kind for line in idle] == ["SUPPLY", "USAGE", "CONTROLLED_LOAD_SUPPLY", "CONTROLLED_LOAD"]
    assert amounts(idle, "CONTROLLED_LOAD_SUPPLY") == [D("2.00")]  # 10 days x 20 c


@pytest.mark.parametrize("bad, message", [
    (D("-1"), "must not be negative"), (D("NaN"), "finite"), (D("sNaN"), "finite"),
    (D("Infinity"), "finite"), (-1, "must not be negative"), ("x", "expected a number")])
def test_daily_usage_refuses_what_is_not_energy_named_by_its_day(bad, message):
    # checked Decimals are taken as they are; anything else is checked value by value
    with pytest.raises(TariffError, match=f"usage on 2024-01-02: .*{message}"):
        ChannelUsage.from_daily({date(2024, 1, 1): D(1), date(2024, 1, 2): bad})
    daily = {date(2024, 1, 1): D("1.5"), date(2024, 1, 2): D(0)}
    assert ChannelUsage.from_daily(daily).daily == daily and ChannelUsage.from_daily(daily).total == D("1.5")
