"""The fan-out of the BUA stage machines: a distributed Map (ItemReader over the list step's S3
worklist, ItemBatcher at the run's batch size) whose child executions send the batches to the
stage's queue; no hand-written loop hands work out. The child execution's ASL is run on its own
here (sendMessage mocked) and must send what :func:`handlers.bua.worklist.describe_batch`, the
engine-free driver's twin of it, gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aslrun import StateMachine
from handlers.bua.worklist import describe_batch, worklist_items

ROOT = Path(__file__).resolve().parents[2]
MACHINES = ROOT / "machines" / "bua"
FAN_OUTS = {"segments": "Profiles", "microscalar": "Batches", "reset-basicreads": "Batches",
            "basicreads": "Batches", "nem12": "Batches", "invoiceruns": "Batches",
            "export": "Batches"}
SEND = "arn:aws:states:::sqs:sendMessage"
BATCH_INPUT = {"run_date": "2024-10-01", "db": "/runs/run.sqlite3", "stage": "nem12",
               "queue_url": "https://sqs.us-east-1.amazonaws.com/123456789012/tst-anstead-sqs-bua-nem12"}


def states_of(stage: str) -> dict:
    return json.loads((MACHINES / f"bua-{stage}.asl.json").read_text())["States"]


def walk(states: dict):
    """Every state, Map item processors included."""
    for name, state in states.items():
        yield name, state
        processor = state.get("ItemProcessor")
        if processor:
            yield from walk(processor["States"])


@pytest.mark.parametrize("stage", FAN_OUTS)
def test_the_stage_hands_its_work_out_through_a_distributed_map(stage):
    noun = FAN_OUTS[stage]
    states = states_of(stage)
    send = states[f"Send{noun}"]
    assert send["Type"] == "Map"
    assert send["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED",
                                                        "ExecutionType": "EXPRESS"}
    assert send["ItemReader"] == {
        "Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSONL"},
        "Parameters": {"Bucket.$": "$.fanout.worklist.bucket", "Key.$": "$.fanout.worklist.key"}}
    assert send["ItemBatcher"] == {
        "MaxItemsPerBatchPath": "$.fanout.batch_size",
        "BatchInput": {"run_date.$": "$.run_date", "db.$": "$.db", "stage": stage,
                       "queue_url.$": "$.aws.queue_url"}}
    assert send["ResultPath"] is None and send["Catch"][0]["Next"] == "StageFailed"
    # the list step names the worklist and the batch size; both the list and a resubmission
    # go through this Map
    listing = states[f"List{noun}"]
    assert listing["Parameters"]["Payload"]["worklist.$"] == "$.aws.worklist"
    assert listing["Next"] == states[f"Resubmit{noun}"]["Next"] == f"Send{noun}"
    assert states[f"Resubmit{noun}"]["Parameters"]["worklist.$"] == "$.check.retry"
    assert states["Locate"]["Parameters"]["worklist"] == {
        "bucket": "${BuaWorkBucketName}",
        "prefix.$": f"States.Format('worklists/{{}}/{stage}/', $.run_date)"}
    # the only sendMessage is the child execution's; the inline Maps only process and delete
    senders = [name for name, state in walk(states) if state.get("Resource") == SEND]
    assert senders == ["SendBatch"]
    assert set(send["ItemProcessor"]["States"]) == {"DescribeBatch", "WholeBatch?",
                                                    "BatchMisaligned", "SendBatch"}


@pytest.fixture
def child() -> StateMachine:
    """The Send Map's item processor as a machine of its own (the same for every stage)."""
    processor = states_of("nem12")["SendBatches"]["ItemProcessor"]
    return StateMachine({"StartAt": processor["StartAt"], "States": processor["States"]},
                        name="bua-nem12-SendBatches")


def sent_by(child: StateMachine, batch: list[dict]) -> tuple:
    messages = []

    def send_message(parameters, context=None):
        messages.append(parameters)
        return {"MessageId": f"m{len(messages)}", "MD5OfMessageBody": "x"}

    execution = child.execute({"Items": batch, "BatchInput": BATCH_INPUT},
                              handlers={SEND: send_message})
    return execution, messages


def test_the_child_execution_sends_its_batch_as_the_driver_describes_it(child):
    items = worklist_items(["C", "G", "P1", "P2", "Q"], 4)
    execution, messages = sent_by(child, items[:4])
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    assert execution.output == 0  # its batch number: the Map's results stay small
    message, = messages
    assert message["QueueUrl"] == BATCH_INPUT["queue_url"]
    assert message["MessageBody"] == describe_batch(items[:4], BATCH_INPUT) == {
        "run_date": "2024-10-01", "db": "/runs/run.sqlite3", "stage": "nem12", "batch": 0,
        "first": "C", "last": "P2", "count": 4}
    _, messages = sent_by(child, items[4:])  # the last, shorter batch
    assert messages[0]["MessageBody"] == describe_batch(items[4:], BATCH_INPUT) == {
        **messages[0]["MessageBody"], "batch": 1, "first": "Q", "last": "Q", "count": 1}


def test_a_batch_cut_across_the_list_steps_batches_fails_the_child(child):
    items = worklist_items(["C", "G", "P1", "P2"], 2)
    execution, messages = sent_by(child, items[1:3])
    assert execution.status == "FAILED" and messages == []
    assert execution.error == "BatchMisaligned"
    assert execution.cause == ("items of batches 0 to 1 in one batch: the ItemBatcher must cut "
                               "at the batch size of the list step")
