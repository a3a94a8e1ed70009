"""Nested executions: ``arn:aws:states:::states:startExecution`` plain / ``.sync`` / ``.sync:2``.

Result shapes follow the Step Functions service-integration guide: plain returns StartExecution's
answer (ExecutionArn, StartDate); ``.sync`` DescribeExecution's, with Input/Output as JSON text;
``.sync:2`` the same with JSON values. A failing child fails the task with States.TaskFailed and
DescribeExecution's answer as the cause.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from aslrun import BindingError, StateMachine

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "asl" / "nested"
CHILD_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:Child"
START = "arn:aws:states:::states:startExecution"

CHILD = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 10, "Next": "P"},
                                    "P": {"Type": "Pass", "Parameters": {"got.$": "$"}, "End": True}}}
FAILING_CHILD = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "ChildErr", "Cause": "child cause"}}}


def parent(resource, **fields):
    return {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource, "End": True,
                                             "Parameters": {"StateMachineArn": CHILD_ARN, "Input": {"a": 1}},
                                             **fields}}}


def child_machine(definition=CHILD):
    return StateMachine(definition, name="Child")


def test_plain_start_does_not_wait(run):
    execution = run(parent(START), {}, handlers={"Child": child_machine()})
    assert execution.status == "SUCCEEDED"
    assert execution.output["ExecutionArn"].startswith("arn:aws:states:us-east-1:123456789012:execution:Child:")
    assert "StartDate" in execution.output
    child, = execution.children
    assert child.status == "SUCCEEDED"  # it ran to its end before execute() returned
    assert child.output == {"got": {"a": 1}}
    assert execution.history.events("TaskSucceeded")[0].timestamp == execution.start_time  # no waiting


def test_sync_waits_and_returns_input_and_output_as_json_text(run):
    execution = run(parent(START + ".sync"), {}, handlers={"Child": child_machine()})
    out = execution.output
    assert execution.status == "SUCCEEDED"
    assert (out["Status"], out["Input"], out["Output"]) == ("SUCCEEDED", '{"a":1}', '{"got":{"a":1}}')
    assert out["StateMachineArn"] == CHILD_ARN
    assert out["StopDate"] - out["StartDate"] == 10_000  # milliseconds; the child waited 10 s
    assert execution.stop_time - execution.start_time == 10


def test_sync2_returns_json_values(run):
    out = run(parent(START + ".sync:2"), {}, handlers={"Child": child_machine()}).output
    assert (out["Input"], out["Output"]) == ({"a": 1}, {"got": {"a": 1}})


def test_child_has_its_own_history_and_name(run):
    definition = parent(START + ".sync:2")
    definition["States"]["T"]["Parameters"]["Name"] = "child-run-1"
    execution = run(definition, {}, handlers={"Child": child_machine()})
    child, = execution.children
    assert child.name == "child-run-1"
    assert execution.output["ExecutionArn"].endswith(":execution:Child:child-run-1")
    assert [e.type for e in child.history][0] == "ExecutionStarted"
    assert "WaitStateEntered" not in [e.type for e in execution.history]


@pytest.mark.parametrize("suffix", [".sync", ".sync:2"])
def test_a_failing_child_fails_the_task_with_describe_execution_as_cause(run, suffix):
    execution = run(parent(START + suffix), {}, handlers={"Child": child_machine(FAILING_CHILD)})
    assert (execution.status, execution.error) == ("FAILED", "States.TaskFailed")
    cause = json.loads(execution.cause)
    assert (cause["Status"], cause["Error"], cause["Cause"]) == ("FAILED", "ChildErr", "child cause")
    assert cause["ExecutionArn"].startswith("arn:aws:states:us-east-1:123456789012:execution:Child:")


def test_a_failing_child_can_be_caught(run):
    definition = parent(START + ".sync:2", Catch=[{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.err",
                                                   "Next": "Handled"}])
    definition["States"]["T"].pop("End")
    definition["States"]["T"]["Next"] = "Unreached"
    definition["States"]["Unreached"] = {"Type": "Pass", "End": True}
    definition["States"]["Handled"] = {"Type": "Pass", "End": True}
    execution = run(definition, {"k": 1}, handlers={"Child": child_machine(FAILING_CHILD)})
    assert execution.output["k"] == 1 and execution.output["err"]["Error"] == "States.TaskFailed"


def test_task_timeout_aborts_the_child(run):
    execution = run(parent(START + ".sync:2", TimeoutSeconds=5), {}, handlers={"Child": child_machine()})
    assert (execution.status, execution.error) == ("FAILED", "States.Timeout")
    assert [c.status for c in execution.children] == ["ABORTED"]
    assert execution.stop_time - execution.start_time == 5


def test_execution_timeout_while_waiting_for_a_child(run):
    definition = parent(START + ".sync")
    definition["TimeoutSeconds"] = 3
    execution = run(definition, {}, handlers={"Child": child_machine()})
    assert execution.status == "TIMED_OUT"


def test_unbound_state_machine_is_reported_before_the_run():
    with pytest.raises(BindingError, match="no state machine is bound to '" + CHILD_ARN):
        StateMachine(parent(START + ".sync")).execute({}, strict_bindings=True)


def test_child_found_beside_the_parent_file_with_substitutions(tmp_path, frozen):
    for name in ("parent.asl.json", "greeter.asl.json"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    machine = StateMachine.from_file(tmp_path / "parent.asl.json",
                                     substitutions={"ChildName": "greeter", "Greeting": "Hello", "Region": "us-east-1"})
    execution = machine.execute({"meter": "M1"}, clock=frozen())
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output == {"childOutput": {"text": "Hello, M1"}, "status": "SUCCEEDED"}
    assert execution.stop_time - execution.start_time == 86_400
    assert execution.children[0].state_machine_name == "greeter"


def test_a_missing_sibling_file_is_reported_before_the_run(tmp_path):
    shutil.copy(FIXTURES / "parent.asl.json", tmp_path / "parent.asl.json")
    machine = StateMachine.from_file(tmp_path / "parent.asl.json",
                                     substitutions={"ChildName": "nobody", "Greeting": "x", "Region": "us-east-1"})
    with pytest.raises(BindingError, match="nobody.asl.json"):
        machine.execute({}, strict_bindings=True)


def test_children_run_side_by_side_in_a_map(run):
    definition = {"StartAt": "M", "States": {"M": {"Type": "Map", "End": True, "ItemProcessor": {
        "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": START + ".sync:2", "End": True,
                                         "Parameters": {"StateMachineArn": CHILD_ARN, "Input.$": "$"},
                                         "ResultSelector": {"out.$": "$.Output"}}}}}}}
    execution = run(definition, [1, 2, 3], handlers={"Child": child_machine()})
    assert execution.output == [{"out": {"got": 1}}, {"out": {"got": 2}}, {"out": {"got": 3}}]
    assert execution.stop_time - execution.start_time == 10  # three 10 s children at once, not 30 s
    assert len(execution.children) == 3
