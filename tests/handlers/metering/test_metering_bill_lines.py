"""A bill's lines as JSON, field by field, where a wrong bill would otherwise pass unnoticed.

Each expected list is the whole ``to_json()`` of every line (golden JSON), worked out by hand in the
comments: a day billed twice at a tariff change or month split, a zero-usage time-of-use period, a
block under 1 kWh, or a renamed field all change at least one value here.
"""

from datetime import date
from decimal import Decimal

import pytest

from handlers.metering.tariffs import (
    ChannelUsage,
    Tariff,
    TariffError,
    TariffSchedule,
    Usage,
    bill_totals,
    price_usage,
)


def tou(code: str, effective: str, *, peak: str, off_peak: str, supply: str) -> Tariff:
    """Peak 14:00-20:00 every day (Sydney time), off-peak the rest."""
    return Tariff.from_json(
        {
            "code": code,
            "effectiveFrom": effective,
            "supplyCentsPerDay": supply,
            "usage": {
                "kind": "TOU",
                "bands": [
                    {"name": "PEAK", "centsPerUnit": peak, "windows": [{"start": "14:00", "end": "20:00"}]},
                    {"name": "OFF_PEAK", "centsPerUnit": off_peak},
                ],
            },
        }
    )


def line(kind, description, start, end, quantity, unit, cents, amount, code, band=None, gst_free=False):
    """One expected line in its JSON form (keys in the order ``to_json`` writes them)."""
    expected = {
        "kind": kind,
        "description": description,
        "periodStart": start,
        "periodEnd": end,
        "quantity": quantity,
        "unit": unit,
        "centsPerUnit": cents,
        "amount": amount,
        "gstFree": gst_free,
        "tariffCode": code,
    }
    if band is not None:
        expected["band"] = band
    return expected


def as_json(lines):
    return [item.to_json() for item in lines]


# Winter days in Sydney (AEST = NEM time, so NEM slots 28..39 are the 12 peak half hours).
THREE_DAYS = {
    date(2024, 7, 3): [1] * 48,  # 12 peak + 36 off-peak kWh
    date(2024, 7, 4): [2] * 48,  # 24 peak + 72 off-peak
    date(2024, 7, 5): ["0.5"] * 48,  # 6 peak + 18 off-peak
}


def test_time_of_use_over_a_tariff_change_bills_the_change_day_once_at_the_new_price():
    schedule = TariffSchedule(
        [
            tou("TOU-A", "2024-07-01", peak="50", off_peak="20", supply="100"),
            tou("TOU-B", "2024-07-04", peak="60", off_peak="25", supply="110"),
        ]
    )
    usage = Usage(general=ChannelUsage.from_intervals(THREE_DAYS))
    lines = price_usage(schedule, date(2024, 7, 3), date(2024, 7, 6), usage)
    assert as_json(lines) == [
        # TOU-A on 3 Jul only: supply 1 x 100c; peak 12 x 50c = 6.00; off-peak 36 x 20c = 7.20
        line("SUPPLY", "Daily supply charge", "2024-07-03", "2024-07-04", "1", "day", "100", "1.00", "TOU-A"),
        line("USAGE", "General usage peak", "2024-07-03", "2024-07-04", "12.000", "kWh", "50", "6.00",
             "TOU-A", "PEAK"),
        line("USAGE", "General usage off peak", "2024-07-03", "2024-07-04", "36.000", "kWh", "20", "7.20",
             "TOU-A", "OFF_PEAK"),
        # TOU-B on 4 and 5 Jul: supply 2 x 110c; peak (24 + 6) x 60c = 18.00; off-peak (72 + 18) x 25c
        line("SUPPLY", "Daily supply charge", "2024-07-04", "2024-07-06", "2", "day", "110", "2.20", "TOU-B"),
        line("USAGE", "General usage peak", "2024-07-04", "2024-07-06", "30.000", "kWh", "60", "18.00",
             "TOU-B", "PEAK"),
        line("USAGE", "General usage off peak", "2024-07-04", "2024-07-06", "90.000", "kWh", "25", "22.50",
             "TOU-B", "OFF_PEAK"),
    ]
    # every kWh metered is billed exactly once: 48 + 96 + 24
    assert sum(item.quantity for item in lines if item.kind == "USAGE") == Decimal(168)
    # taxable 1.00 + 6.00 + 7.20 + 2.20 + 18.00 + 22.50 = 56.90; GST 5.69
    assert bill_totals(lines).total == Decimal("62.59")


def test_time_of_use_split_by_month_bills_the_first_of_the_month_once():
    tariff = tou("TOU-A", "2024-06-01", peak="50", off_peak="20", supply="100")
    usage = Usage(
        general=ChannelUsage.from_intervals({date(2024, 6, 30): [1] * 48, date(2024, 7, 1): [2] * 48})
    )
    lines = price_usage(tariff, date(2024, 6, 30), date(2024, 7, 2), usage, split_by_month=True)
    assert as_json(lines) == [
        line("SUPPLY", "Daily supply charge", "2024-06-30", "2024-07-01", "1", "day", "100", "1.00", "TOU-A"),
        line("USAGE", "General usage peak", "2024-06-30", "2024-07-01", "12.000", "kWh", "50", "6.00",
             "TOU-A", "PEAK"),
        line("USAGE", "General usage off peak", "2024-06-30", "2024-07-01", "36.000", "kWh", "20", "7.20",
             "TOU-A", "OFF_PEAK"),
        # 1 Jul alone: 24 peak x 50c = 12.00; 72 off-peak x 20c = 14.40
        line("SUPPLY", "Daily supply charge", "2024-07-01", "2024-07-02", "1", "day", "100", "1.00", "TOU-A"),
        line("USAGE", "General usage peak", "2024-07-01", "2024-07-02", "24.000", "kWh", "50", "12.00",
             "TOU-A", "PEAK"),
        line("USAGE", "General usage off peak", "2024-07-01", "2024-07-02", "72.000", "kWh", "20", "14.40",
             "TOU-A", "OFF_PEAK"),
    ]


def test_a_time_of_use_period_without_usage_gets_one_zero_line_in_the_default_band():
    # The period's intervals are all zero (and 4 Jul has no row at all): no band used energy, so the
    # bill still shows the usage line, at the default band's rate, worded as any off-peak line is.
    tariff = tou("TOU-A", "2024-06-01", peak="50", off_peak="20", supply="100")
    usage = Usage(general=ChannelUsage.from_intervals({date(2024, 7, 3): [0] * 48}))
    lines = price_usage(tariff, date(2024, 7, 3), date(2024, 7, 5), usage)
    assert as_json(lines) == [
        line("SUPPLY", "Daily supply charge", "2024-07-03", "2024-07-05", "2", "day", "100", "2.00", "TOU-A"),
        line("USAGE", "General usage off peak", "2024-07-03", "2024-07-05", "0.000", "kWh", "20", "0.00",
             "TOU-A", "OFF_PEAK"),
    ]


def test_the_zero_usage_line_takes_the_band_without_windows_wherever_it_is_listed():
    # the default band listed first, the windowed band second: the fallback still finds the default
    tariff = Tariff.from_json(
        {
            "code": "TOU-C",
            "effectiveFrom": "2024-06-01",
            "supplyCentsPerDay": "0",
            "usage": {
                "kind": "TOU",
                "bands": [
                    {"name": "ANYTIME", "centsPerUnit": "21.5"},
                    {"name": "SUPER_PEAK", "centsPerUnit": "70", "windows": [{"start": "17:00", "end": "19:00"}]},
                ],
            },
        }
    )
    usage = Usage(general=ChannelUsage.from_intervals({date(2024, 7, 3): [0] * 48}))
    lines = price_usage(tariff, date(2024, 7, 3), date(2024, 7, 4), usage)
    assert as_json(lines)[1] == line(
        "USAGE", "General usage anytime", "2024-07-03", "2024-07-04", "0.000", "kWh", "21.5", "0.00",
        "TOU-C", "ANYTIME",
    )


def block_tariff() -> Tariff:
    return Tariff.from_json(
        {
            "code": "RES-BLOCK",
            "effectiveFrom": "2024-01-01",
            "supplyCentsPerDay": "95.5",
            "usage": {
                "kind": "BLOCK",
                "blocks": [
                    {"upTo": "10", "centsPerUnit": "20"},
                    {"upTo": "20", "centsPerUnit": "25"},
                    {"centsPerUnit": "40"},
                ],
            },
        }
    )


def test_a_block_line_under_one_kwh_is_billed():
    # 2 days: block 1 up to 20 kWh, block 2 up to 40 kWh; 40.4 kWh leaves 0.4 kWh in block 3
    lines = price_usage(block_tariff(), date(2024, 6, 1), date(2024, 6, 3), Usage.of_totals("40.4"))
    assert as_json(lines) == [
        # 2 x 95.5c = 191c
        line("SUPPLY", "Daily supply charge", "2024-06-01", "2024-06-03", "2", "day", "95.5", "1.91",
             "RES-BLOCK"),
        line("USAGE", "General usage block 1", "2024-06-01", "2024-06-03", "20.000", "kWh", "20", "4.00",
             "RES-BLOCK", "BLOCK 1"),
        line("USAGE", "General usage block 2", "2024-06-01", "2024-06-03", "20.000", "kWh", "25", "5.00",
             "RES-BLOCK", "BLOCK 2"),
        # 0.4 x 40c = 16c
        line("USAGE", "General usage block 3", "2024-06-01", "2024-06-03", "0.400", "kWh", "40", "0.16",
             "RES-BLOCK", "BLOCK 3"),
    ]


def test_usage_under_one_kwh_stays_in_the_first_block_and_an_unused_block_has_no_line():
    lines = price_usage(block_tariff(), date(2024, 6, 1), date(2024, 6, 2), Usage.of_totals("0.75"))
    assert as_json(lines)[1:] == [
        # 0.75 x 20c = 15c; blocks 2 and 3 used nothing and are left out
        line("USAGE", "General usage block 1", "2024-06-01", "2024-06-02", "0.750", "kWh", "20", "0.15",
             "RES-BLOCK", "BLOCK 1"),
    ]
    nothing = price_usage(block_tariff(), date(2024, 6, 1), date(2024, 6, 2), Usage.of_totals("0"))
    # block 1 is always shown, even at zero
    assert as_json(nothing)[1:] == [
        line("USAGE", "General usage block 1", "2024-06-01", "2024-06-02", "0.000", "kWh", "20", "0.00",
             "RES-BLOCK", "BLOCK 1"),
    ]


def test_flat_controlled_load_and_feed_in_lines_in_full():
    tariff = Tariff.from_json(
        {
            "code": "RES-FLAT",
            "effectiveFrom": "2024-07-01",
            "unit": "kWh",
            "supplyCentsPerDay": "110.25",
            "usage": {"kind": "FLAT", "centsPerUnit": "30.5"},
            "controlledLoad": {"centsPerUnit": "16", "supplyCentsPerDay": "4.5"},
            "feedIn": {"centsPerUnit": "5.5"},
        }
    )
    lines = price_usage(
        tariff, date(2024, 9, 1), date(2024, 9, 11), Usage.of_totals("123.4567", "20.5", "7.25")
    )
    assert as_json(lines) == [
        # 10 x 110.25c = 1102.5c -> 11.03 (half up)
        line("SUPPLY", "Daily supply charge", "2024-09-01", "2024-09-11", "10", "day", "110.25", "11.03",
             "RES-FLAT"),
        # 123.4567 x 30.5c = 37.6542935 -> 37.65; the quantity shows 3 decimals
        line("USAGE", "General usage", "2024-09-01", "2024-09-11", "123.457", "kWh", "30.5", "37.65",
             "RES-FLAT"),
        line("CONTROLLED_LOAD_SUPPLY", "Controlled load supply", "2024-09-01", "2024-09-11", "10", "day",
             "4.5", "0.45", "RES-FLAT"),
        # 20.5 x 16c = 3.28
        line("CONTROLLED_LOAD", "Controlled load usage", "2024-09-01", "2024-09-11", "20.500", "kWh", "16",
             "3.28", "RES-FLAT"),
        # 7.25 x 5.5c = 39.875c -> 0.40, a GST-free credit
        line("FEED_IN", "Solar feed-in credit", "2024-09-01", "2024-09-11", "7.250", "kWh", "5.5", "-0.40",
             "RES-FLAT", gst_free=True),
    ]
    totals = bill_totals(lines)
    # taxable 11.03 + 37.65 + 0.45 + 3.28 = 52.41; GST 5.241 -> 5.24; total 52.41 + 5.24 - 0.40
    assert totals.to_json() == {
        "taxableSubtotal": "52.41",
        "gst": "5.24",
        "gstFreeSubtotal": "-0.40",
        "total": "57.25",
    }


def test_a_controlled_load_without_its_own_supply_charge_has_no_supply_line():
    tariff = Tariff.from_json(
        {
            "code": "CL",
            "effectiveFrom": "2024-07-01",
            "supplyCentsPerDay": "100",
            "usage": {"kind": "FLAT", "centsPerUnit": "30"},
            "controlledLoad": {"centsPerUnit": "15"},
        }
    )
    lines = price_usage(tariff, date(2024, 9, 1), date(2024, 9, 2), Usage.of_totals("1", "2"))
    assert [item.kind for item in lines] == ["SUPPLY", "USAGE", "CONTROLLED_LOAD"]


def test_no_feed_in_line_when_nothing_was_exported():
    tariff = Tariff.from_json(
        {
            "code": "PV",
            "effectiveFrom": "2024-07-01",
            "supplyCentsPerDay": "100",
            "usage": {"kind": "FLAT", "centsPerUnit": "30"},
            "feedIn": {"centsPerUnit": "5"},
        }
    )
    lines = price_usage(tariff, date(2024, 9, 1), date(2024, 9, 2), Usage.of_totals("1", None, "0"))
    assert [item.kind for item in lines] == ["SUPPLY", "USAGE"]


# --- refusals, word for word ------------------------------------------------------------------

FLAT = Tariff.from_json(
    {"code": "F", "effectiveFrom": "2024-01-01", "supplyCentsPerDay": "100",
     "usage": {"kind": "FLAT", "centsPerUnit": "30"}}
)


@pytest.mark.parametrize(
    ("usage", "message"),
    [
        (Usage(general=ChannelUsage.from_daily({date(2024, 6, 3): 1})),
         "general (E1) usage has data for 2024-06-03, outside the billed period 2024-06-01 to 2024-06-02 "
         "(end exclusive)"),
        (Usage(general=ChannelUsage.from_total(1), controlled_load=ChannelUsage.from_daily({date(2024, 5, 31): 1})),
         "controlled load (E2) usage has data for 2024-05-31, outside the billed period 2024-06-01 to "
         "2024-06-02 (end exclusive)"),
        (Usage(general=ChannelUsage.from_total(1), feed_in=ChannelUsage.from_daily({date(2024, 6, 2): 1})),
         "feed-in (B1) usage has data for 2024-06-02, outside the billed period 2024-06-01 to 2024-06-02 "
         "(end exclusive)"),
        # exactly 1 kWh on a channel the tariff has no rate for is still refused
        (Usage.of_totals(1, 1),
         "tariff F has no controlled-load rate but 1 kWh of controlled load (E2) was metered from 2024-06-01"),
        (Usage.of_totals(1, None, 1), "tariff F has no feed-in rate but 1 kWh was exported (B1) from 2024-06-01"),
    ],
)
def test_usage_the_bill_cannot_price_is_refused_naming_the_channel(usage, message):
    with pytest.raises(TariffError) as refused:
        price_usage(FLAT, date(2024, 6, 1), date(2024, 6, 2), usage)
    assert str(refused.value) == message


def test_time_of_use_without_intervals_is_refused_saying_what_to_give():
    tariff = tou("T", "2024-01-01", peak="50", off_peak="20", supply="100")
    with pytest.raises(TariffError) as refused:
        price_usage(tariff, date(2024, 6, 1), date(2024, 6, 2), Usage.of_totals(1))
    assert str(refused.value) == (
        "tariff T is time-of-use: general usage must be given as interval reads "
        "(ChannelUsage.from_intervals), not as a total or daily figures"
    )


def test_totals_of_no_lines_are_zero_amounts():
    assert bill_totals([]).to_json() == {
        "taxableSubtotal": "0.00", "gst": "0.00", "gstFreeSubtotal": "0.00", "total": "0.00",
    }
