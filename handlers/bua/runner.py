"""The steps every stage machine shares: begin, process batches, check, end, fail, plan.

A batch is processed in one transaction: it either writes all its rows or none. Its outcome goes
to the control table either way; a failed batch does not fail the Map (its error is recorded), so
the stage's "check" step can hand the failed ranges back to the machine for a retry, as the
production pipeline resubmitted failed batches, and "end" fails the stage if any still fail.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from handlers.db import transaction

from .control import (
    STAGES,
    begin_stage,
    fail_stage,
    failed_batches,
    finish_stage,
    plan,
    record_batch,
    unreported_batches,
)
from .errors import BadEvent
from .events import Batch, Context, batches_of, common_fields, open_context, run_date_of
from .store import load_run, output_dir, run_db_path

__all__ = [
    "check_handler",
    "report_handler",
    "end_handler",
    "fail_handler",
    "plan_handler",
    "run_batches",
    "stage_of",
    "begin_handler",
]

BatchWork = Callable[[Context, Batch], dict[str, Any]]


def stage_of(event: Any) -> str:
    """The ``stage`` field: one of :data:`~handlers.bua.control.STAGES`."""
    stage = common_fields(event).get("stage")
    if stage not in STAGES:
        raise BadEvent(f"stage: expected one of {', '.join(STAGES)}, got {stage!r}")
    return stage


def run_batches(event: Any, stage: str, work: BatchWork) -> dict[str, Any]:
    """Run ``work`` for each batch of the event, each in its own transaction; record outcomes."""
    batches = batches_of(event)
    with open_context(event) as ctx:
        outcomes = []
        for batch in batches:
            try:
                with transaction(ctx.conn):
                    detail = work(ctx, batch)
            except Exception as exc:  # recorded: the stage's check step retries or fails it
                error = f"{type(exc).__name__}: {exc}"
                record_batch(ctx.conn, ctx.run_date, stage, batch.number, ok=False, error=error,
                             detail={"first": batch.first, "last": batch.last,
                                     "count": batch.count})
                outcomes.append({"batch": batch.number, "ok": False, "error": error})
                continue
            record_batch(ctx.conn, ctx.run_date, stage, batch.number, ok=True, detail=detail)
            outcomes.append({"batch": batch.number, "ok": True, **detail})
    return {"run_date": ctx.key, "stage": stage, "batches": outcomes,
            "failed": sum(1 for o in outcomes if not o["ok"])}


def begin_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaStageBegin: mark the stage RUNNING (checks the stages it needs succeeded)."""
    stage = stage_of(event)
    with open_context(event, need_run=stage != "restore") as ctx:
        attempt = begin_stage(ctx.conn, ctx.run_date, stage)
    return {"run_date": ctx.key, "stage": stage, "attempt": attempt}


def check_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaStageCheck: failed batches of the stage, and batches that never reported back, as Map
    items ready to be resubmitted."""
    stage = stage_of(event)
    with open_context(event) as ctx:
        failed = failed_batches(ctx.conn, ctx.run_date, stage)
        ranges = {r["batch_no"]: json.loads(r["detail"] or "{}") for r in ctx.conn.execute(
            "SELECT batch_no, detail FROM bua_batch WHERE run_date = ? AND stage = ? AND "
            "status = 'FAILED'", (ctx.key, stage))}
        missing = unreported_batches(ctx.conn, ctx.run_date, stage)
    retry = [Batch(stage=stage, number=item["batch"], first=ranges[item["batch"]]["first"],
                   last=ranges[item["batch"]]["last"],
                   count=ranges[item["batch"]].get("count", 0)).to_json(ctx.run_date, ctx.db)
             for item in failed]
    retry += [Batch(stage=stage, number=b["batch"], first=b["first"], last=b["last"],
                    count=b["count"]).to_json(ctx.run_date, ctx.db) for b in missing]
    errors = failed + [{**b, "error": "never reported back"} for b in missing]
    return {"run_date": ctx.key, "stage": stage, "failed": len(retry), "errors": errors,
            "retry": sorted(retry, key=lambda item: item["batch"])}


def end_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaStageEnd: SUCCEEDED, or FAILED (raising StageFailed) if batches still fail."""
    stage = stage_of(event)
    with open_context(event, need_run=stage != "terminate") as ctx:
        return finish_stage(ctx.conn, ctx.run_date, stage)


def fail_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaStageFail: record the error a Catch caught (``error``: {Error, Cause}) as FAILED."""
    stage = stage_of(event)
    caught = common_fields(event).get("error") or {}
    if isinstance(caught, dict):
        message = f"{caught.get('Error', 'Error')}: {caught.get('Cause', '')}".strip()
    else:
        message = str(caught)
    with open_context(event, need_run=False) as ctx:
        fail_stage(ctx.conn, ctx.run_date, stage, message)
    return {"run_date": ctx.key, "stage": stage, "status": "FAILED", "error": message}


def plan_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaPlan: each stage's status for the run date; ``rerun: true`` asks to run them all."""
    rerun = bool(common_fields(event).get("rerun", False))
    with open_context(event, need_run=False) as ctx:
        result = plan(ctx.conn, ctx.run_date)
    if rerun:
        result["stages"] = {stage: "PENDING" for stage in result["stages"]}
        result["next"], result["complete"] = STAGES[0], False
    return result


def report_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaRunReport: every stage's status and the run's totals (the controller's output)."""
    run_date = run_date_of(event)
    path = run_db_path(common_fields(event).get("db"), run_date)
    if path != ":memory:" and not Path(path).exists():
        return {"run_date": run_date.isoformat(), "db": path, "database": "deleted"}
    with open_context(event, need_run=False) as ctx:
        status = plan(ctx.conn, ctx.run_date)
        row = ctx.conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(amount_cents), 0), COALESCE(SUM(gst_cents), 0), "
            "COALESCE(SUM(flags LIKE '%ERROR:%'), 0) FROM invoice_summary WHERE run_date = ?",
            (ctx.key,)).fetchone()
        run = load_run(ctx.conn, ctx.run_date) if status["stages"].get("export") == "SUCCEEDED" else None
    report = {"run_date": ctx.key, "db": path, "complete": status["complete"],
              "stages": status["stages"], "accounts_accrued": row[0],
              "accrued_ex_gst": str(Decimal(row[1]).scaleb(-2)),
              "gst": str(Decimal(row[2]).scaleb(-2)), "account_errors": row[3]}
    if run is not None:  # where the export stage wrote the CSVs
        folder = output_dir(run, path) / "export" / "csv"
        report["exports"] = {name: str(folder / f"{name}.csv")
                             for name in ("BUAAccountSummary", "InvoiceLineItemMonthly")}
    return report
