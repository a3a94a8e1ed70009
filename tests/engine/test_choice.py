"""Choice state: rules, composition, Default, no match, missing paths and its data flow.

The 192 AWS-recorded operator cases run in tests/conformance; these tests cover how the state
itself behaves: the first rule that holds wins, And/Or/Not, type mismatches are false, a missing
Variable is an error except for IsPresent, InputPath/OutputPath apply and the input passes on.
"""

from __future__ import annotations

import pytest


def choice(*rules, default="No", **fields):
    """A Choice whose rules go to "Yes" (or their own Next), then Pass states reporting the path taken."""
    spec = {"Type": "Choice", "Choices": [{"Next": "Yes", **rule} for rule in rules], **fields}
    if default:
        spec["Default"] = default
    targets = {rule["Next"] for rule in spec["Choices"]} | ({default} if default else set())
    states = {name: {"Type": "Pass", "Parameters": {"went": name, "input.$": "$"}, "End": True}
              for name in sorted(targets)}  # only reachable states: the validator rejects the others
    return {"StartAt": "C", "States": {"C": spec, **states}}


def went(execution):
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    return execution.output["went"]


@pytest.mark.parametrize(("rule", "data", "expected"), [
    ({"Variable": "$.x", "NumericEquals": 1}, {"x": 1.0}, "Yes"),           # 1 == 1.0
    ({"Variable": "$.x", "NumericEquals": 1}, {"x": "1"}, "No"),            # a string is no number
    ({"Variable": "$.x", "NumericEquals": 1}, {"x": True}, "No"),           # a boolean is no number
    ({"Variable": "$.x", "NumericGreaterThanEquals": 2}, {"x": 2}, "Yes"),
    ({"Variable": "$.x", "StringEquals": "a"}, {"x": "a"}, "Yes"),
    ({"Variable": "$.x", "StringLessThan": "b"}, {"x": "a"}, "Yes"),
    ({"Variable": "$.x", "StringMatches": "log-*.txt"}, {"x": "log-2024-01.txt"}, "Yes"),
    ({"Variable": "$.x", "StringMatches": "a\\*c"}, {"x": "a*c"}, "Yes"),   # escaped star is literal
    ({"Variable": "$.x", "StringMatches": "a\\*c"}, {"x": "abc"}, "No"),
    ({"Variable": "$.x", "StringMatches": "log-*.txt"}, {"x": "log-2024-01.csv"}, "No"),  # literal tail differs
    ({"Variable": "$.x", "StringMatches": "abc"}, {"x": "abd"}, "No"),         # no wildcard: the whole text
    ({"Variable": "$.x", "StringMatches": "abc"}, {"x": "abcd"}, "No"),        # matches the whole string only
    ({"Variable": "$.x", "StringMatches": "a.c"}, {"x": "abc"}, "No"),         # a dot is a dot, not any char
    ({"Variable": "$.x", "StringMatches": "a*"}, {"x": "a\nb"}, "Yes"),        # * spans a line break
    ({"Variable": "$.x", "StringMatches": "ab\\*c\\*"}, {"x": "ab*c*"}, "Yes"),  # escapes past the first char
    ({"Variable": "$.x", "StringMatches": "ab\\*c\\*"}, {"x": "abXcY"}, "No"),
    ({"Variable": "$.x", "StringMatches": "a\\\\*"}, {"x": "a\\bc"}, "Yes"),    # \\ is one backslash, then *
    ({"Variable": "$.x", "StringMatches": "ab\\"}, {"x": "ab\\"}, "Yes"),        # a trailing \ is itself
    ({"Variable": "$.x", "StringMatches": "*"}, {"x": 5}, "No"),               # a number is no string
    ({"Variable": "$.x", "BooleanEquals": False}, {"x": False}, "Yes"),
    ({"Variable": "$.x", "BooleanEquals": False}, {"x": 0}, "No"),
    ({"Variable": "$.t", "TimestampGreaterThan": "2024-01-01T00:00:00Z"}, {"t": "2024-01-01T01:00:00+00:30"}, "Yes"),
    ({"Variable": "$.t", "TimestampEquals": "2024-01-01T00:00:00Z"}, {"t": "2024-01-01T02:00:00+02:00"}, "Yes"),
    ({"Variable": "$.x", "IsNull": True}, {"x": None}, "Yes"),
    ({"Variable": "$.x", "IsString": True}, {"x": 1}, "No"),
    ({"Variable": "$.x", "IsNumeric": False}, {"x": "1"}, "Yes"),
    ({"Variable": "$.x", "IsBoolean": True}, {"x": False}, "Yes"),
    ({"Variable": "$.x", "IsTimestamp": True}, {"x": "2024-01-01T00:00:00Z"}, "Yes"),
    ({"Variable": "$.x", "IsTimestamp": True}, {"x": "2024-01-01"}, "No"),
    ({"Variable": "$.x", "IsPresent": False}, {}, "Yes"),
    ({"Variable": "$.x", "IsPresent": True}, {"x": None}, "Yes"),          # present, though null
    ({"Variable": "$.x[*]", "IsPresent": True}, {"x": []}, "No"),          # an empty match is absent
    ({"Variable": "$.x", "IsPresent": True}, {"x": []}, "Yes"),            # a definite path to [] is present
    ({"Variable": "$.x", "IsPresent": False}, {"x": []}, "No"),
    ({"Variable": "$.x[*]", "IsPresent": False}, {"x": []}, "Yes"),
    ({"Variable": "$.x[*]", "IsPresent": True}, {"x": [0]}, "Yes"),
    ({"Variable": "$.x", "NumericLessThanPath": "$.y"}, {"x": 1, "y": 2}, "Yes"),
    ({"Variable": "$.x", "StringEqualsPath": "$.y"}, {"x": "a", "y": "b"}, "No"),
    ({"Variable": "$$.Execution.Input.x", "StringEquals": "v"}, {"x": "v"}, "Yes"),
])
def test_comparison(run, rule, data, expected):
    assert went(run(choice(rule), data)) == expected


ORDERED = {  # (smaller, larger) values of each comparison family
    "String": ("apple", "banana"),
    "Numeric": (1.5, 2),
    "Timestamp": ("2024-01-01T00:00:00Z", "2024-01-01T00:00:01+00:00"),
}
HOLDS = {  # operator: whether it holds for (smaller vs larger, equal, larger vs smaller)
    "Equals": (False, True, False),
    "LessThan": (True, False, False),
    "LessThanEquals": (True, True, False),
    "GreaterThan": (False, False, True),
    "GreaterThanEquals": (False, True, True),
}


@pytest.mark.parametrize("family", sorted(ORDERED))
@pytest.mark.parametrize("operator", sorted(HOLDS))
def test_each_comparison_below_at_and_above_its_operand(run, family, operator):
    small, large = ORDERED[family]
    name = family + operator
    definition = choice({"Variable": "$.x", name: small}, default="No")
    outcomes = [went(run(definition, {"x": x})) == "Yes" for x in (large, small)]  # x vs operand small
    # x larger than the operand, x equal to it; then x smaller than the operand (operand large)
    outcomes.append(went(run(choice({"Variable": "$.x", name: large}), {"x": small})) == "Yes")
    below, equal, above = HOLDS[operator]
    assert outcomes == [above, equal, below]
    # the ...Path form compares with another field of the input the same way
    path_rule = {"Variable": "$.x", name + "Path": "$.y"}
    assert [went(run(choice(path_rule), {"x": x, "y": y})) == "Yes"
            for x, y in ((large, small), (small, small), (small, large))] == [above, equal, below]


@pytest.mark.parametrize(("rule", "data"), [
    ({"Variable": "$.x", "StringEqualsPath": "$.y"}, {"x": "1", "y": 1}),        # a number on the right
    ({"Variable": "$.x", "StringEqualsPath": "$.y"}, {"x": 1, "y": "1"}),        # ... or on the left
    ({"Variable": "$.x", "StringLessThanPath": "$.y"}, {"x": None, "y": "b"}),
    ({"Variable": "$.x", "StringGreaterThanPath": "$.y"}, {"x": "b", "y": None}),
    ({"Variable": "$.x", "NumericEqualsPath": "$.y"}, {"x": 1, "y": "1"}),
    ({"Variable": "$.x", "NumericEqualsPath": "$.y"}, {"x": "1", "y": 1}),
    ({"Variable": "$.x", "NumericGreaterThanPath": "$.y"}, {"x": 2, "y": True}),  # booleans are no numbers
    ({"Variable": "$.x", "NumericLessThanPath": "$.y"}, {"x": False, "y": 2}),
    ({"Variable": "$.x", "BooleanEqualsPath": "$.y"}, {"x": 1, "y": True}),
    ({"Variable": "$.x", "BooleanEqualsPath": "$.y"}, {"x": True, "y": 1}),
    ({"Variable": "$.x", "TimestampEqualsPath": "$.y"}, {"x": "2024-01-01T00:00:00Z", "y": "2024-01-01"}),
    ({"Variable": "$.x", "TimestampEqualsPath": "$.y"}, {"x": "2024-01-01", "y": "2024-01-01T00:00:00Z"}),
])
def test_a_value_of_the_wrong_type_on_either_side_makes_a_comparison_false(run, rule, data):
    assert went(run(choice(rule), data)) == "No"
    assert went(run(choice({"Not": rule}), data)) == "Yes"


def test_first_matching_rule_wins(run):
    definition = choice({"Variable": "$.x", "NumericGreaterThan": 0, "Next": "Other"},
                        {"Variable": "$.x", "NumericGreaterThan": 1})
    assert went(run(definition, {"x": 5})) == "Other"


@pytest.mark.parametrize(("x", "expected"), [(3, "Yes"), (0, "No"), (9, "No")])
def test_and(run, x, expected):
    rule = {"And": [{"Variable": "$.x", "NumericGreaterThan": 1}, {"Variable": "$.x", "NumericLessThan": 5}]}
    assert went(run(choice(rule), {"x": x})) == expected


@pytest.mark.parametrize(("x", "expected"), [(None, "Yes"), ("s", "Yes"), (1, "No")])
def test_or(run, x, expected):
    rule = {"Or": [{"Variable": "$.x", "IsNull": True}, {"Variable": "$.x", "IsString": True}]}
    assert went(run(choice(rule), {"x": x})) == expected


def test_not_and_nesting(run):
    rule = {"Not": {"Or": [{"Variable": "$.a", "StringEquals": "x"},
                           {"And": [{"Variable": "$.b", "IsPresent": True}, {"Variable": "$.b", "NumericEquals": 0}]}]}}
    assert went(run(choice(rule), {"a": "y", "b": 1})) == "Yes"
    assert went(run(choice(rule), {"a": "y", "b": 0})) == "No"


def test_and_stops_at_the_first_false_rule(run):
    # the second rule's path is missing, which would be an error if it were evaluated
    rule = {"And": [{"Variable": "$.x", "IsPresent": True}, {"Variable": "$.x.y", "NumericEquals": 1}]}
    assert went(run(choice(rule), {})) == "No"


def test_no_match_without_default_fails_with_no_choice_matched(run):
    execution = run(choice({"Variable": "$.x", "NumericEquals": 1}, default=None), {"x": 2})
    assert (execution.status, execution.error) == ("FAILED", "States.NoChoiceMatched")


def test_missing_variable_is_a_runtime_error(run):
    execution = run(choice({"Variable": "$.x", "NumericEquals": 1}), {})
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")
    assert execution.cause == ("An error occurred while executing the state 'C' (entered at the event id #2). "
                               "Invalid path '$.x': The choice state's condition path references an invalid value.")


@pytest.mark.parametrize(("rule", "path"), [
    ({"Variable": "$.x", "NumericLessThanPath": "$.nope"}, "$.nope"),      # the operand's path
    ({"Variable": "$$.Execution.Input.nope", "StringEquals": "a"}, "$$.Execution.Input.nope"),  # the context
    ({"Variable": "$.list[5]", "NumericEquals": 1}, "$.list[5]"),
])
def test_missing_comparison_path_is_a_runtime_error(run, rule, path):
    execution = run(choice(rule), {"x": 1, "list": [1]})
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")
    assert execution.cause == ("An error occurred while executing the state 'C' (entered at the event id #2). "
                               f"Invalid path '{path}': The choice state's condition path references an invalid "
                               "value.")


def test_input_and_output_path_apply_and_the_input_passes_on(run):
    definition = choice({"Variable": "$.x", "StringEquals": "a"}, InputPath="$.in", OutputPath="$.x")
    execution = run(definition, {"in": {"x": "a"}, "z": 1})
    assert execution.output == {"went": "Yes", "input": "a"}
    exited = execution.history.events("ChoiceStateExited")[0]
    assert exited.details["output"] == "a"


def test_default_receives_the_same_input(run):
    execution = run(choice({"Variable": "$.x", "StringEquals": "a"}), {"x": "b", "keep": [1]})
    assert execution.output == {"went": "No", "input": {"x": "b", "keep": [1]}}


def test_choice_loop_until_a_counter_reaches_its_limit(run):
    definition = {"StartAt": "Init", "States": {
        "Init": {"Type": "Pass", "Result": {"i": 0, "seen": []}, "Next": "Check"},
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$.i", "NumericGreaterThanEquals": 3, "Next": "Done"}],
                  "Default": "Step"},
        "Step": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)",
                                               "seen.$": "States.Array($.seen, $.i)"}, "Next": "Check"},
        "Done": {"Type": "Succeed"}}}
    execution = run(definition)
    assert execution.output["i"] == 3
    assert [e.details["name"] for e in execution.history.events("ChoiceStateEntered")] == ["Check"] * 4
