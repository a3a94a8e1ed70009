"""ERP Toolkit meter-reading import (seed 002), offline, into the shared SQLite database.

Use from Python::

    from handlers.erp_import import open_database, run_import
    conn = open_database("erp.sqlite3")
    report = run_import(config, payload, conn)      # {"status", "counts", "items", "errors", ...}

or as a Lambda (``handler(event, context)``, event ``{"config", "payload", "dbPath"?}``), or through
``machines/erp-meter-import.asl.json`` with :data:`handlers.erp_import.lambdas.HANDLERS`.
See README.md in this folder for the configuration, the semantics and every decision taken where
the ERP Toolkit documentation is silent.
"""

from __future__ import annotations

from .config import ImportConfig, parse_config
from .errors import ErpConfigError, ErpExtractionError, ErpImportError, ErpPayloadError, ReadingError
from .importer import extract_readings, import_batch, open_database, run_import
from .lambdas import HANDLERS, handler
from .report import ImportReport
from .schema import SCHEMA
from .timestamps import berlin_date, parse_timestamp

__all__ = [
    "HANDLERS",
    "SCHEMA",
    "ErpConfigError",
    "ErpExtractionError",
    "ErpImportError",
    "ErpPayloadError",
    "ImportConfig",
    "ImportReport",
    "ReadingError",
    "berlin_date",
    "extract_readings",
    "handler",
    "import_batch",
    "open_database",
    "parse_config",
    "parse_timestamp",
    "run_import",
]
