"""Lambda-compatible entry points, and ``HANDLERS`` for machines/erp-meter-import.asl.json.

Event (every entry point reads the same one, so a state machine can pass its input through)::

    {"config":  {"entities": [...], "meter_readings": [...]},   # or "configFile": "path.json"
     "payload": {...},                                          # or "payloadFile": "path.json"
     "dbPath":  "imports/erp.sqlite3",                          # optional: else $ASLRUN_DB, else
                                                                #   .aslrun/aslrun.sqlite3
     "extracted": {"items": [{"item": 0, "readings": [...]}]},  # optional: ErpExtractReadings' output
     "includeReadings": true,                                   # optional, ErpExtractReadings
     "reportItems": true}                                       # optional, ErpImportReadings

Entry points (function name -> callable in :data:`HANDLERS`):

* ``ErpValidateConfig``  -> ``{"valid": true, "meterReadingConfigs", "entityConfigs", "modes",
  "runsWithoutReadings", "warnings"}``; raises ``ErpConfigError`` (every problem, each naming its
  place). ``runsWithoutReadings``: entities or a prune mode make an import useful even when the
  payload yields no readings.
* ``ErpExtractReadings`` -> ``{"items": [{"item", "count"}], "total"}`` (with
  ``"includeReadings": true`` each item also has ``readings``, usable as ``extracted``); raises
  ``ErpExtractionError`` when a top-level ``jsonataExpression`` fails. No database access.
* ``ErpImportReadings``  -> the compact import report (no ``items``, at most 100 ``errors``: Step
  Functions caps a state's data at 256 KB); ``"reportItems": true`` gives the full report. One
  transaction per call.
* ``ErpMeterReadingImport`` (also :func:`handler`) -> validate + extract + import in one call,
  full report (``"reportItems": false`` for the compact one).

Failures raise (Step Functions names them after the class: ``ErpConfigError``,
``ErpPayloadError``, ``ErpExtractionError``); rejected readings do not raise, they are in the report.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .config import ImportConfig, parse_config
from .errors import ErpPayloadError
from .importer import extract_readings, import_batch, open_database

COMPACT_MAX_ERRORS = 100

__all__ = ["HANDLERS", "extract_readings_handler", "handler", "import_readings_handler", "validate_config_handler"]


def validate_config_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """Check the mapping configuration; the summary says what the import will do."""
    config = _config(event)
    return {
        "valid": True,
        "meterReadingConfigs": len(config.readings),
        "entityConfigs": len(config.entities),
        "modes": [reading.mode for reading in config.readings],
        "runsWithoutReadings": bool(config.entities)
        or any(reading.mode == "upsert-prune-scope" for reading in config.readings),
        "warnings": list(config.warnings),
    }


def extract_readings_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """Evaluate each reading configuration's ``jsonataExpression`` on the payload."""
    config = _config(event)
    batches = extract_readings(config, _payload(event))
    include = _flag(event, "includeReadings", default=False)
    items = []
    for reading, batch in zip(config.readings, batches, strict=True):
        entry: dict[str, Any] = {"item": reading.item, "count": len(batch)}
        if include:
            entry["readings"] = batch
        items.append(entry)
    return {"items": items, "total": sum(len(batch) for batch in batches)}


def import_readings_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """Import one batch (entities, then readings) in one transaction; the compact report."""
    return _import(event, full_by_default=False)


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    """The whole import in one Lambda call (validate, extract, import); the full report."""
    return _import(event, full_by_default=True)


HANDLERS: dict[str, Callable[[Any, Any], dict[str, Any]]] = {
    "ErpExtractReadings": extract_readings_handler,
    "ErpImportReadings": import_readings_handler,
    "ErpMeterReadingImport": handler,
    "ErpValidateConfig": validate_config_handler,
}


def _import(event: Any, *, full_by_default: bool) -> dict[str, Any]:
    config = _config(event)
    payload = _payload(event)
    extracted = _extracted(event, config)
    full = _flag(event, "reportItems", default=full_by_default)
    conn = open_database(_event(event).get("dbPath"))
    try:
        report = import_batch(config, payload, conn, extracted=extracted)
    finally:
        conn.close()
    return report.to_json() if full else report.to_json(items=False, max_errors=COMPACT_MAX_ERRORS)


def _flag(event: Any, name: str, *, default: bool) -> bool:
    value = _event(event).get(name, default)
    if not isinstance(value, bool):
        raise ErpPayloadError(f"event.{name} must be true or false, got {value!r}")
    return value


def _event(event: Any) -> Mapping[str, Any]:
    if not isinstance(event, Mapping):
        raise ErpPayloadError(f"event must be a JSON object with 'config' and 'payload', got {type(event).__name__}")
    return event


def _config(event: Any) -> ImportConfig:
    return parse_config(_document(_event(event), "config"))


def _payload(event: Any) -> Any:
    return _document(_event(event), "payload")


def _document(event: Mapping[str, Any], name: str) -> Any:
    """``event[name]``, or the JSON file ``event[name + 'File']``."""
    if name in event:
        return event[name]
    file_key = f"{name}File"
    if file_key not in event:
        raise ErpPayloadError(f"event has neither '{name}' nor '{file_key}'")
    path = Path(str(event[file_key]))
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ErpPayloadError(f"event.{file_key}: cannot read {path}: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ErpPayloadError(f"event.{file_key}: {path} is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def _extracted(event: Any, config: ImportConfig) -> list[list[Any]] | None:
    """``event['extracted']`` (ErpExtractReadings' output) as one list per reading configuration."""
    raw = _event(event).get("extracted")
    if raw is None:
        return None
    items = raw.get("items") if isinstance(raw, Mapping) else None
    if not isinstance(items, list):
        raise ErpPayloadError("event.extracted must be ErpExtractReadings' output: {\"items\": [...]}")
    by_item: dict[int, list[Any]] = {}
    for position, entry in enumerate(items):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("readings"), list) or not isinstance(entry.get("item"), int):
            raise ErpPayloadError(f"event.extracted.items[{position}] needs 'item' (integer) and 'readings' (list)")
        by_item[entry["item"]] = entry["readings"]
    expected = [reading.item for reading in config.readings]
    if sorted(by_item) != expected:
        raise ErpPayloadError(
            f"event.extracted has items {sorted(by_item)} but the configuration has meter_readings items {expected}"
        )
    return [by_item[item] for item in expected]
