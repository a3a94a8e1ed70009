"""BuaRunReport: what a finished (or failed) run produced, the controller's output.

Stage statuses come from the event (the controller reads them from the DynamoDB control table)
or, for the engine-free driver, from the run database. Given the control record too (the
controller passes it), the report says which stages this run ran and which it skipped because an
earlier run of the run date had done them (``ran`` / ``skipped``). The totals come from the run database.
The report names every place the two CSVs are: the local copy the export step wrote, and, when
the export went to S3, the object in the export bucket, its copy in the integration bucket, and
the file under which ``aslrun aws execute`` keeps that object in its state directory
(``<aws_state>/objects/<bucket>/<key>``)::

    {"run_date": "2024-10-01", "complete": true, "stages": {"restore": "SUCCEEDED", ...},
     "ran": ["export", "terminate"], "skipped": ["restore", ...],   # a resumed run: what it ran
     "accounts_accrued": 118, "accrued_ex_gst": "42177.00", "gst": "4217.76", ...,
     "exports": {"BUAAccountSummary": {"file": ".aslrun/bua/bua-out/.../BUAAccountSummary.csv",
                                       "s3": "s3://tst-anstead-s3-bua/export/csv/2024-10-01/...",
                                       "outbound": "s3://tst-anstead-s3-rw-integration/ADH/...",
                                       "aws_state_file": ".aslrun/aws/objects/tst-anstead-s3-bua/..."},
                 "InvoiceLineItemMonthly": {...}}}
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from .control import STAGES, plan
from .errors import BadEvent
from .events import common_fields, open_context, run_date_of
from .export import FILES, csv_folder
from .store import load_run, output_dir, run_db_path

__all__ = ["EXPORT_NAMES", "report_handler"]

EXPORT_NAMES = tuple(name.removesuffix(".csv") for name in FILES.values())
"""The two exports: BUAAccountSummary and InvoiceLineItemMonthly."""


def _given_stages(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping) or set(value) != set(STAGES) or not all(
            isinstance(status, str) for status in value.values()):
        raise BadEvent(f"stages: expected the status of each of {', '.join(STAGES)}")
    return {stage: value[stage] for stage in STAGES}


def _ran_and_skipped(control: Any) -> dict[str, list[str]]:
    """Which stages this run ran and which it skipped (done by an earlier run of the run date), from the
    control record (DynamoDB's typed JSON): a stage started before the run started was skipped. Nothing
    when the record is not given (the report lambda called on its own)."""
    if not isinstance(control, Mapping):
        return {}
    run_started = (control.get("run_started_at") or {}).get("S")
    if not isinstance(run_started, str):
        return {}
    ran: list[str] = []
    skipped: list[str] = []
    for stage in STAGES:
        record = (control.get(stage) or {}).get("M") or {}
        started = (record.get("started_at") or {}).get("S")
        (ran if isinstance(started, str) and started >= run_started else skipped).append(stage)
    return {"ran": ran, "skipped": skipped}


def _text_field(locations: Mapping[str, Any], name: str) -> str:
    value = locations.get(name)
    if not isinstance(value, str) or not value:
        raise BadEvent(f"s3.{name}: expected a name, got {value!r}")
    return value


def _s3_places(locations: Any, name: str) -> dict[str, str]:
    """Where the export put ``name`` in S3 (and where aslrun's state directory keeps it)."""
    if not isinstance(locations, Mapping):
        raise BadEvent("s3: expected {bucket, prefix, outbound_bucket, outbound_prefix}")
    bucket, prefix = _text_field(locations, "bucket"), _text_field(locations, "prefix")
    outbound = _text_field(locations, "outbound_bucket")
    outbound_prefix = _text_field(locations, "outbound_prefix")
    key = f"{prefix}{name}.csv"
    places = {"s3": f"s3://{bucket}/{key}", "outbound": f"s3://{outbound}/{outbound_prefix}{name}.csv"}
    state = locations.get("aws_state")
    if isinstance(state, str) and state:
        places["aws_state_file"] = str(Path(state) / "objects" / bucket / key)
    return places


def report_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """The run's stage statuses, totals and exported files (see the module docstring)."""
    run_date = run_date_of(event)
    fields = common_fields(event)
    given = _given_stages(fields["stages"]) if fields.get("stages") is not None else None
    path = run_db_path(fields.get("db"), run_date)
    if path != ":memory:" and not Path(path).exists():
        report: dict[str, Any] = {"run_date": run_date.isoformat(), "db": path,
                                  "database": "deleted"}
        if given is not None:
            report.update(complete=all(s == "SUCCEEDED" for s in given.values()), stages=given)
        return report
    with open_context(event, need_run=False) as ctx:
        stages = given if given is not None else plan(ctx.conn, ctx.run_date)["stages"]
        row = ctx.conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(amount_cents), 0), COALESCE(SUM(gst_cents), 0), "
            "COALESCE(SUM(flags LIKE '%ERROR:%'), 0) FROM invoice_summary WHERE run_date = ?",
            (ctx.key,)).fetchone()
        run = load_run(ctx.conn, ctx.run_date) if stages.get("export") == "SUCCEEDED" else None
    report = {"run_date": ctx.key, "db": path,
              "complete": all(status == "SUCCEEDED" for status in stages.values()),
              "stages": stages, **_ran_and_skipped(fields.get("control")), "accounts_accrued": row[0],
              "accrued_ex_gst": str(Decimal(row[1]).scaleb(-2)),
              "gst": str(Decimal(row[2]).scaleb(-2)), "account_errors": row[3]}
    if run is not None:  # where the export stage wrote the CSVs
        folder = csv_folder(output_dir(run, path))
        report["exports"] = {}
        for name in EXPORT_NAMES:
            places = {"file": str(folder / f"{name}.csv")}
            if fields.get("s3") is not None:
                places.update(_s3_places(fields["s3"], name))
            report["exports"][name] = places
    return report
