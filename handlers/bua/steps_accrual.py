"""Lambda entry points of the reset-basicreads, basicreads, nem12, invoiceruns and export stages.

Each per-account stage has a list step (its accounts as a worklist in batches) and a batch step;
the export stage adds reset, write and copy steps around its batches.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from .basicreads import create_basic_reads, reset_basic_reads
from .events import Batch, Context, common_fields, open_context
from .export import copy_outbound, prepare_batch, reset_export, write_csvs
from .invoices import simulate_batch
from .nem12_stage import generate_batch, nem12_folder
from .runner import run_batches
from .s3_upload import s3_target, upload_files
from .steps_profile import list_handler, load_profile, single_step
from .store import output_dir

__all__ = [
    "basicreads_batch_handler",
    "basicreads_list_handler",
    "export_batch_handler",
    "export_copy_handler",
    "export_list_handler",
    "export_reset_handler",
    "export_write_handler",
    "invoice_batch_handler",
    "invoice_list_handler",
    "nem12_batch_handler",
    "nem12_list_handler",
    "reset_batch_handler",
    "reset_list_handler",
]


def reset_list_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaResetBasicReadsList: batches of the basic-meter accounts."""
    return list_handler(event, "reset-basicreads", "basic")


def reset_batch_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaResetBasicReadsBatch: delete this run's estimated reads for one batch."""
    return run_batches(event, "reset-basicreads",
                       lambda ctx, b: reset_basic_reads(ctx.conn, ctx.info, b))


def basicreads_list_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaBasicReadsList: batches of the unbilled basic-meter accounts."""
    return list_handler(event, "basicreads", "unbilled_basic")


def basicreads_batch_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaBasicReadsBatch: estimated reads at the end of the unbilled days, one batch."""
    def work(ctx: Context, batch: Batch) -> dict[str, Any]:
        return create_basic_reads(ctx.conn, ctx.info, batch, load_profile(ctx))
    return run_batches(event, "basicreads", work, writes_last=True)  # (it reads no estimate)


def nem12_list_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaNem12List (bua_list_profile_nmis): batches of unbilled interval accounts; old files
    of the run are removed first."""
    with open_context(event) as ctx:
        folder = nem12_folder(output_dir(ctx.info, ctx.db_path))
    if folder.exists():
        shutil.rmtree(folder)
    return list_handler(event, "nem12", "unbilled_interval")


def nem12_batch_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaNem12Batch: estimate, write, read back and load one batch's missing days."""
    def work(ctx: Context, batch: Batch) -> dict[str, Any]:
        out = output_dir(ctx.info, ctx.db_path)
        return generate_batch(ctx.conn, ctx.info, batch, load_profile(ctx), out)
    return run_batches(event, "nem12", work, writes_last=True)  # (it reads no estimate)


def invoice_list_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaInvoiceList (bua_initiate_invoice_runs): batches of the unbilled accounts."""
    return list_handler(event, "invoiceruns", "unbilled")


def invoice_batch_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaInvoiceBatch (RUN_INVOICE_BATCH): simulated invoices for one batch."""
    def work(ctx: Context, batch: Batch) -> dict[str, Any]:
        return simulate_batch(ctx.conn, ctx.info, batch, load_profile(ctx))
    return run_batches(event, "invoiceruns", work, writes_last=True)  # (it reads nothing it writes)


def export_reset_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaExportReset: truncate the export tables, remove old export files."""
    return single_step(event, lambda ctx: reset_export(ctx.conn, ctx.info,
                                                       output_dir(ctx.info, ctx.db_path)))


def export_list_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaExportList: batches of the accrued accounts."""
    return list_handler(event, "export", "unbilled")


def export_batch_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaExportBatch (bua_prepare_export_data): export rows for one batch."""
    return run_batches(event, "export", lambda ctx, b: prepare_batch(ctx.conn, ctx.info, b),
                       writes_last=True)  # (it reads nothing it writes)


def export_write_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaExportWrite: BUAAccountSummary.csv and InvoiceLineItemMonthly.csv, written locally and,
    when the event names ``s3: {bucket, prefix}``, uploaded there (``uploaded``: bucket, key)."""
    target = s3_target(common_fields(event).get("s3"))
    with open_context(event) as ctx:
        result = write_csvs(ctx.conn, ctx.info, output_dir(ctx.info, ctx.db_path))
    if target is not None:
        result["uploaded"] = upload_files([Path(f) for f in result["files"]], target)
    return {"run_date": ctx.key, **result}


def export_copy_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """Driver step: the CSVs copied to the local outbound folder (the machine copies in S3)."""
    with open_context(event) as ctx:
        out = output_dir(ctx.info, ctx.db_path)
    return {"run_date": ctx.key, **copy_outbound(out)}
