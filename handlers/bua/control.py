"""The control table: each stage's status per run date, and each batch's outcome.

Why: the production pipeline's controller could not tell which stage had finished, so a failed
run was resumed by hand with a warning to use the same run date. Here every stage records
RUNNING -> SUCCEEDED | FAILED under its run date, and every batch its own outcome, so

- a stage's "check" step finds failed batches to retry (as the seed resubmits failed batches);
- the controller asks :func:`plan` and skips stages that already succeeded (resume);
- starting a stage again forgets the outcomes of the stages after it, which depend on it.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime, timezone
from typing import Any

from handlers.db import transaction as write

from .errors import RunNotReady, StageFailed

__all__ = [
    "STAGES",
    "enqueue",
    "queue_status",
    "unreported_batches",
    "begin_stage",
    "fail_stage",
    "failed_batches",
    "finish_stage",
    "plan",
    "record_batch",
    "require_succeeded",
    "stage_status",
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


def _downstream(stage: str) -> set[str]:
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
    later = sorted(_downstream(stage))
    with write(conn):
        conn.execute(
            "INSERT INTO bua_control (run_date, stage, status, attempts, started_at) "
            "VALUES (?, ?, 'RUNNING', 1, ?) ON CONFLICT (run_date, stage) DO UPDATE SET "
            "status = 'RUNNING', attempts = attempts + 1, started_at = excluded.started_at, "
            "finished_at = NULL, error = NULL, detail = NULL", (key, stage, _now()))
        conn.execute("DELETE FROM bua_batch WHERE run_date = ? AND stage = ?", (key, stage))
        conn.execute("DELETE FROM bua_queue WHERE run_date = ? AND stage = ?", (key, stage))
        conn.execute("DELETE FROM bua_queue_item WHERE run_date = ? AND stage = ?", (key, stage))
        for name in later:
            conn.execute("DELETE FROM bua_control WHERE run_date = ? AND stage = ?", (key, name))
    row = conn.execute("SELECT attempts FROM bua_control WHERE run_date = ? AND stage = ?",
                       (key, stage)).fetchone()
    return int(row["attempts"])


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


def finish_stage(conn: sqlite3.Connection, run_date: date, stage: str,
                 detail: dict[str, Any] | None = None) -> dict[str, Any]:
    """Mark ``stage`` SUCCEEDED, unless batches still fail: then FAILED and :class:`StageFailed`."""
    _check_stage(stage)
    failed = failed_batches(conn, run_date, stage) + [
        {**b, "error": "never reported back"} for b in unreported_batches(conn, run_date, stage)]
    key = run_date.isoformat()
    if failed:
        summary = "; ".join(f"batch {f['batch']}: {f['error']}" for f in failed[:5])
        message = (f"stage {stage} for run {key}: {len(failed)} batch(es) failed after retries "
                   f"({summary})")
        fail_stage(conn, run_date, stage, message)
        raise StageFailed(message)
    totals = _batch_totals(conn, run_date, stage)
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
    """Note the batches a list step handed out: what "wait for the queue" waits on, and what
    the check step resubmits if one never reports back."""
    key = run_date.isoformat()
    with write(conn):
        conn.execute("INSERT OR REPLACE INTO bua_queue (run_date, stage, expected, listed_at) "
                     "VALUES (?, ?, ?, ?)", (key, stage, len(batches), _now()))
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


def queue_status(conn: sqlite3.Connection, run_date: date, stage: str) -> dict[str, Any]:
    """Batches handed out, reported (succeeded or failed) and still pending for ``stage``."""
    key = run_date.isoformat()
    row = conn.execute("SELECT expected FROM bua_queue WHERE run_date = ? AND stage = ?",
                       (key, stage)).fetchone()
    counts = conn.execute("SELECT COUNT(*), SUM(status = 'FAILED') FROM bua_batch WHERE "
                          "run_date = ? AND stage = ?", (key, stage)).fetchone()
    expected = row[0] if row else 0
    reported = counts[0] or 0
    return {"run_date": key, "stage": stage, "expected": expected, "reported": reported,
            "failed": counts[1] or 0, "pending": max(expected - reported, 0),
            "empty": reported >= expected}
