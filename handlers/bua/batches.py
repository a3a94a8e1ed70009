"""Cutting the accounts a stage works on into contiguous id ranges (the Map items).

The "list" step of each per-account stage calls :func:`list_batches` with the stage's selection;
the "process batch" step gets one range back and selects its accounts with ``BETWEEN``, so the
event stays small whatever the number of accounts and every batch is set-based SQL.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

from .events import Batch

__all__ = ["SELECTIONS", "list_batches", "batch_accounts_sql"]

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


def _cut(stage: str, ids: list[str], size: int) -> list[Batch]:
    return [Batch(stage=stage, number=n, first=ids[i], last=ids[min(i + size, len(ids)) - 1],
                  count=min(size, len(ids) - i))
            for n, i in enumerate(range(0, len(ids), size))]


def list_batches(conn: sqlite3.Connection, run_date: date, stage: str, selection: str,
                 size: int, *, db: str | None = None) -> dict[str, Any]:
    """The stage's batches as Map items, plus counts (what a "list" Lambda returns)."""
    rows = conn.execute(f"SELECT account_id FROM bua_account WHERE run_date = ? AND "
                        f"{SELECTIONS[selection]} ORDER BY account_id",
                        (run_date.isoformat(),)).fetchall()
    batches = _cut(stage, [r[0] for r in rows], size)
    return {"run_date": run_date.isoformat(), "stage": stage, "accounts": len(rows),
            "batch_count": len(batches),
            "batches": [b.to_json(run_date, db) for b in batches]}


def list_ids_batches(stage: str, ids: list[str], size: int, run_date: date,
                     db: str | None = None) -> dict[str, Any]:
    """Batches over an explicit sorted id list (for selections outside ``bua_account``)."""
    batches = _cut(stage, ids, size)
    return {"run_date": run_date.isoformat(), "stage": stage, "accounts": len(ids),
            "batch_count": len(batches), "batches": [b.to_json(run_date, db) for b in batches]}
