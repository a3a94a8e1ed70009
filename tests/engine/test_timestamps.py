"""ASL timestamps: what AWS accepts, and one reading for validation and run time.

The accepted forms follow AWS's documentation (RFC 3339, upper-case ``T`` and ``Z``) and the
AWS-validated LocalStack snapshots of ``TimestampPath`` (``Z``, ``.00Z`` and ``.000000Z`` accepted; no
zone refused); the rest is Java's ``ISO_OFFSET_DATE_TIME`` (see :mod:`aslrun.model.timestamps`). The
property test draws near-timestamps and checks that a definition's ``Timestamp`` / ``TimestampEquals``
validate exactly when the same text passes ``IsTimestamp`` and ``TimestampPath`` at run time.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aslrun import StateMachine, VirtualClock
from aslrun.model import validate_definition
from aslrun.model.timestamps import is_timestamp, parse_timestamp, wake_time


@pytest.mark.parametrize(("text", "instant"), [
    ("2016-03-14T01:59:00Z", datetime(2016, 3, 14, 1, 59, tzinfo=timezone.utc)),
    ("2016-03-14T01:59:00.00Z", datetime(2016, 3, 14, 1, 59, tzinfo=timezone.utc)),
    ("2016-03-14T01:59:00.000000Z", datetime(2016, 3, 14, 1, 59, tzinfo=timezone.utc)),
    ("2016-03-14T01:59:00.123456789Z", datetime(2016, 3, 14, 1, 59, 0, 123456, tzinfo=timezone.utc)),
    ("2016-03-14T07:29:00+05:30", datetime(2016, 3, 14, 1, 59, tzinfo=timezone.utc)),
    ("2016-03-13T20:59:00-05:00", datetime(2016, 3, 14, 1, 59, tzinfo=timezone.utc)),
    ("2016-03-14T01:59:00-00:00", datetime(2016, 3, 14, 1, 59, tzinfo=timezone.utc)),
    ("2016-03-14T19:59:00+18:00", datetime(2016, 3, 14, 1, 59, tzinfo=timezone.utc)),
    ("2024-02-29T00:00:00Z", datetime(2024, 2, 29, tzinfo=timezone.utc)),
])
def test_accepted_forms_name_their_instant(text, instant):
    assert parse_timestamp(text) == instant
    assert is_timestamp(text)


@pytest.mark.parametrize("text", [
    "2016-03-14T01:59:00",            # no zone (AWS-validated: refused)
    "2016-03-14T01:59:00.000000",     # no zone after a fraction (AWS-validated: refused)
    "2016-03-14t01:59:00Z",           # lower-case t
    "2016-03-14T01:59:00z",           # lower-case z
    "2016-12-05 21:29:29Z",           # AWS-recorded: refused
    "05-12-2016T21:29:29Z",           # AWS-recorded: refused
    "2016-03-14T01:59Z",              # no seconds
    "2016-03-14T01:59:00.Z",          # an empty fraction
    "2016-03-14T01:59:00.1234567891Z",  # more than nanoseconds
    "2016-12-31T23:59:60Z",           # a leap second
    "2023-02-29T00:00:00Z",           # a day February 2023 does not have
    "2016-13-01T00:00:00Z", "2016-03-14T24:00:00Z", "2016-03-14T01:60:00Z",
    "2016-03-14T01:59:00+19:00",      # beyond +-18:00
    "2016-03-14T01:59:00+05:60", "2016-03-14T01:59:00+0530", "2016-03-14T01:59:00+05",
    "2016-03-14T01:59:00Z ", " 2016-03-14T01:59:00Z", "+2016-03-14T01:59:00Z",
    "2016-03-14T01:59:00\u0665Z",     # a non-ASCII digit
    "", 20160314, None,
])
def test_refused_forms(text):
    assert parse_timestamp(text) is None
    assert not is_timestamp(text)


def test_a_wait_ends_on_the_whole_second():
    assert wake_time(parse_timestamp("2024-01-01T00:00:10.999Z")) == 1_704_067_210.0


# -- validation and run time agree ------------------------------------------------------------------

_VALID = st.builds(
    lambda moment, fraction, offset: _format(moment, fraction, offset),
    st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1)),
    st.one_of(st.just(""), st.text("0123456789", min_size=1, max_size=10).map(lambda d: "." + d)),
    st.one_of(st.just("Z"), st.integers(-18 * 60 - 30, 18 * 60 + 30)),
)


def _format(moment: datetime, fraction: str, offset: object) -> str:
    text = moment.strftime("%Y-%m-%dT%H:%M:%S") + fraction
    if offset == "Z":
        return text + "Z"
    assert isinstance(offset, int)
    sign = "-" if offset < 0 else "+"
    return text + f"{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"


def _mutate(text: str, index: int, char: str) -> str:
    index %= len(text) + 1
    return text[:index] + char + text[index + 1:]


_NEAR = st.one_of(
    _VALID,
    st.builds(_mutate, _VALID, st.integers(0, 40), st.sampled_from(list("0169TtZz:.-+ 5"))),
)


def _validates(text: str) -> bool:
    definition = {"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.t", "TimestampEquals": text, "Next": "W"}],
              "Default": "W"},
        "W": {"Type": "Wait", "Timestamp": text, "End": True}}}
    problems = validate_definition(definition)
    assert len(problems) in (0, 2), problems  # the two fields agree with each other too
    return not problems


def _runs(text: str) -> bool:
    definition = {"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.t", "IsTimestamp": True, "Next": "W"}],
              "Default": "No"},
        "No": {"Type": "Fail", "Error": "NotATimestamp"},
        "W": {"Type": "Wait", "TimestampPath": "$.t", "End": True}}}
    execution = StateMachine(definition).execute({"t": text}, clock=VirtualClock(start="2024-01-01T00:00:00Z",
                                                                                 frozen=True))
    if execution.status == "SUCCEEDED":
        return True
    assert execution.error == "NotATimestamp", (execution.error, execution.cause)  # Wait never disagrees
    return False


@settings(max_examples=300, deadline=None)
@given(_NEAR)
def test_validation_and_run_time_accept_the_same_timestamps(text):
    assert _validates(text) == _runs(text) == is_timestamp(text)


def test_the_offset_changes_the_instant_not_the_acceptance():
    later = parse_timestamp("2024-01-01T00:00:00-01:00")
    assert later is not None and later - parse_timestamp("2024-01-01T00:00:00Z") == timedelta(hours=1)
