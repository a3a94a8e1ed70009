"""Choice rules: Next at the top level only, one operator each, Variable, paths, JSONata Condition."""

from __future__ import annotations

from aslrun.model.rules import OPERATORS
from model_helpers import machine, problems_of

SCHEMA = "SCHEMA_VALIDATION_FAILED"


def choice(*rules: dict, language: str | None = None) -> dict:
    state: dict = {"Type": "Choice", "Choices": list(rules), "Default": "Done"}
    if language:
        state["QueryLanguage"] = language
    return machine({"C": state, "Done": {"Type": "Succeed"}})


def test_a_top_level_rule_needs_next() -> None:
    assert problems_of(choice({"Variable": "$.x", "IsPresent": True})) == [
        ("States.C.Choices[0]", SCHEMA, "These fields are required: [Next]")]


def test_nested_rules_carry_no_next_assign_or_output() -> None:
    rule = {"And": [{"Variable": "$.a", "IsNull": False, "Next": "Done"},
                    {"Not": {"Variable": "$.b", "IsNull": True, "Assign": {"x": 1}}}], "Next": "Done"}
    assert problems_of(choice(rule)) == [
        ("States.C.Choices[0].And[0].Next", SCHEMA, "Field 'Next' is not supported in a rule nested in And, Or or Not"),
        ("States.C.Choices[0].And[1].Not.Assign", SCHEMA,
         "Field 'Assign' is not supported in a rule nested in And, Or or Not"),
    ]


def test_exactly_one_operator() -> None:
    rules = [
        {"Variable": "$.a", "StringEquals": "x", "StringMatches": "x*", "Next": "Done"},
        {"Variable": "$.a", "Next": "Done"},
        {"And": [{"Variable": "$.a", "IsNull": True}], "Or": [{"Variable": "$.a", "IsNull": True}], "Next": "Done"},
    ]
    assert problems_of(choice(*rules)) == [
        ("States.C.Choices[0]", SCHEMA,
         "A rule must have exactly one comparison operator or And/Or/Not, found: StringEquals, StringMatches"),
        ("States.C.Choices[1]", SCHEMA, "A rule must have a comparison operator (such as 'StringEquals') or And/Or/Not"),
        ("States.C.Choices[2]", SCHEMA, "A rule must have exactly one comparison operator or And/Or/Not, found: And, Or"),
    ]


def test_comparison_needs_variable_and_combination_refuses_it() -> None:
    rules = [
        {"NumericEquals": 1, "Next": "Done"},
        {"Variable": "$.a", "Not": {"Variable": "$.a", "IsNull": True}, "Next": "Done"},
    ]
    assert problems_of(choice(*rules)) == [
        ("States.C.Choices[0]", SCHEMA, "These fields are required: [Variable]"),
        ("States.C.Choices[1].Variable", SCHEMA, "Field 'Variable' is not supported in a rule using 'Not'"),
    ]


def test_and_or_need_a_non_empty_list() -> None:
    assert problems_of(choice({"And": [], "Next": "Done"}, {"Or": {"Variable": "$.a"}, "Next": "Done"})) == [
        ("States.C.Choices[0].And", SCHEMA, "The field 'And' should be non-empty"),
        ("States.C.Choices[1].Or", SCHEMA, "Expected value of type [ARRAY]"),
    ]


def test_variable_and_path_operands_must_be_paths() -> None:
    rules = [
        {"Variable": "a.b", "IsNull": True, "Next": "Done"},
        {"Variable": "$.a", "NumericEqualsPath": "b", "Next": "Done"},
        {"Not": {"Variable": "$.a[", "IsNull": True}, "Next": "Done"},
    ]
    problems = problems_of(choice(*rules))
    assert [(location, code) for location, code, _ in problems] == [
        ("States.C.Choices[0].Variable", SCHEMA),
        ("States.C.Choices[1].NumericEqualsPath", SCHEMA),
        ("States.C.Choices[2].Not.Variable", SCHEMA),
    ]
    assert problems[0][2] == "The value for the field 'Variable' must be a valid JSONPath: a path must start with '$'"
    assert problems[1][2] == (
        "The value for the field 'NumericEqualsPath' must be a valid JSONPath: a path must start with '$'")
    assert problems[2][2].startswith("The value for the field 'Variable' must be a valid JSONPath: ")


def test_path_operands_may_read_context_and_variables() -> None:
    rules = [
        {"Variable": "$$.Execution.Input.x", "StringEqualsPath": "$expected", "Next": "Done"},
        {"Variable": "$var.field[0]", "TimestampLessThanEqualsPath": "$.items[?(@.x > 1)].ts", "Next": "Done"},
    ]
    assert problems_of(choice(*rules)) == []


def test_jsonata_rules_use_condition_only() -> None:
    rules = [
        {"Condition": "{% $states.input.x > 1 %}", "Next": "Done", "Output": {"x": 1}, "Assign": {"y": 2}},
        {"Variable": "$.x", "IsNull": True, "Next": "Done"},
        {"Next": "Done"},
        {"Condition": "$.x > 1", "Next": "Done"},
    ]
    assert problems_of(choice(*rules, language="JSONata")) == [
        ("States.C.Choices[3].Condition", SCHEMA,
         "Expected value of type [BOOLEAN] or a JSONata expression '{% ... %}'"),
        ("States.C.Choices[1].Variable", SCHEMA,
         "The QueryLanguage is set to 'JSONata', but field 'Variable' is only supported for the 'JSONPath' QueryLanguage"),
        ("States.C.Choices[1].IsNull", SCHEMA,
         "The QueryLanguage is set to 'JSONata', but field 'IsNull' is only supported for the 'JSONPath' QueryLanguage"),
        ("States.C.Choices[1]", SCHEMA, "These fields are required: [Condition]"),
        ("States.C.Choices[2]", SCHEMA, "These fields are required: [Condition]"),
    ]


def test_jsonpath_rules_refuse_condition_and_output() -> None:
    rule = {"Condition": "{% true %}", "Output": {"x": 1}, "Next": "Done"}
    assert problems_of(choice(rule)) == [
        ("States.C.Choices[0].Condition", SCHEMA,
         "The QueryLanguage is set to 'JSONPath', but field 'Condition' is only supported for the 'JSONata' QueryLanguage"),
        ("States.C.Choices[0].Output", SCHEMA,
         "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage"),
        ("States.C.Choices[0]", SCHEMA, "A rule must have a comparison operator (such as 'StringEquals') or And/Or/Not"),
    ]


def test_assign_in_a_jsonpath_rule_is_a_payload_template() -> None:
    rule = {"Variable": "$.x", "IsNull": False, "Next": "Done", "Assign": {"ok.$": "$.x", "bad.$": "x"}}
    assert problems_of(choice(rule)) == [
        ("States.C.Choices[0].Assign.bad.$", SCHEMA,
         "The value for the field 'bad.$' must be a valid JSONPath or a valid intrinsic function call: "
         "a path must start with '$'"),
    ]


def test_every_operator_is_accepted_with_its_operand() -> None:
    operands = {"String": "x", "Numeric": 1.5, "Timestamp": "2024-01-01T00:00:00Z"}
    rules = []
    for family, operand in operands.items():
        for suffix in ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals"):
            rules.append({"Variable": "$.v", family + suffix: operand, "Next": "Done"})
            rules.append({"Variable": "$.v", family + suffix + "Path": "$.w", "Next": "Done"})
    rules += [
        {"Variable": "$.v", "BooleanEquals": True, "Next": "Done"},
        {"Variable": "$.v", "BooleanEqualsPath": "$.w", "Next": "Done"},
        {"Variable": "$.v", "StringMatches": "log-*.txt", "Next": "Done"},
    ]
    rules += [{"Variable": "$.v", test: True, "Next": "Done"}
              for test in ("IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp")]
    # 3 families x 5 comparisons x (literal, Path) + BooleanEquals(Path) + StringMatches + 6 type tests
    assert len(rules) == 30 + 2 + 1 + 6 == len(OPERATORS)
    assert problems_of(choice(*rules)) == []
