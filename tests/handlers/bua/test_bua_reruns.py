"""Re-running any stage for the same run date gives the same result; a failed run resumes from
the stage that failed; the control table says which stage is where."""

from __future__ import annotations

import sqlite3

import pytest

from fixtures.bua.cases import RESULT_TABLES, run_fingerprint
from handlers.bua import steps_accrual
from handlers.bua.control import STAGES
from handlers.bua.errors import RunNotReady, StageFailed
from handlers.bua.pipeline import run_pipeline, run_stage
from handlers.bua.runner import plan_handler

def test_running_the_whole_pipeline_twice_gives_identical_results(cases):
    run_pipeline(cases)
    first = run_fingerprint(cases["db"], cases["config"]["output_dir"])
    report = run_pipeline(cases, rerun=True)
    assert all(s["status"] == "SUCCEEDED" for s in report["stages"].values())
    assert run_fingerprint(cases["db"], cases["config"]["output_dir"]) == first
    files = sorted(k for k in first if k.endswith(".csv"))
    assert files == ["export/csv/BUAAccountSummary.csv", "export/csv/InvoiceLineItemMonthly.csv",
                     "nem12/BUA_20241001_00000.csv", "outbound/BUA/BUAAccountSummary.csv",
                     "outbound/BUA/InvoiceLineItemMonthly.csv"]


@pytest.mark.parametrize("stage", ["segments", "microscalar", "reset-basicreads", "basicreads",
                                   "nem12", "invoiceruns", "export"])
def test_each_stage_run_again_alone_changes_nothing(cases, stage):
    run_pipeline(cases)
    before = run_fingerprint(cases["db"], cases["config"]["output_dir"])
    run_stage(cases, stage)  # e.g. profiling twice: the production warning no longer applies
    for later in STAGES[STAGES.index(stage) + 1:]:
        run_stage(cases, later)
    assert run_fingerprint(cases["db"], cases["config"]["output_dir"]) == before


def test_reset_basicreads_alone_removes_only_this_runs_estimates(cases):
    run_pipeline(cases)
    conn = sqlite3.connect(cases["db"])
    meter_reads = conn.execute("SELECT COUNT(*) FROM basic_read WHERE source = 'METER'").fetchone()[0]
    assert conn.execute("SELECT COUNT(*) FROM basic_read WHERE source = 'BUA'").fetchone()[0] == 4
    run_stage(cases, "reset-basicreads")
    assert conn.execute("SELECT COUNT(*) FROM basic_read WHERE source = 'BUA'").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM basic_read WHERE source = 'METER'").fetchone()[0] == meter_reads
    # the stages reading the reads are no longer counted as done: resume would redo them
    statuses = plan_handler(cases)["stages"]
    assert statuses["basicreads"] == statuses["invoiceruns"] == statuses["export"] == "PENDING"
    assert statuses["segments"] == statuses["nem12"] == "SUCCEEDED"
    conn.close()


def test_a_failed_run_resumes_from_the_failed_stage(cases, monkeypatch):
    clean = run_pipeline({**cases, "db": cases["db"] + ".clean",
                          "config": {**cases["config"], "output_dir": cases["config"]["output_dir"] + ".clean"}})
    assert clean["stages"]["export"]["status"] == "SUCCEEDED"

    def broken(*args, **kwargs):
        raise OSError("disk full while writing the NEM12 file")

    monkeypatch.setattr(steps_accrual, "generate_batch", broken)
    with pytest.raises(StageFailed, match="stage nem12 .* disk full"):
        run_pipeline(cases)
    plan = plan_handler(cases)
    assert plan["next"] == "nem12" and plan["stages"]["nem12"] == "FAILED"
    assert "disk full" in plan["errors"]["nem12"]
    assert all(plan["stages"][s] == "SUCCEEDED" for s in STAGES[:STAGES.index("nem12")])
    conn = sqlite3.connect(cases["db"])
    batch = conn.execute("SELECT status, attempts FROM bua_batch WHERE stage = 'nem12'").fetchone()
    assert batch == ("FAILED", 2)  # the first attempt and the stage's retry
    conn.close()

    monkeypatch.undo()
    resumed = run_pipeline(cases)
    skipped = [s for s, r in resumed["stages"].items() if r["status"] == "SKIPPED"]
    assert skipped == list(STAGES[:STAGES.index("nem12")])
    assert plan_handler(cases)["complete"] is True
    assert run_fingerprint(cases["db"], cases["config"]["output_dir"]).items() >= {
        k: v for k, v in run_fingerprint(cases["db"] + ".clean", cases["config"]["output_dir"] + ".clean").items()
        if k in RESULT_TABLES or k.startswith("estimated")}.items()


def test_a_batch_that_fails_once_is_retried_and_the_stage_succeeds(cases, monkeypatch):
    real = steps_accrual.simulate_batch
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise sqlite3.OperationalError("database is locked")
        return real(*args, **kwargs)

    monkeypatch.setattr(steps_accrual, "simulate_batch", flaky)
    report = run_pipeline(cases)
    assert report["stages"]["invoiceruns"]["status"] == "SUCCEEDED" and calls["n"] == 2
    conn = sqlite3.connect(cases["db"])
    assert conn.execute("SELECT status, attempts FROM bua_batch WHERE stage = 'invoiceruns'"
                        ).fetchone() == ("SUCCEEDED", 2)
    conn.close()


def test_a_stage_refuses_to_run_before_the_stages_it_reads(cases):
    run_stage(cases, "restore")
    with pytest.raises(RunNotReady, match="needs segments to have succeeded first"):
        run_stage(cases, "microscalar")
    assert plan_handler(cases)["stages"]["microscalar"] == "FAILED"


def test_a_different_period_for_an_existing_run_date_is_refused(cases):
    run_stage(cases, "restore")
    from handlers.bua.errors import BadEvent

    with pytest.raises(BadEvent, match="already exists with period 2024-09-01..2024-10-01"):
        run_stage({**cases, "period_start": "2024-08-01"}, "restore")


def test_a_batch_that_never_reports_back_is_resubmitted_by_the_check(cases, monkeypatch):
    from handlers.bua import pipeline

    real = pipeline.profile.microscalar_batch_handler
    calls = {"n": 0}

    def lost_once(item, context=None):
        calls["n"] += 1
        return {"failed": 0} if calls["n"] == 1 else real(item, context)

    monkeypatch.setattr(pipeline.profile, "microscalar_batch_handler", lost_once)
    monkeypatch.setitem(pipeline.STAGE_WORK, "microscalar", lambda e: pipeline._fan_out(
        e, "microscalar", pipeline.profile.microscalar_list_handler, lost_once))
    report = run_pipeline(cases)
    assert report["stages"]["microscalar"]["status"] == "SUCCEEDED" and calls["n"] == 2
