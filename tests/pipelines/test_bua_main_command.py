"""The README's main command: the whole BUA controller on embedded defaults against the local AWS.

    aslrun aws execute machines/bua/bua.asl.json --aws-seed fixtures/bua/aws-seed.json \\
        --handlers handlers.bua.lambdas --sub-file machines/bua/substitutions.json

run exactly so, from a folder laid out like a fresh checkout (machines/, fixtures/, handlers/ and
nothing else). The run date defaults to the day the execution starts (on AWS a 1st-of-month
schedule starts it), the restore stage builds the default synthetic retailer, the report names
the CSVs (local copy, S3 objects, and the state directory's files), and the state directory keeps
the control record, so the same command again resumes (every stage already SUCCEEDED)."""

from __future__ import annotations

import csv
import itertools
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from click.testing import CliRunner

import aslrun.engine.execution
from aslrun.cli import main
from aslrun.engine.clock import VirtualClock
from handlers.bua.control import STAGES

REPO = Path(__file__).resolve().parents[2]

COMMAND = ("aws execute machines/bua/bua.asl.json --aws-seed fixtures/bua/aws-seed.json "
           "--handlers handlers.bua.lambdas --sub-file machines/bua/substitutions.json").split()


FIRST_START = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)  # the runs' day, whatever day it is


def starts():
    """09:00, 09:10, 09:20 ... on 1 March 2025: each run starts on that day, at its own instant."""
    return (FIRST_START + timedelta(minutes=10 * n) for n in itertools.count())


class StartsOnTheFirst(VirtualClock):
    """The CLI's virtual clock, started at the next of starts() instead of now: the run date is known,
    and the second run resumes the first whatever day the test runs on (it broke across UTC midnight)."""

    starts = starts()

    def __init__(self, start=None, *, frozen: bool = False) -> None:
        super().__init__(next(StartsOnTheFirst.starts) if start is None else start, frozen=frozen)


def run_command(folder: Path, monkeypatch) -> dict:
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(main, COMMAND, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_main_command_runs_everything_on_embedded_defaults(tmp_path, monkeypatch):
    for folder in ("machines", "fixtures", "handlers"):
        (tmp_path / folder).symlink_to(REPO / folder)
    monkeypatch.delenv("ASLRUN_DB", raising=False)
    monkeypatch.delenv("ASLRUN_BUA_SNAPSHOTS", raising=False)
    monkeypatch.setattr(StartsOnTheFirst, "starts", starts())
    monkeypatch.setattr(aslrun.engine.execution, "VirtualClock", StartsOnTheFirst)  # the run's default clock
    outcome = run_command(tmp_path, monkeypatch)
    assert outcome["status"] == "SUCCEEDED", outcome
    report = outcome["output"]
    run_date = report["run_date"]
    assert run_date == "2025-03-01"  # the start's UTC day
    assert report["complete"] is True and set(report["stages"].values()) == {"SUCCEEDED"}
    assert report["accounts_accrued"] > 0 and report["account_errors"] == 0
    summary = report["exports"]["BUAAccountSummary"]
    assert summary == {
        "file": f".aslrun/bua/bua-out/{run_date}/export/csv/BUAAccountSummary.csv",
        "s3": f"s3://tst-anstead-s3-bua/export/csv/{run_date}/BUAAccountSummary.csv",
        "outbound": "s3://tst-anstead-s3-rw-integration/ADH/OUTBOUND/BUA/BUAAccountSummary.csv",
        "aws_state_file": f".aslrun/aws/objects/tst-anstead-s3-bua/export/csv/{run_date}/"
                          "BUAAccountSummary.csv"}
    for name, places in report["exports"].items():
        local = (tmp_path / places["file"]).read_bytes()
        assert (tmp_path / places["aws_state_file"]).read_bytes() == local, name
        outbound = tmp_path / ".aslrun/aws/objects/tst-anstead-s3-rw-integration/ADH/OUTBOUND/BUA"
        assert (outbound / f"{name}.csv").read_bytes() == local, name
    rows = list(csv.DictReader((tmp_path / summary["file"]).read_text().splitlines()))
    assert len(rows) == report["accounts_accrued"] and {r["run_date"] for r in rows} == {run_date}

    state = json.loads((tmp_path / ".aslrun/aws/state.json").read_text())
    record, = state["dynamodb"]["tst-anstead-ddb-bua"]["typed_items"]
    assert record["run_date"] == {"S": run_date} and record["run_status"] == {"S": "SUCCEEDED"}
    assert record["export"]["M"]["status"] == {"S": "SUCCEEDED"}

    again = run_command(tmp_path, monkeypatch)  # resumes: nothing left to do, the same report ...
    assert again["status"] == "SUCCEEDED"
    assert (report["ran"], report["skipped"]) == (list(STAGES), [])
    assert (again["output"]["ran"], again["output"]["skipped"]) == ([], list(STAGES))  # ... but it says so
    assert {**again["output"], "ran": report["ran"], "skipped": report["skipped"]} == report
    state = json.loads((tmp_path / ".aslrun/aws/state.json").read_text())
    subjects = [json.loads(m["body"])["Subject"]
                for m in state["sqs"]["tst-anstead-sqs-bua-status"]["messages"]]
    assert subjects == [f"BUA run {run_date} SUCCEEDED"] * 2


def test_without_the_seed_the_command_says_which_table_is_missing(tmp_path, monkeypatch):
    for folder in ("machines", "fixtures", "handlers"):
        (tmp_path / folder).symlink_to(REPO / folder)
    monkeypatch.chdir(tmp_path)
    command = [arg for arg in COMMAND if arg not in ("--aws-seed", "fixtures/bua/aws-seed.json")]
    result = CliRunner().invoke(main, command, catch_exceptions=False)
    assert result.exit_code == 1
    outcome = json.loads(result.stdout)
    assert outcome["error"] == "BuaControlTableMissing"
    assert "tst-anstead-ddb-bua does not exist" in outcome["cause"]
    assert "--aws-seed fixtures/bua/aws-seed.json" in outcome["cause"]
