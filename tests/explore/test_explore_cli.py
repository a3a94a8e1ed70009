"""``aslrun explore``: findings printed (exit 0), bad input named with its place (exit 2), --json."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from aslrun.cli import main
from aslrun.testing.scenario import load_scenarios

HERE = Path(__file__).parent


@pytest.fixture
def folder(tmp_path, monkeypatch):
    for name in ("planted.asl.json", "payments.asl.json"):
        shutil.copy(HERE / "machines" / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args):
    return CliRunner().invoke(main, ["explore", *args])


def test_static_findings_are_printed_with_their_places(folder):
    result = run("planted.asl.json", "--static")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "planted (planted.asl.json)"
    assert "  Choice rules shadowed by earlier rules (1)" in lines
    assert ("    States.Route.Choices[1]: Choices[1] of 'Route' is never chosen: every input it matches is matched "
            "first by Choices[0]") in lines
    assert "  Catch entries that can never match (1)" in lines
    assert "search:" not in result.output


def test_json_gives_findings_and_search_figures(folder):
    result = run("payments.asl.json", "--json", "--seed", "0")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["findings"] == []
    assert report["search"]["states"] == {"reached": 7, "total": 7}
    assert report["search"]["transitions"] == {"reached": 9, "total": 9}
    assert report["search"]["seed"] == 0
    assert report["search"]["scenario_file"] is None


def test_out_writes_the_scenario_file_and_says_so(folder):
    result = run("payments.asl.json", "--out", "explored")
    assert result.exit_code == 0, result.output
    assert (folder / "explored" / "payments.explore.scenario.yaml").is_file()
    assert "scenarios to explored/payments.explore.scenario.yaml" in result.output
    assert "reached states 7/7, transitions 9/9" in result.output


def test_what_no_run_reached_is_a_finding(folder):
    result = run("payments.asl.json", "--json", "--max-examples", "1")
    report = json.loads(result.output)
    assert result.exit_code == 0
    not_reached = [f for f in report["findings"] if f["kind"] == "not-reached"]
    assert not_reached, "one run cannot reach every state"
    assert all(f["message"].endswith(f"no generated run reached it ({report['search']['runs']} runs)")
               for f in not_reached)


@pytest.mark.parametrize("args, message", [
    (["missing.asl.json"], "aslrun: missing.asl.json: no such definition file"),
    (["payments.asl.json", "--input-schema", '{"type": 5}'],
     "aslrun: --input-schema {\"type\": 5}: not a valid JSON Schema at type: 5 is not valid under any of the given schemas"),
    (["payments.asl.json", "--input-schema", "nope.json"], "aslrun: --input-schema: no such file: nope.json"),
    (["payments.asl.json", "--examples", "nowhere"], "aslrun: --examples: nowhere is not a folder"),
    (["payments.asl.json", "--input-schema", '{"not": {}}'],
     "aslrun: --input-schema: none of the values drawn for it passed its own validation"),
    (["payments.asl.json", "--examples", "bad"], "aslrun: --examples file bad/one.json: "),
])
def test_bad_input_is_named_with_exit_2(folder, args, message):
    (folder / "bad").mkdir()
    (folder / "bad" / "one.json").write_text('{"amount": 1,}')
    result = run(*args)
    assert result.exit_code == 2
    assert result.output.startswith(message), result.output
    assert "Traceback" not in result.output


def test_an_invalid_definition_is_refused_with_its_problems(folder):
    (folder / "broken.asl.json").write_text('{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}')
    result = run("broken.asl.json")
    assert result.exit_code == 2
    assert "States.A.Next: Missing 'Next' target: no state named 'B' in this scope" in result.output


def test_examples_are_read_from_the_folder(folder):
    (folder / "examples").mkdir()
    (folder / "examples" / "a.json").write_text('{"amount": 0}')
    result = run("payments.asl.json", "--examples", "examples", "--json", "--max-examples", "1")
    report = json.loads(result.output)
    assert report["search"]["kept_runs"][0] == {"reached": ["state Route", "state Refuse", "Route Choices[1] -> Refuse"],
                                                "status": "FAILED"}


def test_coverage_data_that_is_not_one_is_refused(folder):
    (folder / "cov.json").write_text('{"format": "something else"}')
    result = run("payments.asl.json", "--coverage", "cov.json")
    assert result.exit_code == 2
    assert result.output == ("aslrun: --coverage: cov.json: not an aslrun coverage data file (written by pytest "
                             "--aslrun-cov)\n")


def test_a_handlers_file_serves_tasks_and_is_named_in_the_scenario_file(folder):
    (folder / "handlers.py").write_text(
        "def charge(event, context=None):\n    return {'ok': event['amount'] < 300}\n"
        "HANDLERS = {'charge': charge}\n")
    result = run("payments.asl.json", "--handlers", "handlers.py", "--out", "explored", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["search"]["scenarios_left_out"] == []
    written = yaml.safe_load((folder / "explored" / "payments.explore.scenario.yaml").read_text())
    assert written["handlers_file"] == "../handlers.py"
    for scenario in load_scenarios(folder / "explored" / "payments.explore.scenario.yaml"):
        scenario.verify(scenario.run())
