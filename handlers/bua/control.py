"""The run database's control tables: each batch's outcome, and each stage's status per run date.

Two records, as production kept them:

- batches (``bua_batch``, ``bua_queue_item``): the seed's BUAControl table in the RDS, written by
  the batch lambdas in the same database as the rows they produce. A stage's "check" step reads
  them to resubmit failed batches and batches that never reported back; "verify" fails the stage
  if some still fail. The stage machines and the engine-free driver both use them.
- stage statuses (``bua_control``): RUNNING -> SUCCEEDED | FAILED per run date, for the
  engine-free driver (``python -m handlers.bua``, :mod:`.pipeline`), which runs without any AWS.
  The stage machines keep the same statuses in the DynamoDB control table instead (the seed's
  ``tst-anstead-ddb-bua``, key "BUA Restore"), written by the machines themselves, because the
  run database is created by the restore stage and deleted by terminate while the control
  records must outlive it. :func:`plan` resumes the driver; starting a stage again forgets the
  outcomes of the stages after it, which depend on it (the machines do the same in DynamoDB).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime, timezone
from typing import Any

from handlers.db import transaction as write

from .errors import RunNotReady, StageFailed

__all__ = [
    "REQUIRES",
    "STAGES",
    "clear_batches",
    "downstream",
    "enqueue",
    "unreported_batches",
    "begin_stage",
    "fail_stage",
    "failed_batches",
    "finish_stage",
    "plan",
    "record_batch",
    "require_succeeded",
    "stage_status",
    "verify_batches",
]

STAGES = ("restore", "scaleup-workflow", "warming", "segments", "microscalar",
          "reset-basicreads", "basicreads", "scaleup-meterdata", "nem12", "invoiceruns",
          "scaledown", "export", "terminate")
"""The stages in the order the controller runs them (seed 003's step functions)."""

REQUIRES = {
    "segments": ("restore",),
    "microscalar": ("segments",),
    "reset-basicreads": ("restore",),
    "basicreads": ("microscalar", "reset-basicreads"),
    "nem12": ("microscalar",),
    "invoiceruns": ("basicreads", "nem12"),
    "export": ("invoiceruns",),
}
"""Stages whose results a stage reads: they must have succeeded for the same run date."""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _check_stage(stage: str) -> None:
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; stages are {', '.join(STAGES)}")


def downstream(stage: str) -> set[str]:
    """Stages that read (directly or not) what ``stage`` writes."""
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for later, needs in REQUIRES.items():
            if later not in found and (stage in needs or found & set(needs)):
                found.add(later)
                changed = True
    return found


def stage_status(conn: sqlite3.Connection, run_date: date, stage: str) -> str:
    """PENDING, RUNNING, SUCCEEDED or FAILED."""
    row = conn.execute("SELECT status FROM bua_control WHERE run_date = ? AND stage = ?",
                       (run_date.isoformat(), stage)).fetchone()
    return row["status"] if row else "PENDING"


def require_succeeded(conn: sqlite3.Connection, run_date: date, stage: str) -> None:
    """Refuse to start ``stage`` before the stages it reads have succeeded for this run date."""
    missing = [need for need in REQUIRES.get(stage, ())
               if stage_status(conn, run_date, need) != "SUCCEEDED"]
    if missing:
        raise RunNotReady(f"stage {stage} for run {run_date.isoformat()} needs "
                          f"{', '.join(missing)} to have succeeded first (same run date)")


def begin_stage(conn: sqlite3.Connection, run_date: date, stage: str) -> int:
    """Mark ``stage`` RUNNING (attempt n+1), clear its batch outcomes and those of later stages."""
    _check_stage(stage)
    require_succeeded(conn, run_date, stage)
    key = run_date.isoformat()
    later = sorted(downstream(stage))
    with write(conn):
        conn.execute(
            "INSERT INTO bua_control (run_date, stage, status, attempts, started_at) "
            "VALUES (?, ?, 'RUNNING', 1, ?) ON CONFLICT (run_date, stage) DO UPDATE SET "
            "status = 'RUNNING', attempts = attempts + 1, started_at = excluded.started_at, "
            "finished_at = NULL, error = NULL, detail = NULL", (key, stage, _now()))
        _clear(conn, key, stage)
        for name in later:
            conn.execute("DELETE FROM bua_control WHERE run_date = ? AND stage = ?", (key, name))
    row = conn.execute("SELECT attempts FROM bua_control WHERE run_date = ? AND stage = ?",
                       (key, stage)).fetchone()
    return int(row["attempts"])


def _clear(conn: sqlite3.Connection, key: str, stage: str) -> None:
    conn.execute("DELETE FROM bua_batch WHERE run_date = ? AND stage = ?", (key, stage))
    conn.execute("DELETE FROM bua_queue_item WHERE run_date = ? AND stage = ?", (key, stage))


def clear_batches(conn: sqlite3.Connection, run_date: date, stage: str) -> None:
    """Forget the stage's batch outcomes and handed-out batches (a new attempt of the stage)."""
    _check_stage(stage)
    with write(conn):
        _clear(conn, run_date.isoformat(), stage)


def record_batch(conn: sqlite3.Connection, run_date: date, stage: str, batch_no: int, *,
                 ok: bool, detail: dict[str, Any] | None = None, error: str | None = None) -> None:
    """Store one batch's outcome (a retried batch overwrites its earlier outcome)."""
    with write(conn):
        conn.execute(
            "INSERT INTO bua_batch (run_date, stage, batch_no, status, attempts, detail, error, "
            "updated_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?) ON CONFLICT (run_date, stage, batch_no) "
            "DO UPDATE SET status = excluded.status, attempts = attempts + 1, "
            "detail = excluded.detail, error = excluded.error, updated_at = excluded.updated_at",
            (run_date.isoformat(), stage, batch_no, "SUCCEEDED" if ok else "FAILED",
             json.dumps(detail or {}), error, _now()))


def failed_batches(conn: sqlite3.Connection, run_date: date, stage: str) -> list[dict[str, Any]]:
    """The batches of ``stage`` whose last attempt failed: number, attempts and error."""
    rows = conn.execute("SELECT batch_no, attempts, error FROM bua_batch WHERE run_date = ? AND "
                        "stage = ? AND status = 'FAILED' ORDER BY batch_no",
                        (run_date.isoformat(), stage)).fetchall()
    return [{"batch": r["batch_no"], "attempts": r["attempts"], "error": r["error"]} for r in rows]


def verify_batches(conn: sqlite3.Connection, run_date: date, stage: str) -> dict[str, Any]:
    """The numbers the stage's batches reported, added up; :class:`StageFailed` if some batches
    still fail (or never reported back) after the stage's retries. Writes nothing."""
    _check_stage(stage)
    failed = failed_batches(conn, run_date, stage) + [
        {**b, "error": "never reported back"} for b in unreported_batches(conn, run_date, stage)]
    if failed:
        summary = "; ".join(f"batch {f['batch']}: {f['error']}" for f in failed[:5])
        raise StageFailed(f"stage {stage} for run {run_date.isoformat()}: {len(failed)} batch(es) "
                          f"failed after retries ({summary})")
    return _batch_totals(conn, run_date, stage)


def finish_stage(conn: sqlite3.Connection, run_date: date, stage: str,
                 detail: dict[str, Any] | None = None) -> dict[str, Any]:
    """Mark ``stage`` SUCCEEDED, unless batches still fail: then FAILED and :class:`StageFailed`."""
    try:
        totals = verify_batches(conn, run_date, stage)
    except StageFailed as failed:
        fail_stage(conn, run_date, stage, str(failed))
        raise
    key = run_date.isoformat()
    merged = {**totals, **(detail or {})}
    with write(conn):
        conn.execute("UPDATE bua_control SET status = 'SUCCEEDED', finished_at = ?, detail = ? "
                     "WHERE run_date = ? AND stage = ?", (_now(), json.dumps(merged), key, stage))
    return {"run_date": key, "stage": stage, "status": "SUCCEEDED", **merged}


def _batch_totals(conn: sqlite3.Connection, run_date: date, stage: str) -> dict[str, Any]:
    """Numbers the batches reported (accounts, days, files...), added up over the stage."""
    totals: dict[str, Any] = {}
    rows = conn.execute("SELECT detail FROM bua_batch WHERE run_date = ? AND stage = ?",
                        (run_date.isoformat(), stage)).fetchall()
    for row in rows:
        for name, value in json.loads(row["detail"] or "{}").items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                totals[name] = totals.get(name, 0) + value
    if rows:
        totals["batches"] = len(rows)
    return totals


def fail_stage(conn: sqlite3.Connection, run_date: date, stage: str, error: str) -> None:
    """Mark ``stage`` FAILED with the error (kept for the person resuming the run)."""
    _check_stage(stage)
    with write(conn):
        conn.execute(
            "INSERT INTO bua_control (run_date, stage, status, attempts, finished_at, error) "
            "VALUES (?, ?, 'FAILED', 1, ?, ?) ON CONFLICT (run_date, stage) DO UPDATE SET "
            "status = 'FAILED', finished_at = excluded.finished_at, error = excluded.error",
            (run_date.isoformat(), stage, _now(), error))


def plan(conn: sqlite3.Connection, run_date: date) -> dict[str, Any]:
    """Every stage's status for the run and the first one still to do (``None`` when done)."""
    rows = conn.execute("SELECT stage, status, attempts, error FROM bua_control WHERE run_date = ?",
                        (run_date.isoformat(),)).fetchall()
    known = {r["stage"]: r for r in rows}
    stages = {s: (known[s]["status"] if s in known else "PENDING") for s in STAGES}
    pending = [s for s in STAGES if stages[s] != "SUCCEEDED"]
    errors = {s: known[s]["error"] for s in known if known[s]["error"]}
    return {"run_date": run_date.isoformat(), "stages": stages,
            "next": pending[0] if pending else None, "complete": not pending, "errors": errors}


def enqueue(conn: sqlite3.Connection, run_date: date, stage: str, batches: list[dict[str, Any]]) -> None:
    """Note the batches a list step handed out, so the check step can resubmit any that never
    report back (a batch lambda that returned without recording its outcome)."""
    key = run_date.isoformat()
    with write(conn):
        conn.execute("DELETE FROM bua_queue_item WHERE run_date = ? AND stage = ?", (key, stage))
        conn.executemany("INSERT INTO bua_queue_item (run_date, stage, batch_no, first_account, "
                         "last_account, accounts) VALUES (?, ?, ?, ?, ?, ?)",
                         [(key, stage, b["batch"], b["first"], b["last"], b["count"])
                          for b in batches])


def unreported_batches(conn: sqlite3.Connection, run_date: date, stage: str) -> list[dict[str, Any]]:
    """Batches handed out that never reported an outcome (a worker that died mid-batch)."""
    rows = conn.execute(
        "SELECT batch_no, first_account, last_account, accounts FROM bua_queue_item q "
        "WHERE run_date = ? AND stage = ? AND NOT EXISTS (SELECT 1 FROM bua_batch b WHERE "
        "b.run_date = q.run_date AND b.stage = q.stage AND b.batch_no = q.batch_no) "
        "ORDER BY batch_no", (run_date.isoformat(), stage)).fetchall()
    return [{"batch": r[0], "first": r[1], "last": r[2], "count": r[3]} for r in rows]
