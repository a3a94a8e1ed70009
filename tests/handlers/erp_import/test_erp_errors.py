"""Rejected readings in the documented error shapes, and all-or-nothing batches."""

import math

import pytest
from erp_support import BASE_READING_CONFIG, METER_ENTITIES, import_readings, reading, reading_config, rows

from handlers.erp_import import ErpExtractionError, run_import


def test_meter_not_found_documented_shape(seeded):
    config = reading_config(meter={"unique_ids": ["meter_number"]}, meter_counter=None)
    report = import_readings(seeded, [reading("R1", "2024-01-15T08:00:00Z", 1, meter_number="M999")], config)
    (error,) = report["errors"]
    assert {k: error[k] for k in ("status", "message", "error")} == {
        "status": "error",
        "message": "Meter not found",
        "error": {"code": "METER_NOT_FOUND", "details": {"meter_number": "M999"}},
    }
    assert error["location"] == {"section": "meter_readings", "item": 0, "record": 0}
    assert report["status"] == "completed_with_errors"
    assert rows(seeded) == []


def test_invalid_reading_value_documented_shape(seeded):
    report = import_readings(seeded, [reading("R1", "2024-01-15T08:00:00Z", "not-a-number")])
    (error,) = report["errors"]
    assert {k: error[k] for k in ("status", "message", "error")} == {
        "status": "error",
        "message": "Invalid reading value",
        "error": {"code": "INVALID_READING_VALUE", "details": {"field": "value", "received": "not-a-number"}},
    }


@pytest.mark.parametrize("bad", [-0.5, True, "12500", [1], {"v": 1}])
def test_invalid_values(seeded, bad):
    report = import_readings(seeded, [reading("R1", "2024-01-15T08:00:00Z", bad)])
    assert report["errors"][0]["error"] == {"code": "INVALID_READING_VALUE", "details": {"field": "value", "received": bad}}


def test_non_finite_value_from_python_is_rejected(seeded):
    report = import_readings(seeded, [reading("R1", "2024-01-15T08:00:00Z", math.inf)])
    assert report["errors"][0]["error"]["details"] == {"field": "value", "received": "inf"}


@pytest.mark.parametrize("good", [0, 0.0, 12500, 12500.5])
def test_valid_values(seeded, good):
    assert import_readings(seeded, [reading("R1", "2024-01-15T08:00:00Z", good)])["counts"]["created"] == 1


def test_value_expression_error_is_an_invalid_reading_value(seeded):
    fields = BASE_READING_CONFIG["fields"][:3] + [
        {"attribute": "value", "jsonataExpression": "meter_value >= 0 ? meter_value : $error('Negative reading value')"}
    ]
    report = import_readings(
        seeded, [reading("R1", "2024-01-15T08:00:00Z", -5), reading("R2", "2024-03-15T08:00:00Z", 5)], reading_config(fields=fields)
    )
    assert report["counts"]["created"] == 1
    assert report["errors"][0]["error"] == {
        "code": "INVALID_READING_VALUE",
        "details": {"field": "value", "message": "Negative reading value"},
    }


def test_number_cast_in_value_expression(seeded):
    fields = BASE_READING_CONFIG["fields"][:3] + [{"attribute": "value", "jsonataExpression": "$number(meter_value)"}]
    report = import_readings(
        seeded,
        [reading("R1", "2024-01-15T08:00:00Z", "12500.5"), reading("R2", "2024-03-15T08:00:00Z", "nan")],
        reading_config(fields=fields),
    )
    assert report["counts"]["created"] == 1 and rows(seeded)[0]["value"] == 12500.5
    assert report["errors"][0]["error"]["code"] == "INVALID_READING_VALUE"
    assert "Unable to cast value to a number" in report["errors"][0]["error"]["details"]["message"]


def test_other_field_expression_error(seeded):
    fields = BASE_READING_CONFIG["fields"] + [{"attribute": "note", "jsonataExpression": "$error('no note')"}]
    report = import_readings(seeded, [reading("R1", "2024-01-15T08:00:00Z", 1)], reading_config(fields=fields))
    assert report["errors"][0]["error"] == {"code": "FIELD_EXPRESSION_FAILED", "details": {"attribute": "note", "message": "no note"}}


def test_invalid_source_and_reason_from_fields(seeded):
    fields = BASE_READING_CONFIG["fields"][:2] + [
        {"attribute": "source", "field": "src"},
        {"attribute": "value", "field": "meter_value"},
        {"attribute": "reason", "field": "why"},
    ]
    config = reading_config(fields=fields)
    report = import_readings(
        seeded,
        [
            reading("R1", "2024-01-15T08:00:00Z", 1, src="SAP", why="regular"),
            reading("R2", "2024-03-15T08:00:00Z", 1, src="ERP", why="estimated"),
            reading("R3", "2024-05-15T08:00:00Z", 1, src="journey-submission", why=""),
            reading("R4", "2024-07-15T08:00:00Z", 1, src="360", why="meter_change"),
        ],
        config,
    )
    codes = [(e["location"]["record"], e["error"]["code"]) for e in report["errors"]]
    assert codes == [(0, "INVALID_SOURCE"), (1, "INVALID_REASON")]
    assert report["errors"][1]["error"]["details"]["received"] == "estimated"
    assert [(r["external_id"], r["source"], r["reason"]) for r in rows(seeded)] == [
        ("R3", "journey-submission", None),
        ("R4", "360", "meter_change"),
    ]


def test_bad_timestamps(seeded):
    report = import_readings(
        seeded,
        [
            reading("R1", "15.01.2024", 1),
            reading("R2", None, 1),
            reading("R3", "2024-03-31T02:30:00", 1),
        ],
    )
    errors = [e["error"] for e in report["errors"]]
    assert errors[0]["code"] == "INVALID_TIMESTAMP" and errors[0]["details"]["received"] == "15.01.2024"
    assert errors[1] == {"code": "MISSING_FIELD", "details": {"field": "timestamp"}}
    assert errors[2]["code"] == "INVALID_TIMESTAMP" and "does not exist in Europe/Berlin" in errors[2]["details"]["reason"]


def test_counter_not_found_and_non_object_reading(seeded):
    report = import_readings(seeded, [reading("R1", "2024-01-15T08:00:00Z", 1, counter="C9"), "junk"])
    assert [e["error"] for e in report["errors"]] == [
        {"code": "METER_COUNTER_NOT_FOUND", "details": {"external_id": "C9"}},
        {"code": "INVALID_READING", "details": {"received_type": "str"}},
    ]


def test_missing_meter_identifier(seeded):
    report = import_readings(seeded, [reading("R1", "2024-01-15T08:00:00Z", 1, meter=None)])
    error = report["errors"][0]
    assert error["error"] == {"code": "METER_NOT_FOUND", "details": {"external_id": None}}
    assert error["message"] == "Meter not found (no meter identifier in the record)"


def test_good_readings_are_kept_next_to_rejected_ones(seeded):
    report = import_readings(
        seeded,
        [reading("R1", "2024-01-15T08:00:00Z", 1), reading("R2", "2024-02-15T08:00:00Z", -1), reading("R3", "2024-03-15T08:00:00Z", 3)],
    )
    assert report["counts"]["created"] == 2 and report["counts"]["errors"] == 1
    assert [i["action"] for i in report["items"]] == ["created", "error", "created"]


# --- all-or-nothing ---------------------------------------------------------------------------


def test_exception_mid_batch_rolls_everything_back(conn, monkeypatch):
    from handlers.erp_import import readings as readings_module

    real_insert = readings_module.insert_reading
    calls = {"n": 0}

    def failing_insert(connection, record):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk on fire")
        return real_insert(connection, record)

    monkeypatch.setattr(readings_module, "insert_reading", failing_insert)
    config = {"entities": METER_ENTITIES, "meter_readings": [reading_config()]}
    payload = {
        "meters": [{"meter_id": "M1", "counters": [{"meter_id": "M1", "counter_id": "C1"}]}],
        "readings": [reading(f"R{n}", f"2024-0{n}-15T08:00:00Z", n) for n in range(1, 6)],
    }
    with pytest.raises(RuntimeError, match="disk on fire"):
        run_import(config, payload, conn)
    assert calls["n"] == 3
    for table in ("erp_meter", "erp_counter", "erp_reading", "erp_meter_key"):
        assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0, table


def test_rollback_keeps_earlier_batches(seeded, monkeypatch):
    import_readings(seeded, [reading("KEEP", "2024-01-15T08:00:00Z", 1)])
    from handlers.erp_import import readings as readings_module

    def boom(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(readings_module, "update_reading", boom)
    with pytest.raises(RuntimeError):
        import_readings(seeded, [reading("NEW", "2024-03-15T08:00:00Z", 2), reading("KEEP", "2024-01-15T08:00:00Z", 9)])
    assert [(r["external_id"], r["value"]) for r in rows(seeded)] == [("KEEP", 1)]


def test_extraction_failure_aborts_before_any_write(seeded):
    config = {
        "meter_readings": [
            reading_config(),
            reading_config(jsonataExpression="$count(readings) > 1 ? $error('too many') : readings"),
        ]
    }
    payload = {"readings": [reading("R1", "2024-01-15T08:00:00Z", 1), reading("R2", "2024-03-15T08:00:00Z", 2)]}
    with pytest.raises(ErpExtractionError) as caught:
        run_import(config, payload, seeded)
    assert str(caught.value) == "Meter readings configuration (item 1): jsonataExpression failed on the payload: too many"
    assert rows(seeded) == []
