"""The steps every stage shares: process batches, check, verify; begin, end, fail and plan.

A batch is processed in one transaction: it either writes all its rows or none. Its outcome goes
to the batch control table either way; a failed batch does not fail the Map (its error is
recorded), so the stage's "check" step can hand the failed batches' accounts back to the machine
as a smaller worklist for a retry, as the production pipeline resubmitted failed batches, and
"verify" fails the stage if any still fail.

The stage machines record stage statuses in DynamoDB themselves and call only the batch steps
here (reset, check, verify); begin, end, fail and plan keep the statuses in the run database for
the engine-free driver (:mod:`.pipeline`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from handlers.db import DeferredWrites, transaction

from .control import (
    STAGES,
    begin_stage,
    clear_batches,
    fail_stage,
    failed_batches,
    finish_stage,
    plan,
    record_batch,
    unreported_batches,
    verify_batches,
)
from .errors import BadEvent
from .events import Batch, Context, batches_of, common_fields, open_context
from .worklist import beside, read_worklist, retry_items, store_worklist

__all__ = [
    "begin_handler",
    "check_handler",
    "end_handler",
    "fail_handler",
    "plan_handler",
    "reset_handler",
    "run_batches",
    "stage_of",
    "verify_handler",
]

BatchWork = Callable[[Context, Batch], dict[str, Any]]

ERRORS_SHOWN = 20
"""The check step names the first 20 failed batches (the retry worklist holds them all)."""


def stage_of(event: Any) -> str:
    """The ``stage`` field: one of :data:`~handlers.bua.control.STAGES`."""
    stage = common_fields(event).get("stage")
    if stage not in STAGES:
        raise BadEvent(f"stage: expected one of {', '.join(STAGES)}, got {stage!r}")
    return stage


def run_batches(event: Any, stage: str, work: BatchWork, *, writes_last: bool = False) -> dict[str, Any]:
    """Run ``work`` for each batch of the event, each in its own transaction; record outcomes.

    ``writes_last``: for work that never reads back its own writes: it reads and computes outside the
    transaction and its writes are made together at the end (:class:`~handlers.db.DeferredWrites`),
    so batches run by other processes at once (``handler_processes``) do not wait on its write lock."""
    batches = batches_of(event)
    with open_context(event) as ctx:
        outcomes = []
        for batch in batches:
            try:
                if writes_last:
                    kept = DeferredWrites(ctx.conn)
                    detail = work(replace(ctx, conn=kept), batch)  # type: ignore[arg-type]
                    kept.apply()
                else:
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


def reset_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaStageReset: a new attempt of the stage: its earlier batch outcomes are forgotten."""
    stage = stage_of(event)
    with open_context(event) as ctx:
        clear_batches(ctx.conn, ctx.run_date, stage)
    return {"run_date": ctx.key, "stage": stage}


def verify_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaStageVerify: the stage's batch totals, or StageFailed if batches still fail after the
    machine's resubmissions (the machine then records the stage FAILED)."""
    stage = stage_of(event)
    with open_context(event) as ctx:
        totals = verify_batches(ctx.conn, ctx.run_date, stage)
    return {"run_date": ctx.key, "stage": stage, **totals}


def begin_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """Driver step: mark the stage RUNNING (checks the stages it needs succeeded)."""
    stage = stage_of(event)
    with open_context(event, need_run=stage != "restore") as ctx:
        attempt = begin_stage(ctx.conn, ctx.run_date, stage)
    return {"run_date": ctx.key, "stage": stage, "attempt": attempt}


def check_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaStageCheck: the stage's failed batches, and batches that never reported back, as a
    smaller worklist to go through the stage's Map again (``retry``; None when all succeeded).

    ``listed`` is the list step's worklist (``{"bucket", "key"}`` in S3, or ``{"items"}``
    inline); the retry list is kept the same way, in S3 beside it as
    ``retry-<resubmission>.jsonl`` (still there after a last failing check: the accounts that
    failed)."""
    stage = stage_of(event)
    fields = common_fields(event)
    if "listed" not in fields:
        raise BadEvent("listed: missing (the list step's worklist, {\"bucket\", \"key\"} or "
                       "{\"items\"})")
    resubmission = fields.get("resubmission", 1)
    if not isinstance(resubmission, int) or isinstance(resubmission, bool) or resubmission < 1:
        raise BadEvent(f"resubmission: expected a number from 1, got {resubmission!r}")
    with open_context(event) as ctx:
        failed = failed_batches(ctx.conn, ctx.run_date, stage)
        missing = unreported_batches(ctx.conn, ctx.run_date, stage)
    errors = sorted(failed + [{**b, "error": "never reported back"} for b in missing],
                    key=lambda e: e["batch"])
    again = {e["batch"] for e in errors}
    retry = None
    if again:
        listed = fields["listed"]
        items = retry_items(read_worklist(listed, "listed"), again)
        retry = store_worklist(items, beside(listed), f"retry-{resubmission}.jsonl")
    return {"run_date": ctx.key, "stage": stage, "failed": len(again),
            "errors": errors[:ERRORS_SHOWN], "retry": retry}


def end_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """Driver step: SUCCEEDED, or FAILED (raising StageFailed) if batches still fail."""
    stage = stage_of(event)
    with open_context(event, need_run=stage != "terminate") as ctx:
        return finish_stage(ctx.conn, ctx.run_date, stage)


def fail_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """Driver step: record the error caught (``error``: {Error, Cause}) as FAILED."""
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
    """Driver step: each stage's status for the run date; ``rerun: true`` runs them all."""
    rerun = bool(common_fields(event).get("rerun", False))
    with open_context(event, need_run=False) as ctx:
        result = plan(ctx.conn, ctx.run_date)
    if rerun:
        result["stages"] = {stage: "PENDING" for stage in result["stages"]}
        result["next"], result["complete"] = STAGES[0], False
    return result
