"""Restore, scale, warm and terminate: the infrastructure stages, done locally.

- restore: production restores an RDS snapshot into a new instance. Here the run database is
  built from a snapshot file when it does not exist yet (the file copied by the kernel, then
  linked into place; log files left by a deleted database are moved aside to
  ``<db>-wal.orphaned-<UTC time>`` first), holds no data, or is damaged (then moved aside to
  ``<db>.damaged-<UTC time>`` first, never deleted; these two through SQLite's online backup,
  page by page, which keeps the database's run rows); with no snapshot given, the default
  synthetic retailer (:mod:`fixtures.bua.default`) is generated for the run date first. It also creates the run
  record (period and settings) that every later stage reads; running it again changes nothing.
- scale up / scale down: there is no cluster; the steps check the run is ready (and scale down
  checkpoints the write-ahead log) so the machines keep production's shape.
- warming: production forced blocks from S3 to EBS by analysing every table and reading every
  index. Here: ``ANALYZE`` per table (sampled, so it is quick) and a full read of each secondary
  index, one Map item each.
- terminate: production deletes the database stack; here the database is kept unless the
  event asks ``delete_database: true`` (the exported files are never touched).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import sqlite3
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from handlers.db import connect_read_only, transaction

from .config import RunConfig, default_period, parse_config, parse_date_field
from .errors import BadEvent, DataError, RunDatabaseDamaged
from .events import common_fields, open_context, run_date_of
from .store import load_run, open_db, run_db_path

__all__ = [
    "list_warm_targets",
    "restore",
    "scale",
    "terminate",
    "warm_target",
]


def _snapshot_has_data(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT EXISTS (SELECT 1 FROM account)").fetchone()[0] == 1


def _copy_snapshot(snapshot: str, path: str) -> None:
    """Replace the run database's content with the snapshot's, keeping its run/control rows."""
    conn = open_db(path)
    keep = {table: [tuple(r) for r in conn.execute(f"SELECT * FROM {table}")]
            for table in ("bua_run", "bua_control")}
    source = connect_read_only(snapshot)
    try:
        # through a rollback journal, not the write-ahead log: in WAL mode every page of the copy
        # went into the log and was then copied again by the checkpoint (a 9 GB log for 300,000
        # accounts); the journal holds only the run database's few pages from before. (Another
        # connection holding the file keeps it in WAL mode: the copy then goes through the log.)
        with contextlib.suppress(sqlite3.OperationalError):
            conn.execute("PRAGMA journal_mode = DELETE")
        source.backup(conn)
    finally:
        source.close()
        conn.close()
    conn = open_db(path)  # applies the run tables' schema to the restored file
    try:
        with transaction(conn):
            for table, rows in keep.items():
                if rows:
                    marks = ", ".join("?" for _ in rows[0])
                    conn.executemany(f"INSERT OR REPLACE INTO {table} VALUES ({marks})", rows)
    finally:
        conn.close()


_SQLITE_HEADER = b"SQLite format 3\x00"


def _restore_as_new_file(snapshot: str, path: str) -> bool:
    """Restore into a run database that does not exist yet by copying the snapshot's file.

    The kernel copies the file (``shutil.copyfile``: ``sendfile``), about twice as fast as the
    backup's page-by-page copy through SQLite (a million accounts: 28.5 GB). The copy is made under
    a temporary name beside the database, gets the run schema, is synced, and is then linked to the
    database's name, which fails if anything created that name meanwhile (a second restore of the
    same run): the caller then restores the usual way. False, with nothing changed, unless the
    database and its log files are absent and the snapshot is a SQLite file whose whole content is
    in the file itself (no write-ahead log or hot journal beside it)."""
    if any(os.path.lexists(f"{path}{suffix}") for suffix in ("", "-wal", "-shm", "-journal")):
        return False
    source = connect_read_only(snapshot, isolation_level=None)
    try:
        source.execute("BEGIN")  # a read lock for the copy: no writer commits into the file meanwhile
        source.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        if os.path.exists(f"{snapshot}-journal") or _non_empty(f"{snapshot}-wal"):
            return False
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)
        _remove_abandoned_copies(folder, os.path.basename(path))
        # (not mkstemp: its 0600 would make the run database private; this is as SQLite creates files)
        temp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.{secrets.token_hex(4)}.restoring")
        os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        try:
            shutil.copyfile(snapshot, temp)
            try:
                open_db(temp).close()  # the run schema, in the copy (closing it removes its log files)
            except RunDatabaseDamaged:
                raise DataError(f"snapshot {snapshot} cannot be read: it is damaged") from None
            with open(temp, "rb+") as copy:
                os.fsync(copy.fileno())
            try:
                os.link(temp, path)
            except FileExistsError:
                return False
        finally:
            for suffix in ("", "-wal", "-shm", "-journal"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(f"{temp}{suffix}")
        _sync_folder(folder)
        return True
    finally:
        source.close()


def _remove_abandoned_copies(folder: str, name: str) -> None:
    """Remove the copies (``.<name>.<pid>.<random>.restoring``) of restores whose process is gone:
    a restore killed mid-copy (``kill -9``, a power cut) leaves its copy behind, as big as the
    snapshot. A live process's copy is left to it (two restores of the same run at once)."""
    prefix = f".{name}."
    for entry in os.scandir(folder):
        if not entry.name.startswith(prefix) or ".restoring" not in entry.name:
            continue
        pid = entry.name[len(prefix):].split(".", 1)[0]
        if pid.isdigit() and not _process_alive(int(pid)):
            with contextlib.suppress(FileNotFoundError):
                os.remove(entry.path)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        pass
    return True


def _non_empty(path: str) -> bool:
    try:
        return os.path.getsize(path) > 0
    except OSError:
        return False


def _has_sqlite_header(path: str) -> bool:
    with open(path, "rb") as file:
        return file.read(len(_SQLITE_HEADER)) == _SQLITE_HEADER


def _sync_folder(folder: str) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _default_snapshot(run_date) -> str:
    from fixtures.bua.default import ensure_default_snapshot  # the local stand-in for RDS

    return os.fspath(ensure_default_snapshot(run_date))


def _snapshot_named(fields: Mapping[str, Any], run_date) -> str:
    snapshot = fields.get("snapshot") or _default_snapshot(run_date)
    if not isinstance(snapshot, str) or not Path(snapshot).is_file():
        raise BadEvent(f"snapshot: {snapshot!r} is not a snapshot database file")
    if not _has_sqlite_header(snapshot):
        raise BadEvent(f"snapshot: {snapshot!r} is not a snapshot database file (not an SQLite database)")
    return snapshot


def _create_run(conn: sqlite3.Connection, event: Any, run_date) -> dict[str, Any]:
    fields = {k: v for k, v in common_fields(event).items() if v is not None}
    start, end = default_period(run_date)
    if "period_start" in fields:
        start = parse_date_field(fields["period_start"], "period_start")
    if "period_end" in fields:
        end = parse_date_field(fields["period_end"], "period_end")
    if end <= start:
        raise BadEvent(f"period_end {end.isoformat()} must be after period_start {start.isoformat()}")
    if end > run_date:
        raise BadEvent(f"period_end {end.isoformat()} is after the run date {run_date.isoformat()}: "
                       "the snapshot cannot hold data for days that have not happened")
    config = parse_config(fields.get("config"))
    existing = conn.execute("SELECT period_start, period_end, config FROM bua_run WHERE run_date = ?",
                            (run_date.isoformat(),)).fetchone()
    if existing is not None:
        same = (existing[0] == start.isoformat() and existing[1] == end.isoformat()
                and RunConfig.model_validate_json(existing[2]) == config)
        explicit = any(k in fields for k in ("period_start", "period_end", "config"))
        if explicit and not same:
            raise BadEvent(f"run {run_date.isoformat()} already exists with period "
                           f"{existing[0]}..{existing[1]} and other settings; use the same ones "
                           "(or a new run date / database)")
        return {"created": False}
    with transaction(conn):
        conn.execute("INSERT INTO bua_run (run_date, period_start, period_end, config, created_at) "
                     "VALUES (?, ?, ?, ?, ?)", (run_date.isoformat(), start.isoformat(),
                                                end.isoformat(), config.to_json(),
                                                datetime.now(timezone.utc).isoformat(timespec="seconds")))
    return {"created": True}


def _move_aside(path: str) -> str:
    """Rename a damaged run database (and its -wal / -shm files) to ``<path>.damaged-<UTC time>``."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = f"{path}.damaged-{stamp}"
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{path}{suffix}").exists():
            os.replace(f"{path}{suffix}", f"{target}{suffix}")
    return target


def _move_orphaned_logs(path: str) -> None:
    """Move aside the log files of a database deleted without them (``<db>-wal.orphaned-<UTC
    time>``): the restored copy, a write-ahead-log database, would meet the stale log under its
    name and SQLite would replay it into the copy (so the quick copy is not taken while one is there)."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    for suffix in ("-wal", "-shm", "-journal"):
        if os.path.lexists(f"{path}{suffix}"):
            os.replace(f"{path}{suffix}", f"{path}{suffix}.orphaned-{stamp}")


def restore(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaRestore: the run database from the snapshot (if empty), and the run record."""
    run_date = run_date_of(event)
    fields = common_fields(event)
    path = run_db_path(fields.get("db"), run_date)
    moved_aside = None
    snapshot = None
    restored = False
    if not os.path.lexists(path):  # a new run: the snapshot's file is copied (the quick way)
        snapshot = _snapshot_named(fields, run_date)
        _move_orphaned_logs(path)
        restored = _restore_as_new_file(snapshot, path)
    try:
        conn = open_db(path)
    except RunDatabaseDamaged:  # restore builds the database: the damaged one is kept aside, not lost
        moved_aside = _move_aside(path)
        conn = open_db(path)
    try:
        if not restored and not _snapshot_has_data(conn):
            snapshot = snapshot or _snapshot_named(fields, run_date)
            conn.close()
            _copy_snapshot(snapshot, path)
            conn = open_db(path)
            restored = True
        if restored and not _snapshot_has_data(conn):
            raise DataError(f"snapshot {snapshot} holds no accounts")
        created = _create_run(conn, event, run_date)
        run = load_run(conn, run_date)
        counts = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                  for t in ("account", "nmi", "bill")}
    finally:
        conn.close()
    extra = {"damaged_database_moved_to": moved_aside} if moved_aside else {}
    return {"run_date": run_date.isoformat(), "db": path, "restored": restored, **created, **extra,
            "period_start": run.period_start.isoformat(), "period_end": run.period_end.isoformat(),
            "accounts": counts["account"], "nmis": counts["nmi"], "bills": counts["bill"]}


def scale(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaScale: no cluster locally; checks the run and reports the (notional) target size."""
    fields = common_fields(event)
    target = fields.get("target", {})
    if not isinstance(target, dict):
        raise BadEvent("target: expected an object such as {\"nodes\": 1, \"replicas\": 1}")
    with open_context(event) as ctx:
        if target.get("nodes") == 0:
            ctx.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {"run_date": ctx.key, "local": True, "target": target}


def list_warm_targets(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaWarmList: the tables to analyse and the secondary indexes to read (Map items)."""
    with open_context(event) as ctx:
        tables = [r[0] for r in ctx.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name")]
        indexes = [{"index": r[0], "table": r[1], "where": _partial_where(r[2])} for r in ctx.conn.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "ORDER BY name")]
    base = {"run_date": ctx.key, **({"db": ctx.db} if ctx.db else {})}
    return {"run_date": ctx.key,
            "tables": [{**base, "kind": "table", "table": t} for t in tables],
            "indexes": [{**base, "kind": "index", **i} for i in indexes]}


def _partial_where(sql: str) -> str | None:
    upper = sql.upper()
    return sql[upper.rindex(" WHERE ") + 7:].strip() if " WHERE " in upper else None


def warm_target(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaWarm: ``ANALYZE`` a table (sampled) or read every entry of an index."""
    fields = common_fields(event)
    kind = fields.get("kind")
    with open_context(event) as ctx:
        names = {r[0] for r in ctx.conn.execute("SELECT name FROM sqlite_master")}
        if kind == "table":
            table = fields.get("table")
            if table not in names:
                raise BadEvent(f"table: unknown table {table!r}")
            ctx.conn.execute("PRAGMA analysis_limit = 1000")
            ctx.conn.execute(f'ANALYZE "{table}"')
            return {"table": table, "analysed": True}
        if kind == "index":
            index, table = fields.get("index"), fields.get("table")
            if index not in names or table not in names:
                raise BadEvent(f"index: unknown index {index!r} on {table!r}")
            where = f" WHERE {fields['where']}" if fields.get("where") else ""
            count = ctx.conn.execute(f'SELECT COUNT(*) FROM "{table}" INDEXED BY "{index}"{where}'
                                     ).fetchone()[0]
            return {"index": index, "entries": count}
    raise BadEvent(f"kind: expected 'table' or 'index', got {kind!r}")


def terminate(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaTerminate: keep the run database (default) or delete it when asked to."""
    fields = common_fields(event)
    run_date = run_date_of(event)
    path = run_db_path(fields.get("db"), run_date)
    if fields.get("delete_database") is True and path != ":memory:":
        for suffix in ("", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)
        return {"run_date": run_date.isoformat(), "database": path, "deleted": True}
    with open_context(event) as ctx:
        ctx.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        run = ctx.info
    return {"run_date": run_date.isoformat(), "database": path, "deleted": False,
            "settings": json.loads(run.config.to_json())}
