"""Run the whole BUA pipeline by calling the stage handlers directly, in the machines' order.

The ASL machines in ``machines/bua/`` are the real orchestration (on DynamoDB, SQS, SNS and S3);
this driver does the same steps in plain Python (begin, list, every batch, check and retry failed
batches, end; FAILED on an error), keeping stage statuses in the run database's ``bua_control``
and the CSVs on local disk (outbound copy included), so the domain logic can be run and tested
without the engine or any AWS, and one command runs the pipeline on the embedded default fixture::

    python -m handlers.bua --run-date 2024-10-01            # default synthetic retailer
    python -m handlers.bua --run-date 2024-10-01 --db run.sqlite3 --snapshot snap.sqlite3

Resume: stages that already SUCCEEDED for the run date are skipped (``rerun=True`` runs all).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timezone
from typing import Any

from handlers.nem12 import NemError

from . import infra, runner
from . import steps_accrual as accrual
from . import steps_profile as profile
from .control import STAGES
from .errors import BuaError
from .worklist import descriptors, read_worklist

__all__ = ["run_pipeline", "run_stage", "main"]

Handler = Callable[[Any, Any], dict[str, Any]]


def _base(event: dict[str, Any]) -> dict[str, Any]:
    return {k: event[k] for k in ("run_date", "db") if k in event}


def _fan_out(event: dict[str, Any], stage: str, list_step: Handler, batch_step: Handler,
             retries: int = 1) -> dict[str, Any]:
    """What a stage machine's fan-out does, in process: list the worklist, cut it into batches
    as the Map's ItemBatcher does, describe each as its child execution does and process it (as
    the queue's consumer does), then put the failed batches through again up to ``retries``
    times."""
    listing = list_step(_base(event), None)
    common = {"run_date": event["run_date"], "db": event.get("db"), "stage": stage}
    outcome = {"batches": listing["batch_count"], "accounts": listing["accounts"]}
    worklist = listing["worklist"]
    for resubmission in range(retries + 1):
        for message in descriptors(read_worklist(worklist), listing["batch_size"], common):
            batch_step(message, None)
        if resubmission == retries:
            break
        check = runner.check_handler({**_base(event), "stage": stage, "listed": listing["worklist"],
                                      "resubmission": resubmission + 1}, None)
        if not check["failed"]:
            break
        worklist = check["retry"]
    return outcome


def _warming(event: dict[str, Any]) -> dict[str, Any]:
    targets = infra.list_warm_targets(_base(event))
    for item in targets["tables"] + targets["indexes"]:
        infra.warm_target(item)
    return {"tables": len(targets["tables"]), "indexes": len(targets["indexes"])}


def _segments(event: dict[str, Any]) -> dict[str, Any]:
    base = _base(event)
    result = {"accounts": profile.accounts_handler(base)}
    result["extract"] = _fan_out(event, "segments", profile.profile_list_handler,
                                 profile.profile_extract_handler)
    for name, step in (("average", profile.profile_average_handler),
                       ("mark", profile.profile_mark_handler),
                       ("fill", profile.profile_fill_handler),
                       ("validate", profile.profile_validate_handler),
                       ("macro", profile.macro_profile_handler)):
        result[name] = step(base)
    return result


def _export(event: dict[str, Any]) -> dict[str, Any]:
    base = _base(event)
    accrual.export_reset_handler(base)
    _fan_out(event, "export", accrual.export_list_handler, accrual.export_batch_handler)
    written = accrual.export_write_handler(base)
    accrual.export_copy_handler(base)
    return written


STAGE_WORK: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "restore": lambda e: infra.restore(e),
    "scaleup-workflow": lambda e: infra.scale({**_base(e), "target": {"nodes": 1, "workflow": 1}}),
    "warming": _warming,
    "segments": _segments,
    "microscalar": lambda e: _fan_out(e, "microscalar", profile.microscalar_list_handler,
                                      profile.microscalar_batch_handler),
    "reset-basicreads": lambda e: _fan_out(e, "reset-basicreads", accrual.reset_list_handler,
                                           accrual.reset_batch_handler),
    "basicreads": lambda e: _fan_out(e, "basicreads", accrual.basicreads_list_handler,
                                     accrual.basicreads_batch_handler),
    "scaleup-meterdata": lambda e: infra.scale({**_base(e), "target": {"nodes": 10, "meterdata": 8}}),
    "nem12": lambda e: _fan_out(e, "nem12", accrual.nem12_list_handler,
                                accrual.nem12_batch_handler, retries=1),
    "invoiceruns": lambda e: _fan_out(e, "invoiceruns", accrual.invoice_list_handler,
                                      accrual.invoice_batch_handler, retries=2),
    "scaledown": lambda e: infra.scale({**_base(e), "target": {"nodes": 0}}),
    "export": _export,
    "terminate": lambda e: {},
}


def run_stage(event: dict[str, Any], stage: str) -> dict[str, Any]:
    """One stage: begin, its work, end; on any error the stage is marked FAILED and re-raised."""
    base = {**_base(event), "stage": stage}
    try:
        runner.begin_handler(base)
        result = STAGE_WORK[stage](event)
        ended = runner.end_handler(base)
    except Exception as exc:
        runner.fail_handler({**base, "error": {"Error": type(exc).__name__, "Cause": str(exc)}})
        raise
    if stage == "terminate" and event.get("delete_database"):
        infra.terminate({**_base(event), "delete_database": True})
    return {"result": result, "status": ended["status"]}


def run_pipeline(event: dict[str, Any], *, rerun: bool = False) -> dict[str, Any]:
    """Every stage in order, skipping those already SUCCEEDED for the run date (unless ``rerun``)."""
    statuses = runner.plan_handler({**_base(event), "rerun": rerun})["stages"]
    report: dict[str, Any] = {"run_date": event["run_date"], "stages": {}}
    for stage in STAGES:
        if statuses[stage] == "SUCCEEDED":
            report["stages"][stage] = {"status": "SKIPPED"}
            continue
        began = time.perf_counter()
        outcome = run_stage(event, stage)
        outcome["seconds"] = round(time.perf_counter() - began, 3)
        report["stages"][stage] = outcome
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m handlers.bua",
                                     description="Run the Bottom-Up Accruals pipeline locally.")
    parser.add_argument("--run-date", type=date.fromisoformat,
                        default=datetime.now(timezone.utc).date(),
                        help="YYYY-MM-DD (default: today, UTC, as the controller machine defaults to the "
                             "day its execution starts)")
    parser.add_argument("--db", help="run database (default .aslrun/bua/run-<date>.sqlite3)")
    parser.add_argument("--snapshot", help="snapshot to restore (default: synthetic retailer)")
    parser.add_argument("--rerun", action="store_true", help="run stages that already succeeded")
    args = parser.parse_args(argv)
    event: dict[str, Any] = {"run_date": args.run_date.isoformat()}
    if args.db:
        event["db"] = args.db
    if args.snapshot:
        event["snapshot"] = args.snapshot
    try:
        report = run_pipeline(event, rerun=args.rerun)
    except (BuaError, NemError) as exc:
        print(f"BUA run {event['run_date']} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("Run the same command again to resume from the failed stage.", file=sys.stderr)
        return 1
    print(json.dumps(report, indent=2, default=str))
    return 0
