"""Schema problems: types, required fields, unknown fields and ranges, worded as AWS words them."""

from __future__ import annotations

import pytest

from aslrun.model import validate_definition
from model_helpers import machine, only_problem, problems_of

SCHEMA = "SCHEMA_VALIDATION_FAILED"


def test_definition_must_be_an_object() -> None:
    assert [(p.location, p.code) for p in validate_definition(["not", "a", "machine"])] == [("", SCHEMA)]


def test_missing_top_level_fields_are_listed_together() -> None:
    assert problems_of({"Comment": "nothing else"}) == [("", SCHEMA, "These fields are required: [StartAt, States]")]


def test_unknown_top_level_field() -> None:
    definition = machine({"A": {"Type": "Pass", "End": True}}, Timeout=5)
    assert problems_of(definition) == [("Timeout", SCHEMA, "Field 'Timeout' is not supported")]


def test_empty_states() -> None:
    assert problems_of({"StartAt": "A", "States": {}}) == [
        ("States", SCHEMA, "The field 'States' should be non-empty"),
        ("StartAt", "MISSING_TRANSITION_TARGET", "Missing 'StartAt' target: no state named 'A' in this scope"),
    ]


def test_top_level_timeout_must_be_a_positive_integer() -> None:
    state = {"A": {"Type": "Pass", "End": True}}
    assert problems_of(machine(state, TimeoutSeconds=0)) == [
        ("TimeoutSeconds", SCHEMA, "The value for the field 'TimeoutSeconds' must be greater than or equal to 1")]
    assert problems_of(machine(state, TimeoutSeconds="60")) == [
        ("TimeoutSeconds", SCHEMA, "Expected value of type [INTEGER]")]


def test_query_language_must_be_known() -> None:
    problem = only_problem(machine({"A": {"Type": "Pass", "End": True}}, QueryLanguage="jsonata"))
    assert (problem.location, problem.message) == ("QueryLanguage", "Value should be one of the following: [JSONPath, JSONata]")


def test_state_type_missing_unknown_or_state_not_an_object() -> None:
    definition = {"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Paas", "Next": "C"}, "C": {"Next": "D"}, "D": 5}}
    assert problems_of(definition)[:3] == [
        ("States.B", SCHEMA,  # AWS locates a bad Type at the state (a recorded TestState answer: /States/StateName)
         "The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]"),
        ("States.C", SCHEMA, "These fields are required: [Type]"),
        ("States.D", SCHEMA, "Expected value of type [OBJECT]"),
    ]


def test_unknown_state_field_is_named() -> None:
    problem = only_problem(machine({"A": {"Type": "Pass", "End": True, "Resultpath": "$.x"}}))
    assert (problem.location, problem.code, problem.message) == (
        "States.A.Resultpath", SCHEMA, "Field 'Resultpath' is not supported")


def test_fields_of_other_state_types_are_not_supported() -> None:
    definition = machine({"A": {"Type": "Succeed", "Next": "A"}, "B": {"Type": "Fail", "InputPath": "$"}},
                         start_at="A")
    assert problems_of(definition)[:2] == [
        ("States.A.Next", SCHEMA, "Field 'Next' is not supported"),
        ("States.B.InputPath", SCHEMA, "Field 'InputPath' is not supported"),
    ]


def test_task_needs_a_resource_and_typed_fields() -> None:
    definition = machine({"T": {"Type": "Task", "End": "yes", "TimeoutSeconds": 0, "HeartbeatSeconds": 1.5}})
    assert sorted(problems_of(definition)) == sorted([
        ("States.T", SCHEMA, "These fields are required: [Resource]"),
        ("States.T.End", SCHEMA, "Expected value of type [BOOLEAN]"),
        ("States.T.TimeoutSeconds", SCHEMA, "The value for the field 'TimeoutSeconds' must be greater than or equal to 1"),
        ("States.T.HeartbeatSeconds", SCHEMA, "Expected value of type [INTEGER]"),
        ("States.T", SCHEMA, "A state of this type needs either 'Next' or '\"End\": true'"),
    ])


@pytest.mark.parametrize(
    ("retrier", "field", "message"),
    [
        ({"IntervalSeconds": 0}, "IntervalSeconds", "The value for the field 'IntervalSeconds' must be greater than or equal to 1"),
        ({"IntervalSeconds": 1.5}, "IntervalSeconds", "Expected value of type [INTEGER]"),
        ({"MaxAttempts": -1}, "MaxAttempts", "The value for the field 'MaxAttempts' must be greater than or equal to 0"),
        ({"MaxAttempts": True}, "MaxAttempts", "Expected value of type [INTEGER]"),
        ({"BackoffRate": 0.5}, "BackoffRate", "The value for the field 'BackoffRate' must be greater than or equal to 1.0"),
        ({"BackoffRate": "2"}, "BackoffRate", "Expected value of type [NUMBER]"),
        ({"MaxDelaySeconds": 0}, "MaxDelaySeconds", "The value for the field 'MaxDelaySeconds' must be greater than or equal to 1"),
        ({"JitterStrategy": "HALF"}, "JitterStrategy", "Value should be one of the following: [FULL, NONE]"),
        ({"ErrorEquals": []}, "ErrorEquals", "The field 'ErrorEquals' should be non-empty"),
        ({"ErrorEquals": "States.ALL"}, "ErrorEquals", "Expected value of type [ARRAY]"),
        ({"Next": "X"}, "Next", "Field 'Next' is not supported"),
    ],
)
def test_retrier_fields(retrier: dict, field: str, message: str) -> None:
    retry = {"ErrorEquals": ["States.Timeout"], **retrier}
    definition = machine({"T": {"Type": "Task", "Resource": "arn:aws:lambda:r:1:function:f", "End": True,
                                "Retry": [{"ErrorEquals": ["X"]}, retry]}})
    assert problems_of(definition) == [(f"States.T.Retry[1].{field}", SCHEMA, message)]


def test_catcher_needs_error_equals_and_next() -> None:
    definition = machine({"T": {"Type": "Task", "Resource": "arn:aws:lambda:r:1:function:f", "End": True,
                                "Catch": [{"ResultPath": "$.e"}]}})
    assert problems_of(definition) == [("States.T.Catch[0]", SCHEMA, "These fields are required: [ErrorEquals, Next]")]


def test_wait_fields() -> None:
    definition = machine({
        "A": {"Type": "Wait", "Seconds": -1, "Next": "B"},
        "B": {"Type": "Wait", "Timestamp": "2024-01-01 10:00:00", "Next": "C"},
        "C": {"Type": "Wait", "Timestamp": "2024-01-01t10:00:00z", "End": True},
    })
    assert problems_of(definition) == [
        ("States.A.Seconds", SCHEMA, "The value for the field 'Seconds' must be greater than or equal to 0"),
        ("States.B.Timestamp", SCHEMA,
         "The value for the field 'Timestamp' must be an RFC3339 timestamp, got '2024-01-01 10:00:00'"),
        ("States.C.Timestamp", SCHEMA,
         "The value for the field 'Timestamp' must be an RFC3339 timestamp, got '2024-01-01t10:00:00z'"),
    ]


def test_choice_operand_types() -> None:
    definition = machine({
        "C": {"Type": "Choice", "Default": "D", "Choices": [
            {"Variable": "$.a", "NumericEquals": "5", "Next": "D"},
            {"Variable": "$.a", "StringEquals": 5, "Next": "D"},
            {"Variable": "$.a", "BooleanEquals": "true", "Next": "D"},
            {"Variable": "$.a", "TimestampEquals": "2024-13-01T00:00:00Z", "Next": "D"},
            {"Variable": "$.a", "IsNull": 1, "Next": "D"},
            {"Variable": "$.a", "StringEqual": "x", "Next": "D"},
        ]},
        "D": {"Type": "Succeed"},
    })
    assert problems_of(definition) == [
        ("States.C.Choices[0].NumericEquals", SCHEMA, "Expected value of type [NUMBER]"),
        ("States.C.Choices[1].StringEquals", SCHEMA, "Expected value of type [STRING]"),
        ("States.C.Choices[2].BooleanEquals", SCHEMA, "Expected value of type [BOOLEAN]"),
        ("States.C.Choices[3].TimestampEquals", SCHEMA,
         "The value for the field 'TimestampEquals' must be an RFC3339 timestamp, got '2024-13-01T00:00:00Z'"),
        ("States.C.Choices[4].IsNull", SCHEMA, "Expected value of type [BOOLEAN]"),
        ("States.C.Choices[5].StringEqual", SCHEMA, "Field 'StringEqual' is not supported"),
        ("States.C.Choices[5]", SCHEMA, "A rule must have a comparison operator (such as 'StringEquals') or And/Or/Not"),
    ]


def test_choice_needs_rules_and_parallel_needs_branches() -> None:
    definition = machine({"C": {"Type": "Choice", "Choices": [], "Default": "P"},
                          "P": {"Type": "Parallel", "Branches": [], "End": True}})
    assert problems_of(definition) == [
        ("States.C.Choices", SCHEMA, "The field 'Choices' should be non-empty"),
        ("States.P.Branches", SCHEMA, "The field 'Branches' should be non-empty"),
    ]


def test_map_fields() -> None:
    definition = machine({"M": {
        "Type": "Map", "End": True, "MaxConcurrency": -1, "ToleratedFailurePercentage": 150,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "PARALLEL"}, "StartAt": "X",
                          "States": {"X": {"Type": "Pass", "End": True}}},
    }})
    assert problems_of(definition) == [
        ("States.M.ItemProcessor.ProcessorConfig.Mode", SCHEMA, "Value should be one of the following: [INLINE, DISTRIBUTED]"),
        ("States.M.MaxConcurrency", SCHEMA, "The value for the field 'MaxConcurrency' must be greater than or equal to 0"),
        ("States.M.ToleratedFailurePercentage", SCHEMA,
         "The value for the field 'ToleratedFailurePercentage' must be between 0 and 100"),
    ]


def test_nested_machines_are_checked_with_their_own_locations() -> None:
    definition = machine({"P": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}},
        {"States": {"Y": {"Type": "Task", "End": True}}},
    ]}})
    assert problems_of(definition) == [
        ("States.P.Branches[1]", SCHEMA, "These fields are required: [StartAt]"),
        ("States.P.Branches[1].States.Y", SCHEMA, "These fields are required: [Resource]"),
    ]


def test_a_state_named_like_a_state_type_keeps_its_name_in_the_location() -> None:
    problem = only_problem(machine({"Task": {"Type": "Task", "Resource": 5, "End": True}}))
    assert problem.location == "States.Task.Resource"
