"""The per-account fan-out of a BUA stage: a distributed Map feeding its SQS queue (README.md,
"Queues").

    List (the worklist to S3) -> Send (distributed Map: ItemReader reads the worklist,
    ItemBatcher cuts it into batches, each child execution describes its batch and sends it to
    the queue) -> Receive (up to 10) -> Process (Map over the messages: batch lambda, then
    delete the message) -> Receive ... until none is handed out -> Wait for the queue to empty
    (ApproximateNumberOfMessages + NotVisible, Wait + Choice, at most ten minutes per stage
    attempt) -> Check (failed or unreported batches: a smaller worklist) -> Send again up to N
    times -> Verify (the stage fails if batches still fail)

Handing the work out is the distributed Map's: however many accounts, the machine's state holds
only the worklist's place, and the same definition runs as a distributed Map on AWS. Doing it
stays with the queue, as in production: a message is deleted only after its batch lambda
returned; a batch lambda that fails outright leaves its message in flight, to come back after
the queue's visibility timeout (the wait loop then drains it again) or to be resubmitted by the
check step once the wait gives up.
"""

from __future__ import annotations

from dataclasses import dataclass

from build_states import (
    BASE,
    BATCH_RETRY,
    POLL_LIMIT,
    POLL_SECONDS,
    RECEIVE_MAX,
    SQS_RETRY,
    State,
    distributed_map,
    invoke,
    pass_state,
    task,
)

__all__ = ["FanOut", "fan_out_states"]


@dataclass(frozen=True)
class FanOut:
    """One stage's fan-out: its list and batch lambdas, how many resubmissions, what next."""

    stage: str
    list_function: str
    batch_function: str
    noun: str = "Batches"          # state names: ListBatches, SendBatches, ...
    resubmissions: int = 1
    list_comment: str = ("The stage's accounts as a worklist in S3, one JSON line each, numbered "
                         "in batches of the run's batch_size.")


FANOUT_FIELDS = ("listed", "worklist", "batch_size", "accounts", "batches", "resubmitted", "polls")
"""What a fan-out keeps in ``$.fanout``: the list step's worklist and the one the Map reads
next (the list's, or the check step's retry list), the batcher's size, counts and loop counters."""


def _fanout(**changed: str) -> dict[str, str]:
    """``$.fanout`` again, with ``changed`` fields (``name`` -> path or intrinsic)."""
    return {f"{name}.$": changed.get(name, f"$.fanout.{name}") for name in FANOUT_FIELDS}


def send_batch_states() -> dict[str, State]:
    """A child execution of the Send Map: its batch of worklist items as one queue message."""
    return {
        "DescribeBatch": pass_state(
            {"run_date.$": "$.BatchInput.run_date", "db.$": "$.BatchInput.db",
             "stage.$": "$.BatchInput.stage", "batch.$": "$.Items[0].batch",
             "first.$": "$.Items[0].account_id",
             "last.$": "States.ArrayGetItem($.Items, States.MathAdd(States.ArrayLength($.Items), -1))",
             "count.$": "States.ArrayLength($.Items)", "queue_url.$": "$.BatchInput.queue_url"},
            "WholeBatch?",
            comment="The batch as a range of the sorted worklist (first, last, count): the "
                    "message stays small whatever the batch size."),
        "WholeBatch?": {"Type": "Choice", "Choices": [
            {"Variable": "$.last.batch", "NumericEqualsPath": "$.batch", "Next": "SendBatch"}],
            "Default": "BatchMisaligned"},
        "BatchMisaligned": {
            "Type": "Fail", "Error": "BatchMisaligned",
            "CausePath": "States.Format('items of batches {} to {} in one batch: the ItemBatcher "
                         "must cut at the batch size of the list step', $.batch, $.last.batch)"},
        "SendBatch": task(
            "arn:aws:states:::sqs:sendMessage",
            {"QueueUrl.$": "$.queue_url",
             "MessageBody": {"run_date.$": "$.run_date", "db.$": "$.db", "stage.$": "$.stage",
                             "batch.$": "$.batch", "first.$": "$.first",
                             "last.$": "$.last.account_id", "count.$": "$.count"}},
            comment="Initiate: the batch on the stage's queue (production's lambda-bua-site-* "
                    "consumed it). The child's output is its batch number: the Map's results stay "
                    "small however many batches there are.",
            output_path="$.batch", retry=SQS_RETRY, catch_to=None),
    }


def fan_out_states(spec: FanOut, after: str) -> dict[str, State]:
    """The states from List<noun> to Verify<noun>, which goes on to ``after``."""
    n = spec.noun
    stage_payload = {**BASE, "stage": spec.stage}
    return {
        f"List{n}": invoke(spec.list_function, {**BASE, "worklist.$": "$.aws.worklist"},
                           comment=spec.list_comment,
                           selector={"listed.$": "$.Payload.worklist",
                                     "worklist.$": "$.Payload.worklist",
                                     "batch_size.$": "$.Payload.batch_size",
                                     "accounts.$": "$.Payload.accounts",
                                     "batches.$": "$.Payload.batch_count",
                                     "resubmitted": 0, "polls": 0},
                           result_path="$.fanout", next_=f"Send{n}"),
        f"Send{n}": distributed_map(
            reader={"Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "JSONL"},
                    "Parameters": {"Bucket.$": "$.fanout.worklist.bucket",
                                   "Key.$": "$.fanout.worklist.key"}},
            batcher={"MaxItemsPerBatchPath": "$.fanout.batch_size",
                     "BatchInput": {"run_date.$": "$.run_date", "db.$": "$.db",
                                    "stage": spec.stage, "queue_url.$": "$.aws.queue_url"}},
            start="DescribeBatch", states=send_batch_states(), next_=f"Receive{n}",
            comment="Hand out the worklist: read from S3, cut into batches of batch_size, one "
                    "child execution per batch sends it to the stage's queue."),
        f"Receive{n}": task(
            "arn:aws:states:::aws-sdk:sqs:receiveMessage",
            {"QueueUrl.$": "$.aws.queue_url", "MaxNumberOfMessages": RECEIVE_MAX},
            comment="Up to 10 queued batches; each stays invisible to other consumers until "
                    "deleted or until the queue's visibility timeout.",
            result_path="$.received", next_=f"{n}Received?"),
        f"{n}Received?": {"Type": "Choice", "Choices": [
            {"Variable": "$.received.Messages", "IsPresent": True, "Next": f"Process{n}"}],
            "Default": f"Wait{n}Queue"},
        f"Process{n}": distributed_map(
            items_path="$.received.Messages",
            selector={"queue_url.$": "$.aws.queue_url",
                      "batch.$": "States.StringToJson($$.Map.Item.Value.Body)",
                      "receipt.$": "$$.Map.Item.Value.ReceiptHandle"},
            concurrency=RECEIVE_MAX, execution_type="STANDARD", start="ProcessBatch", states={
                "ProcessBatch": invoke(
                    spec.batch_function, "$.batch",
                    comment="One batch in one transaction; its outcome (even a failure) goes to "
                            "the batch control table.",
                    selector={"failed.$": "$.Payload.failed"}, result_path="$.outcome",
                    retry=BATCH_RETRY, catch_to="LeaveInQueue", next_="DeleteMessage"),
                "DeleteMessage": task(
                    "arn:aws:states:::aws-sdk:sqs:deleteMessage",
                    {"QueueUrl.$": "$.queue_url", "ReceiptHandle.$": "$.receipt"},
                    comment="Done with: off the queue.", catch_to=None),
                "LeaveInQueue": {
                    "Type": "Pass",
                    "Comment": "The lambda failed outright (nothing recorded): the message stays "
                               "in flight and comes back after the visibility timeout.",
                    "Parameters": {"unprocessed.$": "$.batch.batch", "error.$": "$.error.Error"},
                    "End": True},
            },
            next_=f"Receive{n}",
            comment="Process the received batches side by side, one child execution each "
                    "(STANDARD: a batch may take longer than an EXPRESS child's five minutes): "
                    "the stage's own history grows by a few events a round, not by each batch's "
                    "dozen, so a stage of thousands of batches stays under Step Functions' "
                    "25,000 events."),
        f"Wait{n}Queue": task(
            "arn:aws:states:::aws-sdk:sqs:getQueueAttributes",
            {"QueueUrl.$": "$.aws.queue_url",
             "AttributeNames": ["ApproximateNumberOfMessages",
                                "ApproximateNumberOfMessagesNotVisible"]},
            comment="Wait for the SQS queue to empty: messages waiting and in flight.",
            selector={"visible.$": "States.StringToJson($.Attributes.ApproximateNumberOfMessages)",
                      "in_flight.$":
                          "States.StringToJson($.Attributes.ApproximateNumberOfMessagesNotVisible)"},
            result_path="$.queue", next_=f"{n}QueueEmpty?"),
        f"{n}QueueEmpty?": {"Type": "Choice", "Choices": [
            {"Variable": "$.queue.visible", "NumericGreaterThan": 0, "Next": f"Receive{n}"},
            {"And": [{"Variable": "$.queue.in_flight", "NumericGreaterThan": 0},
                     {"Variable": "$.fanout.polls", "NumericLessThan": POLL_LIMIT}],
             "Next": f"Wait{n}"}],
            "Default": f"Check{n}"},
        f"Wait{n}": {"Type": "Wait", "Seconds": POLL_SECONDS, "Next": f"Count{n}Poll"},
        f"Count{n}Poll": pass_state(
            _fanout(polls="States.MathAdd($.fanout.polls, 1)"), f"Wait{n}Queue",
            comment=f"After {POLL_LIMIT} polls ({POLL_LIMIT * POLL_SECONDS // 60} minutes) the "
                    "check step resubmits the batches that never reported back.",
            result_path="$.fanout"),
        f"Check{n}": invoke("BuaStageCheck",
                            {**stage_payload, "listed.$": "$.fanout.listed",
                             "resubmission.$": "States.MathAdd($.fanout.resubmitted, 1)"},
                            comment="Batch control table: failed batches, and batches that never "
                                    "reported back; their accounts as a smaller worklist in S3.",
                            selector={"failed.$": "$.Payload.failed", "retry.$": "$.Payload.retry"},
                            result_path="$.check", next_=f"Retry{n}?"),
        f"Retry{n}?": {"Type": "Choice", "Choices": [
            {"And": [{"Variable": "$.check.failed", "NumericGreaterThan": 0},
                     {"Variable": "$.fanout.resubmitted", "NumericLessThan": spec.resubmissions}],
             "Next": f"Resubmit{n}"}],
            "Default": f"Verify{n}"},
        f"Resubmit{n}": pass_state(
            _fanout(worklist="$.check.retry",
                    resubmitted="States.MathAdd($.fanout.resubmitted, 1)"),
            f"Send{n}", result_path="$.fanout",
            comment=f"The retry worklist through the same Map and queue (production resubmitted "
                    f"failed batches "
                    f"{'once' if spec.resubmissions == 1 else f'{spec.resubmissions} times'} "
                    "before giving up)."),
        f"Verify{n}": invoke("BuaStageVerify", stage_payload,
                             comment="The batches' totals; StageFailed if some still fail.",
                             selector={"detail.$": "$.Payload"}, result_path="$.verified",
                             next_=after),
    }


def prepare_queue_states(stage: str, queue_name: str, next_: str) -> dict[str, State]:
    """Before a fan-out: earlier batch outcomes forgotten, the stage's queue emptied."""
    return {
        "ClearBatches": invoke("BuaStageReset", {**BASE, "stage": stage},
                               comment="Batch control table: outcomes of an earlier attempt forgotten.",
                               next_="PurgeQueue"),
        "PurgeQueue": {
            "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sqs:purgeQueue",
            "Comment": f"Messages an earlier attempt left on {queue_name} are dropped.",
            "Parameters": {"QueueUrl.$": "$.aws.queue_url"}, "ResultPath": None,
            "Catch": [{"ErrorEquals": ["Sqs.PurgeQueueInProgressException"], "ResultPath": None,
                       "Next": next_},
                      {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error",
                       "Next": "StageFailed"}],
            "Next": next_},
    }
