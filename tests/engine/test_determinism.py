"""Same input and seed, same execution: history (types, names, order, ids, outputs) and results,
even with Map/Parallel interleaving, waits, jittered retries, States.UUID and States.MathRandom.

A moving virtual clock would put real time into timestamps, so histories are compared without
timestamps there; on a frozen clock they are compared whole.
"""

from __future__ import annotations

import json

import pytest

from aslrun import StateMachine, VirtualClock

INPUT = {"items": [3, 1, 2, 1, 4]}


def flaky_factory():
    calls = []

    def flaky(event, context):
        calls.append(context.aws_request_id)
        if len(calls) < 3:
            raise ConnectionError("try again")
        return {"calls": len(calls)}

    return flaky


def fingerprint(execution, with_time=True):
    return [(e.id, e.previous_id, e.type, e.details, e.timestamp if with_time else None) for e in execution.history]


def run_busy(asl, seed, clock):
    machine = StateMachine(asl("determinism/busy"))
    return machine.execute(INPUT, handlers={"Flaky": flaky_factory()}, seed=seed, clock=clock)


def test_same_seed_same_history_on_a_frozen_clock(asl, frozen):
    first = run_busy(asl, 42, frozen())
    second = run_busy(asl, 42, frozen())
    assert first.status == second.status == "SUCCEEDED"
    assert fingerprint(first) == fingerprint(second)
    assert first.output == second.output
    assert first.name == second.name


def test_same_seed_same_events_and_output_on_a_moving_clock(asl):
    # On the default (moving) virtual clock, timers due at the same virtual instant are ordered by the
    # real microseconds spent before each was set, so the global interleaving of such simultaneous
    # wake-ups may differ between runs (reported to the lead); what happened, and the result, may not.
    first = run_busy(asl, 7, VirtualClock())
    second = run_busy(asl, 7, VirtualClock())
    assert first.output == second.output
    events = sorted((e.type, json.dumps(e.details, sort_keys=True)) for e in first.history)
    assert events == sorted((e.type, json.dumps(e.details, sort_keys=True)) for e in second.history)


def test_another_seed_changes_ids_and_random_numbers_only(asl, frozen):
    first = run_busy(asl, 1, frozen())
    other = run_busy(asl, 2, frozen())
    ids = first.history.events("PassStateExited")[0].details["output"]
    other_ids = other.history.events("PassStateExited")[0].details["output"]
    assert ids["id"] != other_ids["id"]
    assert first.name != other.name
    # the shape of the run (which states, in which order) does not depend on the seed here, except
    # for the jittered retry waits, which may move the Task branch's events; compare per branch
    assert sorted(e.type for e in first.history) == sorted(e.type for e in other.history)


def test_uuid_and_math_random_are_reproducible_and_well_formed(run):
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True, "Parameters": {
        "u1.$": "States.UUID()", "u2.$": "States.UUID()", "r.$": "States.MathRandom(1, 10)",
        "big.$": "States.MathRandom(0, 1000000)"}}}}
    first = run(definition, {}, seed=123).output
    again = run(definition, {}, seed=123).output
    other = run(definition, {}, seed=124).output
    assert first == again
    assert first["u1"] != first["u2"]
    assert first != other
    for value in (first["u1"], first["u2"]):
        assert len(value) == 36 and value[14] == "4" and value[19] in "89ab"  # a version-4 UUID
    assert 1 <= first["r"] <= 10 and isinstance(first["r"], int)


@pytest.mark.parametrize("seed", [0, 5, 99])
def test_map_interleaving_is_the_same_every_run(asl, frozen, seed):
    orders = {tuple((e.type, e.details.get("index")) for e in run_busy(asl, seed, frozen()).history
                    if e.type.startswith("MapIteration")) for _ in range(3)}
    assert len(orders) == 1


def test_execution_names_come_from_the_seed_unless_given(run):
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    assert run(definition, {}, seed=3).name == run(definition, {}, seed=3).name
    assert run(definition, {}, seed=3, name="fixed").name == "fixed"


def test_a_seed_of_none_is_still_a_valid_run(run):
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True,
                                                   "Parameters": {"u.$": "States.UUID()"}}}}
    assert len(run(definition, {}, seed=None).output["u"]) == 36
