"""The BUA machines end to end on the aslrun engine and its local AWS: the controller runs the 13
stage machines as nested executions (startExecution.sync:2) with the real handlers, on the
hand-made snapshot of tests/handlers/bua, and gives the same results as calling the handlers
directly; stage statuses live in the DynamoDB control table, batches go through SQS queues."""

from __future__ import annotations

import json
import re
import sqlite3
import sys
from pathlib import Path

import pytest

from aslrun import StateMachine, VirtualClock
from aslrun.model import load_substitutions
from fixtures.bua.aws import (
    SEED_FILE,
    bua_aws,
    control_record,
    notifications,
    stage_queue,
    worklist,
)
from fixtures.bua.cases import cases_event, run_fingerprint
from handlers.bua import steps_accrual
from handlers.bua.control import REQUIRES, STAGES, downstream
from handlers.bua.lambdas import HANDLERS
from handlers.bua.pipeline import run_pipeline

ROOT = Path(__file__).resolve().parents[2]
MACHINES = ROOT / "machines" / "bua"

SUBSTITUTIONS = load_substitutions(MACHINES / "substitutions.json")
FAN_OUT_STAGES = ("segments", "microscalar", "reset-basicreads", "basicreads", "nem12",
                  "invoiceruns", "export")


@pytest.fixture
def aws():
    with bua_aws() as local:
        yield local


def controller() -> StateMachine:
    return StateMachine.from_file(MACHINES / "bua.asl.json", substitutions=SUBSTITUTIONS)


def stage_machine(stage: str) -> StateMachine:
    return StateMachine.from_file(MACHINES / f"bua-{stage}.asl.json", substitutions=SUBSTITUTIONS)


def execute(machine: StateMachine, event: dict, handlers=HANDLERS):
    return machine.execute(event, handlers=handlers, clock=VirtualClock(start="2024-10-01T01:00:00Z"))


def statuses(aws, run_date="2024-10-01") -> dict[str, str]:
    record = control_record(aws, run_date)
    return {stage: record[stage]["status"] for stage in STAGES if stage in record}


def test_every_machine_loads_and_every_placeholder_is_bound():
    files = sorted(p.name for p in MACHINES.glob("*.asl.json"))
    assert files == sorted(["bua.asl.json"] + [f"bua-{s}.asl.json" for s in STAGES])
    placeholders = set()
    for path in MACHINES.glob("*.asl.json"):
        placeholders |= set(re.findall(r"\$\{(\w+)\}", path.read_text()))
        StateMachine.from_file(path, substitutions=SUBSTITUTIONS)  # validates
    assert placeholders == set(SUBSTITUTIONS)
    functions = {v.rsplit(":", 1)[-1] for k, v in SUBSTITUTIONS.items() if k.endswith("FunctionArn")}
    assert functions == set(HANDLERS) - {"BuaNotify"}  # the trigger: its queue invokes it, no machine calls it
    machines = {v.rsplit(":", 1)[-1] for k, v in SUBSTITUTIONS.items()
                if k.endswith("StateMachineArn")}
    assert machines == {f"bua-{s}" for s in STAGES}
    assert all(v.startswith("arn:aws:states:ap-southeast-2:123456789012:stateMachine:")
               for k, v in SUBSTITUTIONS.items() if k.endswith("StateMachineArn"))


def test_the_seed_file_creates_every_resource_the_substitutions_name():
    seed = json.loads(SEED_FILE.read_text())
    queues = {v for k, v in SUBSTITUTIONS.items() if k.endswith("QueueName")}
    assert queues == {stage_queue(s) for s in FAN_OUT_STAGES} and queues <= set(seed["sqs"])
    assert set(seed["dynamodb"]) == {SUBSTITUTIONS["BuaControlTableName"]} == {"tst-anstead-ddb-bua"}
    # the status topic, and the trigger's topic (EARL's "snapshot shared", read by the notify queue)
    assert set(seed["sns"]) == {SUBSTITUTIONS["BuaStatusTopicName"], "tst-anstead-sns-earl-snapshot-shared"}
    assert set(seed["s3"]) == {SUBSTITUTIONS["BuaExportBucketName"],
                               SUBSTITUTIONS["BuaIntegrationBucketName"],
                               SUBSTITUTIONS["BuaWorkBucketName"]} == {
        "tst-anstead-s3-bua", "tst-anstead-s3-rw-integration", "tst-anstead-s3-bua-work"}


def test_the_machine_files_are_what_build_py_writes():
    sys.path.insert(0, str(MACHINES))
    try:
        import build  # machines/bua/build.py
    finally:
        sys.path.remove(str(MACHINES))
    for name, text in build.render().items():
        assert (MACHINES / name).read_text() == text, f"{name} is stale: run python machines/bua/build.py"


def test_controller_runs_every_stage_and_matches_the_direct_run(tmp_path, aws):
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
    # the direct driver copies the CSVs to a local outbound folder; the machine copies them in S3
    assert {k: v for k, v in theirs.items() if not k.startswith("outbound/")} == ours
    assert statuses(aws) == {stage: "SUCCEEDED" for stage in STAGES}
    # the machines keep no stage status in the run database (only batch outcomes)
    conn = sqlite3.connect(event["db"])
    assert conn.execute("SELECT COUNT(*) FROM bua_control").fetchone() == (0,)
    assert conn.execute("SELECT DISTINCT run_date FROM bua_batch").fetchall() == [("2024-10-01",)]
    conn.close()


def test_the_controller_with_its_handlers_in_worker_processes_writes_what_the_direct_run_writes(tmp_path, aws):
    """handler_processes=2: the fan-out stages' batches are handled two at a time, each in a worker
    process, whose S3 calls (the worklists, the CSV uploads) are made on this process's local AWS;
    the invoice and segment batches compute outside the run database's write lock. The run database
    and the exports are the direct run's, and every stage's control record says SUCCEEDED."""
    import warnings

    direct = cases_event(tmp_path / "direct")
    run_pipeline(direct)
    event = cases_event(tmp_path / "asl")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # every handler must reach a worker, none run here
        execution = controller().execute(event, handlers=HANDLERS, clock=VirtualClock(start="2024-10-01T01:00:00Z"),
                                         handler_processes=2)
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    ours = run_fingerprint(event["db"], event["config"]["output_dir"])
    theirs = run_fingerprint(direct["db"], direct["config"]["output_dir"])
    assert {k: v for k, v in theirs.items() if not k.startswith("outbound/")} == ours
    assert statuses(aws) == {stage: "SUCCEEDED" for stage in STAGES}


def test_a_failed_run_resumes_from_the_failed_stage(tmp_path, monkeypatch, aws):
    event = cases_event(tmp_path)

    def broken(*args, **kwargs):
        raise RuntimeError("meter data service refused the file")

    monkeypatch.setattr(steps_accrual, "generate_batch", broken)
    failed = execute(controller(), event)
    assert failed.status == "FAILED" and failed.error == "BuaRunFailed"
    assert "resume from that stage" in failed.cause and "tst-anstead-ddb-bua" in failed.cause
    nem12 = failed.children[-1]
    assert nem12.state_machine_name == "bua-nem12" and nem12.status == "FAILED"
    assert nem12.error == "BuaStageFailed" and "Stage nem12 failed for run 2024-10-01" in nem12.cause
    record = control_record(aws, "2024-10-01")
    assert record["run_status"] == "FAILED" and record["nem12"]["status"] == "FAILED"
    assert record["nem12"]["error"] == "StageFailed"
    assert "refused the file" in record["nem12"]["cause"]
    assert [stage for stage in STAGES if stage in record] == list(STAGES[:STAGES.index("nem12") + 1])
    assert [n["Subject"] for n in notifications(aws)] == ["BUA run 2024-10-01 FAILED"]

    monkeypatch.undo()
    resumed = execute(controller(), event)
    assert resumed.status == "SUCCEEDED"
    assert [c.state_machine_name for c in resumed.children] == [
        f"bua-{s}" for s in STAGES[STAGES.index("nem12"):]]
    assert control_record(aws, "2024-10-01")["run_status"] == "SUCCEEDED"
    assert statuses(aws) == {stage: "SUCCEEDED" for stage in STAGES}
    assert [n["Subject"] for n in notifications(aws)] == ["BUA run 2024-10-01 FAILED",
                                                          "BUA run 2024-10-01 SUCCEEDED"]


def test_rerun_true_runs_every_stage_again_with_the_same_results(tmp_path, aws):
    event = cases_event(tmp_path)
    assert execute(controller(), event).status == "SUCCEEDED"
    before = run_fingerprint(event["db"], event["config"]["output_dir"])
    again = execute(controller(), {**event, "rerun": True})
    assert again.status == "SUCCEEDED"
    assert [c.state_machine_name for c in again.children] == [f"bua-{s}" for s in STAGES]
    assert run_fingerprint(event["db"], event["config"]["output_dir"]) == before


def test_failed_invoice_batches_are_resubmitted_through_the_queue(tmp_path, monkeypatch, aws):
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
    invoiceruns = next(c for c in execution.children if c.state_machine_name == "bua-invoiceruns")
    # the worklist through the Send Map, then twice the check step's retry worklist; each time
    # its one batch is received and processed by a child execution of the Process Map
    runs, entered = [], None
    for e in invoiceruns.history:
        entered = e.details.get("name", entered) if e.type == "MapStateEntered" else entered
        if e.type == "MapRunStarted":
            runs.append(entered)
    assert runs == ["SendBatches", "ProcessBatches"] * 3
    assert invoiceruns.map_run_children == 6  # one child each time
    unbilled = [{"account_id": a, "batch": 0} for a in ("A", "C", "D", "E", "F", "G", "P1", "P2")]
    assert worklist(aws, "2024-10-01", "invoiceruns") == unbilled
    assert worklist(aws, "2024-10-01", "invoiceruns", "retry-1.jsonl") == unbilled
    assert worklist(aws, "2024-10-01", "invoiceruns", "retry-2.jsonl") == unbilled
    assert aws.queue_bodies(stage_queue("invoiceruns")) == []


def test_invoice_batches_failing_after_both_resubmissions_fail_the_stage(tmp_path, monkeypatch, aws):
    event = cases_event(tmp_path)

    def always(*args, **kwargs):
        raise ValueError("tariff NSW-RES-FLAT has no rate for 2024-09")

    monkeypatch.setattr(steps_accrual, "simulate_batch", always)
    execution = execute(controller(), event)
    assert execution.status == "FAILED"
    record = control_record(aws, "2024-10-01")["invoiceruns"]
    assert record["status"] == "FAILED" and record["error"] == "StageFailed"
    assert "1 batch(es) failed after retries" in record["cause"] and "no rate" in record["cause"]
    # the last check's retry worklist is left in S3: the accounts that still fail
    assert [item["account_id"] for item in worklist(aws, "2024-10-01", "invoiceruns",
                                                    "retry-3.jsonl")] == [
        "A", "C", "D", "E", "F", "G", "P1", "P2"]


def test_a_stage_history_does_not_grow_with_its_batches(tmp_path):
    # each received batch is processed by a child execution of its own: batches of one account
    # (eight times as many) add no events to the stage's own history, which must stay under Step
    # Functions' 25,000 however many batches a large retailer has
    def stage_histories(folder: Path, config: dict) -> dict[str, tuple[int, int]]:
        event = cases_event(folder)
        event["config"].update(config)
        with bua_aws():
            execution = execute(controller(), event)
        assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
        return {child.state_machine_name: (len(child.history), child.map_run_children)
                for child in execution.children if child.state_machine_name in {
                    f"bua-{stage}" for stage in ("microscalar", "invoiceruns", "export")}}

    whole = stage_histories(tmp_path / "whole", {})
    single = stage_histories(tmp_path / "single", {"batch_size": 1})
    assert set(single) == set(whole) == {"bua-microscalar", "bua-invoiceruns", "bua-export"}
    for name, (events, children) in single.items():
        assert events - whole[name][0] <= 12, (name, events, whole[name][0])
        assert children >= 8 * whole[name][1] >= 8, name  # eight or more times the batches


def test_a_stage_machine_run_by_hand_with_the_same_run_date_changes_nothing(tmp_path, aws):
    event = cases_event(tmp_path)
    assert execute(controller(), event).status == "SUCCEEDED"
    before = run_fingerprint(event["db"], event["config"]["output_dir"])
    for stage in ("segments", "microscalar", "basicreads", "nem12", "invoiceruns", "export"):
        execution = execute(stage_machine(stage), {"run_date": event["run_date"], "db": event["db"]})
        assert execution.status == "SUCCEEDED", (stage, execution.error, execution.cause)
    assert run_fingerprint(event["db"], event["config"]["output_dir"]) == before
    assert statuses(aws) == {stage: "SUCCEEDED" for stage in STAGES}


def test_a_stage_begun_again_forgets_the_stages_that_read_its_results(tmp_path, aws):
    event = cases_event(tmp_path)
    assert execute(controller(), event).status == "SUCCEEDED"
    assert execute(stage_machine("segments"), {"run_date": event["run_date"],
                                               "db": event["db"]}).status == "SUCCEEDED"
    assert set(statuses(aws)) == set(STAGES) - downstream("segments")
    resumed = execute(controller(), event)
    assert [c.state_machine_name for c in resumed.children] == [
        f"bua-{s}" for s in STAGES if s in downstream("segments")]


def test_the_controller_reads_the_record_again_after_each_stage(tmp_path, aws):
    """restore FAILED while the stages after it still say SUCCEEDED (restore failed before its
    begin, say): running restore forgets them, so the controller must run them again rather than
    trust what it read at the start."""
    event = cases_event(tmp_path)
    assert execute(controller(), event).status == "SUCCEEDED"
    aws.client("dynamodb").update_item(
        TableName="tst-anstead-ddb-bua",
        Key={"process": {"S": "BUA Restore"}, "run_date": {"S": "2024-10-01"}},
        UpdateExpression="SET #restore = :failed", ExpressionAttributeNames={"#restore": "restore"},
        ExpressionAttributeValues={":failed": {"M": {"status": {"S": "FAILED"}}}})
    resumed = execute(controller(), event)
    assert resumed.status == "SUCCEEDED", (resumed.error, resumed.cause)
    assert [c.state_machine_name for c in resumed.children] == [
        f"bua-{s}" for s in STAGES if s == "restore" or s in downstream("restore")]
    assert statuses(aws) == {stage: "SUCCEEDED" for stage in STAGES}


def test_a_stage_machine_run_out_of_order_fails_and_says_why(tmp_path, aws):
    event = cases_event(tmp_path)
    assert execute(stage_machine("restore"), event).status == "SUCCEEDED"
    execution = execute(stage_machine("invoiceruns"), {"run_date": event["run_date"], "db": event["db"]})
    assert execution.status == "FAILED" and execution.error == "BuaStageFailed"
    assert "(RunNotReady)" in execution.cause
    record = control_record(aws, "2024-10-01")
    assert record["invoiceruns"]["status"] == "FAILED" and record["invoiceruns"]["error"] == "RunNotReady"
    assert record["invoiceruns"]["cause"] == ("stage invoiceruns for run 2024-10-01 needs "
                                              "basicreads, nem12 to have succeeded first (same run date)")
    assert REQUIRES["invoiceruns"] == ("basicreads", "nem12")


def test_a_stage_machine_with_no_control_record_at_all_is_not_ready(tmp_path, aws):
    event = cases_event(tmp_path)
    execution = execute(stage_machine("segments"), event)
    assert execution.status == "FAILED"
    assert control_record(aws, "2024-10-01")["segments"]["cause"].startswith(
        "stage segments for run 2024-10-01 needs restore")


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_machine_records_its_stage_in_the_control_table(stage):
    definition = json.loads((MACHINES / f"bua-{stage}.asl.json").read_text())
    states = definition["States"]
    begin = states["BeginStage"]
    assert begin["Resource"] == "arn:aws:states:::dynamodb:updateItem"
    assert begin["Parameters"]["TableName"] == "${BuaControlTableName}"
    assert begin["Parameters"]["Key"]["process"] == {"S": "BUA Restore"}
    names = begin["Parameters"]["ExpressionAttributeNames"]
    assert names["#stage"] == stage
    assert {v for k, v in names.items() if k.startswith("#later")} == downstream(stage)
    assert states["EndStage"]["Parameters"]["ExpressionAttributeNames"]["#stage"] == stage
    assert states["StageFailed"]["Parameters"]["ExpressionAttributeNames"]["#stage"] == stage
    assert states["StageFailed"]["Next"] == "Failed"
    assert ("ReadControl" in states) == (stage in REQUIRES)
    assert ("PurgeQueue" in states) == (stage in FAN_OUT_STAGES)


def test_a_batch_that_never_reports_back_is_resubmitted_by_the_check_step(tmp_path, aws):
    """A batch lambda that returns without recording its outcome: its message is gone, but the
    batch control table shows it never reported, so the check step queues it again."""
    event = cases_event(tmp_path)
    real = HANDLERS["BuaMicroScalarBatch"]
    calls = {"n": 0}

    def lost_once(payload, context):
        calls["n"] += 1
        if calls["n"] == 1:
            return {"failed": 0}  # nothing done, nothing recorded
        return real(payload, context)

    execution = execute(controller(), event, handlers={**HANDLERS, "BuaMicroScalarBatch": lost_once})
    assert execution.status == "SUCCEEDED" and calls["n"] == 2
    assert aws.queue_bodies(stage_queue("microscalar")) == []


def test_a_batch_lambda_that_dies_leaves_its_message_in_flight_and_the_stage_waits(tmp_path, aws):
    """A worker that dies mid-batch: its message is not deleted, so the queue never empties; the
    stage polls (Wait + Choice) up to its limit, then the check step resubmits the batch."""
    event = cases_event(tmp_path)
    real = HANDLERS["BuaMicroScalarBatch"]
    calls = {"n": 0}

    def dies_once(payload, context):
        calls["n"] += 1
        if calls["n"] == 1:
            raise MemoryError("Runtime exited with error: signal: killed")
        return real(payload, context)

    execution = execute(controller(), event, handlers={**HANDLERS, "BuaMicroScalarBatch": dies_once})
    assert execution.status == "SUCCEEDED" and calls["n"] == 2
    microscalar = next(c for c in execution.children if c.state_machine_name == "bua-microscalar")
    waits = [e for e in microscalar.history if e.type == "WaitStateEntered"]
    assert len(waits) == 60  # ten minutes of polling, on the virtual clock
    polls = [e for e in microscalar.history if e.type == "TaskScheduled"
             and e.details["resource"] == "getQueueAttributes"]
    assert len(polls) == 62  # 60 waits + the first look + the look after the resubmission
    # the dead worker's message is still in flight (it would come back after 300 s)
    assert len(aws.queue_bodies(stage_queue("microscalar"))) == 1
    assert statuses(aws)["microscalar"] == "SUCCEEDED"
