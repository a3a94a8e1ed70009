"""German calendar days (strict-date matching) and the naive-timestamp decision.

Expected values worked out by hand from the EU DST rule: clocks go forward at 01:00 UTC on the last
Sunday of March (2024-03-31) and back at 01:00 UTC on the last Sunday of October (2024-10-27).
Berlin is UTC+1 in winter, UTC+2 in summer.
"""

from datetime import UTC, datetime, timedelta

import pytest

from handlers.erp_import.timestamps import TimestampError, berlin_date, parse_timestamp


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2024-03-30T23:30:00Z", "2024-03-31"),  # DOMAIN.md example: 00:30 CET on the 31st
        ("2024-10-26T22:00:00Z", "2024-10-27"),  # DOMAIN.md example: 00:00 CEST on the 27th
        ("2024-03-30T22:59:59Z", "2024-03-30"),  # 23:59:59 CET, still the 30th
        ("2024-10-26T21:59:59Z", "2024-10-26"),  # 23:59:59 CEST
        ("2024-01-15T23:00:00Z", "2024-01-16"),  # winter: midnight is 23:00 UTC
        ("2024-07-15T22:00:00Z", "2024-07-16"),  # summer: midnight is 22:00 UTC
        ("2024-07-15T21:59:59.999999Z", "2024-07-15"),
        ("2024-03-31T00:30:00+01:00", "2024-03-31"),  # 00:30 local on the 23-hour day
        ("2024-10-27T00:30:00+02:00", "2024-10-27"),  # 00:30 local on the 25-hour day
    ],
)
def test_german_calendar_day(text, day):
    assert parse_timestamp(text).berlin_day == day


def _day_bounds(first_utc: datetime, hours: int) -> list[datetime]:
    """Every whole hour of a German day that starts at ``first_utc`` and lasts ``hours``."""
    return [first_utc + timedelta(hours=h) for h in range(hours)]


def test_spring_day_has_23_hours():
    start = datetime(2024, 3, 30, 23, 0, tzinfo=UTC)  # 00:00 CET on the 31st
    hours = _day_bounds(start, 23)
    assert {berlin_date(h).isoformat() for h in hours} == {"2024-03-31"}
    assert berlin_date(start - timedelta(microseconds=1)).isoformat() == "2024-03-30"
    assert berlin_date(start + timedelta(hours=23)).isoformat() == "2024-04-01"  # 2024-03-31T22:00Z


def test_autumn_day_has_25_hours():
    start = datetime(2024, 10, 26, 22, 0, tzinfo=UTC)  # 00:00 CEST on the 27th
    hours = _day_bounds(start, 25)
    assert {berlin_date(h).isoformat() for h in hours} == {"2024-10-27"}
    assert berlin_date(datetime(2024, 10, 27, 22, 30, tzinfo=UTC)).isoformat() == "2024-10-27"  # 23:30 CET
    assert berlin_date(start + timedelta(hours=25)).isoformat() == "2024-10-28"  # 2024-10-27T23:00Z


def test_instant_is_normalised_to_utc():
    instant = parse_timestamp("2024-03-31T00:30:00+01:00")
    assert instant.iso == "2024-03-30T23:30:00Z"
    assert instant.utc == datetime(2024, 3, 30, 23, 30, tzinfo=UTC)
    assert instant.epoch_us == 1711841400 * 1_000_000  # $toMillis('2024-03-31T00:30:00+01:00') / 1000
    assert not instant.naive_input


def test_naive_timestamp_is_berlin_wall_time():
    winter = parse_timestamp("2024-01-15T08:00:00")
    summer = parse_timestamp("2024-07-15T08:00:00")
    assert winter.iso == "2024-01-15T07:00:00Z" and winter.naive_input
    assert summer.iso == "2024-07-15T06:00:00Z"


def test_naive_00_30_on_dst_days():
    spring = parse_timestamp("2024-03-31T00:30:00")  # before the switch: CET
    autumn = parse_timestamp("2024-10-27T00:30:00")  # before the switch: CEST
    assert (spring.iso, spring.berlin_day) == ("2024-03-30T23:30:00Z", "2024-03-31")
    assert (autumn.iso, autumn.berlin_day) == ("2024-10-26T22:30:00Z", "2024-10-27")


def test_date_only_is_berlin_midnight():
    instant = parse_timestamp("2024-03-31")
    assert instant.iso == "2024-03-30T23:00:00Z"
    assert instant.berlin_day == "2024-03-31"


def test_naive_time_in_the_spring_gap_is_rejected():
    with pytest.raises(TimestampError, match="does not exist in Europe/Berlin"):
        parse_timestamp("2024-03-31T02:30:00")


def test_naive_time_in_the_autumn_overlap_takes_the_first_occurrence():
    # 02:30 happens twice on 2024-10-27: first at +02:00 (00:30Z), then at +01:00 (01:30Z).
    assert parse_timestamp("2024-10-27T02:30:00").iso == "2024-10-27T00:30:00Z"


@pytest.mark.parametrize("bad", ["15.01.2024", "2024-13-01T00:00:00Z", "yesterday", ""])
def test_non_iso_text_is_rejected_naming_the_value(bad):
    with pytest.raises(TimestampError, match="not ISO 8601"):
        parse_timestamp(bad)


@pytest.mark.parametrize("bad", [1705305600000, None, True, {"at": "x"}])
def test_non_string_is_rejected(bad):
    with pytest.raises(TimestampError, match="must be an ISO 8601 string"):
        parse_timestamp(bad)


def test_fractional_seconds_are_kept():
    assert parse_timestamp("2024-01-15T08:00:00.250+01:00").iso == "2024-01-15T07:00:00.250000Z"
