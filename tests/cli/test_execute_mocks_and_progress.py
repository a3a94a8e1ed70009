"""``aslrun execute --mock-config F --test-case C`` and the live progress line, as a user runs them:
the progress line appears on a terminal (a pseudo-terminal here), never in piped output or with
--json."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect", reason="pexpect drives the CLI through a pseudo-terminal")

FIXTURES = Path(__file__).resolve().parents[1] / "testing" / "fixtures"
ASLRUN = shutil.which("aslrun") or str(Path(sys.executable).with_name("aslrun"))

SLOW_MAP = {"StartAt": "Each", "States": {"Each": {
    "Type": "Map", "MaxConcurrency": 1, "ItemProcessor": {"StartAt": "Work", "States": {
        "Work": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Work", "End": True}}},
    "ResultSelector": {"count.$": "States.ArrayLength($)"}, "End": True}}}
SLOW_HANDLERS = "import time\n\ndef work(event, context):\n    time.sleep(0.003)\n    return event\n\n" \
                "HANDLERS = {'Work': work}\n"


@pytest.fixture
def workdir(tmp_path):
    for name in ("lambda_sqs.asl.json", "MockConfigFile.json"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    (tmp_path / "slow.asl.json").write_text(json.dumps(SLOW_MAP))
    (tmp_path / "slow_handlers.py").write_text(SLOW_HANDLERS)
    (tmp_path / "items.json").write_text(json.dumps(list(range(300))))
    return tmp_path


def run(*args, cwd):
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([ASLRUN, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


def test_execute_with_a_test_case_of_the_mock_configuration(workdir):
    done = run("execute", "lambda_sqs.asl.json", "--mock-config", "MockConfigFile.json", "--test-case", "RetryPath",
               "--json", cwd=workdir)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"status": "SUCCEEDED", "cause": None, "error": None, "output": {
        "MD5OfMessageBody": "3bcb6e8e-7h85-4375-b0bc-1a59812c6e51", "MessageId": "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"}}
    named = run("execute", "lambda_sqs.asl.json", "--mock-config", "MockConfigFile.json",
                "--test-case", "lambda_sqs#NotEnoughPath", "--json", cwd=workdir)
    assert named.returncode == 1
    assert json.loads(named.stdout)["error"] == "States.Runtime"


@pytest.mark.parametrize("args, message", [
    (["--mock-config", "MockConfigFile.json", "--test-case", "Nope"], "has no test case 'Nope' (it has: HappyPath"),
    (["--mock-config", "missing.json", "--test-case", "HappyPath"], "cannot read missing.json"),
    (["--test-case", "HappyPath"], "--mock-config and --test-case go together"),
])
def test_bad_mock_options_are_clear_errors(workdir, args, message):
    done = run("execute", "lambda_sqs.asl.json", *args, cwd=workdir)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_progress_shows_on_a_terminal(workdir):
    child = pexpect.spawn(ASLRUN, ["execute", "slow.asl.json", "--input", "items.json", "--handlers",
                                   "slow_handlers.py"], cwd=str(workdir), env={**os.environ, "COLUMNS": "160"},
                          encoding="utf-8", timeout=60, dimensions=(40, 160))
    child.expect(r"(\d[\d,]*) states · ([\d,]+) states/s · Map Each ([\d,]+)/300 iterations")
    states, done = int(child.match.group(1).replace(",", "")), int(child.match.group(3).replace(",", ""))
    assert 0 < done <= 300 and done <= states
    child.expect("SUCCEEDED")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_no_progress_when_piped_or_json(workdir):
    piped = run("execute", "slow.asl.json", "--input", "items.json", "--handlers", "slow_handlers.py", cwd=workdir)
    assert piped.returncode == 0
    assert "states/s" not in piped.stdout + piped.stderr
    child = pexpect.spawn(ASLRUN, ["execute", "slow.asl.json", "--input", "items.json", "--handlers",
                                   "slow_handlers.py", "--json"], cwd=str(workdir), encoding="utf-8", timeout=60)
    child.expect(pexpect.EOF)
    child.close()
    assert "states/s" not in child.before
    assert json.loads(child.before.strip().splitlines()[-1])["output"] == {"count": 300}


def test_ctrl_c_erases_the_progress_line(workdir):
    # KeyboardInterrupt raised in the running code, where Ctrl-C's signal handler raises it
    (workdir / "interrupted.py").write_text(
        "import time\n\ndef work(event, context):\n    time.sleep(0.003)\n    if event == 200:\n"
        "        raise KeyboardInterrupt\n    return event\n\nHANDLERS = {'Work': work}\n")
    child = pexpect.spawn(ASLRUN, ["execute", "slow.asl.json", "--input", "items.json", "--handlers",
                                   "interrupted.py"], cwd=str(workdir), env={**os.environ, "COLUMNS": "160"},
                          encoding="utf-8", timeout=60, dimensions=(40, 160))
    child.expect("states/s")  # 200 handler calls of 3 ms: past the 0.3 s the line waits for
    child.expect(pexpect.EOF)
    child.close()
    last_line = child.before.rsplit("⏵", 1)[1]
    assert last_line.split("\x1b[0m", 1)[1] == "\r\x1b[2K\r\nAborted!\r\n"  # erased, then click's word
    assert child.exitstatus == 1
