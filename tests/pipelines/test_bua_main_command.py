"""The README's main command: the whole BUA controller on embedded defaults (no input at all).

The run date defaults to the day the execution starts (on AWS a 1st-of-month schedule starts it),
the restore stage builds the default synthetic retailer, and the run report names the CSVs the
export stage wrote."""

import csv
import json
from pathlib import Path

from aslrun import StateMachine, VirtualClock
from handlers.bua.lambdas import HANDLERS

REPO = Path(__file__).resolve().parents[2]


def test_the_controller_runs_on_embedded_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default run database and files go under ./.aslrun
    substitutions = json.loads((REPO / "machines/bua/substitutions.json").read_text())
    machine = StateMachine.from_file(REPO / "machines/bua/bua.asl.json", substitutions=substitutions)
    execution = machine.execute(None, handlers=HANDLERS,
                                clock=VirtualClock(start="2024-10-01T09:30:00Z", frozen=True))
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    report = execution.output
    assert report["run_date"] == "2024-10-01"
    assert report["complete"] is True
    assert set(report["stages"].values()) == {"SUCCEEDED"}
    assert report["accounts_accrued"] > 0 and report["account_errors"] == 0
    summary = Path(report["exports"]["BUAAccountSummary"])
    lines = Path(report["exports"]["InvoiceLineItemMonthly"])
    assert summary.is_file() and lines.is_file()
    rows = list(csv.DictReader(summary.open()))
    assert len(rows) == report["accounts_accrued"]
    assert {row["run_date"] for row in rows} == {"2024-10-01"}
