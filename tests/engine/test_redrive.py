"""Redrive: an execution that failed goes on from where it stopped; what succeeded is not run again.

As AWS documents RedriveExecution: the unsuccessful state runs again with the input it was given,
variables as they were; inside a Parallel only the branches that did not succeed, inside an inline
Map only the iterations that did not succeed (from the state where each stopped)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from aslrun import StateMachine
from aslrun.errors import InputError


class Flaky:
    """Handlers that fail for the inputs listed in ``failing`` until ``heal()``; calls are counted."""

    def __init__(self, *failing: Any) -> None:
        self.failing = set(failing)
        self.calls: Counter[Any] = Counter()

    def heal(self) -> None:
        self.failing.clear()

    def __call__(self, event: Any, context: Any) -> Any:
        key = event.get("key") if isinstance(event, dict) else event
        self.calls[key] += 1
        if key in self.failing:
            raise RuntimeError(f"{key} is broken")
        return {"done": key}


def _task(next_state: str | None = None, **extra: Any) -> dict[str, Any]:
    state = {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Work", **extra}
    if next_state:
        state["Next"] = next_state
    else:
        state["End"] = True
    return state


def test_the_failed_state_runs_again_with_its_input_and_the_variables_as_they_were(frozen: Any) -> None:
    machine = StateMachine({"StartAt": "First", "States": {
        "First": {"Type": "Pass", "Parameters": {"key": "second"}, "Assign": {"seen": "first"}, "Next": "Second"},
        "Second": _task("Third", ResultPath="$.result"),
        "Third": {"Type": "Pass", "Parameters": {"result.$": "$.result", "seen.$": "$seen"}, "End": True}}})
    work = Flaky("second")
    failed = machine.execute({}, handlers={"Work": work}, clock=frozen())
    assert failed.status == "FAILED"
    work.heal()
    again = machine.redrive(failed, handlers={"Work": work}).run()
    assert again.status == "SUCCEEDED"
    assert again.output == {"result": {"done": "second"}, "seen": "first"}
    assert work.calls["second"] == 2  # First (a Pass) ran once; Second once per run
    assert again.arn == failed.arn and again.redrive_count == 1
    events = again.history.events()
    assert events[0].type == "ExecutionRedriven" and events[0].id == failed.history.last_id + 1
    assert events[0].details == {"redriveCount": 1}
    assert [e.details.get("name") for e in events if e.type.endswith("StateEntered")] == ["Second", "Third"]
    assert events[1].previous_id == events[0].id


def test_only_the_parallel_branches_that_did_not_succeed_run_again(frozen: Any) -> None:
    machine = StateMachine({"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "A", "States": {"A": _task(Parameters={"key": "a"})}},
        {"StartAt": "B1", "States": {"B1": _task("B2", Parameters={"key": "b1"}),
                                     "B2": _task(Parameters={"key": "b2"})}}]}}})
    work = Flaky("b2")
    failed = machine.execute({}, handlers={"Work": work}, clock=frozen())
    assert failed.status == "FAILED"
    work.heal()
    again = machine.redrive(failed, handlers={"Work": work}).run()
    assert again.status == "SUCCEEDED"
    assert again.output == [{"done": "a"}, {"done": "b2"}]
    assert work.calls == Counter({"a": 1, "b1": 1, "b2": 2})  # b1 succeeded: the branch picks up at B2


def test_only_the_map_iterations_that_did_not_succeed_run_again(frozen: Any) -> None:
    machine = StateMachine({"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "MaxConcurrency": 2, "End": True,
        "ItemProcessor": {"StartAt": "Prepare", "States": {
            "Prepare": {"Type": "Pass", "Parameters": {"key.$": "$.key"}, "Assign": {"item.$": "$.key"},
                        "Next": "Do"},
            "Do": _task("Done"),
            "Done": {"Type": "Pass", "Parameters": {"out.$": "$.done", "item.$": "$item"}, "End": True}}}}}})
    work = Flaky(3)
    items = [{"key": i} for i in range(6)]
    failed = machine.execute(items, handlers={"Work": work}, clock=frozen())
    assert failed.status == "FAILED"
    ran_before = dict(work.calls)
    work.heal()
    again = machine.redrive(failed, handlers={"Work": work}).run()
    assert again.status == "SUCCEEDED"
    assert again.output == [{"out": i, "item": i} for i in range(6)]
    reran = {key: work.calls[key] - ran_before.get(key, 0) for key in range(6)}
    assert reran[3] == 1 and all(reran[i] == 0 for i in range(6) if ran_before.get(i) and i != 3)
    started = [e.details["index"] for e in again.history.events() if e.type == "MapIterationStarted"]
    assert 3 in started and not set(started) & {i for i in range(6) if ran_before.get(i) and i != 3}


def test_a_retried_state_starts_its_retries_afresh_and_timeouts_count_from_the_redrive(frozen: Any) -> None:
    machine = StateMachine({"StartAt": "Do", "States": {"Do": _task(Parameters={"key": "k"}, Retry=[
        {"ErrorEquals": ["States.ALL"], "MaxAttempts": 1, "IntervalSeconds": 1}])}})
    work = Flaky("k")
    failed = machine.execute({}, handlers={"Work": work}, clock=frozen())
    assert work.calls["k"] == 2
    again = machine.redrive(failed, handlers={"Work": work}).run()  # still broken: two more attempts
    assert again.status == "FAILED" and work.calls["k"] == 4
    third = machine.redrive(again, handlers={"Work": work})
    assert third.redrive_count == 2


def test_the_context_object_shows_the_redrive(frozen: Any) -> None:
    machine = StateMachine({"StartAt": "Do", "States": {
        "Do": _task("Ctx", Parameters={"key": "k"}),
        "Ctx": {"Type": "Pass", "Parameters": {"count.$": "$$.Execution.RedriveCount",
                                               "time.$": "$$.Execution.RedriveTime"}, "End": True}}})
    work = Flaky("k")
    failed = machine.execute({}, handlers={"Work": work}, clock=frozen())
    work.heal()
    again = machine.redrive(failed, handlers={"Work": work}).run()
    assert again.output["count"] == 1 and again.output["time"].endswith("Z")


def test_only_what_did_not_succeed_can_be_redriven(frozen: Any) -> None:
    machine = StateMachine({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    done = machine.execute({}, clock=frozen())
    with pytest.raises(InputError, match="is SUCCEEDED: only a failed, timed-out or aborted execution"):
        machine.redrive(done)


def test_nested_fan_outs_pick_up_where_each_level_stopped(frozen: Any) -> None:
    inner_map = {"Type": "Map", "ItemsPath": "$.keys", "End": True, "ItemProcessor": {
        "StartAt": "Leaf", "States": {"Leaf": _task(Parameters={"key.$": "$"})}}}
    machine = StateMachine({"StartAt": "Outer", "States": {"Outer": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "Solo", "States": {"Solo": _task(Parameters={"key": "solo"})}},
        {"StartAt": "Inner", "States": {"Inner": inner_map}}]}}})
    work = Flaky("y")
    failed = machine.execute({"keys": ["x", "y", "z"]}, handlers={"Work": work}, clock=frozen())
    assert failed.status == "FAILED"
    before = Counter(work.calls)
    work.heal()
    again = machine.redrive(failed, handlers={"Work": work}).run()
    assert again.status == "SUCCEEDED"
    assert again.output == [{"done": "solo"}, [{"done": "x"}, {"done": "y"}, {"done": "z"}]]
    reran = work.calls - before
    assert reran["y"] == 1 and reran["solo"] == 0 and reran["x"] == 0


def test_a_state_cut_off_while_it_ran_runs_again(frozen: Any) -> None:
    """What a server that stopped mid-run leaves: a state entered, never exited, then ExecutionFailed."""
    machine = StateMachine({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"},
                                                       "B": _task(Parameters={"key": "b"})}})
    events = [
        {"id": 1, "previousEventId": 0, "type": "ExecutionStarted",
         "executionStartedEventDetails": {"input": '{"n":1}', "roleArn": "r"}},
        {"id": 2, "previousEventId": 0, "type": "PassStateEntered",
         "stateEnteredEventDetails": {"name": "A", "input": '{"n":1}'}},
        {"id": 3, "previousEventId": 2, "type": "PassStateExited",
         "stateExitedEventDetails": {"name": "A", "output": '{"n":2}'}},
        {"id": 4, "previousEventId": 3, "type": "TaskStateEntered",
         "stateEnteredEventDetails": {"name": "B", "input": '{"n":2}'}},
        {"id": 5, "previousEventId": 4, "type": "ExecutionFailed",
         "executionFailedEventDetails": {"error": "aslrun.ServerStopped"}},
    ]
    work = Flaky()
    again = machine.redrive(events=events, input={"n": 1}, name="cut", handlers={"Work": work}, clock=frozen())
    again.run()
    assert again.status == "SUCCEEDED" and work.calls == Counter({"b": 1})
    assert again.history.events()[0].id == 6
