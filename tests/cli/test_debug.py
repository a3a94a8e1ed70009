"""``aslrun debug`` as a user drives it: commands typed in a terminal (a pseudo-terminal, through
pexpect), and the same commands piped in as a script."""

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
    for name in ("orders.asl.json", "charge_handlers.py", "orders_input.json"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    return tmp_path


def debug(workdir, script, *args):
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([ASLRUN, "debug", "orders.asl.json", "--input", "orders_input.json", "--handlers",
                           "charge_handlers.py", *args], cwd=workdir, input=script, capture_output=True, text=True,
                          env=env, timeout=60)


def test_a_scripted_session(workdir):
    done = debug(workdir, "step\ndata Load\nvars\nbreak Receipt\ncontinue\ninput\ncontext\ncontinue\n"
                          "input {\"charged\": 99}\nrun\nhistory 3\nquit\n")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "⏸ before Load (Pass)" in out
    assert "(aslrun) step\n⏸ before Each (Map)\n" in out
    assert '  afterParameters: {"orders": [{"order": {"id": "o1", "qty": 1}}, {"order": {"id": "o2", "qty": 3}}]}' in out
    assert "  $region = \"EU\"" in out
    assert "(aslrun) continue\n⏸ before Receipt (Pass) in Each[0]\n  input: {\"charged\": 10}" in out
    assert '"State": {\n    "Name": "Receipt",' in out
    assert "⏸ before Receipt (Pass) in Each[1]\n  input: {\"charged\": 30}" in out
    assert "input of Receipt replaced" in out
    assert '■ SUCCEEDED after' in out
    assert 'output: [{"charged": 10, "region": "EU"}, {"charged": 99, "region": "EU"}]' in out
    assert "ExecutionSucceeded" in out.split("(aslrun) history 3")[1]


def test_breaking_on_an_error_and_restarting_from_a_state(workdir):
    declined = '{"orders": [{"order": {"id": "o1", "qty": 1, "declined": true}}]}'
    done = debug(workdir, "continue\nrestart Each {\"orders\": [{\"order\": {\"id\": \"o5\", \"qty\": 5}}]}\n"
                          "run\nquit\n", "--break-on-error", "--input", declined)
    out = done.stdout
    assert "⚠ LambdaFunctionFailed in Each > [0] Charge: Card.Declined:" in out
    assert "■ FAILED" in out and "error: Card.Declined" in out
    assert "restarted from Each" in out
    assert 'output: [{"charged": 50, "region": "EU"}]' in out
    assert done.returncode == 0  # the last execution (after the restart) succeeded


def test_exit_code_follows_the_last_execution_and_bad_commands_do_not_end_the_session(workdir):
    done = debug(workdir, "frobnicate\nbreak Nowhere\ninput {not json\nrun\n",
                 "--input", '{"orders": [{"order": {"id": "o1", "qty": 1, "declined": true}}]}')
    out = done.stdout
    assert "✗ unknown command 'frobnicate'" in out
    assert "✗ no state named 'Nowhere'" in out
    assert "✗ not JSON: " in out
    assert "■ FAILED" in out
    assert done.returncode == 1
    assert "Traceback" not in out + done.stderr


@pytest.mark.parametrize("args, message", [
    (["--break", "Nope"], "--break: no state named 'Nope'"),
    (["--input", "{bad"], "--input: invalid JSON at line 1, column 2"),
    (["--test-case", "X"], "--mock-config and --test-case go together"),
])
def test_bad_options_are_clear_errors(workdir, args, message):
    done = debug(workdir, "", *args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_an_interactive_session_in_a_terminal(workdir):
    pexpect = pytest.importorskip("pexpect", reason="pexpect drives the debugger through a pseudo-terminal")
    child = pexpect.spawn(ASLRUN, ["debug", "orders.asl.json", "--input", "orders_input.json",
                                   "--handlers", "charge_handlers.py"], cwd=str(workdir), encoding="utf-8",
                          timeout=30, env={**os.environ, "NO_COLOR": "1", "TERM": "dumb"}, dimensions=(50, 200))
    child.expect_exact("before Load (Pass)")
    child.expect_exact("(aslrun) ")
    child.sendline("s")
    child.expect_exact("before Each (Map)")
    child.expect_exact("(aslrun) ")
    child.sendline("s")
    child.expect_exact("before Charge (Task) in Each[0]")
    child.expect_exact("(aslrun) ")
    child.sendline('input {"order": {"id": "o1", "qty": 4}}')
    child.expect_exact("input of Charge replaced")
    child.expect_exact("(aslrun) ")
    child.sendline("n")
    child.expect_exact("before Receipt (Pass) in Each[0]")
    child.expect_exact("(aslrun) ")
    child.sendline("data")
    child.expect_exact('afterResultSelector: {"charged": 40}')
    child.expect_exact("(aslrun) ")
    child.sendline("c")
    child.expect_exact("SUCCEEDED")
    child.expect_exact('output: [{"charged": 40, "region": "EU"}, {"charged": 30, "region": "EU"}]')
    child.expect_exact("(aslrun) ")
    child.sendline("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_ctrl_c_pauses_a_running_execution(workdir):
    pexpect = pytest.importorskip("pexpect", reason="pexpect drives the debugger through a pseudo-terminal")
    (workdir / "many.json").write_text(json.dumps({"orders": [{"order": {"id": f"o{i}", "qty": 1}}
                                                              for i in range(400)]}))
    # The charge of o3 says it started, then holds until the test has pressed Ctrl-C (the file "go"
    # appears): the interrupt lands while the Map is part way through, with no timing window.
    (workdir / "held_handlers.py").write_text(
        "import pathlib, sys, time\n\n"
        "def charge(event, context):\n"
        "    if event['id'] == 'o3':\n"
        "        print('charge of o3 started', file=sys.stderr, flush=True)\n"
        "        while not pathlib.Path('go').exists():\n"
        "            time.sleep(0.01)\n"
        "    return {'amount': 10}\n\n"
        "HANDLERS = {'Charge': charge}\n")
    child = pexpect.spawn(ASLRUN, ["debug", "orders.asl.json", "--input", "many.json", "--handlers", "held_handlers.py"],
                          cwd=str(workdir), encoding="utf-8", timeout=30, env={**os.environ, "NO_COLOR": "1"},
                          dimensions=(50, 200))
    child.expect_exact("(aslrun) ")
    child.sendline("c")
    child.expect_exact("charge of o3 started")
    child.sendintr()
    child.expect_exact("pausing at the next state")
    (workdir / "go").touch()
    child.expect(r"before (Charge|Receipt) \(\w+\) (?:\x1b\[[0-9;]*m)?in Each\[(\d+)\]")  # styles may wrap it
    # the next state after o3's charge: its Receipt (or o4's Charge)
    print("PAUSED", child.match.group(1), child.match.group(2))
    assert (child.match.group(1), child.match.group(2)) in {("Receipt", "3"), ("Charge", "4")}
    child.expect_exact("(aslrun) ")
    child.sendline("where")
    child.expect_exact("… Each (Map)")  # still running
    child.expect_exact("(aslrun) ")
    child.sendline("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
