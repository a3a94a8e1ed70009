"""machines/erp-meter-import.asl.json run by the aslrun engine with the ERP import's HANDLERS.

Each fixture scenario (fixtures/erp/scenarios) runs step by step on one fresh database; the counts
and final rows are the hand-worked ones in its expected.json.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from aslrun import StateMachine
from fixtures.erp import scenario_events, scenario_expected, scenario_names
from fixtures.erp.generate import generate_event
from handlers.erp_import.lambdas import HANDLERS

ROOT = Path(__file__).resolve().parents[2]
MACHINE = ROOT / "machines" / "erp-meter-import.asl.json"
ARN_PREFIX = "arn:aws:lambda:ap-southeast-2:123456789012:function:"


@pytest.fixture(scope="module")
def machine() -> StateMachine:
    return StateMachine.from_file(MACHINE)


def run(machine: StateMachine, event: dict[str, Any], db: Path):
    return machine.execute({**event, "dbPath": str(db)}, handlers=HANDLERS)


def import_report(execution) -> dict[str, Any] | None:
    """The ImportReadings state's output (the compact report), read from the history."""
    for event in execution.history.events():
        if event.type == "TaskStateExited" and event.state_name == "ImportReadings":
            return event.details["output"]
    return None


def final_readings(db: Path) -> list[list[Any]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT external_id, source, value, timestamp FROM erp_reading").fetchall()
    return sorted([list(r) for r in rows], key=lambda r: (r[0] or "", r[3]))


def test_machine_is_deployable_shape():
    definition = json.loads(MACHINE.read_text())
    tasks = {name: s for name, s in definition["States"].items() if s["Type"] == "Task"}
    assert set(tasks) == {"ValidateConfig", "ExtractReadings", "ImportReadings"}
    for state in tasks.values():
        assert state["Resource"] == "arn:aws:states:::lambda:invoke"
        function = state["Parameters"]["FunctionName"]
        assert function.startswith(ARN_PREFIX) and function[len(ARN_PREFIX):] in HANDLERS
        assert state["Retry"][0]["ErrorEquals"][0] == "Lambda.ServiceException"


@pytest.mark.parametrize("name", scenario_names())
def test_scenario(machine, tmp_path, name):
    db = tmp_path / "erp.sqlite3"
    expected = scenario_expected(name)
    events = scenario_events(name)
    assert [file for file, _ in events] == [step["event"] for step in expected["steps"]]
    for (file, event), step in zip(events, expected["steps"], strict=True):
        execution = run(machine, event, db)
        if "error" in step:
            assert execution.status == "FAILED", file
            assert execution.error == step["error"]
            for text in step["causeContains"]:
                assert text in execution.cause
            assert import_report(execution) is None  # never reached the import
            continue
        report = import_report(execution)
        assert report is not None, (file, execution.error, execution.cause)
        assert report["counts"] == step["counts"], file
        if "meters" in step:
            assert report["entities"]["meters"]["created"] == step["meters"]
            assert report["entities"]["meter_counters"]["created"] == step["counters"]
        assert [e["error"]["code"] for e in report["errors"]] == step.get("errorCodes", [])
        if step["counts"]["errors"]:
            assert (execution.status, execution.error) == ("FAILED", "ErpReadingsRejected"), file
        else:
            assert execution.status == "SUCCEEDED", (file, execution.error, execution.cause)
            assert execution.output == report
    assert final_readings(db) == expected["finalReadings"]


def test_rejected_readings_fail_with_a_summary_but_stay_committed(machine, tmp_path):
    event = generate_event(meters=2, months=3, invalid_every=5)  # 12 readings, #5 and #10 negative
    execution = run(machine, event, tmp_path / "erp.sqlite3")
    assert (execution.status, execution.error) == ("FAILED", "ErpReadingsRejected")
    assert execution.cause == (
        "2 record(s) rejected, first: INVALID_READING_VALUE (Invalid reading value); "
        "readings created 10, updated 0, unchanged 0, deleted 0, pruned 0, skipped 0"
    )
    assert len(final_readings(tmp_path / "erp.sqlite3")) == 10


def test_config_error_fails_before_any_write(machine, tmp_path):
    event = generate_event(meters=1, months=1)
    event["config"]["meter_readings"][0]["mode"] = "purge"
    execution = run(machine, event, tmp_path / "erp.sqlite3")
    assert (execution.status, execution.error) == ("FAILED", "ErpConfigError")
    assert "mode 'purge' is not supported for meter readings" in json.loads(execution.cause)["errorMessage"]
    assert execution.history.states_entered() == ["ValidateConfig", "ImportRejected"]
    assert not (tmp_path / "erp.sqlite3").exists()


def test_extraction_error_is_caught(machine, tmp_path):
    event = generate_event(meters=1, months=1)
    event["config"]["meter_readings"][0]["jsonataExpression"] = "$error('payload has no readings block')"
    execution = run(machine, event, tmp_path / "erp.sqlite3")
    assert execution.error == "ErpExtractionError"
    assert "payload has no readings block" in execution.cause
    assert execution.history.states_entered() == ["ValidateConfig", "ExtractReadings", "ImportRejected"]


def test_missing_payload_is_an_event_error(machine, tmp_path):
    event = {"config": generate_event(meters=1, months=1)["config"]}
    execution = run(machine, event, tmp_path / "erp.sqlite3")
    assert execution.error == "ErpPayloadError"
    assert "event has neither 'payload' nor 'payloadFile'" in execution.cause


def test_nothing_to_import_skips_the_database(machine, tmp_path):
    event = {"config": {"meter_readings": [generate_event()["config"]["meter_readings"][0]]}, "payload": {"readings": []}}
    execution = run(machine, event, tmp_path / "erp.sqlite3")
    assert execution.status == "SUCCEEDED"
    assert execution.output == {"status": "nothing_to_import", "extraction": {"total": 0, "items": [{"item": 0, "count": 0}]}, "warnings": []}
    assert not (tmp_path / "erp.sqlite3").exists()


def test_files_as_input(machine, tmp_path):
    event = generate_event(meters=1, months=2)
    (tmp_path / "config.json").write_text(json.dumps(event["config"]))
    (tmp_path / "payload.json").write_text(json.dumps(event["payload"]))
    file_event = {"configFile": str(tmp_path / "config.json"), "payloadFile": str(tmp_path / "payload.json")}
    execution = run(machine, file_event, tmp_path / "erp.sqlite3")
    assert execution.status == "SUCCEEDED"
    assert execution.output["counts"]["created"] == 4


def test_large_payloads_go_by_file(machine, tmp_path):
    event = generate_event(meters=100, months=12)  # 2400 readings, about 300 KB of JSON
    assert len(json.dumps(event["payload"])) > 262_144
    inline = run(machine, event, tmp_path / "inline.sqlite3")
    assert (inline.status, inline.error) == ("FAILED", "States.DataLimitExceeded")  # as in AWS
    (tmp_path / "payload.json").write_text(json.dumps(event["payload"]))
    by_file = run(machine, {"config": event["config"], "payloadFile": str(tmp_path / "payload.json")}, tmp_path / "file.sqlite3")
    assert by_file.status == "SUCCEEDED"
    assert by_file.output["counts"]["created"] == 2400


def test_generated_batch_round_trip(machine, tmp_path):
    db = tmp_path / "erp.sqlite3"
    event = generate_event(meters=5, months=12, seed=3)  # 5 meters x 2 counters x 12 months
    first = run(machine, event, db)
    second = run(machine, event, db)
    assert first.output["counts"]["created"] == 120
    assert second.output["counts"]["unchanged"] == 120
    assert "items" not in first.output  # compact: state data stays under 256 KB
    assert len(final_readings(db)) == 120
