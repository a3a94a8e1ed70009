"""The whole Bottom-Up Accruals pipeline in the debugger, as a scripted session (issue #18):

    aslrun debug machines/bua/bua.asl.json --aws-seed fixtures/bua/aws-seed.json \\
        --handlers handlers.bua.lambdas --sub-file machines/bua/substitutions.json \\
        --break bua-segments:MacroProfile

run from a folder laid out like a checkout, with the commands piped in. The session stops inside
the segments stage's child execution, ``where`` shows the controller's state above it, ``data``
shows what the stage's states did (and the stage's own input), ``c`` runs the pipeline to its end
on the local AWS, and the two CSV exports are the very bytes ``aslrun aws execute`` writes for the
same run (same input and seed) in another folder. The run date is given, so the two runs agree
whatever the day. Both runs happen once, at the same time, in the module's fixture (a few seconds
each); the reference run of ``aslrun aws execute`` is made in this process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers.once_per_run import once_per_run

REPO = Path(__file__).resolve().parents[2]
ASLRUN = shutil.which("aslrun") or str(Path(sys.executable).with_name("aslrun"))
LOCAL_AWS = ["machines/bua/bua.asl.json", "--aws-seed", "fixtures/bua/aws-seed.json", "--handlers",
             "handlers.bua.lambdas", "--sub-file", "machines/bua/substitutions.json"]
SAME_RUN = ["--input", '{"run_date": "2024-10-01"}', "--seed", "7"]
SCRIPT = "c\nwhere\ndata\ndata bua-segments:Normalize\nvars\nc\nq\n"
EXPORTS = Path(".aslrun/bua/bua-out/2024-10-01/export/csv")
CSV_NAMES = ["BUAAccountSummary.csv", "InvoiceLineItemMonthly.csv"]


def _checkout(folder: Path) -> Path:
    for name in ("machines", "fixtures", "handlers"):
        (folder / name).symlink_to(REPO / name)
    return folder


def _start_aslrun(folder: Path, *args: str, script: str) -> Callable[[], subprocess.CompletedProcess[str]]:
    """Start ``aslrun ARGS`` in ``folder`` with ``script`` as its whole input (its output goes to
    files beside it); returns the function that waits for it and gives its outcome."""
    env = {key: value for key, value in os.environ.items() if key not in ("ASLRUN_DB", "NO_COLOR")}
    env.update({"PYTHONPATH": str(folder), "PYTHONDONTWRITEBYTECODE": "1", "NO_COLOR": "1", "COLUMNS": "200"})
    out, err = folder / "session.out", folder / "session.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen([ASLRUN, *args], cwd=folder, stdin=subprocess.PIPE, stdout=stdout,
                                   stderr=stderr, text=True, env=env)
    assert process.stdin is not None
    process.stdin.write(script)
    process.stdin.close()

    def finished() -> subprocess.CompletedProcess[str]:
        try:
            returncode = process.wait(900)
        finally:
            if process.poll() is None:
                process.kill()
        return subprocess.CompletedProcess(process.args, returncode, out.read_text(), err.read_text())

    return finished


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The debugger session runs in its own process while the reference run is made here, at once
    (once for the whole test run, whichever xdist workers run this module's tests)."""

    def made() -> tuple[Path, subprocess.CompletedProcess[str], Path, subprocess.CompletedProcess[str]]:
        debugged = _checkout(tmp_path_factory.mktemp("debugged"))
        session_ended = _start_aslrun(debugged, "debug", *LOCAL_AWS, "--break", "bua-segments:MacroProfile",
                                      *SAME_RUN, script=SCRIPT)
        executed = _checkout(tmp_path_factory.mktemp("executed"))
        plain = _aslrun_here(executed, "aws", "execute", *LOCAL_AWS, *SAME_RUN, "--json")
        return debugged, session_ended(), executed, plain

    return once_per_run("bua-debug-session", tmp_path_factory, made)


def _aslrun_here(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The reference run, in this process (CliRunner) from ``folder``: what it writes is the same
    bytes wherever the command runs, and this process has imported the handlers already."""
    from click.testing import CliRunner

    from aslrun.cli import main

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        patch.delenv("ASLRUN_DB", raising=False)
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return subprocess.CompletedProcess(["aslrun", *args], result.exit_code, result.stdout, result.stderr)


def _answers(stdout: str) -> dict[str, str]:
    """The session's transcript cut at each echoed command: command -> what it printed."""
    parts = stdout.split("(aslrun) ")
    answers = {"": parts[0]}
    for part in parts[1:]:
        command, _, printed = part.partition("\n")
        answers[command] = answers.get(command, "") + printed
    return answers


def test_the_session_stops_inside_the_segments_stage(runs):
    _, session, _, _ = runs
    assert session.returncode == 0, session.stderr
    assert "Traceback" not in session.stdout + session.stderr
    first_stop = _answers(session.stdout)["c"].splitlines()[0]
    assert first_stop == "⏸ before MacroProfile (Task) in bua-segments"


def test_where_shows_the_controllers_state_above_the_child(runs):
    _, session, _, _ = runs
    where = _answers(session.stdout)["where"].splitlines()
    assert where[0] == "  ✓ Normalize (Pass)"  # the path the stage took so far
    assert "  ✓ SendProfiles (Map)" in where and "  ✓ Validate (Task)" in where
    stack = where[where.index("stack (outermost first):") + 1:][:2]
    assert stack[0].startswith("  bua (execution ") and stack[0].endswith(") at RunSegments (Task)")
    assert stack[1].startswith("    └ bua-segments (execution ")
    assert stack[1].endswith(") at MacroProfile (Task) ⏸")


def test_data_shows_what_the_stage_received_and_did(runs):
    _, session, _, _ = runs
    answers = _answers(session.stdout)
    last = answers["data"].splitlines()
    assert last[0] == "bua-segments > Validate (Task) succeeded"  # the state just finished in the stage
    assert '"Payload": {"run_date": "2024-10-01", "db": null}' in last[3]  # afterParameters
    stage_input = answers["data bua-segments:Normalize"].splitlines()
    assert stage_input[:2] == ["bua-segments > Normalize (Pass) succeeded",
                               '  input: {"run_date": "2024-10-01", "db": null}']  # the stage's input
    assert answers["vars"] == "(no variables)\n"


def test_continue_runs_the_pipeline_to_the_end_and_writes_the_csvs(runs):
    debugged, session, executed, plain = runs
    end = _answers(session.stdout)["c"]
    assert "■ SUCCEEDED after " in end
    assert plain.returncode == 0, plain.stderr
    assert json.loads(plain.stdout)["status"] == "SUCCEEDED"
    for name in CSV_NAMES:
        written = (debugged / EXPORTS / name).read_bytes()
        assert written.startswith(b"run_date,") and written.count(b"\n") > 1
        assert written == (executed / EXPORTS / name).read_bytes(), name
    # the local AWS kept the exports as aws execute keeps them (the state directory's objects)
    kept = Path(".aslrun/aws/objects/tst-anstead-s3-bua/export/csv/2024-10-01")
    for name in CSV_NAMES:
        assert (debugged / kept / name).read_bytes() == (executed / kept / name).read_bytes(), name
