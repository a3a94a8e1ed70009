"""``aslrun test-state`` as a user runs it: one state, a given input, every processing stage, the
status and the next state; ``--json`` gives TestState's answer in its wire shape."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "debug" / "fixtures"
ASLRUN = shutil.which("aslrun") or str(Path(sys.executable).with_name("aslrun"))


@pytest.fixture
def workdir(tmp_path):
    for name in ("orders.asl.json", "charge_handlers.py"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    shutil.copy(FIXTURES.parent.parent / "testing" / "fixtures" / "MockConfigFile.json", tmp_path / "mocks.json")
    shutil.copy(FIXTURES.parent.parent / "testing" / "fixtures" / "lambda_sqs.asl.json", tmp_path / "lambda_sqs.asl.json")
    return tmp_path


def test_state(workdir, *args):
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([ASLRUN, "test-state", *args], cwd=workdir, capture_output=True, text=True, env=env,
                          timeout=60)


test_state.__test__ = False  # a helper, not a test


def test_a_nested_task_with_a_mocked_result_at_debug_level(workdir):
    done = test_state(workdir, "orders.asl.json", "--state", "Charge", "--input", '{"order": {"id": "o1", "qty": 2}}',
                      "--mock-result", '{"amount": 20}', "--inspection-level", "DEBUG", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "output": '{"charged":20}',
        "inspectionData": {
            "input": '{"order":{"id":"o1","qty":2}}',
            "afterInputPath": '{"id":"o1","qty":2}',
            "afterParameters": '{"id":"o1","qty":2}',
            "result": '{"amount":20}',
            "afterResultSelector": '{"charged":20}',
            "afterResultPath": '{"charged":20}',
        },
        "nextState": "Receipt",
        "status": "SUCCEEDED",
    }


def test_human_output_lists_the_stages(workdir):
    done = test_state(workdir, "orders.asl.json", "--state", "Charge", "--input", '{"order": {"id": "o1", "qty": 2}}',
                      "--handlers", "charge_handlers.py", "--inspection-level", "debug")
    assert done.returncode == 0, done.stderr
    lines = [line.rstrip() for line in done.stdout.splitlines()]
    assert lines[0] == "Charge SUCCEEDED"
    assert lines[1:] == [
        '  input                {"order":{"id":"o1","qty":2}}',
        '  afterInputPath       {"id":"o1","qty":2}',
        '  afterParameters      {"id":"o1","qty":2}',
        '  result               {"amount":20}',
        '  afterResultSelector  {"charged":20}',
        '  afterResultPath      {"charged":20}',
        '  output               {"charged": 20}',
        "  next state           Receipt",
    ]


def test_a_long_value_stays_on_its_line_when_printed_to_a_pipe(workdir):
    """Not wrapped at 80 columns: a terminal wraps it, and a script reading the pipe gets each
    value whole."""
    orders = {"orders": [{"order": {"id": f"o{n}", "qty": n}} for n in range(12)]}
    done = test_state(workdir, "orders.asl.json", "--state", "Load", "--input", json.dumps(orders))
    assert done.returncode == 0, done.stderr
    output = next(line for line in done.stdout.splitlines() if line.startswith("  output"))
    assert json.loads(output.removeprefix("  output").strip()) == orders


def test_a_mocked_error_fails_the_state(workdir):
    done = test_state(workdir, "orders.asl.json", "--state", "Charge", "--input", '{"order": {}}',
                      "--mock-error", "Card.Declined", "--mock-cause", "no funds", "--json")
    assert done.returncode == 1
    assert json.loads(done.stdout) == {"error": "Card.Declined", "cause": "no funds", "status": "FAILED"}


def test_a_test_case_of_a_mock_configuration(workdir):
    done = test_state(workdir, "lambda_sqs.asl.json", "--state", "LambdaState", "--mock-config", "mocks.json",
                      "--test-case", "RetryPath", "--json")
    assert json.loads(done.stdout) == {"error": "Lambda.ResourceNotReadyException",
                                       "cause": "Lambda resource is not ready.", "nextState": "LambdaState",
                                       "status": "RETRIABLE"}
    assert done.returncode == 0


def test_variables_are_in_reach(workdir):
    done = test_state(workdir, "orders.asl.json", "--state", "Receipt", "--input", '{"charged": 5}',
                      "--variables", '{"region": "US"}', "--json")
    assert json.loads(done.stdout)["output"] == '{"charged":5,"region":"US"}'


@pytest.mark.parametrize("args, message", [
    (["--state", "Nope"], "no state named 'Nope'"),
    (["--state", "Charge", "--mock-result", "{bad"], "--mock-result: invalid JSON"),
    (["--state", "Charge", "--mock-result", "1", "--mock-error", "E"], "give --mock-result or --mock-error, not both"),
    (["--state", "Charge", "--mock-cause", "why"], "--mock-cause goes with --mock-error"),
    (["--state", "Receipt", "--mock-result", "1"], "State type 'Pass' is not supported when a mock is specified"),
    (["--state", "Receipt", "--variables", "[1]"], "--variables must be a JSON object"),
])
def test_bad_requests_are_clear_errors(workdir, args, message):
    done = test_state(workdir, "orders.asl.json", *args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
