"""load_definition: file, text and dict sources, JSON errors with line and column, substitutions."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from aslrun.errors import DefinitionError
from aslrun.model import load_definition

PASS = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}


def test_loads_a_file_given_as_str_or_path(tmp_path: Path) -> None:
    path = tmp_path / "m.asl.json"
    path.write_text(json.dumps(PASS), encoding="utf-8")
    assert load_definition(path) == PASS
    assert load_definition(str(path)) == PASS


def test_loads_json_text_and_bytes() -> None:
    text = json.dumps(PASS)
    assert load_definition(text) == PASS
    assert load_definition("  \n" + text) == PASS
    assert load_definition(text.encode("utf-8")) == PASS


def test_a_dict_is_copied_and_never_modified() -> None:
    original = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"arn": "${Arn}"}, "End": True}}}
    snapshot = copy.deepcopy(original)
    loaded = load_definition(original, substitutions={"Arn": "arn:aws:x"})
    assert loaded["States"]["A"]["Result"] == {"arn": "arn:aws:x"}
    assert original == snapshot
    loaded["States"]["A"]["Type"] = "Fail"
    assert original["States"]["A"]["Type"] == "Pass"


def test_bad_json_names_the_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    # Line 3 is `  "States": {"A": {"Type": "Pass",}}`: counting from 1, the ',' is column 34
    # and the error is reported at the '}' after it, where a property name should be (column 35).
    path.write_text('{\n  "StartAt": "A",\n  "States": {"A": {"Type": "Pass",}}\n}\n', encoding="utf-8")
    with pytest.raises(DefinitionError) as info:
        load_definition(path)
    error = info.value
    assert error.source == str(path)
    [problem] = error.problems
    assert problem.code == "INVALID_JSON_DESCRIPTION"
    assert problem.location == "line 3 column 35"
    assert problem.message == "invalid JSON: Expecting property name enclosed in double quotes"
    assert str(path) in str(error) and "line 3 column 35" in str(error)


def test_bad_json_text_has_line_and_column_but_no_file() -> None:
    with pytest.raises(DefinitionError) as info:
        load_definition('{"StartAt": "A",\n "States": }')
    assert info.value.source is None
    assert info.value.problems[0].location == "line 2 column 12"


def test_json_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(DefinitionError) as info:
        load_definition("[1, 2]")
    [problem] = info.value.problems
    assert problem.message == "a state machine definition must be a JSON object, not an array"
    assert problem.code == "SCHEMA_VALIDATION_FAILED"


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.asl.json"
    with pytest.raises(DefinitionError) as info:
        load_definition(missing)
    assert info.value.source == str(missing)
    assert info.value.problems[0].code == "MISSING_DESCRIPTION"
    assert info.value.problems[0].message == "no such definition file"


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_text("  \n", encoding="utf-8")
    with pytest.raises(DefinitionError) as info:
        load_definition(path)
    assert info.value.problems[0].message == "received an empty definition"


def test_a_state_named_twice_in_the_text_is_a_duplicate_state_name() -> None:
    text = """{"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "B"},
        "B": {"Type": "Pass", "End": true},
        "A": {"Type": "Succeed"}}}"""
    with pytest.raises(DefinitionError) as info:
        load_definition(text)
    [problem] = info.value.problems
    assert (problem.location, problem.code, problem.message) == ("States.A", "DUPLICATE_STATE_NAME", "Duplicate State name: A")


def test_duplicates_are_found_in_nested_machines_and_fields() -> None:
    text = """{"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": true}, "X": {"Type": "Pass", "End": true}}},
        {"StartAt": "Y", "States": {"Y": {"Type": "Pass", "End": true, "End": true}}}]}}}"""
    with pytest.raises(DefinitionError) as info:
        load_definition(text)
    assert [(p.location, p.code, p.message) for p in info.value.problems] == [
        ("States.P.Branches[0].States.X", "DUPLICATE_STATE_NAME", "Duplicate State name: X"),
        ("States.P.Branches[1].States.Y.End", "INVALID_JSON_DESCRIPTION", "duplicate field 'End'"),
    ]


def test_substitutions_replace_every_placeholder_in_a_string() -> None:
    definition = {"StartAt": "A", "States": {"A": {
        "Type": "Task", "Resource": "arn:aws:lambda:${Region}:${Account}:function:${Name}", "End": True,
        "Parameters": {"Bucket": "${Bucket}", "Key": "${Prefix}/${Prefix}.csv"}}}}
    loaded = load_definition(definition, substitutions={
        "Region": "eu-west-1", "Account": "123456789012", "Name": "fn", "Bucket": "b", "Prefix": "p"})
    state = loaded["States"]["A"]
    assert state["Resource"] == "arn:aws:lambda:eu-west-1:123456789012:function:fn"
    assert state["Parameters"] == {"Bucket": "b", "Key": "p/p.csv"}


def test_substitution_values_may_be_numbers_and_booleans() -> None:
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "${N}/${F}/${B}", "End": True}}}
    loaded = load_definition(definition, substitutions={"N": 5, "F": 1.5, "B": True})
    assert loaded["States"]["A"]["Result"] == "5/1.5/true"


def test_substitutions_apply_to_keys_too() -> None:
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"${Key}": 1}, "End": True}}}
    assert load_definition(definition, substitutions={"Key": "k"})["States"]["A"]["Result"] == {"k": 1}


def test_every_missing_substitution_is_listed_with_its_place() -> None:
    definition = {"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "B",
              "Parameters": {"FunctionName": "${ValidateFn}", "Payload": {"note": "${Known} ${Other}"}}},
        "B": {"Type": "Fail", "Error": "${ErrorName}"}}}
    with pytest.raises(DefinitionError) as info:
        load_definition(definition, substitutions={"Known": "k"})
    assert [(p.location, p.code, p.message) for p in info.value.problems] == [
        ("States.A.Parameters.FunctionName", "MISSING_SUBSTITUTION", "no value for the substitution '${ValidateFn}'"),
        ("States.A.Parameters.Payload.note", "MISSING_SUBSTITUTION", "no value for the substitution '${Other}'"),
        ("States.B.Error", "MISSING_SUBSTITUTION", "no value for the substitution '${ErrorName}'"),
    ]


def test_placeholders_without_any_substitutions_are_errors() -> None:
    with pytest.raises(DefinitionError) as info:
        load_definition('{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "${X}", "End": true}}}')
    assert info.value.problems[0].location == "States.A.Result"


def test_a_substituted_value_is_not_substituted_again() -> None:
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "${A}", "End": True}}}
    loaded = load_definition(definition, substitutions={"A": "${B}"})
    assert loaded["States"]["A"]["Result"] == "${B}"


def test_bad_substitution_values_are_refused() -> None:
    with pytest.raises(DefinitionError) as info:
        load_definition(PASS, substitutions={"A": ["x"], "B": None, "C": "ok"})
    assert [(p.location, p.message) for p in info.value.problems] == [
        ("A", "the value of 'A' must be a string, number or boolean, got a list"),
        ("B", "the value of 'B' must be a string, number or boolean, got null"),
    ]


def test_a_missing_substitution_does_not_hide_the_definitions_other_problems() -> None:
    definition = {"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": "${FnArn}", "Next": "Bil"},
        "Bill": {"Type": "Pass", "End": True}}}
    with pytest.raises(DefinitionError) as info:
        load_definition(definition)
    assert [(p.location, p.code) for p in info.value.problems] == [
        ("States.A.Resource", "MISSING_SUBSTITUTION"),  # the placeholder's field: its only problem
        ("States.A.Next", "MISSING_TRANSITION_TARGET"),
        ("States.Bill", "MISSING_TRANSITION_TARGET"),
    ]
