"""The pydantic models read a definition into typed objects, in both query languages."""

from __future__ import annotations

import json
from pathlib import Path

from aslrun.model import StateMachine
from aslrun.model.states import ChoiceState, MapState, TaskState

FIXTURES = Path(__file__).parent / "fixtures"


def test_a_jsonpath_definition_becomes_typed_states() -> None:
    model = StateMachine.model_validate(json.loads((FIXTURES / "valid_jsonpath.asl.json").read_text()))
    assert model.StartAt == "Prepare"
    charge = model.States["Charge"]
    assert isinstance(charge, TaskState)
    assert charge.TimeoutSeconds == 30
    assert charge.Retry is not None and charge.Retry[0].BackoffRate == 2
    assert charge.Credentials is not None and charge.Credentials.RoleArn.startswith("arn:aws:iam::")
    route = model.States["Route"]
    assert isinstance(route, ChoiceState)
    assert route.Choices[1].And is not None and route.Choices[1].And[1].Not is not None
    distributed = model.States["Distributed"]
    assert isinstance(distributed, MapState)
    assert distributed.ItemProcessor is not None
    assert distributed.ItemProcessor.ProcessorConfig is not None
    assert distributed.ItemProcessor.ProcessorConfig.ExecutionType == "EXPRESS"


def test_a_jsonata_definition_keeps_its_expressions() -> None:
    model = StateMachine.model_validate(json.loads((FIXTURES / "valid_jsonata.asl.json").read_text()))
    assert model.QueryLanguage == "JSONata"
    charge = model.States["Charge"]
    assert isinstance(charge, TaskState)
    assert charge.TimeoutSeconds == "{% $states.input.timeout %}"
    assert charge.Catch is not None and charge.Catch[0].Output == "{% $states.errorOutput %}"
    route = model.States["Route"]
    assert isinstance(route, ChoiceState)
    assert [rule.Condition for rule in route.Choices] == ["{% $states.input.count > 10 %}", True]


def test_credentials_read_role_arn_from_a_path() -> None:
    definition = {"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True,
        "Credentials": {"RoleArn.$": "$.role"}}}}
    task = StateMachine.model_validate(definition).States["T"]
    assert isinstance(task, TaskState) and task.Credentials is not None
    assert task.Credentials.RoleArnPath == "$.role"
