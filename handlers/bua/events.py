"""The events the stage machines pass to the handlers, and the batch descriptors of the fan-out.

Every event carries ``run_date`` (ISO date) and may carry ``db`` (the run database path). A
"list" step hands out a worklist (:mod:`.worklist`); each batch of it reaches the "process batch"
step as one descriptor, the queue message a child execution of the stage's distributed Map sent.
A process batch step accepts that descriptor, ``{"run_date", "batch": {...}}``, or the ItemBatcher
shape ``{"Items": [descriptor, ...], "BatchInput": {"run_date": ..., "db": ...}}``.

A descriptor names a contiguous range of account ids (sorted as text), so a batch is processed
with set-based SQL (``account_id BETWEEN first AND last``) instead of a list of ids::

    {"run_date": "2024-10-01", "db": null, "stage": "microscalar", "batch": 3,
     "first": "A0001501", "last": "A0002000", "count": 500}
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from handlers.db import used_until_now

from .config import RunInfo, parse_date_field
from .errors import BadEvent
from .store import damage_named, load_run, run_db_path, shared_db

__all__ = ["Batch", "Context", "batches_of", "common_fields", "open_context", "run_date_of"]


@dataclass(frozen=True, slots=True)
class Batch:
    """A contiguous range of accounts (by id) that one Map item processes."""

    stage: str
    number: int
    first: str
    last: str
    count: int


def _require_mapping(event: Any, what: str = "event") -> Mapping[str, Any]:
    if not isinstance(event, Mapping):
        raise BadEvent(f"{what}: expected a JSON object, got {type(event).__name__}")
    return event


def common_fields(event: Any) -> Mapping[str, Any]:
    """The fields shared by all items: ``BatchInput`` of an ItemBatcher event, else the event."""
    event = _require_mapping(event)
    if "Items" in event:
        merged = dict(_require_mapping(event.get("BatchInput") or {}, "BatchInput"))
        items = event["Items"]
        if isinstance(items, list) and items and isinstance(items[0], Mapping):
            for key in ("run_date", "db"):
                if key not in merged and key in items[0]:
                    merged[key] = items[0][key]
        return merged
    return event


def run_date_of(event: Any) -> date:
    """The run date every stage is given (``run_date``, ISO date)."""
    fields = common_fields(event)
    if "run_date" not in fields:
        raise BadEvent("run_date: missing (every BUA stage needs the run date, YYYY-MM-DD)")
    return parse_date_field(fields["run_date"], "run_date")


def _batch(value: Any, where: str) -> Batch:
    item = _require_mapping(value, where)
    try:
        number = item["batch"]
        first, last = item["first"], item["last"]
    except KeyError as exc:
        raise BadEvent(f"{where}.{exc.args[0]}: missing from the batch descriptor") from None
    if not isinstance(number, int) or isinstance(number, bool) or number < 0:
        raise BadEvent(f"{where}.batch: expected a batch number, got {number!r}")
    if not isinstance(first, str) or not isinstance(last, str) or first > last:
        raise BadEvent(f"{where}: first/last must be account ids with first <= last")
    return Batch(stage=str(item.get("stage", "")), number=number, first=first, last=last,
                 count=int(item.get("count", 0)))


def batches_of(event: Any) -> list[Batch]:
    """The batches an event asks to process (one descriptor, or an ItemBatcher list)."""
    event = _require_mapping(event)
    if "Items" in event:
        items = event["Items"]
        if not isinstance(items, list):
            raise BadEvent("Items: expected a list of batch descriptors")
        return [_batch(item, f"Items[{i}]") for i, item in enumerate(items)]
    if isinstance(event.get("batch"), Mapping):
        return [_batch(event["batch"], "batch")]
    if "batch" in event:
        return [_batch(event, "event")]
    raise BadEvent("batch: missing (give a batch descriptor, or Items from an ItemBatcher)")


@dataclass
class Context:
    """An opened run: its date, database and stored settings."""

    run_date: date
    db_path: str
    db: str | None
    conn: sqlite3.Connection
    run: RunInfo | None

    @property
    def info(self) -> RunInfo:
        assert self.run is not None, "context opened without the run"
        return self.run

    @property
    def key(self) -> str:
        return self.run_date.isoformat()


@contextmanager
def open_context(event: Any, *, need_run: bool = True) -> Iterator[Context]:
    """Parse the event, take this thread's connection to the run database, load the run. The
    connection stays open for the next call (:func:`~.store.shared_db`); a transaction the block
    left open is rolled back when it is next taken."""
    run_date = run_date_of(event)
    db = common_fields(event).get("db")
    if db is not None and not isinstance(db, str):
        raise BadEvent(f"db: expected a file path, got {db!r}")
    path = run_db_path(db, run_date)
    conn = shared_db(path)
    with damage_named(path):  # damage found by a query, not at opening
        run = load_run(conn, run_date) if need_run else None
        yield Context(run_date=run_date, db_path=path, db=db, conn=conn, run=run)
    used_until_now(path)  # (this thread's own writes are no reason to open the file again)
