"""The console's recorder of data-flow stages, on the engine alone: every branch of an execution
(Map iterations included) records into the execution's inspector, only the latest executions are
kept, and an execution someone steps through keeps its own stepping."""

from __future__ import annotations

from aslrun import StateMachine
from aslrun.service.console.inspection import Inspections

MAP = {"StartAt": "Each", "States": {"Each": {
    "Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.doubled", "End": True,
    "ItemProcessor": {"StartAt": "Wrap", "States": {"Wrap": {"Type": "Pass", "Parameters": {"n.$": "$"}, "End": True}}}}}}


def entered_ids(execution, name: str) -> list[int]:
    return [event.id for event in execution.history if event.details.get("name") == name
            and event.type.endswith("StateEntered")]


def test_every_iteration_records_its_own_stages() -> None:
    inspections = Inspections()
    execution = StateMachine(MAP).start({"items": [1, 2]}, watcher=inspections.watch)
    execution.run()
    first, second = entered_ids(execution, "Wrap")
    assert inspections.stages(execution.arn, first) == {
        "input": 1, "afterInputPath": 1, "afterParameters": {"n": 1}, "result": {"n": 1},
        "afterResultSelector": {"n": 1}, "afterResultPath": {"n": 1}, "output": {"n": 1}}
    assert inspections.stages(execution.arn, second)["output"] == {"n": 2}
    [each] = entered_ids(execution, "Each")
    assert inspections.stages(execution.arn, each)["afterResultPath"] == {"items": [1, 2],
                                                                          "doubled": [{"n": 1}, {"n": 2}]}


def test_only_the_latest_executions_are_kept() -> None:
    inspections = Inspections(keep=2)
    machine = StateMachine(MAP)
    runs = [machine.start({"items": [n]}, name=f"run-{n}", watcher=inspections.watch) for n in range(3)]
    for execution in runs:
        execution.run()
    assert inspections.stages(runs[0].arn, entered_ids(runs[0], "Wrap")[0]) is None
    assert inspections.stages(runs[2].arn, entered_ids(runs[2], "Wrap")[0])["output"] == {"n": 2}


def test_an_execution_with_its_own_stepping_is_left_alone() -> None:
    inspections = Inspections()
    execution = StateMachine(MAP).start({"items": [1]})
    execution.stepping = True
    inspections.watch(execution)
    assert execution.stepping is True
    assert inspections.stages(execution.arn, 2) is None
