"""Reading timestamps: ISO 8601 in, a UTC instant and its German calendar day out.

Strict-date matching compares readings by the *German* calendar day (DOMAIN.md, "ERP strict-date
matching"): convert the instant to Europe/Berlin and take the date. So 2024-03-30T23:30Z is
2024-03-31, 2024-10-26T22:00Z is 2024-10-27, and the days the clocks change have 23 hours
(2024-03-31: 2024-03-30T23:00Z to 2024-03-31T22:00Z) and 25 hours (2024-10-27:
2024-10-26T22:00Z to 2024-10-27T23:00Z).

Timestamps without a UTC offset (decision, see README): they are read as **Europe/Berlin wall
time**, because the ERP is German and echoes readings back with truncated local timestamps
(``2024-03-31`` or ``2024-03-31T00:00:00``); rejecting them would break the ECP round trip that
strict-date matching exists for. A date alone means 00:00 Berlin time. A wall time that does not
exist (the spring-forward gap, e.g. 2024-03-31T02:30) is rejected with a clear error; one that
happens twice (the autumn fall-back hour, e.g. 2024-10-27T02:30) is taken as its first occurrence,
still summer time (+02:00), like ``zoneinfo``'s ``fold=0``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

__all__ = ["BERLIN", "Instant", "TimestampError", "berlin_date", "parse_timestamp"]

BERLIN = ZoneInfo("Europe/Berlin")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class TimestampError(ValueError):
    """A timestamp that cannot be read; the message says why, naming the value."""


@dataclass(frozen=True)
class Instant:
    """One reading time: the UTC instant, as text and as microseconds, and its German day."""

    utc: datetime
    iso: str
    epoch_us: int
    berlin_day: str
    naive_input: bool


def berlin_date(moment: datetime) -> date:
    """The calendar day in Germany at an aware ``moment``."""
    if moment.tzinfo is None:
        raise TimestampError("berlin_date needs an aware datetime")
    return moment.astimezone(BERLIN).date()


def parse_timestamp(value: object) -> Instant:
    """Read an ISO 8601 timestamp (with offset, naive = Berlin wall time, or a date alone)."""
    if not isinstance(value, str):
        raise TimestampError(f"timestamp must be an ISO 8601 string, got {_describe(value)}")
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise TimestampError(f"timestamp {value!r} is not ISO 8601 (e.g. 2024-01-15T08:00:00Z)") from None
    naive = parsed.tzinfo is None
    aware = _localise_berlin(parsed, value) if naive else parsed
    utc = aware.astimezone(UTC)
    delta = utc - _EPOCH
    epoch_us = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    iso = utc.replace(tzinfo=None).isoformat() + "Z"
    return Instant(utc=utc, iso=iso, epoch_us=epoch_us, berlin_day=berlin_date(utc).isoformat(), naive_input=naive)


def _localise_berlin(wall: datetime, original: str) -> datetime:
    """Attach Europe/Berlin to a wall time, refusing times that the clocks skip."""
    first = wall.replace(tzinfo=BERLIN, fold=0)
    round_trip = first.astimezone(UTC).astimezone(BERLIN).replace(tzinfo=None)
    if round_trip != wall:
        raise TimestampError(
            f"timestamp {original!r} has no UTC offset and does not exist in Europe/Berlin "
            "(clocks skip that hour on the spring DST change); give an explicit offset"
        )
    return first


def _describe(value: object) -> str:
    if value is None:
        return "null"
    return f"{type(value).__name__} {value!r}"
