"""The one reading of an ASL timestamp, shared by validation and run time so both accept the same text,
and the one writing of a time as AWS records it (:func:`iso_timestamp`: the history, ``$$`` times).

AWS documents timestamps as "the RFC3339 profile of ISO 8601, with the further restrictions that an
uppercase T must separate the date and time portions, and an uppercase Z must denote that a numeric
time zone offset is not present"; at run time a refused value is "not a valid ISO-8601 extended offset
date-time format string" (AWS-recorded), the words of Java's ``ISO_OFFSET_DATE_TIME``, which AWS parses
with. Where RFC 3339 and Java differ, Java decides what runs:

* seconds are required (RFC 3339); a fraction has 1 to 9 digits (Java keeps nanoseconds; AWS-validated:
  ``.00Z`` and ``.000000Z`` are accepted, no zone at all is refused);
* the date must exist (``2023-02-29`` is refused) and a leap second (``23:59:60``) is refused, as
  Java's strict resolver refuses both;
* an offset is ``Z`` or ``+HH:MM`` / ``-HH:MM`` within Java's range of +-18:00 (``+05:30`` is fine);
* lower-case ``t`` and ``z`` are refused, as the ASL specification says.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone
from typing import Any

__all__ = ["is_timestamp", "iso_timestamp", "parse_timestamp", "wake_time"]

_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2}))",
    re.ASCII,
)
_MAX_OFFSET_MINUTES = 18 * 60


def parse_timestamp(text: Any) -> datetime | None:
    """The instant an ASL timestamp names (aware, microsecond precision), or None when ``text`` is not
    one (not a string, a malformed or impossible date-time, a zone out of range)."""
    if text.__class__ is not str:
        return None
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.group(1, 2, 3, 4, 5, 6))
    if hour > 23 or minute > 59 or second > 59:
        return None
    if match.group(8):
        zone = timezone.utc
    else:
        hours, minutes = int(match.group(10)), int(match.group(11))
        offset = hours * 60 + minutes
        if minutes > 59 or offset > _MAX_OFFSET_MINUTES:
            return None
        zone = timezone(timedelta(minutes=-offset if match.group(9) == "-" else offset))
    micros = int((match.group(7) or "0").ljust(9, "0")[:6])
    try:
        return datetime(year, month, day, hour, minute, second, micros, tzinfo=zone)
    except ValueError:  # a day the month does not have
        return None


def is_timestamp(value: object) -> bool:
    """``value`` is a timestamp ASL accepts (see the module docstring)."""
    return parse_timestamp(value) is not None


def wake_time(instant: datetime) -> float:
    """The clock time a Wait until ``instant`` ends: its whole second, as AWS documents ("considers the
    time value up to seconds and truncates milliseconds")."""
    return float(int(instant.timestamp() // 1))


def iso_timestamp(seconds: float) -> str:
    """``2024-06-01T00:00:00.123Z``: the form of ``$$.Execution.StartTime`` and friends."""
    whole = int(seconds)
    millis = int(round((seconds - whole) * 1000))
    if millis == 1000:
        whole, millis = whole + 1, 0
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{millis:03d}Z"
