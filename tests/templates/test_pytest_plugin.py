"""The pytest plugin and the Python API run a template's state machines with its functions bound."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aslrun.localaws import LocalAws
from aslrun.templates import load_template

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "templates"
SAM = FIXTURES / "sam_app" / "template.yaml"
CDK = next((FIXTURES / "cdk_app").rglob("*.template.json"))


def test_the_runner_runs_a_templates_machine_with_its_functions(aslrun_runner: Any) -> None:
    with LocalAws(reset=True) as aws:
        aws.seed(load_template(SAM).seed)
        check = aslrun_runner.run(SAM, {"meterId": "M9", "period": "2024-08", "kwh": 4})
        check.succeeded().took_path(["Validate", "Price", "Store"])
        assert check.execution.output["cents"] == 100


def test_a_templates_machine_runs_as_deployed_unless_told_otherwise(aslrun_runner: Any) -> None:
    app = load_template(CDK)
    parent = next(logical_id for logical_id in app.state_machines if logical_id.startswith("Parent"))
    machine = app.state_machine(parent)
    assert machine.deployment["region"] == app.region
    check = aslrun_runner.run(CDK, {"name": "Ada"}, state_machine=parent)
    check.succeeded()
    replaced = aslrun_runner.run(CDK, {"name": "Ada"}, state_machine=parent,
                                 handlers={name: (lambda event, context: {"greeting": "stub"})
                                           for name in [f.name for f in app.functions.values()]})
    assert replaced.execution.output != check.execution.output  # given handlers win over the template's
