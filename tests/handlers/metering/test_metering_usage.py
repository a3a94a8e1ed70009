"""CalculateUsage: sums, rollover, units, time-of-use windows; stored once per reading."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from tests.helpers.metering import NOW, basic_event, interval_event

from handlers.metering import usage
from handlers.metering.errors import BadEvent
from handlers.metering.usage import calculate_usage
from handlers.metering.validate import validate_reading


def record(store, event):
    return calculate_usage(event, store=store, now=NOW)["usageRecord"]


def test_interval_sum_per_channel_and_day(store):
    # 48 x 0.5 = 24 kWh a day over 32 days = 768 kWh; export 48 x 0.1 = 4.8 a day = 153.6 kWh
    result = record(store, interval_event(export=0.1))
    assert result["totalUsage"] == "768.000" and result["channels"] == {
        "B1": "153.600",
        "E1": "768.000",
    }
    assert result["days"] == 32 and result["averageDailyUsage"] == "24.000"
    assert result["dailyUsage"]["2024-09-12"] == "24.000" and len(result["dailyUsage"]) == 32
    assert result["maxIntervalUsage"] == "0.500" and result["intervalLength"] == 30
    assert result["unit"] == "kWh" and "touUsage" not in result  # RES-FLAT is not time-of-use


def test_time_of_use_windows_in_sydney_time(store):
    # MTR-4 is on RES-TOU. Mon 1 Jul - Mon 8 Jul 2024 (winter: Sydney = NEM time), 1 kWh per
    # half hour: 5 weekdays x (12 peak, 18 shoulder, 18 off-peak) + 2 weekend days x 48 off-peak
    result = record(
        store, interval_event("MTR-4", start=date(2024, 7, 1), end=date(2024, 7, 8), value=1)
    )
    assert result["touUsage"] == {"PEAK": "60.000", "SHOULDER": "90.000", "OFF_PEAK": "186.000"}


def test_accumulation_with_rollover_uses_the_previous_read_validation_resolved(store):
    event = basic_event()
    assert validate_reading(event, store=store, now=NOW)["isValid"]
    # the register has now moved to 348.0, yet usage is measured from 99900.0:
    # 100000 - 99900 + 348 = 448 kWh; E2 260 - 100 = 160 kWh
    result = record(store, event)
    assert result["channels"] == {"E1": "448.000", "E2": "160.000"}
    assert result["rollover"] == ["E1"]
    assert (result["periodStart"], result["periodEnd"], result["days"]) == (
        "2024-09-12",
        "2024-10-14",
        32,
    )


def test_without_validation_the_register_in_the_database_is_the_previous_read(store):
    assert record(store, basic_event())["channels"]["E1"] == "448.000"


def test_previous_read_in_the_event_wins(store):
    event = basic_event(
        "MTR-4", registers={"E1": "1500.5"}, previousReadAt="2024-09-12T09:30:00+10:00"
    )
    event["registers"][0]["previousRead"] = "1000.25"
    assert record(store, event)["totalUsage"] == "500.250"


def test_no_previous_read_is_a_clear_error(store):
    with pytest.raises(BadEvent, match="registers E1: no previousRead"):
        record(store, basic_event("MTR-4", registers={"E1": "10"}))


@pytest.mark.parametrize(
    "unit,value,kwh_per_day",
    [("Wh", 500, "24.000"), ("kWh", 0.5, "24.000"), ("MWh", "0.0005", "24.000")],
)
def test_electricity_units(store, unit, value, kwh_per_day):
    result = record(store, interval_event(unit=unit, value=value))
    assert result["unit"] == "kWh" and result["averageDailyUsage"] == kwh_per_day


def test_gas_cubic_metres_become_megajoules(store):
    # 1000 -> 1080 m3 = 80 m3 x 38.6 MJ/m3 x 1.02 = 3149.76 MJ
    result = record(store, basic_event("MTR-3", registers={"E1": "1080"}))
    assert (result["unit"], result["totalUsage"], result["fuel"]) == ("MJ", "3149.760", "GAS")


def test_gas_heating_value_from_the_reading(store):
    # 80 m3 x 39.0 x 1.0 = 3120 MJ
    event = basic_event("MTR-3", registers={"E1": "1080"}, heatingValue=39.0, pressureFactor=1)
    assert record(store, event)["totalUsage"] == "3120.000"


def test_stored_once_and_replayed(store):
    first = record(store, interval_event())
    again = calculate_usage(interval_event(), store=store, now=NOW)
    assert again["replayed"] is True and again["usageRecord"] == first
    rows = store.conn.execute(
        "SELECT record FROM metering_usage WHERE reading_id = ?", (first["readingId"],)
    ).fetchall()
    assert len(rows) == 1 and json.loads(rows[0][0])["totalUsage"] == "768.000"


def test_invalid_event_is_a_bad_event(store):
    event = interval_event()
    event["intervals"]["E1"][0]["values"][0] = "x"
    with pytest.raises(BadEvent, match=r"intervals.E1\[0\].values\[0\]"):
        record(store, event)


def test_lambda_entry_point(db_path, clock):
    result = usage.handler(interval_event(), None, db=db_path, clock=clock)
    assert Decimal(result["usageRecord"]["totalUsage"]) == 768
