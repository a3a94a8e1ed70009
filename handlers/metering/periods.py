"""Billing periods as half-open ranges of days, and the NEM day they are counted in.

Convention (used by every function here and by the bill engine): a period is ``[start, end)``:
``start`` is the first day billed and ``end`` is the day of the closing read, not billed. A bill
read on 12 Sep and again on 14 Oct therefore covers 32 days, 19 of them in September. Callers that
think in inclusive ranges (``[first, last]``) pass ``last + 1 day`` as ``end``.

Metering days are NEM days: fixed UTC+10 with no daylight saving, as in NEM12 files, so every day
has the same number of intervals. Time-of-use windows, in contrast, are read in the tariff's local
time zone (see :mod:`handlers.metering.tariff_model`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone

__all__ = [
    "NEM_TZ",
    "days_between",
    "days_by_month",
    "iter_days",
    "month_starts_between",
    "nem_date",
    "parse_date",
    "parse_timestamp",
]

NEM_TZ = timezone(timedelta(hours=10), "NEM")


def days_between(start: date, end: date) -> int:
    """Number of days in ``[start, end)``; ``ValueError`` when ``end`` is before ``start``."""
    if end < start:
        raise ValueError(f"period end {end.isoformat()} is before its start {start.isoformat()}")
    return (end - start).days


def iter_days(start: date, end: date) -> Iterator[date]:
    """Each day of ``[start, end)`` in order."""
    for offset in range(days_between(start, end)):
        yield start + timedelta(days=offset)


def _first_of_next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def month_starts_between(start: date, end: date) -> list[date]:
    """First days of the months that begin strictly inside ``(start, end)``: where a bill splits."""
    cuts: list[date] = []
    cursor = _first_of_next_month(start)
    while cursor < end:
        cuts.append(cursor)
        cursor = _first_of_next_month(cursor)
    return cuts


def days_by_month(start: date, end: date) -> dict[tuple[int, int], int]:
    """Days of ``[start, end)`` per ``(year, month)``: 12 Sep - 14 Oct gives {Sep: 19, Oct: 13}."""
    days_between(start, end)  # validates the order
    result: dict[tuple[int, int], int] = {}
    edges = [start, *month_starts_between(start, end), end]
    for left, right in zip(edges, edges[1:]):
        if right > left:
            result[(left.year, left.month)] = (right - left).days
    return result


def nem_date(moment: datetime) -> date:
    """The NEM (UTC+10) calendar day of an aware timestamp."""
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {moment.isoformat()} has no UTC offset")
    return moment.astimezone(NEM_TZ).date()


def parse_date(text: object, field: str) -> date:
    """An ISO ``YYYY-MM-DD`` date; ``ValueError`` naming ``field`` otherwise."""
    if isinstance(text, date) and not isinstance(text, datetime):
        return text
    if not isinstance(text, str):
        raise ValueError(f"{field}: expected a date YYYY-MM-DD, got {text!r}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{field}: expected a date YYYY-MM-DD, got {text!r}") from None


def parse_timestamp(text: object, field: str) -> datetime:
    """An ISO 8601 timestamp WITH a UTC offset (``Z`` or ``+10:00``).

    Naive timestamps are rejected rather than guessed: a meter reading without an offset could be
    NEM time, local time or UTC, and guessing wrong moves usage between days.
    """
    if isinstance(text, datetime):
        moment = text
    elif isinstance(text, str):
        try:
            moment = datetime.fromisoformat(text.strip())
        except ValueError:
            raise ValueError(f"{field}: expected an ISO 8601 timestamp, got {text!r}") from None
    else:
        raise ValueError(f"{field}: expected an ISO 8601 timestamp, got {text!r}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{field}: timestamp {text!r} has no UTC offset (add Z or +10:00)")
    return moment
