"""What the BUA machines leave in AWS (aslrun's local AWS): a control record per stage, each
stage's worklist in S3 handed out by a distributed Map, drained queues, the SNS announcement, the
two CSVs in the export and integration buckets with the hand-computed figures, old export files
removed on a re-run."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from aslrun import StateMachine, VirtualClock
from aslrun.model import load_substitutions
from fixtures.bua.aws import (
    EXPORT_BUCKET,
    INTEGRATION_BUCKET,
    STATUS_QUEUE,
    WORK_BUCKET,
    bua_aws,
    control_record,
    notifications,
    stage_queue,
    worklist,
    worklist_key,
)
from fixtures.bua.cases import cases_event, run_fingerprint
from handlers.bua.control import STAGES
from handlers.bua.lambdas import HANDLERS

ROOT = Path(__file__).resolve().parents[2]
MACHINES = ROOT / "machines" / "bua"
SUBSTITUTIONS = load_substitutions(MACHINES / "substitutions.json")
FAN_OUT_STAGES = ("segments", "microscalar", "reset-basicreads", "basicreads", "nem12",
                  "invoiceruns", "export")
EXPORT = "export/csv/2024-10-01/"
OUTBOUND = "ADH/OUTBOUND/BUA/"
UNBILLED = ["A", "C", "D", "E", "F", "G", "P1", "P2"]  # every case account has unbilled days
BASIC = ["A", "D", "E", "F"]
INTERVAL = ["C", "G", "P1", "P2"]  # all supplied in the profile window (G from 24 Sep)
WORKLISTS = {"segments": INTERVAL, "microscalar": UNBILLED, "reset-basicreads": BASIC,
             "basicreads": BASIC, "nem12": INTERVAL, "invoiceruns": UNBILLED, "export": UNBILLED}
"""The accounts each fan-out stage hands out for the hand-made cases, sorted by id."""


def run(machine: str, event: dict, handlers=HANDLERS):
    definition = StateMachine.from_file(MACHINES / f"{machine}.asl.json", substitutions=SUBSTITUTIONS)
    return definition.execute(event, handlers=handlers, clock=VirtualClock(start="2024-10-01T01:00:00Z"))


def map_runs(execution) -> list:
    """The distributed Map runs an execution started (MapRunStarted events)."""
    return [e for e in execution.history if e.type == "MapRunStarted"]


def keys(aws, bucket: str, prefix: str = "") -> list[str]:
    page = aws.client("s3").list_objects_v2(Bucket=bucket, Prefix=prefix)
    return [o["Key"] for o in page.get("Contents", [])]


def scheduled(execution, resource: str) -> int:
    return sum(1 for e in execution.history
               if e.type == "TaskScheduled" and e.details["resource"] == resource)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """One controller run of the hand-made cases: the execution, the event, and the local AWS
    as it was left (inspected while still active)."""
    event = cases_event(tmp_path_factory.mktemp("bua-aws"))
    with bua_aws() as aws:
        execution = run("bua", event)
        assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
        yield {"execution": execution, "event": event, "aws": aws}


def test_every_stage_has_its_control_record_for_the_run_date(finished):
    aws, execution = finished["aws"], finished["execution"]
    record = control_record(aws, "2024-10-01")
    assert record["process"] == "BUA Restore" and record["run_status"] == "SUCCEEDED"
    assert record["run_execution"] == execution.arn
    children = {c.state_machine_name: c for c in execution.children}
    for stage in STAGES:
        entry = record[stage]
        assert entry["status"] == "SUCCEEDED", stage
        assert entry["execution"] == children[f"bua-{stage}"].arn
        assert entry["started_at"] <= entry["finished_at"]
    # what the stages did, as their batches reported it (8 accounts accrued, 4 of them basic)
    assert json.loads(record["invoiceruns"]["detail"])["accounts"] == 8
    assert json.loads(record["basicreads"]["detail"])["accounts"] == 4
    assert json.loads(record["restore"]["detail"])["restored"] is True
    assert json.loads(record["export"]["detail"])["account_rows"] == 8


def test_every_stage_queue_is_drained(finished):
    aws = finished["aws"]
    for stage in FAN_OUT_STAGES:
        assert aws.queue_bodies(stage_queue(stage)) == [], stage  # waiting or in flight
    attributes = aws.client("sqs").get_queue_attributes(
        QueueUrl=aws.client("sqs").get_queue_url(QueueName=stage_queue("export"))["QueueUrl"],
        AttributeNames=["ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    assert attributes == {"ApproximateNumberOfMessagesNotVisible": "0"}


def test_each_stage_hands_out_its_worklist_through_a_distributed_map(finished):
    """The list step writes the worklist to S3, one distributed Map run reads and batches it, its
    child execution sends the batch (one: the cases fit in a batch), the stage receives it and a
    second Map run's child execution processes it and deletes its message."""
    aws = finished["aws"]
    for child in finished["execution"].children:
        stage = child.state_machine_name.removeprefix("bua-")
        if stage not in FAN_OUT_STAGES:
            assert map_runs(child) == [] and scheduled(child, "sendMessage") == 0, stage
            continue
        send, process = map_runs(child)
        noun = "Profiles" if stage == "segments" else "Batches"
        assert f":mapRun:bua-{stage}/Send{noun}:" in send.details["mapRunArn"], stage
        assert f":mapRun:bua-{stage}/Process{noun}:" in process.details["mapRunArn"], stage
        assert child.map_run_children == 2, stage  # one batch: a child sends it, a child processes it
        assert scheduled(child, "sendMessage") == 0, stage  # the child executions sent it
        assert scheduled(child, "deleteMessage") == 0, stage  # ... and deleted it
        assert aws.queue_bodies(stage_queue(stage)) == [] and scheduled(child, "purgeQueue") == 1, stage
        assert scheduled(child, "getQueueAttributes") == 1, stage
        assert worklist(aws, "2024-10-01", stage) == [
            {"account_id": account, "batch": 0} for account in WORKLISTS[stage]], stage
    assert keys(aws, WORK_BUCKET) == sorted(worklist_key("2024-10-01", s) for s in FAN_OUT_STAGES)


def test_the_outcome_is_announced_on_the_status_topic(finished):
    aws, execution = finished["aws"], finished["execution"]
    announced, = notifications(aws)
    assert announced["Subject"] == "BUA run 2024-10-01 SUCCEEDED"
    assert announced["TopicArn"] == "arn:aws:sns:us-east-1:123456789012:tst-anstead-sns-bua-status"
    assert announced["Message"] == execution.output
    assert len(aws.queue_bodies(STATUS_QUEUE)) == 1


def test_both_csvs_are_in_the_export_and_integration_buckets(finished):
    aws, event = finished["aws"], finished["event"]
    assert keys(aws, EXPORT_BUCKET) == [f"{EXPORT}BUAAccountSummary.csv",
                                        f"{EXPORT}InvoiceLineItemMonthly.csv"]
    assert keys(aws, INTEGRATION_BUCKET) == [f"{OUTBOUND}BUAAccountSummary.csv",
                                             f"{OUTBOUND}InvoiceLineItemMonthly.csv"]
    local = Path(event["config"]["output_dir"]) / "export" / "csv"
    for name in ("BUAAccountSummary.csv", "InvoiceLineItemMonthly.csv"):
        text = aws.object_text(EXPORT_BUCKET, EXPORT + name)
        assert aws.object_text(INTEGRATION_BUCKET, OUTBOUND + name) == text
        assert (local / name).read_bytes().decode() == text  # the local copy beside the run
    report = finished["execution"].output
    assert report["exports"]["BUAAccountSummary"]["s3"] == f"s3://{EXPORT_BUCKET}/{EXPORT}BUAAccountSummary.csv"
    assert report["exports"]["BUAAccountSummary"]["outbound"] == (
        f"s3://{INTEGRATION_BUCKET}/{OUTBOUND}BUAAccountSummary.csv")


def test_the_csvs_in_s3_hold_the_hand_computed_accruals(finished):
    """Account A: 950 kWh over 31 days billed to 19 Sep; 12 days unbilled = 367.742 kWh;
    12 x 100 c supply + 367.742 x 30 c usage = 122.32 ex GST, GST 12.23 (test_bua_hand_cases).
    Account E (quarterly, last bill to 5 Jul, 10 kWh a day): by month 27 / 31 / 30 days supply at
    1.00 and 270 / 310 / 300 kWh at 0.30."""
    aws = finished["aws"]
    summary = {row["account_id"]: row for row in csv.DictReader(io.StringIO(
        aws.object_text(INTEGRATION_BUCKET, OUTBOUND + "BUAAccountSummary.csv")))}
    assert set(summary) == {"A", "C", "D", "E", "F", "G", "P1", "P2"}
    a = summary["A"]
    assert (a["last_billed_day"], a["first_unbilled_day"], a["last_unbilled_day"]) == (
        "2024-09-18", "2024-09-19", "2024-09-30")
    assert (a["unbilled_days"], a["estimated_kwh"]) == ("12", "367.742")
    assert (a["accrued_ex_gst"], a["gst"], a["accrued_inc_gst"]) == ("122.32", "12.23", "134.55")
    lines = [row for row in csv.DictReader(io.StringIO(
        aws.object_text(INTEGRATION_BUCKET, OUTBOUND + "InvoiceLineItemMonthly.csv")))
        if row["account_id"] == "E"]
    assert [(r["month"], r["kind"], r["amount_ex_gst"]) for r in lines] == [
        ("2024-07", "SUPPLY", "27.00"), ("2024-07", "USAGE", "81.00"),
        ("2024-08", "SUPPLY", "31.00"), ("2024-08", "USAGE", "93.00"),
        ("2024-09", "SUPPLY", "30.00"), ("2024-09", "USAGE", "90.00")]
    assert sum(Decimal(r["gst"]) for r in lines) == Decimal("35.20")


def test_a_rerun_of_the_export_removes_old_files_first(tmp_path):
    event = cases_event(tmp_path)
    with bua_aws() as aws:
        assert run("bua", event).status == "SUCCEEDED"
        s3 = aws.client("s3")
        for number in range(1_005):  # more than one listObjectsV2 page (1,000 keys)
            s3.put_object(Bucket=EXPORT_BUCKET, Key=f"{EXPORT}old/{number:04}.csv", Body=b"stale")
        aws.put_object(EXPORT_BUCKET, f"{EXPORT}BUAAccountSummary.csv", "stale")
        aws.put_object(INTEGRATION_BUCKET, f"{OUTBOUND}BUAAccountSummary-2024-09-01.csv", "stale")
        aws.put_object(EXPORT_BUCKET, "export/csv/2024-09-01/BUAAccountSummary.csv", "last month")
        export = run("bua-export", {"run_date": event["run_date"], "db": event["db"]})
        assert export.status == "SUCCEEDED", (export.error, export.cause)
        assert keys(aws, EXPORT_BUCKET, EXPORT) == [f"{EXPORT}BUAAccountSummary.csv",
                                                    f"{EXPORT}InvoiceLineItemMonthly.csv"]
        assert aws.object_text(EXPORT_BUCKET, f"{EXPORT}BUAAccountSummary.csv").startswith("run_date,")
        assert keys(aws, INTEGRATION_BUCKET) == [f"{OUTBOUND}BUAAccountSummary.csv",
                                                 f"{OUTBOUND}InvoiceLineItemMonthly.csv"]
        # another run date's folder is not this run's to clear
        assert aws.object_text(EXPORT_BUCKET, "export/csv/2024-09-01/BUAAccountSummary.csv") == "last month"
        assert scheduled(export, "deleteObjects") == 3  # 1,000 + 6 keys, then the outbound file
        assert scheduled(export, "copyObject") == 2


def test_the_report_says_which_stages_a_run_ran_and_which_it_skipped(tmp_path):
    event = cases_event(tmp_path)
    with bua_aws():
        first = run("bua", event)
        assert (first.output["ran"], first.output["skipped"]) == (list(STAGES), [])
        # an hour later (the harness's clock starts every run at the same instant): resumed, everything
        # was done by the first run
        controller = StateMachine.from_file(MACHINES / "bua.asl.json", substitutions=SUBSTITUTIONS)
        again = controller.execute(event, handlers=HANDLERS, clock=VirtualClock(start="2024-10-01T02:00:00Z"))
        assert again.status == "SUCCEEDED" and again.children == []
        assert (again.output["ran"], again.output["skipped"]) == ([], list(STAGES))
        assert again.output["accrued_ex_gst"] == first.output["accrued_ex_gst"]


def test_the_control_record_and_the_exports_outlive_the_run_database(tmp_path):
    """terminate with delete_database: the database goes (production deletes the RDS stack), the
    DynamoDB record still says every stage SUCCEEDED, so starting again changes nothing."""
    event = {**cases_event(tmp_path), "delete_database": True}
    with bua_aws() as aws:
        execution = run("bua", event)
        assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
        assert not Path(event["db"]).exists()
        assert execution.output["database"] == "deleted" and execution.output["complete"] is True
        assert set(execution.output["stages"].values()) == {"SUCCEEDED"}
        assert keys(aws, INTEGRATION_BUCKET) == [f"{OUTBOUND}BUAAccountSummary.csv",
                                                 f"{OUTBOUND}InvoiceLineItemMonthly.csv"]
        again = run("bua", event)
        assert again.status == "SUCCEEDED" and again.children == []
        assert not Path(event["db"]).exists()


def test_small_batches_all_go_through_the_queue_and_give_the_same_results(tmp_path, finished):
    """Two accounts per batch: the ItemBatcher cuts each worklist into several batches, a child
    execution each, sent to the queue and processed in one round (up to 10 per receive); the
    results equal those of one batch per stage (the module's run of the same cases)."""
    whole = finished["event"]
    small = cases_event(tmp_path / "small")
    small["config"] = {**small["config"], "batch_size": 2}
    received = []

    def invoice_batch(event, context):
        received.append(event)
        return HANDLERS["BuaInvoiceBatch"](event, context)

    with bua_aws() as aws:
        execution = run("bua", small, {**HANDLERS, "BuaInvoiceBatch": invoice_batch})
        assert execution.status == "SUCCEEDED"
        invoiceruns = next(c for c in execution.children if c.state_machine_name == "bua-invoiceruns")
        # one Map run sends the 4 batches, one processes the 4 received (a child execution each,
        # which deletes its message)
        assert len(map_runs(invoiceruns)) == 2 and invoiceruns.map_run_children == 8
        assert scheduled(invoiceruns, "receiveMessage") == 2  # 4 messages, then none
        assert aws.queue_bodies(stage_queue("invoiceruns")) == []
        assert [item["batch"] for item in worklist(aws, "2024-10-01", "invoiceruns")] == [
            0, 0, 1, 1, 2, 2, 3, 3]
        segments = next(c for c in execution.children if c.state_machine_name == "bua-segments")
        assert segments.map_run_children == 2  # one batch: profile_batch_size (5,000) is its own
    # what the children sent: each batch as a range of two accounts
    assert sorted((e["batch"], e["first"], e["last"], e["count"]) for e in received) == [
        (0, "A", "C", 2), (1, "D", "E", 2), (2, "F", "G", 2), (3, "P1", "P2", 2)]
    assert {(e["run_date"], e["stage"], e["db"]) for e in received} == {
        ("2024-10-01", "invoiceruns", small["db"])}
    ours = run_fingerprint(small["db"], small["config"]["output_dir"])
    assert ours == run_fingerprint(whole["db"], whole["config"]["output_dir"])


def test_a_stage_with_no_accounts_to_hand_out_sends_nothing_and_succeeds(tmp_path):
    """An empty worklist: the distributed Map runs no child execution, the queue stays empty."""
    event = cases_event(tmp_path)
    with bua_aws() as aws:
        assert run("bua", event).status == "SUCCEEDED"
        conn = sqlite3.connect(event["db"])
        with conn:
            conn.execute("UPDATE bua_account SET unbilled_start = NULL WHERE meter_type = 'BASIC'")
        conn.close()
        basicreads = run("bua-basicreads", {"run_date": event["run_date"], "db": event["db"]})
        assert basicreads.status == "SUCCEEDED", (basicreads.error, basicreads.cause)
        assert len(map_runs(basicreads)) == 1 and basicreads.map_run_children == 0
        assert scheduled(basicreads, "deleteMessage") == 0
        assert aws.object_text(WORK_BUCKET, worklist_key("2024-10-01", "basicreads")) == ""
        assert control_record(aws, "2024-10-01")["basicreads"]["status"] == "SUCCEEDED"


# -- one run of a date at a time: the controller claims the run in the control table -------------------

def _hold_the_run(aws, run_date: str, holder_arn: str) -> None:
    """The control record as a controller execution leaves it while it runs."""
    from fixtures.bua.aws import CONTROL_TABLE

    aws.client("dynamodb").put_item(TableName=CONTROL_TABLE, Item={
        "process": {"S": "BUA Restore"}, "run_date": {"S": run_date}, "run_status": {"S": "RUNNING"},
        "run_execution": {"S": holder_arn}, "run_started_at": {"S": "2024-10-01T00:30:00Z"}})


def _parked_execution():
    """An execution of this process that stays RUNNING (it waits for a task token nobody sends)."""
    parked = StateMachine({"StartAt": "Wait", "States": {"Wait": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": "park", "Payload": {"token.$": "$$.Task.Token"}}, "End": True}}},
        name="BuaStateMachine-other")
    execution = parked.start({}, handlers={"park": lambda event, context: None})
    execution.run()
    assert execution.status == "RUNNING"
    return execution


def test_a_second_run_of_a_date_is_refused_while_the_first_still_runs(tmp_path):
    event = cases_event(tmp_path)
    with bua_aws() as aws:
        holder = _parked_execution()
        _hold_the_run(aws, event["run_date"], holder.arn)
        execution = run("bua", event)
        assert (execution.status, execution.error) == ("FAILED", "BuaRunInProgress")
        assert execution.cause == (
            f"Run 2024-10-01 is already in progress: execution {holder.arn} (started "
            "2024-10-01T00:30:00Z) holds it in the control table tst-anstead-ddb-bua. Wait for it to "
            "end or stop it, then start this machine again: a run whose execution has ended is resumed "
            "from its first stage not SUCCEEDED.")
        assert scheduled(execution, "arn:aws:states:::states:startExecution.sync:2") == 0  # no stage ran
        record = control_record(aws, event["run_date"])
        assert (record["run_status"], record["run_execution"]) == ("RUNNING", holder.arn)
        assert not Path(event["db"]).exists()  # the run database was never touched


@pytest.mark.parametrize("holder", ["gone", "ended"])
def test_a_run_held_by_an_execution_that_has_ended_is_taken_over(tmp_path, holder):
    # gone: killed with its process (Step Functions no longer knows it); ended: it finished without
    # recording it (stopped, or timed out), but the record still says RUNNING
    event = cases_event(tmp_path)
    with bua_aws() as aws:
        if holder == "gone":
            holder_arn = "arn:aws:states:us-east-1:123456789012:execution:BuaStateMachine-old:killed"
        else:
            ended = StateMachine({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                                 name="BuaStateMachine-old").execute({})
            holder_arn = ended.arn
        _hold_the_run(aws, event["run_date"], holder_arn)
        execution = run("bua", event)
        assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
        entered = [e.details["name"] for e in execution.history if e.type.endswith("StateEntered")]
        assert entered[:6] == ["Normalize", "ApplyDefaults", "Locate", "ClaimRun", "ReadHolder",
                               "DescribeHolder"]
        assert "TakeOverRun" in entered and "RunInProgress" not in entered
        record = control_record(aws, event["run_date"])
        assert (record["run_status"], record["run_execution"]) == ("SUCCEEDED", execution.arn)
