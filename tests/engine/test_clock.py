"""The virtual clock, and the instant a state is entered.

A virtual clock moves with real time plus whatever it skipped (a Wait, a back-off), or, frozen, only
by what it skipped. ``$$.State.EnteredTime`` is the instant of the state's ``*StateEntered`` event:
one instant, read once."""

from __future__ import annotations

import time

import pytest

from aslrun import StateMachine, VirtualClock
from aslrun.engine.clock import iso_timestamp


def test_a_running_clock_starts_where_it_is_told_and_moves_with_real_time():
    clock = VirtualClock(start=1_000_000.0)
    first = clock.now()
    time.sleep(0.02)
    second = clock.now()
    assert 1_000_000.0 <= first < second
    assert 0.015 < second - first < 5


def test_skipped_time_is_added_whole_and_never_taken_back():
    clock = VirtualClock(start=1_000_000.0)
    before = clock.now()
    clock.advance(3600)
    clock.sleep_until(clock.now() + 86_400)
    clock.sleep_until(0)  # (a time already past skips nothing)
    after = clock.now()
    assert clock.skipped == pytest.approx(3600 + 86_400)
    assert 3600 + 86_400 <= after - before < 3600 + 86_400 + 5
    with pytest.raises(ValueError, match="cannot go back"):
        clock.advance(-1)


def test_a_frozen_clock_moves_only_by_what_it_skipped():
    clock = VirtualClock(start="2024-01-01T00:00:00Z", frozen=True)
    assert clock.frozen
    assert clock.now() == 1704067200.0
    time.sleep(0.01)
    assert clock.now() == 1704067200.0
    clock.advance(1.5)
    clock.sleep_until(1704067200.0 + 10)
    assert clock.now() == 1704067200.0 + 10
    clock.frozen = False  # (then it runs again, with what it skipped)
    assert 1704067200.0 + 10 < clock.now() < 1704067200.0 + 10 + 60


@pytest.mark.parametrize("frozen", [False, True])
def test_entered_time_is_the_instant_of_the_entered_event(frozen):
    machine = StateMachine({"StartAt": "First", "States": {
        "First": {"Type": "Pass", "Next": "Pause"},
        "Pause": {"Type": "Wait", "Seconds": 90, "Next": "Report"},
        "Report": {"Type": "Pass", "Parameters": {"entered.$": "$$.State.EnteredTime"}, "End": True}}})
    execution = machine.execute({}, clock=VirtualClock(start="2024-01-01T00:00:00Z", frozen=frozen))
    entered = [e for e in execution.history if e.type == "PassStateEntered" and e.state_name == "Report"]
    assert execution.output == {"entered": iso_timestamp(entered[0].timestamp)}
