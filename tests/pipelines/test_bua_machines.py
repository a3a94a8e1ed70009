"""The BUA machines end to end on the aslrun engine: the controller runs the 13 stage machines as
nested executions (startExecution.sync:2) with the real handlers, on the hand-made snapshot of
tests/handlers/bua, and gives the same results as calling the handlers directly."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from aslrun import StateMachine, VirtualClock
from aslrun.model import load_substitutions
from fixtures.bua.cases import cases_event, run_fingerprint
from handlers.bua import steps_accrual
from handlers.bua.control import STAGES
from handlers.bua.lambdas import HANDLERS
from handlers.bua.pipeline import run_pipeline
from handlers.bua.runner import plan_handler

ROOT = Path(__file__).resolve().parents[2]
MACHINES = ROOT / "machines" / "bua"

SUBSTITUTIONS = load_substitutions(MACHINES / "substitutions.json")


def controller() -> StateMachine:
    return StateMachine.from_file(MACHINES / "bua.asl.json", substitutions=SUBSTITUTIONS)


def execute(machine: StateMachine, event: dict):
    return machine.execute(event, handlers=HANDLERS, clock=VirtualClock(start="2024-10-01T01:00:00Z"))


def test_every_machine_loads_and_every_placeholder_is_bound():
    files = sorted(p.name for p in MACHINES.glob("*.asl.json"))
    assert files == sorted(["bua.asl.json"] + [f"bua-{s}.asl.json" for s in STAGES])
    placeholders = set()
    for path in MACHINES.glob("*.asl.json"):
        placeholders |= set(re.findall(r"\$\{(\w+)\}", path.read_text()))
        StateMachine.from_file(path, substitutions=SUBSTITUTIONS)  # validates
    assert placeholders == set(SUBSTITUTIONS)
    functions = {v.rsplit(":", 1)[-1] for k, v in SUBSTITUTIONS.items() if k.endswith("FunctionArn")}
    assert functions == set(HANDLERS)
    machines = {v.rsplit(":", 1)[-1] for k, v in SUBSTITUTIONS.items()
                if k.endswith("StateMachineArn")}
    assert machines == {f"bua-{s}" for s in STAGES}
    assert all(v.startswith("arn:aws:states:ap-southeast-2:123456789012:stateMachine:")
               for k, v in SUBSTITUTIONS.items() if k.endswith("StateMachineArn"))


def test_controller_runs_every_stage_and_matches_the_direct_run(tmp_path):
    direct = cases_event(tmp_path / "direct")
    run_pipeline(direct)
    event = cases_event(tmp_path / "asl")
    execution = execute(controller(), event)
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    names = [child.state_machine_name for child in execution.children]
    assert names == [f"bua-{s}" for s in STAGES]
    assert all(child.status == "SUCCEEDED" for child in execution.children)
    ours = run_fingerprint(event["db"], event["config"]["output_dir"])
    theirs = run_fingerprint(direct["db"], direct["config"]["output_dir"])
    assert ours == theirs
    assert plan_handler(event)["complete"] is True
    # the run date went to every stage: all control rows are for it
    conn = sqlite3.connect(event["db"])
    assert conn.execute("SELECT DISTINCT run_date FROM bua_control").fetchall() == [("2024-10-01",)]
    conn.close()


def test_a_failed_run_resumes_from_the_failed_stage(tmp_path, monkeypatch):
    event = cases_event(tmp_path)

    def broken(*args, **kwargs):
        raise RuntimeError("meter data service refused the file")

    monkeypatch.setattr(steps_accrual, "generate_batch", broken)
    failed = execute(controller(), event)
    assert failed.status == "FAILED" and failed.error == "BuaRunFailed"
    nem12 = failed.children[-1]
    assert nem12.state_machine_name == "bua-nem12" and nem12.status == "FAILED"
    plan = plan_handler(event)
    assert plan["next"] == "nem12" and "refused the file" in plan["errors"]["nem12"]

    monkeypatch.undo()
    resumed = execute(controller(), event)
    assert resumed.status == "SUCCEEDED"
    assert [c.state_machine_name for c in resumed.children] == [
        f"bua-{s}" for s in STAGES[STAGES.index("nem12"):]]


def test_failed_invoice_batches_are_resubmitted_by_the_stage_machine(tmp_path, monkeypatch):
    event = cases_event(tmp_path)
    real = steps_accrual.simulate_batch
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] < 3:  # the first attempt and the first resubmission fail
            raise sqlite3.OperationalError("database is locked")
        return real(*args, **kwargs)

    monkeypatch.setattr(steps_accrual, "simulate_batch", flaky)
    execution = execute(controller(), event)
    assert execution.status == "SUCCEEDED" and calls["n"] == 3
    conn = sqlite3.connect(event["db"])
    assert conn.execute("SELECT status, attempts FROM bua_batch WHERE stage = 'invoiceruns'"
                        ).fetchone() == ("SUCCEEDED", 3)
    conn.close()


def test_a_stage_machine_run_by_hand_with_the_same_run_date_changes_nothing(tmp_path):
    event = cases_event(tmp_path)
    assert execute(controller(), event).status == "SUCCEEDED"
    before = run_fingerprint(event["db"], event["config"]["output_dir"])
    for stage in ("segments", "microscalar", "basicreads", "nem12", "invoiceruns", "export"):
        machine = StateMachine.from_file(MACHINES / f"bua-{stage}.asl.json",
                                         substitutions=SUBSTITUTIONS)
        execution = execute(machine, {"run_date": event["run_date"], "db": event["db"]})
        assert execution.status == "SUCCEEDED", (stage, execution.error, execution.cause)
    assert run_fingerprint(event["db"], event["config"]["output_dir"]) == before


def test_a_stage_machine_run_out_of_order_fails_and_says_why(tmp_path):
    event = cases_event(tmp_path)
    restore = StateMachine.from_file(MACHINES / "bua-restore.asl.json", substitutions=SUBSTITUTIONS)
    assert execute(restore, event).status == "SUCCEEDED"
    machine = StateMachine.from_file(MACHINES / "bua-invoiceruns.asl.json",
                                     substitutions=SUBSTITUTIONS)
    execution = execute(machine, {"run_date": event["run_date"], "db": event["db"]})
    assert execution.status == "FAILED" and execution.error == "BuaStageFailed"
    status = plan_handler(event)
    assert status["stages"]["invoiceruns"] == "FAILED"
    assert "needs basicreads, nem12 to have succeeded first" in status["errors"]["invoiceruns"]


def test_one_command_runs_everything_on_the_embedded_default_fixture(tmp_path, monkeypatch):
    monkeypatch.setenv("ASLRUN_BUA_SNAPSHOTS", str(tmp_path / "snapshots"))
    db = tmp_path / "run.sqlite3"
    execution = execute(controller(), {"run_date": "2024-10-01", "db": str(db)})
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    out = tmp_path / "bua-out" / "2024-10-01" / "export" / "csv"
    summary = (out / "BUAAccountSummary.csv").read_text().splitlines()
    assert len(summary) > 150  # header + most of the 200 synthetic accounts have unbilled days
    conn = sqlite3.connect(db)
    stats = dict(conn.execute("SELECT flag, COUNT(*) FROM micro_scalar GROUP BY flag").fetchall())
    assert stats["BILLED"] > 100 and stats.get("NO_HISTORY", 0) + stats.get("METERED", 0) >= 1
    assert conn.execute("SELECT COUNT(*) FROM interval_read WHERE source = 'BUA'").fetchone()[0] > 0
    assert conn.execute("SELECT COUNT(*) FROM invoice_summary WHERE flags LIKE '%ERROR%'"
                        ).fetchone()[0] == 0
    conn.close()
    report = json.loads(json.dumps(execution.output))
    assert report["run_date"] == "2024-10-01" and report["complete"] is True
    assert set(report["stages"].values()) == {"SUCCEEDED"} and report["account_errors"] == 0
    assert float(report["accrued_ex_gst"]) > 0 and float(report["gst"]) > 0


@pytest.mark.parametrize("name", [f"bua-{s}" for s in STAGES])
def test_each_stage_machine_records_its_stage_in_the_control_table(name):
    definition = json.loads((MACHINES / f"{name}.asl.json").read_text())
    begin = definition["States"]["BeginStage"]["Parameters"]
    assert begin["FunctionName"] == "${BuaStageBeginFunctionArn}"
    assert begin["Payload"]["stage"] == name.removeprefix("bua-")
    assert definition["States"]["StageFailed"]["Next"] == "Failed"


def test_a_batch_that_never_reports_back_is_waited_for_then_resubmitted(tmp_path):
    """A worker that dies mid-batch (an SQS message lost, in production): the queue never
    empties, the stage machine polls (Wait + Choice) up to its limit, then resubmits it."""
    event = cases_event(tmp_path)
    real = HANDLERS["BuaMicroScalarBatch"]
    calls = {"n": 0}

    def lost_once(payload, context):
        calls["n"] += 1
        if calls["n"] == 1:
            return {"failed": 0}  # nothing done, nothing recorded
        return real(payload, context)

    execution = StateMachine.from_file(MACHINES / "bua.asl.json", substitutions=SUBSTITUTIONS) \
        .execute(event, handlers={**HANDLERS, "BuaMicroScalarBatch": lost_once},
                 clock=VirtualClock(start="2024-10-01T01:00:00Z"))
    assert execution.status == "SUCCEEDED" and calls["n"] == 2
    microscalar = next(c for c in execution.children if c.state_machine_name == "bua-microscalar")
    waits = [e for e in microscalar.history if e.type == "WaitStateEntered"]
    assert len(waits) == 60  # ten minutes of polling, on the virtual clock
