"""Transitions, reachability, terminal states, Next/End and state names, in every scope."""

from __future__ import annotations

from model_helpers import machine, only_problem, problems_of

MISSING = "MISSING_TRANSITION_TARGET"
SCHEMA = "SCHEMA_VALIDATION_FAILED"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:f"


def test_start_at_must_name_a_state() -> None:
    definition = {"StartAt": "Begin", "States": {"Start": {"Type": "Succeed"}}}
    assert problems_of(definition) == [
        ("StartAt", MISSING, "Missing 'StartAt' target: no state named 'Begin' in this scope")]


def test_next_must_name_a_state() -> None:
    definition = machine({"Validate": {"Type": "Pass", "Next": "X"}, "Done": {"Type": "Succeed"}})
    assert problems_of(definition) == [
        ("States.Validate.Next", MISSING, "Missing 'Next' target: no state named 'X' in this scope"),
        ("States.Done", MISSING, "State 'Done' is not reachable"),
    ]


def test_states_nothing_leads_to_are_unreachable() -> None:
    definition = machine({"A": {"Type": "Pass", "End": True}, "Orphan": {"Type": "Pass", "Next": "A"},
                          "Island": {"Type": "Succeed"}})
    assert problems_of(definition) == [
        ("States.Orphan", MISSING, "State 'Orphan' is not reachable"),
        ("States.Island", MISSING, "State 'Island' is not reachable"),
    ]


def test_choice_default_and_rule_targets() -> None:
    definition = machine({
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsNull": True, "Next": "Nowhere"}],
              "Default": "Elsewhere"},
        "D": {"Type": "Succeed"},
    })
    assert problems_of(definition) == [
        ("States.C.Default", MISSING, "Missing 'Default' target: no state named 'Elsewhere' in this scope"),
        ("States.C.Choices[0].Next", MISSING, "Missing 'Next' target: no state named 'Nowhere' in this scope"),
        ("States.D", MISSING, "State 'D' is not reachable"),
    ]


def test_catch_next_must_name_a_state_and_makes_its_target_reachable() -> None:
    definition = machine({
        "T": {"Type": "Task", "Resource": LAMBDA, "End": True,
              "Catch": [{"ErrorEquals": ["A"], "Next": "Handle"}, {"ErrorEquals": ["B"], "Next": "Gone"}]},
        "Handle": {"Type": "Fail", "Error": "Handled"},
    })
    assert problems_of(definition) == [
        ("States.T.Catch[1].Next", MISSING, "Missing 'Next' target: no state named 'Gone' in this scope")]


def test_a_branch_cannot_jump_to_a_state_outside_it() -> None:
    definition = machine({
        "P": {"Type": "Parallel", "Next": "After", "Branches": [
            {"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "Next": "After"}}}]},
        "After": {"Type": "Succeed"},
    })
    assert problems_of(definition) == [
        ("States.P.Branches[0].States.Inner.Next", MISSING,
         "Missing 'Next' target: no state named 'After' in this scope"),
        ("States.P.Branches[0].States", "MISSING_END_STATE",
         "No terminal state: some state must be a Succeed or Fail state or have \"End\": true"),
    ]


def test_a_scope_without_a_terminal_state() -> None:
    definition = machine({"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}})
    assert problems_of(definition) == [
        ("States", "MISSING_END_STATE",
         "No terminal state: some state must be a Succeed or Fail state or have \"End\": true")]


def test_next_or_end_exactly_one() -> None:
    definition = machine({"A": {"Type": "Pass", "Next": "B", "End": True}, "B": {"Type": "Wait", "Seconds": 1},
                          "C": {"Type": "Pass", "End": False, "Next": "B"}}, start_at="A")
    assert problems_of(definition) == [
        ("States.A", SCHEMA, "Fields 'Next' and 'End' are mutually exclusive"),
        ("States.B", SCHEMA, "A state of this type needs either 'Next' or '\"End\": true'"),
        ("States.C", MISSING, "State 'C' is not reachable"),
    ]


def test_choice_succeed_fail_take_neither_next_nor_end() -> None:
    definition = machine({"C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsNull": True, "Next": "S"}],
                                "End": True},
                          "S": {"Type": "Succeed", "End": True}})
    assert problems_of(definition) == [
        ("States.C.End", SCHEMA, "Field 'End' is not supported"),
        ("States.S.End", SCHEMA, "Field 'End' is not supported"),
    ]


def test_state_names_are_unique_across_nested_machines() -> None:
    definition = machine({
        "Work": {"Type": "Map", "Next": "Check", "ItemProcessor": {
            "StartAt": "Check", "States": {"Check": {"Type": "Pass", "End": True}}}},
        "Check": {"Type": "Succeed"},
    })
    assert problems_of(definition) == [
        ("States.Check", "DUPLICATE_STATE_NAME",
         "Duplicate State name: Check (also at States.Work.ItemProcessor.States.Check)")]


def test_state_names_at_most_80_characters() -> None:
    long_name = "N" * 81
    definition = {"StartAt": long_name, "States": {long_name: {"Type": "Succeed"}, "": {"Type": "Succeed"}}}
    assert problems_of(definition)[:2] == [
        (f"States.{long_name}", "INVALID_STATE_NAME", f"State name '{long_name}' is longer than 80 characters"),
        ("States.", "INVALID_STATE_NAME", "A state name cannot be empty"),
    ]
    assert problems_of({"StartAt": "N" * 80, "States": {"N" * 80: {"Type": "Succeed"}}}) == []


def test_nested_problems_carry_their_full_location() -> None:
    definition = machine({"ProcessMeterBatch": {"Type": "Map", "End": True, "ItemProcessor": {
        "StartAt": "ValidateReading",
        "States": {"ValidateReading": {"Type": "Task", "Resource": LAMBDA, "End": True,
                                       "Retry": [{"ErrorEquals": []}]}}}}})
    problem = only_problem(definition)
    assert problem.location == "States.ProcessMeterBatch.ItemProcessor.States.ValidateReading.Retry[0].ErrorEquals"
    assert problem.message == "The field 'ErrorEquals' should be non-empty"
    assert str(problem) == (
        "States.ProcessMeterBatch.ItemProcessor.States.ValidateReading.Retry[0].ErrorEquals: "
        "The field 'ErrorEquals' should be non-empty  [SCHEMA_VALIDATION_FAILED]"
    )
