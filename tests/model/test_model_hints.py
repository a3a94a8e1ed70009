"""'Did you mean' hints: a misspelt field is compared with the fields allowed where it stands, a
misspelt target with the state names, an unknown type with the state types; nothing is hinted
when nothing is close."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from aslrun import StateMachine
from aslrun.cli import main
from aslrun.errors import DefinitionError
from aslrun.model.hints import did_you_mean

TASK = "arn:aws:states:::lambda:invoke"
DEFINITION: dict[str, Any] = {"StartAt": "Strt", "TimeoutSecond": 5, "States": {
    "Start": {"Type": "Tsk", "Resource": TASK, "Next": "Chooze"},
    "Choose": {"Type": "Choice", "Defalt": "Done", "Choices": [
        {"Variable": "$.a", "StringEqual": "x", "Next": "Dne"},
        {"Not": {"Variable": "$.b", "IsPresnt": True}, "Next": "Done"}]},
    "T": {"Type": "Task", "Resource": TASK, "TimeoutSecond": 3, "End": True,
          "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAtempts": 2}],
          "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done", "ResultPth": "$.e"}]},
    "M": {"Type": "Map", "ItemProcesor": {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}},
          "End": True},
    "P.1": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "In.ner", "States": {"In.ner": {"Type": "Pass", "Reslt": 1, "End": True}}}]},
    "W": {"Type": "Wait", "Secnds": 1, "End": True},
    "Done": {"Type": "Succeed", "Nonsense": 1}}}

EXPECTED = {
    "StartAt": "Start",
    "TimeoutSecond": "TimeoutSeconds",
    "States.Start": "Task",
    "States.Start.Next": "Choose",
    "States.Choose.Defalt": "Default",
    "States.Choose.Choices[0].StringEqual": "StringEquals",
    "States.Choose.Choices[0].Next": "Done",
    "States.Choose.Choices[1].Not.IsPresnt": "IsPresent",
    "States.T.TimeoutSecond": "TimeoutSeconds",
    "States.T.Retry[0].MaxAtempts": "MaxAttempts",
    "States.T.Catch[0].ResultPth": "ResultPath",
    "States.M.ItemProcesor": "ItemProcessor",
    "States.P.1.Branches[0].States.In.ner.Reslt": "Result",  # dots in state names
    "States.W.Secnds": "Seconds",
    "States.Done.Nonsense": None,  # nothing close: no hint
}


def problems() -> dict[str, Any]:
    with pytest.raises(DefinitionError) as refused:
        StateMachine(DEFINITION)
    return {p.location: p for p in refused.value.problems}


def test_each_misspelling_is_hinted_with_what_is_allowed_where_it_stands():
    found = problems()
    hints = {location: did_you_mean(found[location].message, location, DEFINITION) for location in EXPECTED}
    assert hints == EXPECTED


def test_a_field_of_another_place_is_not_offered():
    # MaxAttempts belongs to a retrier: a state's misspelt 'MaxAtempts' is not hinted at it
    assert did_you_mean("Field 'MaxAtempts' is not supported", "States.T.MaxAtempts", DEFINITION) is None
    assert did_you_mean("Field 'Resullt' is not supported", "States.T.Resullt", DEFINITION) == "ResultPath"


def test_validate_and_execute_show_the_hints_in_their_text(tmp_path):
    path = tmp_path / "typo.asl.json"
    path.write_text('{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "%s", "End": true, '
                    '"Retry": [{"ErrorEquals": ["X"], "MaxAtempts": 1}]}}}' % TASK)
    line = ("States.A.Retry[0].MaxAtempts: Field 'MaxAtempts' is not supported  [SCHEMA_VALIDATION_FAILED]"
            "  (did you mean 'MaxAttempts'?)")
    validated = CliRunner().invoke(main, ["validate", str(path)])
    assert validated.exit_code == 2 and f"  {line}\n" in validated.output and ": 1 problem\n" in validated.output
    executed = CliRunner().invoke(main, ["execute", str(path)])
    assert executed.exit_code == 2
    assert executed.stderr == f"aslrun: 1 problem in {path}:\n  {line}\n"
    as_json = CliRunner().invoke(main, ["validate", str(path), "--json"])
    assert "did you mean" not in as_json.output  # AWS's diagnostics, in AWS's words
