"""EventBridge's and EventBridge Scheduler's schedule expressions: when a schedule fires next.

    rate(5 minutes)            every 5 minutes (``minute(s)``, ``hour(s)``, ``day(s)``) from an anchor
    cron(0 9 ? * MON-FRI *)    minutes hours day-of-month month day-of-week year, as AWS reads them
    at(2026-12-24T18:00:00)    once (Scheduler only)

A cron expression follows AWS's rules: six fields; one of day-of-month and day-of-week is ``?``;
lists (``,``), ranges (``-``), steps (``/``), ``*``; months ``1-12`` or ``JAN-DEC``; days of the week
``1-7`` (1 is Sunday) or ``SUN-SAT``; ``L`` (the last day of the month; ``6L`` the last Friday),
``W`` (``15W``: the weekday nearest the 15th, within the month; ``LW``: the last weekday) and ``#``
(``2#1``: the first Monday). Times are read in a time zone (Scheduler's
``ScheduleExpressionTimezone``; UTC for rules), daylight saving included.

:func:`parse_schedule` reads an expression (``ValueError`` naming what is wrong);
:meth:`Schedule.next_after` gives the first firing strictly after a moment (None: never again).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

__all__ = ["Schedule", "parse_schedule"]

_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}
_MONTHS = {name: number for number, name in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}
_DAYS = {name: number for number, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), start=1)}
_SEARCH_DAYS = 366 * 5  # how far ahead a cron expression is searched for its next day


@dataclass(frozen=True)
class Schedule:
    """A parsed expression: ``kind`` is ``rate``, ``cron`` or ``at``."""

    expression: str
    kind: str
    every: timedelta | None = None  # rate
    cron: _Cron | None = None
    at: datetime | None = None  # naive: a wall-clock time in the schedule's zone

    def next_after(self, moment: datetime, *, anchor: datetime | None = None, zone: str = "UTC") -> datetime | None:
        """The first firing strictly after ``moment`` (an aware datetime), in UTC. A rate counts its
        intervals from ``anchor`` (when the schedule began; ``moment`` when not given)."""
        tz = ZoneInfo(zone)
        if self.kind == "rate":
            assert self.every is not None
            start = anchor if anchor is not None else moment
            elapsed = max(0.0, (moment - start).total_seconds())
            steps = int(elapsed // self.every.total_seconds()) + 1
            return (start + steps * self.every).astimezone(timezone.utc)
        if self.kind == "at":
            assert self.at is not None
            when = self.at.replace(tzinfo=tz).astimezone(timezone.utc)
            return when if when > moment else None
        assert self.cron is not None
        return self.cron.next_after(moment, tz)


def parse_schedule(expression: str, *, allow_at: bool = True) -> Schedule:
    """The schedule an expression names (``allow_at``: one-time ``at(...)`` is allowed, as in
    Scheduler; rules take ``rate`` and ``cron`` only)."""
    text = str(expression).strip()
    found = re.fullmatch(r"(rate|cron|at)\((.*)\)", text)
    if found is None:
        raise ValueError(f"{expression!r} is not a schedule expression: rate(...), cron(...)" +
                         (" or at(...)" if allow_at else ""))
    kind, body = found.group(1), found.group(2).strip()
    if kind == "rate":
        parts = body.split()
        if len(parts) != 2 or not parts[0].isdigit() or parts[1] not in _UNITS or int(parts[0]) < 1:
            raise ValueError(f"{expression!r}: a rate is a positive whole number and minute(s), hour(s) or day(s)")
        value, unit = int(parts[0]), parts[1]
        if (value == 1) != (not unit.endswith("s")):
            raise ValueError(f"{expression!r}: say {value} {unit.rstrip('s') if value == 1 else unit.rstrip('s') + 's'}")
        return Schedule(text, "rate", every=timedelta(seconds=value * _UNITS[unit]))
    if kind == "at":
        if not allow_at:
            raise ValueError(f"{expression!r}: a rule's schedule is rate(...) or cron(...)")
        try:
            when = datetime.strptime(body, "%Y-%m-%dT%H:%M:%S")
        except ValueError:
            raise ValueError(f"{expression!r}: a one-time schedule is at(yyyy-mm-ddThh:mm:ss)") from None
        return Schedule(text, "at", at=when)
    return Schedule(text, "cron", cron=_Cron.parse(body, expression))


@dataclass(frozen=True)
class _Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: str  # the day-of-month field as given ("?" when day-of-week decides)
    months: frozenset[int]
    weekdays: str  # the day-of-week field as given ("?" when day-of-month decides)
    years: frozenset[int]

    @classmethod
    def parse(cls, body: str, expression: str) -> _Cron:
        fields = body.split()
        if len(fields) != 6:
            raise ValueError(f"{expression!r}: a cron expression has six fields (minutes hours day-of-month month "
                             f"day-of-week year), not {len(fields)}")
        minutes, hours, days, months, weekdays, years = fields
        if (days == "?") == (weekdays == "?"):
            raise ValueError(f"{expression!r}: one of day-of-month and day-of-week must be '?' (and only one)")
        cron = cls(_values(minutes, 0, 59, {}, expression), _values(hours, 0, 23, {}, expression), days,
                   _values(months, 1, 12, _MONTHS, expression), weekdays, _values(years, 1970, 2199, {}, expression))
        cron._day_check(date(2024, 1, 1), expression)  # the day fields are read once: their errors show now
        return cron

    def next_after(self, moment: datetime, tz: ZoneInfo) -> datetime | None:
        local = moment.astimezone(tz)
        first = (local + timedelta(minutes=1)).replace(second=0, microsecond=0)
        day = first.date()
        for _ in range(_SEARCH_DAYS):
            if day.year in self.years and day.month in self.months and self._day_check(day, ""):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        candidate = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
                        if candidate >= first:
                            return candidate.astimezone(timezone.utc)
            day += timedelta(days=1)
            if day.year > max(self.years):
                return None
        return None

    def _day_check(self, day: date, expression: str) -> bool:
        if self.weekdays == "?":
            return _day_of_month_matches(self.days, day, expression)
        return _day_of_week_matches(self.weekdays, day, expression)


def _values(field: str, low: int, high: int, names: dict[str, int], expression: str) -> frozenset[int]:
    """The numbers a cron field names (``*``, lists, ranges, steps, names)."""
    found: set[int] = set()
    for part in field.upper().split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            if not step_text.isdigit() or int(step_text) < 1:
                raise ValueError(f"{expression!r}: {field!r} has a bad step")
            step = int(step_text)
        if part in ("*", "?"):
            start, end = low, high
        elif "-" in part:
            start_text, end_text = part.split("-", 1)
            start, end = _number(start_text, names, expression, field), _number(end_text, names, expression, field)
        else:
            start = _number(part, names, expression, field)
            end = high if step > 1 else start
        if not (low <= start <= high and low <= end <= high):
            raise ValueError(f"{expression!r}: {field!r} is outside {low}-{high}")
        if start <= end:
            found.update(range(start, end + 1, step))
        else:  # a range that wraps (FRI-MON)
            found.update(v for i, v in enumerate([*range(start, high + 1), *range(low, end + 1)]) if i % step == 0)
    return frozenset(found)


def _number(text: str, names: dict[str, int], expression: str, field: str) -> int:
    if text in names:
        return names[text]
    if not text.isdigit():
        raise ValueError(f"{expression!r}: {field!r} is not understood ({text!r})")
    return int(text)


def _day_of_month_matches(field: str, day: date, expression: str) -> bool:
    last = calendar.monthrange(day.year, day.month)[1]
    spec = field.upper()
    if spec == "L":
        return day.day == last
    if spec == "LW":
        return day == _nearest_weekday(date(day.year, day.month, last))
    if spec.endswith("W"):
        if not spec[:-1].isdigit() or not 1 <= int(spec[:-1]) <= 31:
            raise ValueError(f"{expression!r}: {field!r} is not a day of the month")
        target = min(int(spec[:-1]), last)
        return day == _nearest_weekday(date(day.year, day.month, target))
    return day.day in _values(field, 1, 31, {}, expression)


def _nearest_weekday(day: date) -> date:
    """The weekday nearest ``day`` within its month (Saturday -> Friday, Sunday -> Monday)."""
    if day.weekday() == 5:
        return day - timedelta(days=1) if day.day > 1 else day + timedelta(days=2)
    if day.weekday() == 6:
        last = calendar.monthrange(day.year, day.month)[1]
        return day + timedelta(days=1) if day.day < last else day - timedelta(days=2)
    return day


def _day_of_week_matches(field: str, day: date, expression: str) -> bool:
    weekday = (day.weekday() + 1) % 7 + 1  # AWS: 1 is Sunday ... 7 is Saturday
    spec = field.upper()
    if "#" in spec:
        named, nth = spec.split("#", 1)
        if not nth.isdigit() or not 1 <= int(nth) <= 5:
            raise ValueError(f"{expression!r}: {field!r}: after '#' comes 1-5")
        return weekday == _number(named, _DAYS, expression, field) and (day.day - 1) // 7 + 1 == int(nth)
    if spec.endswith("L") and spec != "L":
        last = calendar.monthrange(day.year, day.month)[1]
        return weekday == _number(spec[:-1], _DAYS, expression, field) and day.day + 7 > last
    if spec == "L":
        return weekday == 7
    return weekday in _values(field, 1, 7, _DAYS, expression)
