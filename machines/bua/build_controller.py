"""The controller machine ``bua``: the 13 stage machines in order for one run date, resumable.

    Normalize -> claim the run (the control record RUNNING, held by this execution; another
    execution that holds it and is still RUNNING refuses the run, BuaRunInProgress; one that has
    ended is taken over) -> ``rerun``: a fresh record -> read it ->
    the first stage not SUCCEEDED: its machine (startExecution.sync:2) -> read it again -> ...
    all SUCCEEDED -> run report (lambda) -> record SUCCEEDED -> announce on SNS -> the report
    A stage machine that fails: record FAILED -> announce on SNS -> Fail (BuaRunFailed)
"""

from __future__ import annotations

from typing import Any

from build_states import (
    CONTROL_KEY,
    CONTROL_TABLE,
    DYNAMODB_RETRY,
    LAMBDA_RETRY,
    State,
    invoke,
    pass_state,
    pending_record,
    read_control,
    status_path,
    task,
    topic_arn,
)

__all__ = ["controller", "camel"]

OUTBOUND_PREFIX = "ADH/OUTBOUND/BUA/"
EXPORT_PREFIX = "States.Format('export/csv/{}/', $.run_date)"


def camel(stage: str) -> str:
    """``scaleup-workflow`` -> ``ScaleupWorkflow`` (state and placeholder names)."""
    return "".join(part.capitalize() for part in stage.split("-"))


def _stage_input(stage: str) -> dict[str, Any]:
    fields = {"run_date.$": "$.run_date", "db.$": "$.db"}
    if stage == "restore":
        fields.update({name: f"$.{name[:-2]}" for name in (
            "snapshot.$", "period_start.$", "period_end.$", "config.$")})
    if stage == "terminate":
        fields["delete_database.$"] = "$.delete_database"
    return fields


def _run_record(update: str, values: dict[str, Any], next_: str, comment: str, *,
                catch_to: str | None = None) -> State:
    state = task("arn:aws:states:::dynamodb:updateItem",
                 {"TableName": CONTROL_TABLE, "Key": CONTROL_KEY, "UpdateExpression": update,
                  "ExpressionAttributeValues": values},
                 comment=comment, retry=DYNAMODB_RETRY, catch_to=None, next_=next_)
    if catch_to:
        state["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.notify_error",
                           "Next": catch_to}]
    return state


MISSING_TABLE = [{"ErrorEquals": ["DynamoDB.ResourceNotFoundException"], "ResultPath": "$.error",
                  "Next": "NoControlTable"}]


def _claim(condition: str, values: dict[str, Any], comment: str) -> State:
    """The control record RUNNING and held by this execution, if ``condition`` holds; if it does
    not, another execution holds the run (read who); a missing table fails the run at once."""
    state = _run_record(
        "SET run_status = :running, run_execution = :execution, run_started_at = :now "
        "REMOVE run_finished_at, run_error, run_cause", values, "Rerun?", comment)
    state["Parameters"]["ConditionExpression"] = condition
    state["Parameters"] = {k: state["Parameters"][k] for k in (
        "TableName", "Key", "UpdateExpression", "ConditionExpression", "ExpressionAttributeValues")}
    state["Catch"] = [
        {"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"], "ResultPath": None,
         "Next": "ReadHolder"},
        *MISSING_TABLE]
    state = {k: state[k] for k in ("Type", "Resource", "Comment", "Parameters", "ResultPath", "Retry",
                                  "Catch", "Next")}
    return state


def _start(stages: tuple[str, ...]) -> dict[str, State]:
    now = {"S.$": "$$.State.EnteredTime"}
    execution = {"S.$": "$$.Execution.Id"}
    return {
        "Normalize": pass_state(
            {"defaults": {"db": None, "snapshot": None, "period_start": None, "period_end": None,
                          "config": None, "rerun": False, "delete_database": False,
                          "aws_state": ".aslrun/aws",
                          "run_date.$": "States.ArrayGetItem(States.StringSplit($$.Execution.StartTime, 'T'), 0)"},
             "given.$": "$"}, "ApplyDefaults",
            comment="Every optional field present (null when not given), so later paths never miss; "
                    "the run date defaults to the day the execution started (on AWS a 1st-of-month "
                    "schedule starts it). aws_state: where 'aslrun aws execute' keeps S3 objects "
                    "(named in the report)."),
        "ApplyDefaults": pass_state({"merged.$": "States.JsonMerge($.defaults, $.given, false)"},
                                    "Locate", output_path="$.merged"),
        "Locate": pass_state({"topic_arn.$": topic_arn("${BuaStatusTopicName}")}, "ClaimRun",
                             comment="The status topic in this execution's region and account.",
                             result_path="$.aws"),
        "ClaimRun": _claim(
            "attribute_not_exists(run_status) OR run_status <> :running OR run_execution = :execution",
            {":running": {"S": "RUNNING"}, ":execution": execution, ":now": now},
            "Control table (key 'BUA Restore' + run date): the run RUNNING, held by this execution, "
            "unless another execution holds it (compare-and-set: two runs of one date at once would "
            "work on one run database); stage records kept."),
        "ReadHolder": task(
            "arn:aws:states:::dynamodb:getItem",
            {"TableName": CONTROL_TABLE, "Key": CONTROL_KEY, "ConsistentRead": True},
            comment="Another execution holds the run: which one.",
            selector={"execution.$": "$.Item.run_execution.S", "started.$": "$.Item.run_started_at.S"},
            result_path="$.holder", retry=DYNAMODB_RETRY, catch_to=None, next_="DescribeHolder"),
        "DescribeHolder": {
            **task("arn:aws:states:::aws-sdk:sfn:describeExecution",
                   {"ExecutionArn.$": "$.holder.execution"},
                   comment="Is the holder still running? (An execution killed with its process, or "
                           "stopped, leaves the record RUNNING: its run is then taken over.)",
                   selector={"status.$": "$.Status"}, result_path="$.holder.described",
                   catch_to=None, next_="HolderRunning?"),
            "Catch": [{"ErrorEquals": ["Sfn.ExecutionDoesNotExistException"], "ResultPath": None,
                       "Next": "TakeOverRun"}]},
        "HolderRunning?": {"Type": "Choice", "Choices": [
            {"Variable": "$.holder.described.status", "StringEquals": "RUNNING",
             "Next": "RunInProgress"}], "Default": "TakeOverRun"},
        "RunInProgress": {
            "Type": "Fail", "Error": "BuaRunInProgress",
            "CausePath": "States.Format('Run {} is already in progress: execution {} (started {}) "
                         f"holds it in the control table {CONTROL_TABLE}. Wait for it to end or "
                         "stop it, then start this machine again: a run whose execution has ended "
                         "is resumed from its first stage not SUCCEEDED.', $.run_date, "
                         "$.holder.execution, $.holder.started)"},
        "TakeOverRun": _claim(
            "run_execution = :holder",
            {":running": {"S": "RUNNING"}, ":execution": execution, ":now": now,
             ":holder": {"S.$": "$.holder.execution"}},
            "The holder has ended without recording it: this execution takes the run over, if "
            "nobody else did meanwhile (then the new holder is asked again)."),
        "Rerun?": {"Type": "Choice", "Choices": [
            {"Variable": "$.rerun", "BooleanEquals": True, "Next": "NewControlRecord"}],
            "Default": "ReadControl"},
        "NewControlRecord": task(
            "arn:aws:states:::dynamodb:putItem",
            {"TableName": CONTROL_TABLE,
             "Item": {**CONTROL_KEY, "run_status": {"S": "RUNNING"}, "run_execution": execution,
                      "run_started_at": now}},
            comment="rerun: a fresh control record for the run date (this execution holds the run), "
                    "so every stage runs again.",
            result_path=None, retry=DYNAMODB_RETRY, catch_to=None, next_="ReadControl"),
        "NoControlTable": {
            "Type": "Fail", "Error": "BuaControlTableMissing",
            "Cause": f"The DynamoDB control table {CONTROL_TABLE} does not exist in this account and "
                     "region: create it (partition key 'process', sort key 'run_date', both "
                     "strings), or locally seed it: aslrun aws execute ... --aws-seed "
                     "fixtures/bua/aws-seed.json"},
        "ReadControl": read_control(
            f"{camel(stages[0])}Done?", result_path="$.plan", catch_to=None,
            comment="Stages already SUCCEEDED for this run date are skipped (resume); read again "
                    "after each stage, so the first stage not SUCCEEDED is always the next."),
    }


def _stages(stages: tuple[str, ...]) -> dict[str, State]:
    states: dict[str, State] = {}
    for stage, following in zip(stages, stages[1:] + ("",)):
        after = f"{camel(following)}Done?" if following else "ReadFinal"
        states[f"{camel(stage)}Done?"] = {"Type": "Choice", "Choices": [
            {"Variable": status_path("$.plan.stages", stage), "StringEquals": "SUCCEEDED",
             "Next": after}], "Default": f"Run{camel(stage)}"}
        # after a stage ran, the record is read again: beginning it forgot the stages that read
        # its results, which must then run again even if they had SUCCEEDED before
        states[f"Run{camel(stage)}"] = {
            "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
            "Parameters": {"StateMachineArn": f"${{Bua{camel(stage)}StateMachineArn}}",
                           "Input": _stage_input(stage)},
            "ResultPath": None,
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error",
                       "Next": "RecordRunFailed"}],
            "Next": "ReadControl"}
    return states


def _finish(stages: tuple[str, ...]) -> dict[str, State]:
    return {
        "ReadFinal": task(
            "arn:aws:states:::dynamodb:getItem",
            {"TableName": CONTROL_TABLE, "Key": CONTROL_KEY, "ConsistentRead": True},
            comment="Every stage's status, and the record (which stages this run ran), for the report.",
            selector={"stages": {f"{stage}.$": f"$.Item.{stage}.M.status.S" for stage in stages},
                      "control.$": "$.Item"},
            result_path="$.final", retry=DYNAMODB_RETRY, catch_to=None, next_="Report"),
        "Report": invoke(
            "BuaRunReport",
            {"run_date.$": "$.run_date", "db.$": "$.db", "stages.$": "$.final.stages",
             "control.$": "$.final.control",
             "s3": {"bucket": "${BuaExportBucketName}", "prefix.$": EXPORT_PREFIX,
                    "outbound_bucket": "${BuaIntegrationBucketName}",
                    "outbound_prefix": OUTBOUND_PREFIX, "aws_state.$": "$.aws_state"}},
            comment="The run's stage statuses, totals and where the CSVs are: the execution's output.",
            selector={"report.$": "$.Payload"}, result_path="$.result", retry=LAMBDA_RETRY,
            catch_to=None, next_="RecordRunEnd"),
        "RecordRunEnd": _run_record(
            "SET run_status = :succeeded, run_finished_at = :now",
            {":succeeded": {"S": "SUCCEEDED"}, ":now": {"S.$": "$$.State.EnteredTime"}}, "Announce",
            "Control table: the run SUCCEEDED."),
        "Announce": task(
            "arn:aws:states:::sns:publish",
            {"TopicArn.$": "$.aws.topic_arn",
             "Subject.$": "States.Format('BUA run {} SUCCEEDED', $.run_date)",
             "Message.$": "$.result.report"},
            comment="The run report to the status topic's subscribers.",
            result_path=None, output_path="$.result.report", catch_to=None, next_="Done"),
        "Done": {"Type": "Succeed"},
        "RecordRunFailed": _run_record(
            "SET run_status = :failed, run_finished_at = :now, run_error = :error, run_cause = :cause",
            {":failed": {"S": "FAILED"}, ":now": {"S.$": "$$.State.EnteredTime"},
             ":error": {"S.$": "$.error.Error"}, ":cause": {"S.$": "$.error.Cause"}},
            "AnnounceFailure", "Control table: the run FAILED (the failed stage has its own record).",
            catch_to="RunFailed"),
        "AnnounceFailure": {
            **task("arn:aws:states:::sns:publish",
                   {"TopicArn.$": "$.aws.topic_arn",
                    "Subject.$": "States.Format('BUA run {} FAILED', $.run_date)",
                    "Message": {"run_date.$": "$.run_date", "status": "FAILED",
                                "error.$": "$.error.Error", "cause.$": "$.error.Cause",
                                "control_table": CONTROL_TABLE}},
                   comment="The failure to the status topic's subscribers.", result_path=None,
                   catch_to=None, next_="RunFailed"),
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.notify_error",
                       "Next": "RunFailed"}]},
        "RunFailed": {
            "Type": "Fail", "Error": "BuaRunFailed",
            "CausePath": "States.Format('A stage of run {} failed ({}); the control table "
                         f"{CONTROL_TABLE} names it and its error. Start this machine again with "
                         "the same run_date to resume from that stage.', $.run_date, $.error.Error)"},
    }


def controller(stages: tuple[str, ...]) -> dict[str, Any]:
    states = {**_start(stages), **_stages(stages), **_finish(stages)}
    state = states["NewControlRecord"]  # a missing table after the claim: deleted meanwhile
    states["NewControlRecord"] = {**{k: v for k, v in state.items() if k not in ("Next",)},
                                  "Catch": MISSING_TABLE, "Next": state["Next"]}
    states["ReadControl"]["ResultSelector"] = {
        "stages.$": f"States.JsonMerge({pending_record(list(stages))}, $.Item, false)"}
    # ResultSelector goes before ResultPath in the files' key order
    read = states["ReadControl"]
    states["ReadControl"] = {k: read[k] for k in ("Type", "Resource", "Comment", "Parameters",
                                                  "ResultSelector", "ResultPath", "Retry", "Next")}
    return {"Comment": "bua: the Bottom-Up Accruals controller. Runs the stage machines in order for "
                       "ONE run date (passed to every stage), skipping stages the DynamoDB control "
                       "table records as SUCCEEDED for it, so a failed run resumes from the failed "
                       "stage; announces the outcome on SNS.",
            "StartAt": "Normalize", "States": states}
