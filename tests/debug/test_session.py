"""The debugging session through its API: where it pauses for each way of moving on, what it shows
while paused (the input, each data-flow stage, the context object, the variables), and the edits
(input, a mocked result, a restart from a state)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from aslrun import StateMachine
from aslrun.debug import DebugSession
from aslrun.errors import AslrunError

FIXTURES = Path(__file__).resolve().parent / "fixtures"
INPUT = json.loads((FIXTURES / "orders_input.json").read_text())


def _handlers():
    spec = importlib.util.spec_from_file_location("charge_handlers", FIXTURES / "charge_handlers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.HANDLERS


@pytest.fixture
def session():
    machine = StateMachine.from_file(FIXTURES / "orders.asl.json")
    return DebugSession(machine, INPUT, handlers=_handlers(), clock_start="2024-01-01T00:00:00Z", frozen=True)


def where(session):
    if session.finished:
        return session.execution.status
    return (session.branch_of(session.paused), session.paused.name)


def test_starts_paused_before_the_first_state(session):
    assert where(session) == ("", "Load")
    assert session.paused.data == INPUT
    assert session.execution.status == "RUNNING"
    assert [e.type for e in session.events] == ["ExecutionStarted"]


def test_step_goes_into_map_iterations_and_shows_each_stage(session):
    session.resume("step")
    assert where(session) == ("", "Each")
    visit, stages = session.stages("Load")
    assert visit.name == "Load"
    assert stages == {"input": INPUT, "afterInputPath": INPUT, "afterParameters": {"orders": INPUT["orders"]},
                      "result": {"orders": INPUT["orders"]}, "afterResultSelector": {"orders": INPUT["orders"]},
                      "afterResultPath": {"orders": INPUT["orders"]}, "output": {"orders": INPUT["orders"]}}
    assert session.variables() == {"region": "EU"}  # Load's Assign
    session.resume("step")
    assert where(session) == ("Each[0]", "Charge")
    assert session.paused.data == {"order": {"id": "o1", "qty": 1}}
    assert session.variables() == {"region": "EU"}  # the outer scope is in reach
    context = session.context()
    assert context["State"] == {"Name": "Charge", "EnteredTime": "2024-01-01T00:00:00.000Z", "RetryCount": 0}
    assert context["Execution"]["Input"] == INPUT
    session.resume("step")
    assert where(session) == ("Each[0]", "Receipt")
    _, stages = session.stages("Charge")
    assert stages == {"input": {"order": {"id": "o1", "qty": 1}}, "afterInputPath": {"id": "o1", "qty": 1},
                      "afterParameters": {"id": "o1", "qty": 1}, "result": {"amount": 10},
                      "afterResultSelector": {"charged": 10}, "afterResultPath": {"charged": 10},
                      "output": {"charged": 10}}
    session.resume("step")
    assert where(session) == ("Each[1]", "Charge")  # the next iteration starts when this one ends


def test_next_runs_a_whole_map_and_out_leaves_an_iteration(session):
    session.resume("step")
    session.resume("next")
    assert where(session) == ("", "Done")
    assert session.paused.data["receipts"] == [{"charged": 10, "region": "EU"}, {"charged": 30, "region": "EU"}]
    session.resume("next")
    assert where(session) == "SUCCEEDED"
    assert session.execution.output == [{"charged": 10, "region": "EU"}, {"charged": 30, "region": "EU"}]


def test_out_of_an_iteration(session):
    session.resume("step")
    session.resume("step")
    assert where(session) == ("Each[0]", "Charge")
    session.resume("out")
    assert where(session) == ("", "Done")


def test_continue_stops_at_breakpoints_in_every_iteration(session):
    session.breakpoints.add("Receipt")
    session.resume("continue")
    assert where(session) == ("Each[0]", "Receipt")
    session.resume("continue")
    assert where(session) == ("Each[1]", "Receipt")
    assert session.paused.data == {"charged": 30}
    session.resume("continue")
    assert where(session) == "SUCCEEDED"


@pytest.mark.parametrize("mode", ["continue", "next"])
def test_a_breakpoint_every_iteration_reaches_at_once_pauses_once_per_iteration(mode):
    """Without MaxConcurrency every iteration reaches the breakpoint before any enters it: the one
    the user moves on from is not paused again when another iteration paused meanwhile."""
    definition = json.loads((FIXTURES / "orders.asl.json").read_text())
    del definition["States"]["Each"]["MaxConcurrency"]
    session = DebugSession(StateMachine(definition), INPUT, handlers=_handlers(),
                           clock_start="2024-01-01T00:00:00Z", frozen=True)
    session.breakpoints.add("Charge")
    session.resume("continue")
    assert where(session) == ("Each[0]", "Charge")
    assert [session.branch_of(p) for p in session.held] == ["Each[0]", "Each[1]"]  # (both before Charge)
    session.set_input({"order": {"id": "o1", "qty": 2}})
    session.resume(mode)
    assert where(session) == ("Each[1]", "Charge")
    session.resume("continue")
    assert where(session) == "SUCCEEDED"
    assert [r["charged"] for r in session.execution.output] == [20, 30]  # the edited input was used once


def test_run_ignores_breakpoints(session):
    session.breakpoints.add("Receipt")
    session.resume("run")
    assert where(session) == "SUCCEEDED"


def test_editing_the_input_of_the_paused_state(session):
    session.breakpoints.add("Charge")
    session.resume("continue")
    session.set_input({"order": {"id": "o1", "qty": 7}})
    session.resume("run")
    assert session.execution.output[0] == {"charged": 70, "region": "EU"}
    assert session.execution.history.events("TaskStateEntered")[0].details["input"] == {"order": {"id": "o1", "qty": 7}}


def test_mocking_the_result_of_the_paused_task(session):
    session.breakpoints.add("Charge")
    session.resume("continue")
    session.mock_next({"amount": 5})
    session.resume("continue")
    assert where(session) == ("Each[1]", "Charge")  # the second iteration calls the handler again
    session.mock_next(error="Card.Declined", cause="mocked")
    session.resume("run")
    assert session.execution.status == "FAILED"
    assert (session.execution.error, session.execution.cause) == ("Card.Declined", "mocked")
    assert session.stages("Charge")[1]["input"] == {"order": {"id": "o2", "qty": 3}}
    with pytest.raises(AslrunError, match="pause before a Task"):
        session.mock_next(1)


def test_breaking_on_errors(session):
    session.break_on_errors = True
    session.set_input({"orders": [{"order": {"id": "o1", "qty": 1, "declined": True}}]})
    session.resume("continue")
    assert session.finished and session.execution.status == "FAILED"
    assert session.error_hit.type == "LambdaFunctionFailed"
    assert session.error_hit.details["error"] == "Card.Declined"
    assert session.state_of(session.error_hit) == "Each > [0] Charge"


def test_restart_from_a_state_with_an_edited_input_keeps_the_variables(session):
    session.resume("run")
    assert session.execution.status == "SUCCEEDED"
    first = session.execution
    session.restart("Each", {"orders": [{"order": {"id": "o9", "qty": 2}}]})
    assert session.execution is not first
    assert where(session) == ("", "Each")
    session.resume("run")
    assert session.execution.output == [{"charged": 20, "region": "EU"}]  # $region from Load's Assign
    assert [e.details["name"] for e in session.execution.history.events("MapStateEntered")] == ["Each"]
    assert session.execution.history.events("PassStateEntered")[0].details["name"] == "Receipt"
    # the default input is what the state received last time
    session.restart("Each")
    assert session.paused.data == {"orders": [{"order": {"id": "o9", "qty": 2}}]}
    with pytest.raises(AslrunError, match="inside a Map or Parallel"):
        session.restart("Receipt", {})
    session.restart()
    assert where(session) == ("", "Load")


def test_parallel_branches_are_labelled():
    machine = StateMachine({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
        {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}}]}}})
    session = DebugSession(machine, {"x": 1})
    assert where(session) == ("", "P")
    session.resume("step")
    assert where(session) == ("P/branch 0", "A")
    assert [session.branch_of(h) for h in session.held if h is not session.paused] == ["P/branch 1"]
    session.breakpoints.add("B")
    session.resume("continue")
    assert where(session) == ("P/branch 1", "B")
    session.resume("continue")
    assert session.execution.output == [{"x": 1}, {"x": 1}]


def test_jsonata_stages_and_variables():
    machine = StateMachine({"QueryLanguage": "JSONata", "StartAt": "Price", "States": {
        "Price": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "Arguments": {"FunctionName": "Price", "Payload": "{% $states.input.qty %}"},
                  "Assign": {"unit": "{% $states.result.Payload %}"},
                  "Output": "{% {'total': $states.result.Payload * $states.input.qty} %}", "Next": "Done"},
        "Done": {"Type": "Pass", "Output": "{% {'total': $states.input.total, 'unit': $unit} %}", "End": True}}})
    session = DebugSession(machine, {"qty": 3}, handlers={"Price": lambda qty, context: 5}, frozen=True)
    session.resume("step")
    assert where(session) == ("", "Done")
    _, stages = session.stages("Price")
    assert stages["input"] == {"qty": 3}
    assert stages["afterArguments"] == {"FunctionName": "Price", "Payload": 3}
    assert stages["result"]["Payload"] == 5  # the whole lambda:invoke response
    assert stages["output"] == {"total": 15}
    assert session.variables() == {"unit": 5}
    session.resume("run")
    assert session.execution.output == {"total": 15, "unit": 5}
