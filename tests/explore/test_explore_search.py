"""The search: generated inputs and mocks reach every state and transition of a small machine, the
same seed gives the same runs, and the scenario file written passes under pytest."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from aslrun import StateMachine
from aslrun.explore import explore, search

pytest_plugins = ["pytester"]

HERE = Path(__file__).parent
PAYMENTS = HERE / "machines" / "payments.asl.json"


@pytest.fixture(scope="module")
def payments():
    return StateMachine.from_file(PAYMENTS)


def test_every_state_and_transition_of_the_payments_machine_is_reached_through_mocks(payments):
    found = search(payments, max_examples=200, seed=0)
    assert found.unreached == []
    assert found.covered == set(found.model.states) | set(found.model.transitions)
    # the named errors of Retry and Catch were thrown by mocks to get there
    thrown = {response["Throw"]["Error"] for run in found.runs for responses in run.mocks.values()
              for response in responses.values() if "Throw" in response}
    assert thrown == {"Payment.Busy", "Payment.Declined"}
    reached_by = {found.describe(key): run.check.path for run in found.runs for key in run.new}
    assert reached_by["Charge Catch[0] [Payment.Declined] -> Declined"] == ["Route", "Charge", "Declined"]
    assert reached_by["Route Choices[1] -> Refuse"] == ["Route", "Refuse"]
    assert reached_by["Approved Choices[0] -> Done"] == ["Route", "Charge", "Approved", "Done"]


def test_the_same_seed_gives_the_same_runs(payments):
    first = search(payments, max_examples=200, seed=3)
    again = search(payments, max_examples=200, seed=3)
    assert [(run.input, run.mocks, run.new) for run in first.runs] == \
        [(run.input, run.mocks, run.new) for run in again.runs]
    assert first.attempts == again.attempts


def test_the_search_stops_once_everything_reachable_is_reached(payments):
    found = search(payments, max_examples=1000, seed=0)
    assert found.attempts < 1000
    assert found.unreached == []


def test_examples_run_first_and_count(payments):
    found = search(payments, examples=[{"amount": 0}, {"amount": 5}], max_examples=1, seed=0)
    assert [(run.input, run.check.path) for run in found.runs[:2]] == [
        ({"amount": 0}, ["Route", "Refuse"]), ({"amount": 5}, ["Route", "Small", "Done"])]


def test_a_schema_guides_the_inputs(payments):
    schema = {"type": "object", "required": ["amount", "currency"],
              "properties": {"amount": {"type": "integer", "minimum": -5, "maximum": 500},
                             "currency": {"enum": ["AUD", "NZD"]}}}
    found = search(payments, schema=schema, max_examples=200, seed=0)
    assert found.unreached == []
    for run in found.runs:
        assert set(run.input) == {"amount", "currency"}
        assert -5 <= run.input["amount"] <= 500 and isinstance(run.input["amount"], int)
        assert run.input["currency"] in ("AUD", "NZD")


def test_statically_dead_targets_are_not_searched_for_and_say_why():
    machine = StateMachine.from_file(HERE / "machines" / "planted.asl.json")
    found = search(machine, max_examples=100, seed=0)
    assert [(found.describe(key), reason) for key, reason in found.unreached] == [
        ("state Review", "'Review' is never entered: every transition into it is dead (States.Route.Choices[1])"),
        ("state Declined", "'Declined' is never entered: every transition into it is dead (States.Charge.Catch[1])"),
        ("Route Choices[1] -> Review",
         "Choices[1] of 'Route' is never chosen: every input it matches is matched first by Choices[0]"),
        ("Charge Catch[1] [Payment.Declined] -> Declined",
         "Catch[1] of 'Charge' can never match: every error it names is matched first by Catch[0]"),
        ("Review Next -> Done", "'Review' is never entered"),
    ]


def test_handlers_run_where_no_mock_is_chosen(payments):
    calls = []

    def charge(event, context=None):
        calls.append(event["amount"])
        return {"ok": event["amount"] < 300}

    found = search(payments, bindings={"charge": charge}, max_examples=200, seed=0)
    assert found.unreached == []
    assert calls, "the handler was never called"
    handled = [run for run in found.runs if run.check.path[:2] == ["Route", "Charge"] and "Charge" not in run.mocks]
    assert handled, "no kept run used the handler"


def test_the_scenarios_written_pass_under_pytest(pytester, tmp_path):
    shutil.copy(PAYMENTS, pytester.path / "payments.asl.json")
    machine = StateMachine.from_file(pytester.path / "payments.asl.json")
    result = explore(machine, max_examples=200, seed=0, out=pytester.path / "explored")
    assert result.left_out == []
    written = yaml.safe_load(result.scenario_file.read_text())
    assert written["machine"] == "../payments.asl.json"
    assert len(written["scenarios"]) == len(result.search.runs)
    declined = next(s for s in written["scenarios"] if s["name"].endswith("Charge Catch[0] [Payment.Declined] -> Declined"))
    assert declined["mocks"] == {"Charge": {"0": {"Throw": {"Error": "Payment.Declined",
                                                            "Cause": "injected by aslrun explore"}}}}
    assert declined["expect"] == {"status": "FAILED", "path": ["Route", "Charge", "Declined"], "error": "Declined",
                                  "cause": "the payment was declined"}
    outcome = pytester.runpytest("-p", "no:cacheprovider", "-n", "0", "explored")
    outcome.assert_outcomes(passed=len(written["scenarios"]))


def test_a_scenario_whose_handler_answers_differently_on_replay_is_left_out(tmp_path):
    shutil.copy(PAYMENTS, tmp_path / "payments.asl.json")
    (tmp_path / "flaky.py").write_text(
        "import builtins\n"
        "def charge(event, context=None):\n"
        "    builtins._explore_calls = getattr(builtins, '_explore_calls', 0) + 1  # across reloads of this file\n"
        "    return {'ok': True, 'call': builtins._explore_calls}\n"
        "HANDLERS = {'charge': charge}\n")
    from aslrun.bindings import Bindings, load_handlers_module
    from aslrun.explore import ScenarioSetup

    machine = StateMachine.from_file(tmp_path / "payments.asl.json")
    setup = ScenarioSetup(tmp_path / "payments.asl.json", handlers_files=[str(tmp_path / "flaky.py")])
    try:
        result = explore(machine, bindings=Bindings(load_handlers_module(str(tmp_path / "flaky.py"))),
                         max_examples=200, seed=0, out=tmp_path / "explored", setup=setup)
    finally:
        import builtins

        builtins.__dict__.pop("_explore_calls", None)
    # a run through the handler ends with its call number in the output: the replay's differs
    assert result.left_out, "a handler answering differently on each call makes a replay differ"
    kept = yaml.safe_load(result.scenario_file.read_text())["scenarios"]
    assert {s["name"] for s in kept}.isdisjoint(result.left_out)
    assert json.dumps(kept)  # what is left is plain data


def test_what_a_suite_already_reaches_is_not_searched_for_again(payments):
    from aslrun.coverage import CoverageRecorder
    from aslrun.testing import run_machine

    with CoverageRecorder() as suite:
        run_machine(payments, {"amount": 5}, check_bindings=False)  # Route -> Small -> Done
    found = search(payments, max_examples=200, seed=0, reached_before=suite.data)
    assert found.baseline == {"Route", "Small", "Done", ("Route", "Default"), ("Small", "Next")}
    assert found.unreached == []
    for run in found.runs:
        assert not set(run.new) & found.baseline
    assert ["Route", "Small", "Done"] not in [run.check.path for run in found.runs]


@pytest.mark.parametrize("name", ["billing", "bulk-meter", "erp-meter-import"])
def test_every_state_and_transition_of_the_projects_pipelines_is_reached(name):
    """A kept run with one Task's answer redrawn reaches the deep ones (billing's ProcessPayment failing
    after seven Tasks and three Choices went one way)."""
    root = HERE.parents[1] / "machines"
    machine = StateMachine.from_file(root / f"{name}.asl.json",
                                     substitutions=json.loads((root / "metering.substitutions.json").read_text()))
    found = search(machine, max_examples=200, seed=0)
    assert found.unreached == []
    assert found.attempts < 400


def test_jsonata_conditions_comparing_input_fields_with_literals_are_reached():
    machine = StateMachine.from_file(HERE / "machines" / "jsonata-orders.asl.json")
    found = search(machine, max_examples=200, seed=0)
    assert found.unreached == []
    reached_by = {found.describe(key): run.input for run in found.runs for key in run.new}
    assert reached_by["Route Choices[0] -> Large"]["order"]["total"] > 250
    assert reached_by["Route Choices[1] -> Export"]["order"]["country"] == "NZ"
    assert reached_by["Route Choices[2] -> Express"]["order"]["express"] is True


def test_no_mock_throws_an_error_the_state_cannot_raise():
    machine = StateMachine({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"},
              "Catch": [{"ErrorEquals": ["States.HeartbeatTimeout"], "Next": "Beat"},
                        {"ErrorEquals": ["Custom.Error"], "Next": "Custom"}], "End": True},
        "Beat": {"Type": "Succeed"}, "Custom": {"Type": "Succeed"}}}, name="heartbeat")
    found = search(machine, max_examples=100, seed=0)
    assert [(found.describe(key), reason) for key, reason in found.unreached] == [
        ("state Beat", "'Beat' is never entered: every transition into it is dead (States.T.Catch[0])"),
        ("T Catch[0] [States.HeartbeatTimeout] -> Beat",
         "Catch[0] of 'T' can never match: a Task without HeartbeatSeconds never raises States.HeartbeatTimeout"),
    ]


def test_a_field_a_pass_state_copies_is_generated_where_it_is_copied_from():
    """``Prepare`` copies ``$.order`` to ``$.checked.order`` and replaces the data; the Choice after it reads
    ``$.checked.order.total``: the input must carry ``order.total``, around the Choice's constant."""
    machine = StateMachine({"StartAt": "Prepare", "States": {
        "Prepare": {"Type": "Pass", "Parameters": {"checked": {"order.$": "$.order"}, "source": "web"}, "Next": "Big?"},
        "Big?": {"Type": "Choice", "Choices": [{"Variable": "$.checked.order.total", "NumericGreaterThan": 1000,
                                                "Next": "Big"}], "Default": "Small"},
        "Big": {"Type": "Succeed"}, "Small": {"Type": "Succeed"}}}, name="copies")
    found = search(machine, max_examples=100, seed=0)
    assert found.unreached == []
    assert {json.dumps(sorted(run.input)) for run in found.runs} == {'["order"]'}
    assert any(run.input["order"]["total"] > 1000 for run in found.runs)
