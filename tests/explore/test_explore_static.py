"""The static analysis: each planted problem found at its place, and nothing found where nothing is wrong."""

from __future__ import annotations

import json
from pathlib import Path

from aslrun import StateMachine
from aslrun.explore import analyse
from aslrun.explore.error_sets import dead_entries

HERE = Path(__file__).parent
ROOT = HERE.parents[1]


def findings(definition):
    return [(f.kind, f.location, f.message) for f in analyse(definition).findings]


def test_the_planted_machine_gives_each_problem_with_its_place():
    machine = StateMachine.from_file(HERE / "machines" / "planted.asl.json")
    assert findings(machine.definition) == [
        ("unreachable-state", "States.Review",
         "'Review' is never entered: every transition into it is dead (States.Route.Choices[1])"),
        ("unreachable-state", "States.Declined",
         "'Declined' is never entered: every transition into it is dead (States.Charge.Catch[1])"),
        ("shadowed-rule", "States.Route.Choices[1]",
         "Choices[1] of 'Route' is never chosen: every input it matches is matched first by Choices[0]"),
        ("dead-catch", "States.Charge.Catch[1]",
         "Catch[1] of 'Charge' can never match: every error it names is matched first by Catch[0]"),
        ("endless-loop", "States.Again",
         "'Again', 'Poll' loop with no way out (no transition leaves them and none ends the execution); only an "
         "error ends it: 'Again' matching no rule (States.NoChoiceMatched)"),
        ("uncaught-error", "States.Again",
         "'Again' has no Default and its rules may all be false: the execution would then fail with "
         "States.NoChoiceMatched, which no Catch takes"),
    ]


def test_the_projects_pipelines_have_no_static_finding():
    for name in ("billing.asl.json", "bulk-meter.asl.json", "erp-meter-import.asl.json"):
        definition = json.loads((ROOT / "machines" / name).read_text())
        assert findings(definition) == [], name


def machine(states, start="A"):
    return {"StartAt": start, "States": states}


def test_a_default_no_input_reaches_is_dead_and_so_is_the_state_only_it_leads_to():
    definition = machine({
        "A": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericLessThan": 5, "Next": "Done"},
                                             {"Variable": "$.n", "NumericGreaterThanEquals": 5, "Next": "Done"},
                                             {"Not": {"Variable": "$.n", "IsNumeric": True}, "Next": "Done"}],
              "Default": "Never"},
        "Never": {"Type": "Pass", "End": True},
        "Done": {"Type": "Succeed"},
    })
    assert findings(definition) == [
        ("unreachable-state", "States.Never", "'Never' is never entered: every transition into it is dead (States.A.Default)"),
        ("dead-default", "States.A.Default", "the Default of 'A' is never taken: for every input some rule is true (or a "
                                             "rule's path is missing, a States.Runtime error)"),
    ]


def test_a_loop_of_pass_and_wait_states_never_ends():
    definition = machine({
        "A": {"Type": "Pass", "Next": "B"},
        "B": {"Type": "Wait", "Seconds": 1, "Next": "C"},
        "C": {"Type": "Pass", "Next": "B"},
        "End": {"Type": "Succeed"},
        "Start": {"Type": "Choice", "Choices": [{"Variable": "$.go", "BooleanEquals": True, "Next": "A"}], "Default": "End"},
    }, start="Start")
    assert findings(definition) == [
        ("endless-loop", "States.B", "'B', 'C' loop with no way out (no transition leaves them and none ends the "
                                     "execution); nothing ends it but the execution's 25,000-event history limit or its timeout"),
    ]


def test_a_loop_with_a_choice_default_out_is_not_endless():
    definition = machine({
        "A": {"Type": "Wait", "Seconds": 1, "Next": "B"},
        "B": {"Type": "Choice", "Choices": [{"Variable": "$.again", "BooleanEquals": True, "Next": "A"}], "Default": "Done"},
        "Done": {"Type": "Succeed"},
    })
    assert findings(definition) == []


def test_a_retry_loop_through_a_task_that_can_only_fail_out():
    definition = machine({
        "A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"},
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "B"}], "Next": "B"},
        "B": {"Type": "Wait", "Seconds": 1, "Next": "A"},
        "Done": {"Type": "Succeed"},
        "Start": {"Type": "Choice", "Choices": [{"Variable": "$.go", "BooleanEquals": True, "Next": "A"}], "Default": "Done"},
    }, start="Start")
    assert findings(definition) == [
        ("endless-loop", "States.A", "'A', 'B' loop with no way out (no transition leaves them and none ends the "
                                     "execution); only an error ends it: 'A' failing with an error its Catch does not take"),
    ]


def test_no_choice_matched_inside_a_parallel_whose_catch_takes_it_is_not_uncaught():
    def parallel(**recovery):
        branch = {"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "NumericEquals": 1, "Next": "S"}]},
            "S": {"Type": "Succeed"}}}
        return machine({"P": {"Type": "Parallel", "Branches": [branch], **recovery, "End": True},
                        "Caught": {"Type": "Succeed"}}, start="P")

    assert findings(parallel(Catch=[{"ErrorEquals": ["States.NoChoiceMatched"], "Next": "Caught"}])) == []
    assert findings(parallel(Catch=[{"ErrorEquals": ["Other"], "Next": "Caught"}])) == [
        ("uncaught-error", "States.P.Branches[0].States.C",
         "'C' has no Default and its rules may all be false: the branch would then fail with States.NoChoiceMatched, "
         "which no Catch takes"),
    ]


def test_catch_and_retry_entries_that_never_match():
    task = {"Type": "Task"}
    assert [(d.index, d.reason) for d in dead_entries([
        {"ErrorEquals": ["States.TaskFailed"]},
        {"ErrorEquals": ["Custom.Error", "States.Permissions"]},  # both taken by TaskFailed
        {"ErrorEquals": ["States.Timeout"]},                        # TaskFailed does not take a timeout
        {"ErrorEquals": ["States.ALL"]},                            # TaskFailed + Timeout took everything
    ], task, "Catch")] == [
        (1, "every error it names is matched first by Catch[0]"),
        (3, "every error it names is matched first by Catch[0], Catch[2]"),
    ]
    assert [(d.index, d.reason) for d in dead_entries([{"ErrorEquals": ["States.Runtime"]}], task, "Retry")] == [
        (0, "States.Runtime is never retried")]
    assert [(d.index, d.reason) for d in dead_entries([{"ErrorEquals": ["States.HeartbeatTimeout"]}], task, "Catch")] == [
        (0, "a Task without HeartbeatSeconds never raises States.HeartbeatTimeout")]
    assert dead_entries([{"ErrorEquals": ["States.HeartbeatTimeout"]}], {"Type": "Task", "HeartbeatSeconds": 5},
                        "Catch") == []
    assert [(d.index, d.reason) for d in dead_entries([{"ErrorEquals": ["A"]}, {"ErrorEquals": ["B", "A"]}], task,
                                                      "Retry")] == []
