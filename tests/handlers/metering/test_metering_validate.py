"""ValidateMeterReading: every rule of DOMAIN.md "Validation", with the field each error names."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from tests.helpers.metering import NOW, READ_AT, basic_event, interval_event

from handlers.metering import validate
from handlers.metering.store import open_store
from handlers.metering.validate import validate_reading


def check(store, event, now=NOW):
    return validate_reading(event, store=store, now=now)


def codes(result):
    return [(error["code"], error["field"]) for error in result["errors"]]


# --- the happy paths ---------------------------------------------------------------------------


def test_valid_interval_reading(store):
    result = check(store, interval_event())
    assert result["isValid"] is True and result["status"] == "VALID" and result["errors"] == []
    assert (result["periodStart"], result["periodEnd"], result["days"]) == (
        "2024-09-12",
        "2024-10-14",
        32,
    )
    assert result["duplicate"] is False


def test_valid_accumulation_reading_with_a_plausible_rollover_advances_the_registers(store):
    # 5-digit register 99900.0 -> 348.0: 100000 - 99900 + 348 = 448 kWh in 768.5 h, far below
    # 45 kW x 768.5 h, so it is a rollover, not a meter running backwards
    result = check(store, basic_event())
    assert result["isValid"] is True, result["errors"]
    assert result["previousReads"]["E1"] == {
        "value": "99900.0",
        "readAt": "2024-09-12T09:30:00+10:00",
    }
    assert (result["periodStart"], result["periodEnd"]) == ("2024-09-12", "2024-10-14")
    assert store.register("MTR-2", "E1") == (Decimal("348.0"), READ_AT)


def test_previous_read_may_come_in_the_event(store):
    event = basic_event(
        "MTR-4", registers={"E1": "1500"}, previousReadAt="2024-09-12T09:30:00+10:00"
    )
    event["registers"][0]["previousRead"] = 1000
    result = check(store, event)
    assert result["isValid"] is True
    assert result["previousReads"]["E1"]["value"] == "1000"


# --- field checks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field", ["readingId", "meterId", "accountId", "nmi", "readingType", "unit", "readAt"]
)
def test_each_required_field(store, field):
    event = interval_event()
    del event[field]
    result = check(store, event)
    assert result["isValid"] is False
    assert ("MISSING_FIELD", field) in codes(result)


@pytest.mark.parametrize(
    "field,value,code",
    [
        ("readingType", "MONTHLY", "INVALID_FIELD"),
        ("unit", "kW", "INVALID_FIELD"),
        ("nmi", "12345", "INVALID_FIELD"),
        ("intervalLength", 20, "INVALID_FIELD"),
        ("readAt", "yesterday", "INVALID_TIMESTAMP"),
        ("meterId", 1001, "INVALID_FIELD"),
    ],
)
def test_malformed_fields(store, field, value, code):
    result = check(store, interval_event(**{field: value}))
    assert (code, field) in codes(result)


def test_naive_timestamp_is_refused_with_a_reason(store):
    result = check(store, interval_event(readAt="2024-10-14T00:05:00"))
    [error] = result["errors"]
    assert error["code"] == "INVALID_TIMESTAMP" and "no UTC offset" in error["message"]


@pytest.mark.parametrize("bad", [-0.5, float("nan"), float("inf"), "abc", True, None, "NaN"])
def test_interval_values_must_be_finite_non_negative_numbers(store, bad):
    event = interval_event()
    event["intervals"]["E1"][2]["values"][7] = bad
    result = check(store, event)
    assert codes(result) == [
        (
            "INVALID_READING_VALUE" if bad is not None else "MISSING_FIELD",
            "intervals.E1[2].values[7]",
        )
    ]


def test_register_values_are_checked_too(store):
    result = check(store, basic_event(registers={"E1": -3, "E2": "1e400x"}))
    assert codes(result) == [
        ("INVALID_READING_VALUE", "registers[0].currentRead"),
        ("INVALID_READING_VALUE", "registers[1].currentRead"),
    ]


def test_every_problem_is_reported_in_one_pass(store):
    event = interval_event(nmi=None, unit="kW")
    event["intervals"]["E1"][0]["values"][0] = -1
    assert {code for code, _ in codes(check(store, event))} == {
        "MISSING_FIELD",
        "INVALID_FIELD",
        "INVALID_READING_VALUE",
    }


def test_not_an_object(store):
    result = check(store, ["not", "a", "reading"])
    assert codes(result) == [("INVALID_FIELD", "$")]


def test_interval_rows_must_be_complete(store):
    event = interval_event()
    event["intervals"]["E1"][4]["values"] = [0.5] * 47
    assert codes(check(store, event)) == [("INVALID_INTERVAL_COUNT", "intervals.E1[4].values")]


def test_interval_days_must_cover_the_period(store):
    event = interval_event()
    del event["intervals"]["E1"][10]
    [error] = check(store, event)["errors"]
    assert error["code"] == "INCOMPLETE_INTERVAL_DATA" and "missing 2024-09-22" in error["message"]


def test_export_channel_must_cover_the_same_days(store):
    event = interval_event(export=0.1)
    event["intervals"]["B1"] = event["intervals"]["B1"][:-1]
    assert codes(check(store, event)) == [("INCOMPLETE_INTERVAL_DATA", "intervals.B1")]


def test_interval_above_what_the_supply_can_deliver(store):
    event = interval_event()
    event["intervals"]["E1"][0]["values"][30] = 7.6  # 15 kW x 0.5 h = 7.5 kWh at most
    assert codes(check(store, event)) == [("IMPLAUSIBLE_USAGE", "intervals.E1[0].values[30]")]


# --- meter identity ----------------------------------------------------------------------------


def test_unknown_meter(store):
    assert codes(check(store, interval_event(meterId="MTR-99"))) == [("UNKNOWN_METER", "meterId")]


def test_meter_on_another_account_and_nmi(store):
    result = check(store, interval_event(accountId="ACC-2", nmi="4100000009"))
    assert codes(result) == [("METER_ACCOUNT_MISMATCH", "accountId"), ("NMI_MISMATCH", "nmi")]


def test_unit_must_suit_the_fuel(store):
    assert codes(check(store, interval_event(unit="m3"))) == [("INVALID_UNIT", "unit")]


# --- time --------------------------------------------------------------------------------------


def test_future_timestamp_beyond_five_minutes_slack(store):
    soon = interval_event(readAt=(NOW + timedelta(minutes=4)).isoformat())
    assert check(store, soon)["isValid"] is True
    later = interval_event("MTR-4", readAt=(NOW + timedelta(minutes=6)).isoformat())
    assert ("FUTURE_TIMESTAMP", "readAt") in codes(check(store, later))


def test_intervals_cannot_end_after_they_were_read(store):
    event = interval_event(readAt="2024-10-13T23:00:00+10:00")  # the 13th is not over yet
    assert codes(check(store, event)) == [("FUTURE_TIMESTAMP", "periodEnd")]


def test_outside_the_install_period(store):
    meter = store.meter("MTR-4")
    from dataclasses import replace

    store.put_meter(replace(meter, installed_on=date(2024, 9, 20)))
    assert codes(check(store, interval_event("MTR-4"))) == [
        ("OUTSIDE_INSTALL_PERIOD", "intervals.E1")
    ]
    store.put_meter(replace(meter, removed_on=date(2024, 10, 1)))
    [error] = check(store, interval_event("MTR-4", reading_id="RD-2"))["errors"]
    assert error["code"] == "OUTSIDE_INSTALL_PERIOD" and "removed" in error["message"]


# --- registers ---------------------------------------------------------------------------------


def test_register_going_backwards_beyond_a_plausible_rollover(store):
    # 99900 -> 50000 would be a 50,100 kWh rollover: more than 45 kW x 768.5 h = 34,582.5 kWh
    result = check(store, basic_event(registers={"E1": "50000", "E2": "260"}))
    assert codes(result) == [("REGISTER_WENT_BACKWARDS", "registers[0].currentRead")]
    assert store.register("MTR-2", "E1")[0] == Decimal("99900.0")  # not advanced


def test_implausible_advance(store):
    # E2 from 100 to 40,000 kWh in 768.5 h exceeds 45 kW x 768.5 h
    result = check(store, basic_event(registers={"E1": "348", "E2": "40000"}))
    assert codes(result) == [("IMPLAUSIBLE_USAGE", "registers[1].currentRead")]


def test_index_wider_than_the_register(store):
    result = check(store, basic_event(registers={"E1": "100000", "E2": "260"}))
    assert codes(result) == [("INVALID_READING_VALUE", "registers[0].currentRead")]


def test_no_previous_read_anywhere(store):
    result = check(store, basic_event("MTR-4", registers={"E1": "10"}))
    assert codes(result) == [("MISSING_PREVIOUS_READ", "registers[0].previousRead")]


def test_previous_read_needs_its_timestamp(store):
    event = basic_event("MTR-4", registers={"E1": "10"})
    event["registers"][0]["previousRead"] = 5
    assert codes(check(store, event)) == [("MISSING_FIELD", "previousReadAt")]


def test_reads_on_the_same_nem_day(store):
    event = basic_event(readAt="2024-09-12T18:00:00+10:00", registers={"E1": "99901", "E2": "101"})
    assert ("INVALID_PERIOD", "readAt") in codes(check(store, event))


# --- duplicates and retries --------------------------------------------------------------------


def test_second_reading_within_24_hours_is_skipped_as_duplicate(store):
    first = interval_event()
    assert check(store, first)["isValid"] is True
    again = interval_event(reading_id="RD-resend", readAt="2024-10-14T03:05:00+10:00")
    result = check(store, again)
    assert result["isValid"] is False and result["duplicate"] is True
    assert result["status"] == "DUPLICATE" and result["duplicateOf"] == first["readingId"]
    assert codes(result) == [("DUPLICATE_READING", "readingId")]


def test_reading_more_than_24_hours_later_is_not_a_duplicate(store):
    check(store, interval_event(end=date(2024, 10, 13)))
    later = interval_event(start=date(2024, 9, 13), end=date(2024, 10, 14), reading_id="RD-next")
    assert check(store, later)["duplicate"] is False


def test_invalid_readings_do_not_count_as_originals(store):
    bad = interval_event(reading_id="RD-bad")
    bad["intervals"]["E1"][0]["values"][0] = -1
    assert check(store, bad)["isValid"] is False
    assert check(store, interval_event())["isValid"] is True


def test_retry_gets_the_first_verdict_and_registers_move_once(store):
    event = basic_event()
    first = check(store, event)
    second = check(store, basic_event())
    assert second["replayed"] is True and second["isValid"] is True
    assert second["previousReads"] == first["previousReads"]


def test_reused_reading_id_with_other_content_is_refused(store):
    check(store, interval_event())
    other = interval_event(value=0.7)
    assert codes(check(store, other)) == [("READING_ID_CONFLICT", "readingId")]


def test_a_rejected_reading_is_judged_again_when_resent(store):
    event = interval_event(readAt=(NOW + timedelta(hours=1)).isoformat())
    assert check(store, event)["isValid"] is False
    assert check(store, event, now=NOW + timedelta(hours=2))["isValid"] is True


def test_concurrent_copies_cannot_both_pass(db_path):
    results = []

    def run(reading_id, hour):
        with open_store(db_path) as own:
            event = interval_event(reading_id=reading_id, readAt=f"2024-10-14T0{hour}:05:00+10:00")
            results.append(validate_reading(event, store=own, now=NOW))

    threads = [threading.Thread(target=run, args=(f"RD-copy-{i}", i)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r["status"] for r in results) == ["DUPLICATE"] * 3 + ["VALID"]


def test_lambda_entry_point_uses_the_explicit_database(db_path, clock):
    result = validate.handler(interval_event(), None, db=db_path, clock=clock)
    assert result["isValid"] is True


def test_interval_values_keep_the_exact_decimal_of_their_text_negative_zero_included():
    """Values are converted through a cache keyed by the float, where 0.0 and -0.0 are one key: a
    day holding -0.0 is converted value by value, so each value's Decimal is the one its own text
    names, whichever of the two zeros was met first."""
    from handlers.metering.readings import _interval_day, _Parser

    parser = _Parser({})
    for values in ([0.0, -0.0, 0.5] * 16, [-0.0, 0.0, 0.5] * 16, [0.0, 0.125, 2.5] * 16):
        day = _interval_day(parser, "intervals.E1[0]", {"date": "2024-09-01", "values": values}, 30)
        assert [str(v) for v in day.values] == [repr(v) for v in values]
    assert parser.issues == []
