"""The runs the golden files record: the bulk machine over a seeded fleet with frozen clocks, and
the BUA pipeline over a small seeded retailer.

``python -m tests.pipelines.golden_runs`` rewrites the files in ``tests/pipelines/golden/`` from
the current code. They were written before the speed work of issue 15 (one connection per
database, kept handler threads, cached parses, the restore through a rollback journal), so
``test_pipeline_golden.py`` proves that work changed no history, output, bill, stored row or export.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"
BULK_READINGS = 120
BULK_DAYS = 32
# the metering tables whose rows the bulk run writes (ordered by their key in the dump)
BULK_TABLES = {
    "metering_readings": "reading_id",
    "metering_anomalies": "reading_id, anomaly_type",
    "metering_bills": "bill_id",
    "metering_registers": "meter_id, suffix",
}


# What the engine adds around a handler's result is not what these files guard, and other work
# changes it (an engine drawing one more UUID renumbers every request id; the Content-Length
# header): the SDK metadata of a lambda:invoke result and request ids are left out of the fingerprints.
_SDK_METADATA = ("SdkHttpMetadata", "SdkResponseMetadata")
_REQUEST_IDS = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


_SCALAR_TYPES = {str, int, float, bool, type(None)}


def _without_sdk_metadata(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_sdk_metadata(item) for key, item in value.items() if key not in _SDK_METADATA}
    if isinstance(value, list):
        if set(map(type, value)) <= _SCALAR_TYPES:  # (a day's interval values: nothing to leave out)
            return value
        return [_without_sdk_metadata(item) for item in value]
    return value


def digest(value: Any) -> str:
    """A short fingerprint of a JSON value (the full values would make the files tens of MB)."""
    text = json.dumps(_without_sdk_metadata(value), sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(_REQUEST_IDS.sub("<id>", text).encode()).hexdigest()[:16]


def history_shape(execution: Any) -> list[list[Any]]:
    """Each event's type and a fingerprint of its details (ids and timestamps left out: they are
    not what this guards, and another change may renumber links)."""
    return [[event.type, digest(event.details)] for event in execution.history]


def output_shape(output: list[dict[str, Any]]) -> list[list[Any]]:
    """Per Map item: its meter, its bill in full (to the cent) if it has one, and a fingerprint of
    the whole item (it carries the reading's intervals)."""
    return [[item.get("meterId"), (item.get("bill") or {}).get("Payload", {}).get("bill"), digest(item)]
            for item in output]


def table_rows(db: Path, tables: dict[str, str]) -> dict[str, list[list[Any]]]:
    """The rows of ``tables`` in key order; the usage records (hundreds of daily rows) as fingerprints."""
    conn = sqlite3.connect(db)
    try:
        rows = {table: [list(row) for row in conn.execute(f"SELECT * FROM {table} ORDER BY {key}")]
                for table, key in tables.items()}
        rows["metering_usage"] = [[row[0], digest(list(row))] for row in
                                  conn.execute("SELECT * FROM metering_usage ORDER BY reading_id")]
        return rows
    finally:
        conn.close()


def bulk_run(folder: Path, *, each_meter_once: bool = False, **execute_options: Any) -> dict[str, Any]:
    """The bulk machine over the seeded fleet: output, history shape and the rows written.

    ``each_meter_once`` drops the fleet's second readings of a meter: which of two readings of one
    meter is billed depends on which is handled first, a race when iterations run at once."""
    from aslrun import StateMachine
    from aslrun.engine.clock import VirtualClock
    from fixtures.metering.generate import generate, load_dataset
    from handlers.metering.clock import FixedClock
    from handlers.metering.lambdas import build_handlers
    from handlers.metering.periods import NEM_TZ

    db = folder / "bulk.sqlite3"
    dataset = generate(seed=7, meters=BULK_READINGS, period_days=BULK_DAYS)
    load_dataset(dataset, db)
    substitutions = json.loads((ROOT / "machines/metering.substitutions.json").read_text())
    machine = StateMachine.from_file(ROOT / "machines/bulk-meter.asl.json", substitutions=substitutions)
    clock = FixedClock(datetime(2024, 10, 15, 9, 0, tzinfo=NEM_TZ))
    readings = dataset.readings
    if each_meter_once:
        seen: set[str] = set()
        readings = [r for r in readings if not (r["meterId"] in seen or seen.add(r["meterId"]))]
    execution = machine.execute({"readings": readings}, handlers=build_handlers(db=db, clock=clock),
                                clock=VirtualClock(clock.instant, frozen=True), payload_limit=None, history_limit=None, history_keep=None, **execute_options)
    return {"status": execution.status, "output": output_shape(execution.output),
            "history": history_shape(execution),
            "tables": table_rows(db, BULK_TABLES),
            "fingerprints": reading_fingerprints(readings)}


#: the column of metering_readings that holds the reading's fingerprint
FINGERPRINT_COLUMN = 10


def reading_fingerprints(readings: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Each reading's fingerprint of both kinds: ``[the sorted JSON text's SHA-256, as the golden
    rows hold it, written before the canonical form; the fingerprint written now]``."""
    from handlers.metering.fingerprint import legacy_content_hash
    from handlers.metering.readings import READING_FIELDS, content_hash

    return {reading["readingId"]: [legacy_content_hash({key: reading[key] for key in READING_FIELDS if key in reading}),
                                   content_hash(reading)] for reading in readings}


BUA_ACCOUNTS = 150


def bua_run(folder: Path) -> dict[str, Any]:
    """The whole BUA pipeline (handlers called in order, no AWS) on a seeded retailer of
    ``BUA_ACCOUNTS`` accounts: each export file's lines, sorted (their order is not defined), and
    each stage's outcome without its timing."""
    from datetime import date

    from fixtures.bua.generate import generate
    from fixtures.bua.retailer import RetailerSpec
    from handlers.bua.pipeline import run_pipeline

    snapshot = folder / "snapshot.sqlite3"
    generate(snapshot, RetailerSpec(accounts=BUA_ACCOUNTS, seed=7, run_date=date(2024, 10, 1)))
    out = folder / "out"
    event = {"run_date": "2024-10-01", "db": str(folder / "run.sqlite3"), "snapshot": str(snapshot),
             "config": {"output_dir": str(out)}}
    report = run_pipeline(event)
    stages = {stage: {key: value for key, value in outcome.items() if key != "seconds"}
              for stage, outcome in report["stages"].items()}
    stages = json.loads(json.dumps(stages).replace(str(folder), "<folder>"))  # the paths, wherever it ran
    exports = {str(path.relative_to(out)): sorted(path.read_text().splitlines())
               for path in sorted(out.rglob("*")) if path.is_file()}
    return {"stages": stages, "exports": exports}


def normalised(value: Any) -> Any:
    """Through JSON, as the golden file holds it."""
    return json.loads(json.dumps(value, default=str))


def main() -> int:
    import tempfile

    sys.path.insert(0, str(ROOT))
    GOLDEN.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        result = normalised(bulk_run(Path(folder)))
    del result["fingerprints"]  # (the test checks the rows' fingerprints against the run's readings)
    (GOLDEN / "bulk_meter.json").write_text(json.dumps(result, indent=0, sort_keys=True) + "\n")
    print(f"bulk: {result['status']}, {len(result['output'])} items, {len(result['history'])} events")
    with tempfile.TemporaryDirectory() as folder:
        bua = normalised(bua_run(Path(folder)))
    (GOLDEN / "bua_exports.json").write_text(json.dumps(bua, indent=0, sort_keys=True) + "\n")
    print(f"bua: {len(bua['exports'])} files, {sum(len(lines) for lines in bua['exports'].values())} lines")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
