"""load_substitutions: JSON, YAML and Name=value files, and the errors each can carry."""

from __future__ import annotations

from pathlib import Path

import pytest

from aslrun.errors import DefinitionError
from aslrun.model import load_definition, load_substitutions


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_json_object(tmp_path: Path) -> None:
    path = write(tmp_path, "subs.json", '{"FnArn": "arn:aws:lambda:r:1:function:f", "Max": 5, "On": false}')
    assert load_substitutions(path) == {"FnArn": "arn:aws:lambda:r:1:function:f", "Max": "5", "On": "false"}


def test_yaml_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "subs.yaml", "# deploy values\nFnArn: arn:aws:lambda:r:1:function:f\nRate: 1.5\nFlag: true\n")
    assert load_substitutions(path) == {"FnArn": "arn:aws:lambda:r:1:function:f", "Rate": "1.5", "Flag": "true"}


def test_name_value_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "subs.env",
        "# comment line\n\nFnArn=arn:aws:lambda:r:1:function:f\nexport Bucket = my-bucket\nQuoted=\"a b\"\nEmpty=\n",
    )
    assert load_substitutions(path) == {
        "FnArn": "arn:aws:lambda:r:1:function:f", "Bucket": "my-bucket", "Quoted": "a b", "Empty": ""}


def test_format_is_sniffed_without_a_known_extension(tmp_path: Path) -> None:
    assert load_substitutions(write(tmp_path, "a.txt", '{"A": "1"}')) == {"A": "1"}
    assert load_substitutions(write(tmp_path, "b.txt", "A=1\n")) == {"A": "1"}
    assert load_substitutions(write(tmp_path, "c.txt", "A: 1\n")) == {"A": "1"}


def test_a_loaded_file_feeds_load_definition(tmp_path: Path) -> None:
    subs = load_substitutions(write(tmp_path, "s.env", "Arn=arn:aws:lambda:us-east-1:123456789012:function:f\n"))
    definition = load_definition(
        '{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "${Arn}", "End": true}}}', substitutions=subs)
    assert definition["States"]["T"]["Resource"] == "arn:aws:lambda:us-east-1:123456789012:function:f"


def test_bad_json_file_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "subs.json", '{\n  "A": "1",\n  "B": \n}')
    with pytest.raises(DefinitionError) as info:
        load_substitutions(path)
    assert info.value.source == str(path)
    [problem] = info.value.problems
    assert (problem.location, problem.code) == ("line 4 column 1", "INVALID_SUBSTITUTIONS")
    assert problem.message == "invalid JSON: Expecting value"


def test_bad_yaml_file_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "subs.yaml", "A: 1\nB: [unclosed\n")
    with pytest.raises(DefinitionError) as info:
        load_substitutions(path)
    [problem] = info.value.problems
    assert problem.location.startswith("line 3 column")
    assert problem.message.startswith("invalid YAML:")


def test_a_json_array_is_not_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError) as info:
        load_substitutions(write(tmp_path, "subs.json", '["A"]'))
    assert info.value.problems[0].message == "substitutions must be a mapping of names to values, got a list"


def test_bad_lines_are_all_reported_with_their_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, "subs.env", "A=1\nA=2\n{B}=3\n=4\n")
    with pytest.raises(DefinitionError) as info:
        load_substitutions(path)
    assert [(p.location, p.message) for p in info.value.problems] == [
        ("line 2", "'A' is already set on line 1"),
        ("line 3", "expected 'Name=value', got '{B}=3'"),
        ("line 4", "expected 'Name=value', got '=4'"),
    ]


def test_nested_values_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "subs.yaml", "A:\n  nested: 1\nB: ok\nC:\n")
    with pytest.raises(DefinitionError) as info:
        load_substitutions(path)
    assert [(p.location, p.message) for p in info.value.problems] == [
        ("A", "the value of 'A' must be a string, number or boolean, got an object"),
        ("C", "the value of 'C' must be a string, number or boolean, got null"),
    ]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError) as info:
        load_substitutions(tmp_path / "absent.json")
    assert info.value.problems[0].message == "no such substitutions file"
