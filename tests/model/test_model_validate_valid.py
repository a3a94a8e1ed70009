"""Definitions AWS accepts validate with no problem; a bad one reports all its problems at once."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from aslrun.model import load_definition, syntax, validate_definition
from aslrun.model.substitutions import PLACEHOLDER
from model_helpers import problems_of

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(params=["engine compilers", "stand-in syntax"])
def path_syntax(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test with the engine's path/intrinsic compilers, and again with the stand-in."""
    if request.param == "stand-in syntax":
        monkeypatch.setattr(syntax, "_engine_compiler", lambda *args: None)
    return str(request.param)


@pytest.mark.parametrize("name", ["valid_jsonpath", "valid_jsonata"])
def test_fixture_machines_are_valid(name: str, path_syntax: str) -> None:
    definition = load_definition(FIXTURES / f"{name}.asl.json")
    assert [str(p) for p in validate_definition(definition)] == []


def test_every_aws_accepted_conformance_machine_is_valid(shared_dir: Path, path_syntax: str) -> None:
    cases = [json.loads(line) for line in (shared_dir / "conformance" / "cases.jsonl").read_text().splitlines() if line]
    assert len(cases) >= 400
    failures = {}
    for case in cases:
        problems = validate_definition(load_definition(case["definition"]))
        if problems:
            failures[case["id"]] = [str(p) for p in problems]
    assert failures == {}


def embedded_definition(text: str) -> dict:
    """The state machine JSON embedded in a seed document (it starts at a line holding '{')."""
    start = re.search(r'^\{\s*\n\s*"Comment"', text, re.MULTILINE)
    assert start is not None, "no embedded definition found"
    definition, _ = json.JSONDecoder().raw_decode(text, start.start())
    return definition


@pytest.mark.parametrize("prefix", ["000_", "001_"])
def test_seed_machines_are_valid(shared_dir: Path, prefix: str) -> None:
    [seed] = sorted((shared_dir / "seeds").glob(prefix + "*.txt"))
    raw = embedded_definition(seed.read_text(encoding="utf-8"))
    names = sorted(set(PLACEHOLDER.findall(json.dumps(raw))))
    assert "ValidateMeterReadingFunctionArn" in names
    values = {name: f"arn:aws:lambda:ap-southeast-2:123456789012:function:{name}" for name in names}
    definition = load_definition(raw, substitutions=values)
    assert [str(p) for p in validate_definition(definition)] == []


def test_a_bad_definition_reports_every_problem_at_once() -> None:
    definition = {
        "StartAt": "Validate",
        "Comment": 42,
        "States": {
            "Validate": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:v",
                         "Next": "Check", "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 0}]},
            "Check": {"Type": "Choice", "Choices": [{"Variable": "$.ok", "BooleanEquals": True}], "Default": "Bill"},
            "Bill": {"Type": "Pass", "ResultPath": "$.bills[*]", "End": True, "Unknown": 1},
            "Orphan": {"Type": "Succeed"},
        },
    }
    problems = problems_of(definition)
    # Schema problems come first (in the models' field order), then the rest in document order.
    assert [(location, code) for location, code, _ in problems] == [
        ("States.Validate.Retry[0].IntervalSeconds", "SCHEMA_VALIDATION_FAILED"),
        ("States.Bill.Unknown", "SCHEMA_VALIDATION_FAILED"),
        ("Comment", "SCHEMA_VALIDATION_FAILED"),
        ("States.Check.Choices[0]", "SCHEMA_VALIDATION_FAILED"),
        ("States.Bill.ResultPath", "SCHEMA_VALIDATION_FAILED"),
        ("States.Orphan", "MISSING_TRANSITION_TARGET"),
    ]
    assert problems[3][2] == "These fields are required: [Next]"
    assert problems[5][2] == "State 'Orphan' is not reachable"
