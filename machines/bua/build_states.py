"""The building blocks of the BUA state machines (see build.py, which assembles the 14 of them).

Each function returns plain ASL (dicts) in the key order the files use. Names of AWS resources are
``${...}`` placeholders filled from substitutions.json; queue URLs and topic ARNs are built from
the execution's own region and account (``$$.Execution.Id``), so one definition runs in the
account it is deployed to and against aslrun's local AWS alike.
"""

from __future__ import annotations

import json
from typing import Any

State = dict[str, Any]

CONTROL_TABLE = "${BuaControlTableName}"
CONTROL_PARTITION = "BUA Restore"
"""The seed's DynamoDB partition key value that identifies the BUA control records."""

CONTROL_KEY = {"process": {"S": CONTROL_PARTITION}, "run_date": {"S.$": "$.run_date"}}
"""One control record per run date: {process: "BUA Restore", run_date: "2024-10-01"}."""

BASE = {"run_date.$": "$.run_date", "db.$": "$.db"}
"""What every handler is given: the run date and the run database."""

LAMBDA_ERRORS = ["Lambda.ServiceException", "Lambda.AWSLambdaException",
                 "Lambda.SdkClientException", "Lambda.TooManyRequestsException"]
LAMBDA_RETRY = [{"ErrorEquals": LAMBDA_ERRORS, "IntervalSeconds": 2, "MaxAttempts": 3,
                 "BackoffRate": 2}]
BATCH_RETRY = LAMBDA_RETRY + [{"ErrorEquals": ["OperationalError"], "IntervalSeconds": 5,
                               "MaxAttempts": 3, "BackoffRate": 2}]
DYNAMODB_RETRY = [{"ErrorEquals": ["DynamoDB.ProvisionedThroughputExceededException",
                                   "DynamoDB.RequestLimitExceededException",
                                   "DynamoDB.InternalServerErrorException"],
                   "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2}]
SQS_RETRY = [{"ErrorEquals": ["SQS.AmazonSQSException"],
              "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2}]
"""Sending a batch again when SQS throttles or the call fails on the way."""

POLL_SECONDS = 10
POLL_LIMIT = 60
"""The wait for a queue to empty: every 10 s, at most 60 times (ten minutes)."""

RECEIVE_MAX = 10
"""SQS hands out at most 10 messages per receive: one Map of up to 10 batches per round."""


def region_part(index: int) -> str:
    """Part ``index`` of the execution ARN (3: region, 4: account)."""
    return f"States.ArrayGetItem(States.StringSplit($$.Execution.Id, ':'), {index})"


def queue_url(name: str) -> str:
    """The URL of queue ``name`` in the execution's region and account."""
    return f"States.Format('https://sqs.{{}}.amazonaws.com/{{}}/{name}', {region_part(3)}, {region_part(4)})"


def topic_arn(name: str) -> str:
    """The ARN of topic ``name`` in the execution's region and account."""
    return f"States.Format('arn:aws:sns:{{}}:{{}}:{name}', {region_part(3)}, {region_part(4)})"


def catch(target: str = "StageFailed") -> list[dict[str, Any]]:
    return [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": target}]


def task(resource: str, parameters: dict[str, Any], *, comment: str | None = None,
         selector: dict[str, Any] | None = None, result_path: str | None = None,
         retry: list[dict[str, Any]] | None = None, catch_to: str | None = "StageFailed",
         next_: str | None = None, output_path: str | None = None) -> State:
    """A Task state with the files' key order; ``next_=None`` ends the branch."""
    state: State = {"Type": "Task", "Resource": resource}
    if comment:
        state["Comment"] = comment
    state["Parameters"] = parameters
    if selector is not None:
        state["ResultSelector"] = selector
    state["ResultPath"] = result_path
    if output_path is not None:
        state["OutputPath"] = output_path
    if retry:
        state["Retry"] = retry
    if catch_to is not None:
        state["Catch"] = catch(catch_to)
    if next_ is None:
        state["End"] = True
    else:
        state["Next"] = next_
    return state


def invoke(function: str, payload: Any, **options: Any) -> State:
    """``lambda:invoke`` of ``${<function>FunctionArn}`` with Lambda's transient errors retried."""
    options.setdefault("retry", LAMBDA_RETRY)
    key = "Payload.$" if isinstance(payload, str) else "Payload"
    return task("arn:aws:states:::lambda:invoke",
                {"FunctionName": f"${{{function}FunctionArn}}", key: payload}, **options)


def _given(fields: dict[str, Any]) -> dict[str, Any]:
    """The optional fields given (None: not given, so the field is left out), in order."""
    return {name: value for name, value in fields.items() if value is not None}


def pass_state(parameters: dict[str, Any] | None, next_: str, *, comment: str | None = None,
               result_path: str | None = None, output_path: str | None = None) -> State:
    return {"Type": "Pass", **_given({"Comment": comment or None, "Parameters": parameters,
                                      "ResultPath": result_path, "OutputPath": output_path}),
            "Next": next_}


def inline_map(items_path: str, selector: dict[str, Any], start: str, states: dict[str, State],
               next_: str, *, comment: str, concurrency: int = RECEIVE_MAX,
               catch_to: str | None = "StageFailed") -> State:
    state: State = {"Type": "Map", "Comment": comment, "ItemsPath": items_path,
                    "ItemSelector": selector, "MaxConcurrency": concurrency,
                    "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": start,
                                      "States": states},
                    "ResultPath": None}
    if catch_to is not None:
        state["Catch"] = catch(catch_to)
    state["Next"] = next_
    return state


def distributed_map(*, start: str, states: dict[str, State], next_: str, comment: str,
                    reader: dict[str, Any] | None = None, batcher: dict[str, Any] | None = None,
                    items_path: str | None = None, selector: dict[str, Any] | None = None,
                    concurrency: int | None = None, execution_type: str = "EXPRESS",
                    catch_to: str = "StageFailed") -> State:
    """A distributed Map: items from ``reader`` (S3), cut into batches by ``batcher``, or the
    array at ``items_path`` of the state's input (each shaped by ``selector``), one child
    execution each (EXPRESS: short, and every child's work is safe to repeat, as the queue's
    consumers already take a message more than once; STANDARD for work that may run longer than
    EXPRESS's five minutes). Each child records its own history, so the Map adds a handful of
    events to its execution's however many items it runs. The results are the children's
    outputs, dropped (``ResultPath`` null); any child failing fails the Map."""
    return {"Type": "Map", "Comment": comment,
            **_given({"ItemReader": reader, "ItemsPath": items_path, "ItemSelector": selector,
                      "ItemBatcher": batcher, "MaxConcurrency": concurrency}),
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": execution_type},
                              "StartAt": start, "States": states},
            "ResultPath": None, "Catch": catch(catch_to), "Next": next_}


def pending_record(stages: list[str]) -> str:
    """``stages`` PENDING, as typed DynamoDB attributes: defaults under the control record."""
    pending = {stage: {"M": {"status": {"S": "PENDING"}}} for stage in stages}
    text = json.dumps(pending, separators=(",", ":"))
    return f"States.StringToJson('{text}')"


def status_path(root: str, stage: str) -> str:
    """Where a stage's status is in a merged control record."""
    return f"{root}.{stage}.M.status.S"


# -- the control record of a stage ------------------------------------------------------------

def read_control(next_: str, *, result_path: str, comment: str, catch_to: str | None) -> State:
    return task("arn:aws:states:::dynamodb:getItem",
                {"TableName": CONTROL_TABLE, "Key": CONTROL_KEY, "ConsistentRead": True},
                comment=comment, result_path=result_path, retry=DYNAMODB_RETRY,
                catch_to=catch_to, next_=next_)


def readiness(stage: str, needs: tuple[str, ...], begin: str) -> dict[str, State]:
    """Refuse to start before the stages ``stage`` reads have SUCCEEDED for the run date."""
    listed = ", ".join(needs)
    checks = [{"Not": {"Variable": status_path("$.control.stages", need),
                       "StringEquals": "SUCCEEDED"}} for need in needs]
    return {
        "ReadControl": read_control(
            "HasControlRecord?", result_path="$.control", catch_to="StageFailed",
            comment=f"Control table: the run's record (this stage reads what {listed} wrote)."),
        "HasControlRecord?": {"Type": "Choice", "Choices": [
            {"Variable": "$.control.Item", "IsPresent": True, "Next": "StagesDone"}],
            "Default": "NotReady"},
        "StagesDone": pass_state(
            {"stages.$": f"States.JsonMerge({pending_record(list(needs))}, $.control.Item, false)"},
            "Ready?", result_path="$.control"),
        "Ready?": {"Type": "Choice", "Choices": [
            {"Or": checks, "Next": "NotReady"} if len(checks) > 1 else {**checks[0], "Next": "NotReady"}],
            "Default": begin},
        "NotReady": pass_state(
            {"Error": "RunNotReady",
             "Cause.$": f"States.Format('stage {stage} for run {{}} needs {listed} to have "
                        "succeeded first (same run date)', $.run_date)"},
            "StageFailed", result_path="$.error"),
    }


def begin_stage(stage: str, later: list[str], next_: str) -> State:
    """RUNNING for the run date; the stages that read this one's results are forgotten."""
    names = {"#stage": stage}
    update = "SET #stage = :record"
    if later:
        removed = {f"#later{i}": name for i, name in enumerate(later)}
        names.update(removed)
        update += " REMOVE " + ", ".join(removed)
    record = {"status": {"S": "RUNNING"}, "started_at": {"S.$": "$$.State.EnteredTime"},
              "execution": {"S.$": "$$.Execution.Id"}}
    comment = "Control table: this stage RUNNING for the run date"
    comment += f" ({', '.join(later)} forgotten: they read its results)." if later else "."
    return task("arn:aws:states:::dynamodb:updateItem",
                {"TableName": CONTROL_TABLE, "Key": CONTROL_KEY, "UpdateExpression": update,
                 "ExpressionAttributeNames": names,
                 "ExpressionAttributeValues": {":record": {"M": record}}},
                comment=comment, retry=DYNAMODB_RETRY, next_=next_)


def end_stage(stage: str, detail_path: str | None) -> State:
    update = "SET #stage.#status = :succeeded, #stage.finished_at = :now"
    values: dict[str, Any] = {":succeeded": {"S": "SUCCEEDED"}, ":now": {"S.$": "$$.State.EnteredTime"}}
    if detail_path:
        update += ", #stage.detail = :detail"
        values[":detail"] = {"S.$": f"States.JsonToString({detail_path})"}
    return task("arn:aws:states:::dynamodb:updateItem",
                {"TableName": CONTROL_TABLE, "Key": CONTROL_KEY, "UpdateExpression": update,
                 "ExpressionAttributeNames": {"#stage": stage, "#status": "status"},
                 "ExpressionAttributeValues": values},
                comment="Control table: SUCCEEDED (what it did in 'detail').",
                retry=DYNAMODB_RETRY, next_="Done")


def stage_failed(stage: str) -> dict[str, State]:
    record = {"status": {"S": "FAILED"}, "failed_at": {"S.$": "$$.State.EnteredTime"},
              "execution": {"S.$": "$$.Execution.Id"}, "error": {"S.$": "$.error.Error"},
              "cause": {"S.$": "$.error.Cause"}}
    return {
        "StageFailed": task(
            "arn:aws:states:::dynamodb:updateItem",
            {"TableName": CONTROL_TABLE, "Key": CONTROL_KEY, "UpdateExpression": "SET #stage = :record",
             "ExpressionAttributeNames": {"#stage": stage},
             "ExpressionAttributeValues": {":record": {"M": record}}},
            comment="Control table: FAILED with the error, so a resumed run starts here.",
            retry=DYNAMODB_RETRY, catch_to="Failed", next_="Failed"),
        "Failed": {"Type": "Fail", "Error": "BuaStageFailed",
                   "CausePath": f"States.Format('Stage {stage} failed for run {{}} ({{}}); its record "
                                f"in the control table {CONTROL_TABLE} holds the cause.', $.run_date, "
                                "$.error.Error)"},
    }
