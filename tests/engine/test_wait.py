"""Wait state with a VirtualClock: the wait is skipped at once, yet the clock reads later.

Seconds / Timestamp / SecondsPath / TimestampPath, checked against a frozen clock (start
2024-01-01T00:00:00Z) so every time is exact; plus a moving virtual clock to show that a day-long
wait costs no real time.
"""

from __future__ import annotations

import pytest

from aslrun import StateMachine, VirtualClock

T0 = 1_704_067_200.0  # 2024-01-01T00:00:00Z


def wait_then_report(**wait_fields):
    """Wait, then a Pass that reports when it was entered."""
    return {"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Next": "Report", **wait_fields},
        "Report": {"Type": "Pass", "Parameters": {"entered.$": "$$.State.EnteredTime", "input.$": "$"},
                   "End": True}}}


def entered(execution):
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    return execution.output["entered"]


def test_seconds_moves_the_clock_by_that_much(run):
    assert entered(run(wait_then_report(Seconds=90))) == "2024-01-01T00:01:30.000Z"


def test_seconds_zero_does_not_wait(run):
    assert entered(run(wait_then_report(Seconds=0))) == "2024-01-01T00:00:00.000Z"


def test_timestamp_waits_until_that_instant(run):
    assert entered(run(wait_then_report(Timestamp="2024-01-02T06:00:00Z"))) == "2024-01-02T06:00:00.000Z"


def test_timestamp_in_the_past_does_not_wait(run):
    assert entered(run(wait_then_report(Timestamp="2023-06-01T00:00:00Z"))) == "2024-01-01T00:00:00.000Z"


def test_seconds_path_reads_the_input(run):
    assert entered(run(wait_then_report(SecondsPath="$.delay"), {"delay": 7})) == "2024-01-01T00:00:07.000Z"


@pytest.mark.parametrize(("stamp", "expected"), [
    ("2024-01-01T05:00:00+02:00", "2024-01-01T03:00:00.000Z"),  # offsets are honoured
    ("2024-01-01T05:30:00+05:30", "2024-01-01T00:00:00.000Z"),
    ("2024-01-01T00:00:10.5Z", "2024-01-01T00:00:10.000Z"),     # AWS drops the fraction of a second
    ("2024-01-01T00:00:10.999999999Z", "2024-01-01T00:00:10.000Z"),
])
def test_timestamp_path_reads_an_rfc3339_instant(run, stamp, expected):
    assert entered(run(wait_then_report(TimestampPath="$.until"), {"until": stamp})) == expected


PREFIX = "An error occurred while executing the state 'W' (entered at the event id #2). "


@pytest.mark.parametrize(("bad", "shown"), [("7", "7"), (1.5, "1.5"), (True, "true"), (None, "null"),
                                            ({"s": 1}, '{"s":1}')])
def test_seconds_path_that_is_not_an_integer_cannot_be_parsed_as_a_long(run, bad, shown):
    execution = run(wait_then_report(SecondsPath="$.delay"), {"delay": bad})
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")
    assert execution.cause == PREFIX + f"The SecondsPath parameter cannot be parsed as a long value: $.delay == {shown}"


def test_seconds_path_that_is_negative_is_refused(run):
    execution = run(wait_then_report(SecondsPath="$.delay"), {"delay": -1})
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")
    assert execution.cause == PREFIX + "The SecondsPath parameter references a negative value: $.delay == -1"


@pytest.mark.parametrize("bad", ["2024-01-01T00:00:10", "2024-01-01 00:00:10Z", "tomorrow", 5,
                                 "2024-01-01t00:00:10Z", "2024-01-01T00:00:10z", "2023-02-29T00:00:00Z",
                                 "2016-12-31T23:59:60Z", "2024-01-01T00:00:10+19:00", "2024-01-01T00:00Z",
                                 "2024-01-01T00:00:10.0123456789Z", "2024-01-01T00:00:10+0100"])
def test_timestamp_path_must_be_an_iso8601_date_time_with_offset(run, bad):
    execution = run(wait_then_report(TimestampPath="$.until"), {"until": bad})
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")
    assert ("The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format "
            "string: $.until == ") in execution.cause


def test_seconds_path_that_finds_nothing(run):
    execution = run(wait_then_report(SecondsPath="$.missing"), {})
    assert execution.error == "States.Runtime"
    assert execution.cause == PREFIX + "The SecondsPath parameter does not reference an input value: $.missing"


def test_input_and_output_path_apply_and_the_input_passes_through(run):
    definition = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 5, "InputPath": "$.a",
                                                   "OutputPath": "$.b", "End": True}}}
    execution = run(definition, {"a": {"b": [1]}, "z": 0})
    assert (execution.status, execution.output) == ("SUCCEEDED", [1])


def test_history_timestamps_show_the_skipped_time(run):
    execution = run(wait_then_report(Seconds=3600))
    by_type = {e.type: e.timestamp for e in execution.history}
    assert by_type["WaitStateEntered"] == T0
    assert by_type["WaitStateExited"] == T0 + 3600
    assert by_type["ExecutionSucceeded"] == T0 + 3600
    assert execution.stop_time - execution.start_time == 3600


def test_a_long_wait_costs_no_real_time_on_a_moving_virtual_clock():
    clock = VirtualClock()
    machine = StateMachine(wait_then_report(Seconds=86_400))
    execution = machine.execute({}, clock=clock)
    assert execution.status == "SUCCEEDED"
    assert clock.skipped >= 86_400 - 1  # the day was skipped, not waited
    assert execution.stop_time - execution.start_time >= 86_400


def test_waits_in_sequence_add_up(run):
    definition = {"StartAt": "A", "States": {
        "A": {"Type": "Wait", "Seconds": 10, "Next": "B"},
        "B": {"Type": "Wait", "SecondsPath": "$.more", "Next": "Report"},
        "Report": {"Type": "Pass", "Parameters": {"t.$": "$$.State.EnteredTime"}, "End": True}}}
    assert run(definition, {"more": 50}).output == {"t": "2024-01-01T00:01:00.000Z"}


def test_frozen_clock_start_is_execution_start_time(run, frozen):
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"t.$": "$$.Execution.StartTime"},
                                                   "End": True}}}
    assert run(definition, {}, clock=frozen("2030-05-06T07:08:09Z")).output == {"t": "2030-05-06T07:08:09.000Z"}
