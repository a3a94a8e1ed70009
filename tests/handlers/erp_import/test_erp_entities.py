"""entities: meters and counters created/merged so readings can link to them."""

import json

from erp_support import METER_ENTITIES, import_readings, reading, rows

from handlers.erp_import import run_import


def meters(conn):
    return [json.loads(r[0]) for r in conn.execute("SELECT attributes FROM erp_meter ORDER BY id")]


def test_meters_and_counters_are_created_then_merged(conn):
    payload = {"meters": [{"meter_id": "M1", "meter_number": "N1", "counters": [{"meter_id": "M1", "counter_id": "C1", "tariff": "HT"}]}]}
    first = run_import({"entities": METER_ENTITIES}, payload, conn)
    assert first["entities"] == {
        "meters": {"created": 1, "updated": 0, "unchanged": 0},
        "meter_counters": {"created": 1, "updated": 0, "unchanged": 0},
    }
    assert meters(conn) == [{"external_id": "M1", "meter_number": "N1"}]
    payload["meters"][0]["meter_number"] = "N1-NEW"
    second = run_import({"entities": METER_ENTITIES}, payload, conn)
    assert second["entities"]["meters"] == {"created": 0, "updated": 1, "unchanged": 0}
    assert second["entities"]["meter_counters"] == {"created": 0, "updated": 0, "unchanged": 1}
    assert meters(conn) == [{"external_id": "M1", "meter_number": "N1-NEW"}]


def test_meter_lookup_follows_a_changed_attribute(conn):
    config = {
        "entities": [{"entity_schema": "meter", "unique_ids": [{"attribute": "external_id", "field": "id"}], "fields": [{"attribute": "meter_number", "field": "no"}]}],
        "meter_readings": [
            {
                "meter": {"unique_ids": ["meter_number"]},
                "fields": [
                    {"attribute": "external_id", "field": "rid"},
                    {"attribute": "timestamp", "field": "at"},
                    {"attribute": "source", "constant": "ERP"},
                    {"attribute": "value", "field": "v"},
                ],
            }
        ],
    }
    # Without jsonataExpression the payload itself is the one entity and the one reading.
    payload = {"id": "M1", "no": "OLD", "meter_number": "OLD", "rid": "R1", "at": "2024-01-01T00:00:00Z", "v": 1}
    assert run_import(config, payload, conn)["counts"]["created"] == 1
    moved = {**payload, "no": "NEW", "meter_number": "OLD", "rid": "R2", "at": "2024-06-01T00:00:00Z"}
    report = run_import(config, moved, conn)
    assert report["errors"][0]["error"] == {"code": "METER_NOT_FOUND", "details": {"meter_number": "OLD"}}


def test_numeric_and_text_identifiers_match(conn):
    config = {"entities": [{"entity_schema": "meter", "jsonataExpression": "$.meters", "unique_ids": [{"attribute": "external_id", "field": "meter_id"}], "fields": []}]}
    run_import(config, {"meters": [{"meter_id": 1001}]}, conn)
    readings_config = {
        "jsonataExpression": "$.readings",
        "meter": {"unique_ids": [{"attribute": "external_id", "field": "meter_id"}]},
        "fields": [
            {"attribute": "external_id", "field": "reading_id"},
            {"attribute": "timestamp", "field": "read_at"},
            {"attribute": "source", "constant": "ERP"},
            {"attribute": "value", "field": "meter_value"},
        ],
    }
    report = import_readings(conn, [reading("R1", "2024-01-15T08:00:00Z", 1, meter="1001"), reading("R2", "2024-03-15T08:00:00Z", 1, meter=1001.0)], readings_config)
    assert report["counts"]["created"] == 2
    assert {r["meter_id"] for r in rows(conn)} == {1}


def test_entity_errors_are_reported_in_the_entities_section(conn):
    payload = {"meters": [{"meter_id": None}, "junk"], }
    counters_payload = {"meters": [{"meter_id": "M1", "counters": [{"meter_id": "M9", "counter_id": "C1"}]}]}
    report = run_import({"entities": METER_ENTITIES}, payload, conn)
    assert [(e["error"]["code"], e["location"]) for e in report["errors"]] == [
        ("MISSING_FIELD", {"section": "entities", "item": 0, "record": 0}),
        ("INVALID_READING", {"section": "entities", "item": 0, "record": 1}),
    ]
    report = run_import({"entities": METER_ENTITIES}, counters_payload, conn)
    assert report["errors"][0]["error"] == {"code": "METER_NOT_FOUND", "details": {"external_id": "M9"}}
    assert report["errors"][0]["location"] == {"section": "entities", "item": 1, "record": 0}
    assert report["items"] == []


def test_same_counter_id_on_two_meters(conn):
    payload = {
        "meters": [
            {"meter_id": "M1", "counters": [{"meter_id": "M1", "counter_id": "1"}]},
            {"meter_id": "M2", "counters": [{"meter_id": "M2", "counter_id": "1"}]},
        ]
    }
    report = run_import({"entities": METER_ENTITIES}, payload, conn)
    assert report["entities"]["meter_counters"]["created"] == 2
    both = import_readings(conn, [reading("R", "2024-01-15T08:00:00Z", 1, meter="M1", counter="1"), reading("R", "2024-01-15T08:00:00Z", 2, meter="M2", counter="1")])
    assert both["counts"]["created"] == 2
