"""Handing out a stage's accounts: its selection, sorted, as a worklist of numbered batches.

The "list" step of each per-account stage calls :func:`hand_out` with the stage's accounts: it
numbers them in blocks of the batch size, notes the batches in the run database (so the check
step can find batches that never reported back) and stores the worklist (in S3 for the machine's
distributed Map, see :mod:`.worklist`). A batch lambda then gets one batch as a contiguous range
of account ids and selects its accounts with ``BETWEEN`` and the stage's selection, so every
batch is set-based SQL whatever its size.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

from .control import enqueue
from .s3_upload import S3Target
from .worklist import batch_size_for, descriptors, store_worklist, worklist_items

__all__ = ["SELECTIONS", "batch_accounts_sql", "hand_out", "selection_ids"]

SELECTIONS = {
    "unbilled": "unbilled_start IS NOT NULL",
    "unbilled_basic": "unbilled_start IS NOT NULL AND meter_type = 'BASIC'",
    "unbilled_interval": "unbilled_start IS NOT NULL AND meter_type = 'INTERVAL'",
    "basic": "meter_type = 'BASIC'",
    "all": "1 = 1",
}
"""Which ``bua_account`` rows a stage works on."""


def batch_accounts_sql(selection: str) -> str:
    """``WHERE`` clause (run date, id range, selection) for the accounts of one batch."""
    return f"run_date = ? AND account_id BETWEEN ? AND ? AND {SELECTIONS[selection]}"


def selection_ids(conn: sqlite3.Connection, run_date: date, selection: str) -> list[str]:
    """The ids of the ``bua_account`` rows a selection names, sorted."""
    rows = conn.execute(f"SELECT account_id FROM bua_account WHERE run_date = ? AND "
                        f"{SELECTIONS[selection]} ORDER BY account_id",
                        (run_date.isoformat(),)).fetchall()
    return [r[0] for r in rows]


def hand_out(conn: sqlite3.Connection, run_date: date, stage: str, ids: list[str], size: int,
             *, db: str | None, target: S3Target | None) -> dict[str, Any]:
    """The worklist of ``ids`` (sorted) in batches of ``size`` (fewer if a batch would not fit a
    child execution's input): noted in the run database, stored at ``target``; what a "list"
    Lambda returns (the worklist's place, the batch size the Map's batcher must use)."""
    size = batch_size_for(ids, size)
    items = worklist_items(ids, size)
    batches = descriptors(items, size, {"run_date": run_date.isoformat(), "db": db, "stage": stage})
    enqueue(conn, run_date, stage, batches)
    return {"run_date": run_date.isoformat(), "stage": stage, "accounts": len(ids),
            "batch_size": size, "batch_count": len(batches),
            "worklist": store_worklist(items, target, fresh=True)}
