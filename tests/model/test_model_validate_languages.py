"""Query languages: which fields each allows, how a state's language is resolved, stray JSONata."""

from __future__ import annotations

import pytest

from aslrun.model.languages import machine_query_language, state_query_language
from model_helpers import machine, problems_of

SCHEMA = "SCHEMA_VALIDATION_FAILED"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:f"


def jsonpath_only(field: str) -> str:
    return f"The QueryLanguage is set to 'JSONata', but field '{field}' is only supported for the 'JSONPath' QueryLanguage"


def jsonata_only(field: str) -> str:
    return f"The QueryLanguage is set to 'JSONPath', but field '{field}' is only supported for the 'JSONata' QueryLanguage"


@pytest.mark.parametrize(
    ("field", "value"),
    [("InputPath", "$.a"), ("OutputPath", "$.a"), ("Parameters", {"a": 1}), ("ResultSelector", {"a": 1}),
     ("ResultPath", "$.a"), ("TimeoutSecondsPath", "$.t"), ("HeartbeatSecondsPath", "$.h")],
)
def test_jsonpath_fields_in_a_jsonata_task(field: str, value: object) -> None:
    definition = machine({"T": {"Type": "Task", "Resource": LAMBDA, "End": True, field: value}},
                         QueryLanguage="JSONata")
    assert problems_of(definition) == [(f"States.T.{field}", SCHEMA, jsonpath_only(field))]


def test_jsonpath_fields_of_other_state_types_in_jsonata() -> None:
    processor = {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}}
    definition = machine({
        "P": {"Type": "Pass", "Result": {"a": 1}, "Next": "W"},
        "W": {"Type": "Wait", "SecondsPath": "$.s", "Next": "M"},
        "M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrencyPath": "$.m", "ItemProcessor": processor,
              "Next": "F"},
        "F": {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "$.c"},
    }, QueryLanguage="JSONata")
    assert problems_of(definition) == [
        ("States.P.Result", SCHEMA, jsonpath_only("Result")),
        ("States.W.SecondsPath", SCHEMA, jsonpath_only("SecondsPath")),
        ("States.M.ItemsPath", SCHEMA, jsonpath_only("ItemsPath")),
        ("States.M.MaxConcurrencyPath", SCHEMA, jsonpath_only("MaxConcurrencyPath")),
        ("States.F.ErrorPath", SCHEMA, jsonpath_only("ErrorPath")),
        ("States.F.CausePath", SCHEMA, jsonpath_only("CausePath")),
    ]


def test_jsonata_fields_in_a_jsonpath_state() -> None:
    processor = {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}}
    definition = machine({
        "T": {"Type": "Task", "Resource": LAMBDA, "Arguments": {"a": 1}, "Output": "{% $states.result %}", "Next": "M"},
        "M": {"Type": "Map", "Items": [1, 2], "ItemProcessor": processor, "End": True},
    })
    assert problems_of(definition) == [
        ("States.T.Arguments", SCHEMA, jsonata_only("Arguments")),
        ("States.T.Output", SCHEMA, jsonata_only("Output")),
        ("States.M.Items", SCHEMA, jsonata_only("Items")),
    ]


def test_catch_fields_follow_the_state_language() -> None:
    jsonpath = machine({"T": {"Type": "Task", "Resource": LAMBDA, "End": True,
                              "Catch": [{"ErrorEquals": ["X"], "Next": "D", "Output": {}}]}, "D": {"Type": "Succeed"}})
    assert problems_of(jsonpath) == [("States.T.Catch[0].Output", SCHEMA, jsonata_only("Output"))]
    jsonata = machine({"T": {"Type": "Task", "Resource": LAMBDA, "End": True, "QueryLanguage": "JSONata",
                             "Catch": [{"ErrorEquals": ["X"], "Next": "D", "ResultPath": "$.e"}]},
                       "D": {"Type": "Succeed"}})
    assert problems_of(jsonata) == [("States.T.Catch[0].ResultPath", SCHEMA, jsonpath_only("ResultPath"))]


def test_assign_is_allowed_in_both_languages() -> None:
    for language in ("JSONPath", "JSONata"):
        definition = machine({"P": {"Type": "Pass", "Assign": {"x": 1}, "End": True}}, QueryLanguage=language)
        assert problems_of(definition) == [], language


def test_a_jsonata_machine_cannot_take_a_state_back_to_jsonpath() -> None:
    definition = machine({"P": {"Type": "Pass", "QueryLanguage": "JSONPath", "InputPath": "$.a", "End": True}},
                         QueryLanguage="JSONata")
    assert problems_of(definition) == [
        ("States.P.QueryLanguage", SCHEMA,
         "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine")]


def test_a_jsonpath_machine_may_have_jsonata_states() -> None:
    definition = machine({"P": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% 1 %}", "Next": "Q"},
                          "Q": {"Type": "Pass", "InputPath": "$", "End": True}})
    assert problems_of(definition) == []


def test_jsonata_expressions_in_fields_of_a_jsonpath_state() -> None:
    definition = machine({
        "W": {"Type": "Wait", "Seconds": "{% $states.input.s %}", "Next": "T"},
        "T": {"Type": "Task", "Resource": LAMBDA, "TimeoutSeconds": "{% 5 %}", "End": True},
    })
    message = "The value for the field '{}' is a JSONata expression, which is only supported for the 'JSONata' QueryLanguage"
    assert problems_of(definition) == [
        ("States.W.Seconds", SCHEMA, message.format("Seconds")),
        ("States.T.TimeoutSeconds", SCHEMA, message.format("TimeoutSeconds")),
    ]


def test_jsonata_fields_reject_plain_strings_where_a_number_is_due() -> None:
    definition = machine({"W": {"Type": "Wait", "Seconds": "10", "End": True}}, QueryLanguage="JSONata")
    assert problems_of(definition) == [("States.W.Seconds", SCHEMA, "Expected value of type [INTEGER]")]


def test_resolution_rules() -> None:
    assert machine_query_language({}) == "JSONPath"
    assert machine_query_language({"QueryLanguage": "JSONata"}) == "JSONata"
    assert state_query_language({}, "JSONata") == "JSONata"
    assert state_query_language({"QueryLanguage": "JSONPath"}, "JSONata") == "JSONPath"
    assert state_query_language({"QueryLanguage": "JSONata"}, "JSONPath") == "JSONata"


def test_nested_states_fall_back_to_the_machine_language_not_the_enclosing_state() -> None:
    # The Map is JSONata; its item processor's state has no QueryLanguage, so it is JSONPath like
    # the machine (as AWS resolves it): a JSONata-only field there is refused.
    definition = machine({"M": {"Type": "Map", "QueryLanguage": "JSONata", "Items": "{% [1] %}", "End": True,
                                "ItemProcessor": {"StartAt": "X", "States": {
                                    "X": {"Type": "Pass", "Output": "{% $states.input %}", "End": True}}}}})
    assert problems_of(definition) == [("States.M.ItemProcessor.States.X.Output", SCHEMA, jsonata_only("Output"))]


def test_jsonata_expressions_must_parse() -> None:
    definition = machine({
        "P": {"Type": "Pass", "Comment": "{% not evaluated", "Next": "C",
              "Output": {"ok": "{% $states.input.a %}", "list": ["{% 1 + %}"]}, "Assign": {"v": "{% a[1,2) %}"}},
        "C": {"Type": "Choice", "Default": "F", "Choices": [
            {"Condition": "{% $states.input.x > %}", "Next": "F", "Comment": "{% ignored %}"}]},
        "F": {"Type": "Fail", "Error": "{% 'E' %}", "Cause": "{% $string( %}"},
    }, QueryLanguage="JSONata")
    problems = problems_of(definition)
    assert [(location, code) for location, code, _ in problems] == [
        ("States.P.Output.list[0]", "INVALID_JSONATA_EXPRESSION"),
        ("States.P.Assign.v", "INVALID_JSONATA_EXPRESSION"),
        ("States.C.Choices[0].Condition", "INVALID_JSONATA_EXPRESSION"),
        ("States.F.Cause", "INVALID_JSONATA_EXPRESSION"),
    ]
    assert problems[0][2] == "Invalid JSONata expression '{% 1 + %}': S0207 at position 5: Unexpected end of expression"  # end of ' 1 + '


def test_jsonata_text_in_a_jsonpath_state_is_a_plain_string() -> None:
    definition = machine({"P": {"Type": "Pass", "Result": {"text": "{% 1 + %}"}, "End": True}})
    assert problems_of(definition) == []
