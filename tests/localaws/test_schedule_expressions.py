"""When EventBridge's and Scheduler's schedule expressions fire next (:mod:`aslrun.localaws.schedule_expressions`):
AWS's cron rules (``?``, ``L``, ``W``, ``#``, names, steps, wrapping ranges, years), time zones with
daylight saving, rates from an anchor, one-time ``at()``, and the expressions AWS refuses."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st

from aslrun.localaws.schedule_expressions import parse_schedule

UTC = timezone.utc
SUNDAY = datetime(2026, 12, 6, 6, 40, 30, tzinfo=UTC)  # a Sunday


@pytest.mark.parametrize(("expression", "zone", "expected"), [
    ("cron(0 9 ? * MON-FRI *)", "UTC", datetime(2026, 12, 7, 9, 0)),
    ("cron(*/5 * * * ? *)", "UTC", datetime(2026, 12, 6, 6, 45)),
    ("cron(0 0 L * ? *)", "UTC", datetime(2026, 12, 31, 0, 0)),          # the last day of the month
    ("cron(0 12 ? * 6L *)", "UTC", datetime(2026, 12, 25, 12, 0)),       # the last Friday
    ("cron(0 10 ? * 2#1 *)", "UTC", datetime(2026, 12, 7, 10, 0)),       # the first Monday
    ("cron(0 8 19W * ? *)", "UTC", datetime(2026, 12, 18, 8, 0)),        # the 19th is a Saturday: Friday
    ("cron(0 8 20W * ? *)", "UTC", datetime(2026, 12, 21, 8, 0)),        # the 20th is a Sunday: Monday
    ("cron(0 8 LW * ? *)", "UTC", datetime(2026, 12, 31, 8, 0)),         # the last weekday
    ("cron(0 18 ? * FRI-MON *)", "UTC", datetime(2026, 12, 6, 18, 0)),   # a range across the week's end
    ("cron(15 10 1 JAN,JUL ? *)", "UTC", datetime(2027, 1, 1, 10, 15)),
    ("cron(30 2 * * ? *)", "Australia/Sydney", datetime(2026, 12, 6, 15, 30)),  # 02:30 AEDT (+11)
    ("cron(30 2 * * ? *)", "America/New_York", datetime(2026, 12, 6, 7, 30)),   # 02:30 EST (-5)
    ("cron(0 0 1 1 ? 2025)", "UTC", None),                                # only in a year gone by
    ("rate(5 minutes)", "UTC", datetime(2026, 12, 6, 6, 45, 30)),         # anchored at the moment given
    ("at(2026-12-24T18:00:00)", "Europe/London", datetime(2026, 12, 24, 18, 0)),
    ("at(2026-12-01T00:00:00)", "UTC", None),                             # past
])
def test_the_next_firing(expression: str, zone: str, expected: datetime | None) -> None:
    found = parse_schedule(expression).next_after(SUNDAY, zone=zone)
    assert found == (expected.replace(tzinfo=UTC) if expected else None)


def test_daylight_saving_moves_the_utc_time_of_a_local_cron() -> None:
    nine = parse_schedule("cron(0 9 * * ? *)")
    assert nine.next_after(datetime(2026, 3, 7, 15, tzinfo=UTC), zone="America/New_York") == \
        datetime(2026, 3, 8, 13, 0, tzinfo=UTC)  # EDT from 8 March: 09:00 is 13:00 UTC
    assert nine.next_after(datetime(2026, 3, 6, 15, tzinfo=UTC), zone="America/New_York") == \
        datetime(2026, 3, 7, 14, 0, tzinfo=UTC)  # EST the day before: 14:00 UTC


def test_a_rate_counts_from_its_anchor() -> None:
    hourly = parse_schedule("rate(1 hour)")
    anchor = datetime(2026, 12, 6, 6, 10, tzinfo=UTC)
    assert hourly.next_after(SUNDAY, anchor=anchor) == datetime(2026, 12, 6, 7, 10, tzinfo=UTC)
    assert hourly.next_after(anchor, anchor=anchor) == datetime(2026, 12, 6, 7, 10, tzinfo=UTC)  # strictly after


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)),
       st.sampled_from(["cron(*/7 3-5 ? * TUE,THU *)", "cron(0 0 L * ? *)", "cron(45 23 ? * 1#2 *)",
                        "cron(0 12 15W * ? *)", "cron(5 4 * * ? *)"]))
@settings(max_examples=60)
def test_a_cron_fires_at_the_first_matching_minute_after(moment: datetime, expression: str) -> None:
    """The answer matches the expression, and no minute between the moment and it matches
    (checked minute by minute over a reference reading of the same fields)."""
    schedule = parse_schedule(expression)
    found = schedule.next_after(moment)
    assert found is not None and found > moment and found.second == 0
    cron = schedule.cron
    assert cron is not None

    def matches(minute: datetime) -> bool:
        return (minute.minute in cron.minutes and minute.hour in cron.hours and minute.month in cron.months
                and minute.year in cron.years and cron._day_check(minute.date(), ""))

    assert matches(found)
    probe = (moment + timedelta(minutes=1)).replace(second=0, microsecond=0)
    while probe < found and probe - moment < timedelta(days=40):
        assert not matches(probe), probe
        probe += timedelta(minutes=1) if matches_day(cron, probe) else timedelta(days=1) - timedelta(
            hours=probe.hour, minutes=probe.minute)


def matches_day(cron, minute: datetime) -> bool:
    return minute.month in cron.months and cron._day_check(minute.date(), "")


@pytest.mark.parametrize(("expression", "says"), [
    ("rate(1 minutes)", "say 1 minute"),
    ("rate(5 minute)", "say 5 minutes"),
    ("rate(0 hours)", "positive whole number"),
    ("cron(0 9 * * * *)", "must be '?'"),
    ("cron(0 9 ? * ? *)", "must be '?'"),
    ("cron(0 9 * *)", "six fields"),
    ("cron(61 9 * * ? *)", "outside 0-59"),
    ("cron(0 9 ? * 9 *)", "outside 1-7"),
    ("cron(0 9 ? * MON#6 *)", "1-5"),
    ("cron(0 9 32W * ? *)", "not a day of the month"),
    ("cron(0 9 ? * FUNDAY *)", "not understood"),
    ("at(tomorrow)", "at(yyyy-mm-ddThh:mm:ss)"),
    ("every day", "not a schedule expression"),
])
def test_what_aws_refuses_is_refused_naming_the_problem(expression: str, says: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_schedule(expression)
    assert says in str(refused.value) and expression in str(refused.value)


def test_a_rule_takes_no_one_time_schedule() -> None:
    with pytest.raises(ValueError, match="rate"):
        parse_schedule("at(2026-12-24T18:00:00)", allow_at=False)
