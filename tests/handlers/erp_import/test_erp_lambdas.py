"""The Lambda entry points and HANDLERS, called the way Lambda calls them (event, context)."""

import json

import pytest

from fixtures.erp import scenario_events
from fixtures.erp.generate import generate_event
from handlers.erp_import import ErpConfigError, ErpPayloadError, handler
from handlers.erp_import.lambdas import (
    HANDLERS,
    extract_readings_handler,
    import_readings_handler,
    validate_config_handler,
)


def test_handlers_map_function_names():
    assert sorted(HANDLERS) == ["ErpExtractReadings", "ErpImportReadings", "ErpMeterReadingImport", "ErpValidateConfig"]
    assert HANDLERS["ErpMeterReadingImport"] is handler


def test_validate_summary():
    event = generate_event(meters=1, months=1, mode="upsert-prune-scope")
    assert validate_config_handler(event, None) == {
        "valid": True,
        "meterReadingConfigs": 1,
        "entityConfigs": 2,
        "modes": ["upsert-prune-scope"],
        "runsWithoutReadings": True,
        "warnings": [],
    }
    readings_only = {"config": {"meter_readings": event["config"]["meter_readings"]}}
    readings_only["config"]["meter_readings"][0]["mode"] = "upsert"
    assert validate_config_handler(readings_only, None)["runsWithoutReadings"] is False


def test_validate_raises_every_problem():
    with pytest.raises(ErpConfigError) as caught:
        validate_config_handler({"config": {"meter_readings": [{"mode": "purge"}]}}, None)
    assert len(caught.value.problems) == 3  # purge, no meter, no fields


def test_extract_counts_and_optional_readings():
    event = generate_event(meters=2, months=3)
    assert extract_readings_handler(event, None) == {"items": [{"item": 0, "count": 12}], "total": 12}
    full = extract_readings_handler({**event, "includeReadings": True}, None)
    assert full["items"][0]["readings"] == event["payload"]["readings"]


def test_import_with_pre_extracted_readings(tmp_path):
    event = generate_event(meters=1, months=2)
    extracted = extract_readings_handler({**event, "includeReadings": True}, None)
    extracted["items"][0]["readings"] = extracted["items"][0]["readings"][:1]  # import only the first
    report = import_readings_handler({**event, "extracted": extracted, "dbPath": str(tmp_path / "db.sqlite3")}, None)
    assert report["counts"]["created"] == 1


def test_extracted_must_match_the_configuration(tmp_path):
    event = generate_event(meters=1, months=1)
    with pytest.raises(ErpPayloadError, match=r"event.extracted has items \[3\] but the configuration has meter_readings items \[0\]"):
        import_readings_handler({**event, "extracted": {"items": [{"item": 3, "readings": []}]}}, None)
    with pytest.raises(ErpPayloadError, match=r"event.extracted.items\[0\] needs 'item'"):
        import_readings_handler({**event, "extracted": {"items": [{"readings": []}]}}, None)


def test_full_and_compact_reports(tmp_path):
    event = {**generate_event(meters=1, months=2, invalid_every=2), "dbPath": str(tmp_path / "db.sqlite3")}
    full = handler(event, None)
    assert len(full["items"]) == 4 and full["counts"]["errors"] == 2
    compact = import_readings_handler(event, None)
    assert "items" not in compact and compact["counts"]["unchanged"] == 2 and len(compact["errors"]) == 2
    assert "items" in import_readings_handler({**event, "reportItems": True}, None)


def test_compact_report_caps_errors(tmp_path):
    event = {**generate_event(meters=60, months=1, invalid_every=1), "dbPath": str(tmp_path / "db.sqlite3")}
    report = import_readings_handler(event, None)
    assert report["counts"]["errors"] == 120
    assert len(report["errors"]) == 100 and report["errorsOmitted"] == 20


def test_handler_result_is_json(tmp_path):
    _, event = scenario_events("multi-tariff-ht-nt")[0]
    report = handler({**event, "dbPath": str(tmp_path / "db.sqlite3")}, None)
    assert json.loads(json.dumps(report)) == report
    assert report["counts"]["created"] == 4


def test_db_path_defaults_to_env(tmp_path, monkeypatch):
    monkeypatch.setenv("ASLRUN_DB", str(tmp_path / "env.sqlite3"))
    handler(generate_event(meters=1, months=1), None)
    assert (tmp_path / "env.sqlite3").exists()


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ([], "event must be a JSON object with 'config' and 'payload', got list"),
        ({"payload": {}}, "event has neither 'config' nor 'configFile'"),
        ({"configFile": "/nonexistent/config.json", "payload": {}}, "event.configFile: cannot read /nonexistent/config.json"),
    ],
)
def test_event_errors(event, message):
    with pytest.raises(ErpPayloadError) as caught:
        handler(event, None)
    assert str(caught.value).startswith(message)


def test_bad_json_file_names_line_and_column(tmp_path):
    bad = tmp_path / "payload.json"
    bad.write_text('{"readings": [\n  {"a": 1,}\n]}')
    with pytest.raises(ErpPayloadError) as caught:
        handler({"config": generate_event()["config"], "payloadFile": str(bad)}, None)
    assert str(caught.value) == f"event.payloadFile: {bad} is not JSON: Expecting property name enclosed in double quotes at line 2 column 11"  # the "}" after "1,"


def test_flags_must_be_booleans():
    with pytest.raises(ErpPayloadError, match="event.includeReadings must be true or false, got 'yes'"):
        extract_readings_handler({**generate_event(), "includeReadings": "yes"}, None)
