"""The command line on templates: SAM, CloudFormation and CDK templates given where a definition file
goes (execute, validate, graph, debug, test-state, report), --state-machine choosing among several."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from aslrun.cli import main
from aslrun.localaws import current_aws

ROOT = Path(__file__).resolve().parents[2]
SAM_APP = ROOT / "tests" / "fixtures" / "templates" / "sam_app" / "template.yaml"
CDK_APP = next((ROOT / "tests" / "fixtures" / "templates" / "cdk_app").rglob("*.template.json"))


def aslrun(*args: str, cwd: Path = ROOT, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``aslrun ARGS`` run in this process (CliRunner) from ``cwd``: its exit code, stdout and stderr.

    In-process, the template's decoder (cfn-lint) and its functions' libraries are imported once
    for all these tests instead of once per command. An exception out of the command (which a real
    process would print as a traceback) fails the test. The local AWS a command starts for a
    template's resources ends with the command: none is left active after it."""
    old, before = os.getcwd(), current_aws(start=False)
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=True)
    finally:
        os.chdir(old)
    assert current_aws(start=False) is before, f"aslrun {' '.join(args)} left its local AWS active"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"aslrun {' '.join(args)} raised {result.exception!r}") from result.exception
    return subprocess.CompletedProcess(["aslrun", *args], result.exit_code, result.stdout, result.stderr)


def test_execute_runs_a_sam_template_with_its_functions_and_table() -> None:
    result = aslrun("execute", str(SAM_APP), "--input", '{"meterId": "M1", "period": "2024-05", "kwh": 12}',
                    "--json")
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)["output"]
    assert (output["cents"], output["priced_by"], output["validated_by"]) == (300, "price", "validate")


def test_execute_runs_from_another_directory(tmp_path: Path) -> None:
    result = aslrun("execute", str(SAM_APP), "--input", '{"meterId": "M2", "period": "2024-06", "kwh": 1}',
                    "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "SUCCEEDED"


def test_a_template_with_several_machines_needs_one_chosen_by_logical_id() -> None:
    result = aslrun("execute", str(CDK_APP), "--json")
    assert result.returncode == 2
    assert "name one of ChildStateMachine6D2C5E8F, ParentStateMachine0E1F2A3B" in result.stderr
    assert "--state-machine LOGICAL_ID" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_logical_id_that_is_not_there_is_named_with_the_ones_that_are() -> None:
    result = aslrun("execute", str(SAM_APP), "--state-machine", "BillingStateMachin", "--json")
    assert result.returncode == 2
    assert "BillingStateMachin" in result.stderr and "BillingStateMachine" in result.stderr


def test_state_machine_on_a_definition_file_is_refused() -> None:
    result = aslrun("execute", str(ROOT / "machines" / "erp-meter-import.asl.json"), "--state-machine", "X")
    assert result.returncode == 2
    assert "--state-machine chooses a state machine of a template" in result.stderr


def test_validate_checks_every_machine_of_a_template() -> None:
    result = aslrun("validate", str(ROOT / "template.yaml"), "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert len(report) == 17 and all(entry["result"] == "OK" for entry in report.values())


def test_graph_draws_a_templates_machine() -> None:
    result = aslrun("graph", str(SAM_APP))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("flowchart") or "graph" in result.stdout.splitlines()[0]


@pytest.mark.parametrize("command", [["test-state", "--state", "Validate", "--mock-result", '{"ok": true}'],
                                     ["report", "--out", "{tmp}/r.html"]])
def test_other_commands_take_a_template(command: list[str], tmp_path: Path) -> None:
    args = [part.replace("{tmp}", str(tmp_path)) for part in command]
    result = aslrun(args[0], str(SAM_APP), *args[1:], "--input", '{"meterId": "M3", "period": "2024-07", "kwh": 2}')
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
