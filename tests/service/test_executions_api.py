"""Executions through the API: start, describe, list, history, stop, name rules, sync express runs,
callbacks, nested executions, handlers bound with --handlers."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.service import history, wait_done

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"ok": True}, "End": True}}}
ADD = {"StartAt": "Add", "States": {"Add": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Add",
                                            "End": True}}}


def test_an_execution_runs_its_bound_handler_and_is_described_as_aws_describes_it(sfn: Any, create: Any) -> None:
    machine = create(ADD)
    started = sfn.start_execution(stateMachineArn=machine, name="first", input=json.dumps({"a": 2, "b": 3}))
    assert started["executionArn"].endswith(":execution:" + machine.rsplit(":", 1)[-1] + ":first")
    described = wait_done(sfn, started["executionArn"])
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"sum": 5}
    assert described["redriveStatus"] == "NOT_REDRIVABLE"
    assert described["redriveStatusReason"] == "Execution is SUCCEEDED and cannot be redriven"
    assert described["startDate"] == started["startDate"]
    kinds = [event["type"] for event in history(sfn, started["executionArn"])]
    assert kinds == ["ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted",
                     "LambdaFunctionSucceeded", "TaskStateExited", "ExecutionSucceeded"]


def test_start_execution_follows_aws_name_rules(sfn: Any, create: Any) -> None:
    machine = create({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}})
    slow = create({"StartAt": "S", "States": {"S": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Slow", "End": True}}})
    first = sfn.start_execution(stateMachineArn=slow, name="same", input='{"seconds": 1}')
    again = sfn.start_execution(stateMachineArn=slow, name="same", input='{"seconds": 1}')
    assert again["executionArn"] == first["executionArn"] and again["startDate"] == first["startDate"]
    with pytest.raises(sfn.exceptions.ExecutionAlreadyExists, match="Execution Already Exists: '"):
        sfn.start_execution(stateMachineArn=slow, name="same", input='{"seconds": 2}')
    wait_done(sfn, first["executionArn"])
    with pytest.raises(sfn.exceptions.ExecutionAlreadyExists):  # closed: the name stays taken
        sfn.start_execution(stateMachineArn=slow, name="same", input='{"seconds": 1}')
    with pytest.raises(sfn.exceptions.InvalidName, match="Invalid Name: 'a b'"):
        sfn.start_execution(stateMachineArn=machine, name="a b")
    missing = machine + "-missing"
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist, match=f"State Machine Does Not Exist: '{missing}'"):
        sfn.start_execution(stateMachineArn=missing)


@pytest.mark.parametrize("text, message", [
    ("not json", "Invalid State Machine Execution Input: '"),
    ("", "Invalid State Machine Execution Input: 'Invalid execution input.'"),
])
def test_input_that_is_not_json_is_refused(sfn: Any, create: Any, text: str, message: str) -> None:
    machine = create(PASS)
    with pytest.raises(sfn.exceptions.InvalidExecutionInput) as raised:
        sfn.start_execution(stateMachineArn=machine, input=text)
    assert raised.value.response["Error"]["Message"].startswith(message)


@pytest.mark.parametrize("text", ["2", '"text"', "null", "[1, 2]"])
def test_any_json_value_is_an_input(sfn: Any, create: Any, text: str) -> None:
    machine = create({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    arn = sfn.start_execution(stateMachineArn=machine, input=text)["executionArn"]
    described = wait_done(sfn, arn)
    assert described["status"] == "SUCCEEDED" and json.loads(described["output"]) == json.loads(text)
    assert described["input"] == text


def test_a_failing_handler_fails_the_execution_with_lambdas_error_document(sfn: Any, create: Any) -> None:
    machine = create({"StartAt": "F", "States": {"F": {
        "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Fail", "End": True}}})
    arn = sfn.start_execution(stateMachineArn=machine, input='{"amount": 7}')["executionArn"]
    described = wait_done(sfn, arn)
    assert described["status"] == "FAILED"
    assert described["error"] == "InvalidAmount"
    assert json.loads(described["cause"])["errorMessage"] == "amount 7 is not allowed"
    assert described["redriveStatus"] == "REDRIVABLE" and "redriveStatusReason" not in described
    assert "output" not in described and "outputDetails" not in described


def test_a_resource_nothing_serves_fails_when_the_task_reaches_it(sfn: Any, create: Any) -> None:
    machine = create({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.go", "BooleanEquals": True, "Next": "Missing"}],
              "Default": "Done"},
        "Missing": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Nobody", "End": True},
        "Done": {"Type": "Succeed"}}})
    untaken = wait_done(sfn, sfn.start_execution(stateMachineArn=machine, input='{"go": false}')["executionArn"])
    assert untaken["status"] == "SUCCEEDED"  # an unbound branch never taken is no problem
    taken = wait_done(sfn, sfn.start_execution(stateMachineArn=machine, input='{"go": true}')["executionArn"])
    assert taken["status"] == "FAILED" and taken["error"] == "Lambda.ResourceNotFoundException"
    assert "Function not found: arn:aws:lambda:us-east-1:123456789012:function:Nobody" in taken["cause"]


def test_list_executions_newest_first_with_status_filter_and_pages(sfn: Any, create: Any) -> None:
    machine = create(PASS)
    arns = [sfn.start_execution(stateMachineArn=machine, name=f"run-{i}")["executionArn"] for i in range(5)]
    for arn in arns:
        wait_done(sfn, arn)
    listed = sfn.list_executions(stateMachineArn=machine)["executions"]
    assert [item["executionArn"] for item in listed] == arns[::-1]
    assert set(listed[0]) == {"executionArn", "stateMachineArn", "name", "status", "startDate", "stopDate",
                              "redriveCount"}
    first = sfn.list_executions(stateMachineArn=machine, maxResults=2)
    second = sfn.list_executions(stateMachineArn=machine, maxResults=2, nextToken=first["nextToken"])
    third = sfn.list_executions(stateMachineArn=machine, maxResults=2, nextToken=second["nextToken"])
    assert [i["name"] for i in first["executions"] + second["executions"] + third["executions"]] == \
        [f"run-{i}" for i in range(4, -1, -1)]
    assert "nextToken" not in third
    assert sfn.list_executions(stateMachineArn=machine, statusFilter="RUNNING")["executions"] == []
    assert len(sfn.list_executions(stateMachineArn=machine, statusFilter="SUCCEEDED")["executions"]) == 5
    with pytest.raises(sfn.exceptions.InvalidToken, match="Invalid Token: 'Invalid token'"):
        sfn.list_executions(stateMachineArn=machine, nextToken="garbage")
    with pytest.raises(sfn.exceptions.ClientError, match="Member must satisfy enum value set"):
        sfn.list_executions(stateMachineArn=machine, statusFilter="succeeded")


def test_history_pages_reverse_order_and_without_data(sfn: Any, create: Any) -> None:
    machine = create({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "C"}, "C": {"Type": "Pass", "End": True}}})
    arn = sfn.start_execution(stateMachineArn=machine, input='{"secret": 1}')["executionArn"]
    wait_done(sfn, arn)
    everything = history(sfn, arn)
    assert [e["id"] for e in everything] == list(range(1, 9))
    page = sfn.get_execution_history(executionArn=arn, maxResults=3, reverseOrder=True)
    assert [e["id"] for e in page["events"]] == [8, 7, 6] and page["nextToken"]
    bare = sfn.get_execution_history(executionArn=arn, includeExecutionData=False)["events"]
    assert "input" not in bare[0]["executionStartedEventDetails"]
    assert bare[1]["stateEnteredEventDetails"] == {"name": "A"}


def test_describe_and_history_of_what_does_not_exist(sfn: Any, create: Any) -> None:
    machine = create(PASS)
    missing = machine.replace(":stateMachine:", ":execution:") + ":nope"
    with pytest.raises(sfn.exceptions.ExecutionDoesNotExist, match=f"Execution Does Not Exist: '{missing}'"):
        sfn.describe_execution(executionArn=missing)
    with pytest.raises(sfn.exceptions.ExecutionDoesNotExist):
        sfn.get_execution_history(executionArn=missing)
    with pytest.raises(sfn.exceptions.InvalidArn, match="Invalid Arn: 'Invalid ARN prefix: nope'"):
        sfn.describe_execution(executionArn="nope")
    with pytest.raises(sfn.exceptions.InvalidArn, match="Resource type not valid in this context: stateMachine"):
        sfn.describe_execution(executionArn=machine)


def test_stop_execution_records_only_execution_aborted(start_server: Any) -> None:
    from tests.helpers.service import HANDLERS, ROLE

    server = start_server("--handlers", HANDLERS)  # real time: the Wait really waits
    sfn = server.client()
    machine = sfn.create_state_machine(name="waits", roleArn=ROLE, definition=json.dumps(
        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": True}}}))["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    deadline = time.monotonic() + 60  # a guard only: the Wait is entered at once
    while "WaitStateEntered" not in [e["type"] for e in history(sfn, arn)] and time.monotonic() < deadline:
        time.sleep(0.01)
    stopped = sfn.stop_execution(executionArn=arn, error="Operator", cause="no longer needed")
    described = sfn.describe_execution(executionArn=arn)
    assert described["status"] == "ABORTED" and described["stopDate"] == stopped["stopDate"]
    assert described["error"] == "Operator" and described["cause"] == "no longer needed"
    events = history(sfn, arn)
    assert [e["type"] for e in events] == ["ExecutionStarted", "WaitStateEntered", "ExecutionAborted"]
    assert events[-1]["previousEventId"] == 0
    assert events[-1]["executionAbortedEventDetails"] == {"error": "Operator", "cause": "no longer needed"}
    assert sfn.stop_execution(executionArn=arn)["stopDate"] == stopped["stopDate"]  # stopping again changes nothing


def test_waits_take_real_time_unless_virtual(start_server: Any, sfn: Any, create: Any) -> None:
    from tests.helpers.service import ROLE

    definition = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}}
    arn = sfn.start_execution(stateMachineArn=create(definition))["executionArn"]
    described = wait_done(sfn, arn)
    assert described["status"] == "SUCCEEDED"  # the module's server skips time
    assert (described["stopDate"] - described["startDate"]).total_seconds() == pytest.approx(3600, abs=1)

    real = start_server().client()
    machine = real.create_state_machine(name="one-second", roleArn=ROLE, definition=json.dumps(
        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": True}}}))["stateMachineArn"]
    began = time.monotonic()
    arn = real.start_execution(stateMachineArn=machine)["executionArn"]
    assert real.describe_execution(executionArn=arn)["status"] == "RUNNING"
    assert wait_done(real, arn)["status"] == "SUCCEEDED"
    assert time.monotonic() - began >= 0.95


def test_start_sync_execution_answers_with_the_result(sfn: Any, create: Any) -> None:
    express = create(ADD, type="EXPRESS")
    answer = sfn.start_sync_execution(stateMachineArn=express, name="sync-1", input='{"a": 1, "b": 2}')
    assert answer["status"] == "SUCCEEDED" and json.loads(answer["output"]) == {"sum": 3}
    assert answer["executionArn"].startswith(express.replace(":stateMachine:", ":express:") + ":sync-1:")
    assert answer["billingDetails"]["billedMemoryUsedInMB"] == 64
    assert answer["billingDetails"]["billedDurationInMilliseconds"] % 100 == 0
    failed = sfn.start_sync_execution(stateMachineArn=create(
        {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Bad", "Cause": "why"}}}, type="EXPRESS"))
    assert (failed["status"], failed["error"], failed["cause"]) == ("FAILED", "Bad", "why")
    assert "output" not in failed
    with pytest.raises(sfn.exceptions.StateMachineTypeNotSupported,
                       match="This operation is not supported by this type of state machine"):
        sfn.start_sync_execution(stateMachineArn=create(PASS))
    with pytest.raises(sfn.exceptions.InvalidArn, match="Resource type not valid in this context: express"):
        sfn.describe_execution(executionArn=answer["executionArn"])
    with pytest.raises(sfn.exceptions.StateMachineTypeNotSupported):
        sfn.list_executions(stateMachineArn=express)


def test_a_callback_task_waits_for_send_task_success_over_the_api(sfn: Any, create: Any) -> None:
    machine = create({"StartAt": "Approve", "States": {"Approve": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": "Echo", "Payload": {"token.$": "$$.Task.Token"}},
        "TimeoutSeconds": 600, "End": True}}})
    arn = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    token = _scheduled_token(sfn, arn)
    assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"  # virtual time waits for callbacks
    sfn.send_task_heartbeat(taskToken=token)
    sfn.send_task_success(taskToken=token, output='{"approved": true}')
    described = wait_done(sfn, arn)
    assert described["status"] == "SUCCEEDED" and json.loads(described["output"]) == {"approved": True}
    with pytest.raises(sfn.exceptions.TaskTimedOut, match="Task Timed Out: 'Provided task does not exist anymore'"):
        sfn.send_task_success(taskToken=token, output="{}")
    with pytest.raises(sfn.exceptions.InvalidToken, match="Invalid Token: 'Invalid token'"):
        sfn.send_task_success(taskToken="not-a-token", output="{}")


def test_send_task_failure_fails_the_task_and_catch_sees_it(sfn: Any, create: Any) -> None:
    machine = create({"StartAt": "Approve", "States": {
        "Approve": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                    "Parameters": {"FunctionName": "Echo", "Payload": {"token.$": "$$.Task.Token"}},
                    "Catch": [{"ErrorEquals": ["Rejected"], "Next": "Handled"}], "End": True},
        "Handled": {"Type": "Pass", "End": True}}})
    arn = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    sfn.send_task_failure(taskToken=_scheduled_token(sfn, arn), error="Rejected", cause="by a person")
    described = wait_done(sfn, arn)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"Error": "Rejected", "Cause": "by a person"}


def _scheduled_token(sfn: Any, arn: str) -> str:
    """The task token, read from the TaskScheduled event's parameters as a client would."""
    deadline = time.monotonic() + 120  # a guard against a hang only
    while time.monotonic() < deadline:
        for event in history(sfn, arn):
            if event["type"] == "TaskSubmitted":
                scheduled = next(e for e in history(sfn, arn) if e["type"] == "TaskScheduled")
                return str(json.loads(scheduled["taskScheduledEventDetails"]["parameters"])["Payload"]["token"])
        time.sleep(0.02)
    raise AssertionError("the task was never submitted")


def test_an_activity_task_goes_to_the_worker_that_polls(sfn: Any, create: Any) -> None:
    activity = sfn.create_activity(name="approve-invoice")["activityArn"]
    assert sfn.create_activity(name="approve-invoice")["activityArn"] == activity  # idempotent
    machine = create({"StartAt": "Work", "States": {"Work": {
        "Type": "Task", "Resource": activity, "TimeoutSeconds": 300, "HeartbeatSeconds": 60, "End": True}}})
    arn = sfn.start_execution(stateMachineArn=machine, input='{"invoice": 42}')["executionArn"]
    task = sfn.get_activity_task(activityArn=activity, workerName="worker-1")
    assert json.loads(task["input"]) == {"invoice": 42}
    sfn.send_task_heartbeat(taskToken=task["taskToken"])
    sfn.send_task_success(taskToken=task["taskToken"], output='{"approved": 42}')
    assert json.loads(wait_done(sfn, arn)["output"]) == {"approved": 42}
    events = history(sfn, arn)
    assert [e["type"] for e in events] == ["ExecutionStarted", "TaskStateEntered", "ActivityScheduled",
                                           "ActivityStarted", "ActivitySucceeded", "TaskStateExited",
                                           "ExecutionSucceeded"]
    assert events[2]["activityScheduledEventDetails"] == {
        "resource": activity, "input": '{"invoice":42}', "inputDetails": {"truncated": False},
        "timeoutInSeconds": 300, "heartbeatInSeconds": 60}
    assert events[3]["activityStartedEventDetails"] == {"workerName": "worker-1"}
    described = sfn.describe_activity(activityArn=activity)
    assert described["name"] == "approve-invoice"
    assert activity in [a["activityArn"] for a in sfn.list_activities()["activities"]]


def test_an_activity_that_does_not_exist_fails_the_execution(sfn: Any, create: Any) -> None:
    activity = sfn.create_activity(name="short-lived")["activityArn"]
    machine = create({"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": activity, "End": True}}})
    sfn.delete_activity(activityArn=activity)
    sfn.delete_activity(activityArn=activity)  # deleting again is fine
    described = wait_done(sfn, sfn.start_execution(stateMachineArn=machine)["executionArn"])
    assert described["error"] == "States.Runtime"
    assert described["cause"] == ("An error occurred while executing the state 'Work' (entered at the event id #2). "
                                  f"The activity {activity} does not exist.")
    with pytest.raises(sfn.exceptions.ActivityDoesNotExist, match=f"Activity Does Not Exist: '{activity}'"):
        sfn.get_activity_task(activityArn=activity)


def test_get_activity_task_without_work_answers_empty_after_its_poll(start_server: Any) -> None:
    from aslrun.service import ServiceConfig

    assert ServiceConfig().activity_poll_seconds == 60  # AWS's long poll holds the request a minute
    server = start_server(env={"ASLRUN_ACTIVITY_POLL_SECONDS": "1.5"})
    sfn = server.client()
    activity = sfn.create_activity(name="idle")["activityArn"]
    began = time.monotonic()
    answer = sfn.get_activity_task(activityArn=activity)
    assert "taskToken" not in answer
    assert 1.4 <= time.monotonic() - began < 10


def test_nested_executions_run_machines_created_through_the_api(sfn: Any, create: Any) -> None:
    child = create(ADD, name="nested-child")
    parent = create({"StartAt": "Call", "States": {"Call": {
        "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
        "Parameters": {"StateMachineArn": child, "Input": {"a": 4, "b": 5}, "Name": "the-child"},
        "OutputPath": "$.Output", "End": True}}}, name="nested-parent")
    arn = sfn.start_execution(stateMachineArn=parent)["executionArn"]
    assert json.loads(wait_done(sfn, arn)["output"]) == {"sum": 9}
    children = sfn.list_executions(stateMachineArn=child)["executions"]
    assert [c["name"] for c in children] == ["the-child"]
    child_described = sfn.describe_execution(executionArn=children[0]["executionArn"])
    assert child_described["status"] == "SUCCEEDED" and json.loads(child_described["input"]) == {"a": 4, "b": 5}
    assert [e["type"] for e in history(sfn, children[0]["executionArn"])][-1] == "ExecutionSucceeded"


DISTRIBUTED = {"StartAt": "Each", "States": {"Each": {
    "Type": "Map", "Label": "Readings", "MaxConcurrency": 2, "ToleratedFailureCount": 1,
    "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                      "StartAt": "Add", "States": {"Add": {
                          "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Add",
                          "End": True}}},
    "End": True}}}


def test_a_distributed_map_run_is_listed_described_and_its_children_listed(sfn: Any, create: Any) -> None:
    machine = create(DISTRIBUTED)
    items = [{"a": i, "b": 1} for i in range(4)] + [{"a": "x", "b": None}]  # the last one fails (str + None)
    arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps(items))["executionArn"]
    described = wait_done(sfn, arn)
    assert described["status"] == "SUCCEEDED"
    runs = sfn.list_map_runs(executionArn=arn)["mapRuns"]
    assert len(runs) == 1
    run = runs[0]
    assert run["mapRunArn"].startswith(machine.replace(":stateMachine:", ":mapRun:") + "/Readings:")
    assert run["stateMachineArn"] == machine + "/Readings"
    detail = sfn.describe_map_run(mapRunArn=run["mapRunArn"])
    assert detail["status"] == "SUCCEEDED"
    assert (detail["maxConcurrency"], detail["toleratedFailureCount"]) == (2, 1)
    assert detail["executionCounts"]["succeeded"] == 4 and detail["executionCounts"]["failed"] == 1
    assert detail["executionCounts"]["total"] == 5
    children = sfn.list_executions(mapRunArn=run["mapRunArn"])["executions"]
    assert len(children) == 5 and all(c["mapRunArn"] == run["mapRunArn"] for c in children)
    child = sfn.describe_execution(executionArn=children[0]["executionArn"])
    assert child["stateMachineArn"] == machine + "/Readings"
    with pytest.raises(sfn.exceptions.ClientError, match="CANNOT_UPDATE_COMPLETED_MAP_RUN|not in progress"):
        sfn.update_map_run(mapRunArn=run["mapRunArn"], maxConcurrency=5)
    with pytest.raises(sfn.exceptions.ResourceNotFound):
        sfn.describe_map_run(mapRunArn=run["mapRunArn"][:-4] + "0000")


def test_update_map_run_changes_a_running_map_runs_concurrency(start_server: Any) -> None:
    from tests.helpers.service import HANDLERS, ROLE

    sfn = start_server("--handlers", HANDLERS).client()
    definition = json.loads(json.dumps(DISTRIBUTED))
    definition["States"]["Each"]["MaxConcurrency"] = 1
    definition["States"]["Each"]["ItemProcessor"]["States"] = {"Add": {"Type": "Wait", "Seconds": 1, "End": True}}
    machine = sfn.create_state_machine(name="slow-map", roleArn=ROLE, definition=json.dumps(definition))
    arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input=json.dumps([{}] * 8))["executionArn"]
    deadline = time.monotonic() + 120  # a guard: the map run is listed as soon as the Map starts
    while not (runs := sfn.list_map_runs(executionArn=arn)["mapRuns"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    sfn.update_map_run(mapRunArn=runs[0]["mapRunArn"], maxConcurrency=8)
    assert wait_done(sfn, arn)["status"] == "SUCCEEDED"
    assert sfn.describe_map_run(mapRunArn=runs[0]["mapRunArn"])["maxConcurrency"] == 8
    # no longer one at a time: some child execution started before the one before it had stopped (one
    # at a time, each starts after the previous stopped); judged by the children's dates, not a stopwatch
    children = sorted(sfn.list_executions(mapRunArn=runs[0]["mapRunArn"])["executions"],
                      key=lambda child: child["startDate"])
    assert len(children) == 8
    assert any(later["startDate"] < earlier["stopDate"] for earlier, later in zip(children, children[1:]))


def test_redrive_continues_a_failed_execution_over_the_api(start_server: Any, tmp_path: Any) -> None:
    from tests.helpers.service import ROLE

    flag = tmp_path / "healed"
    handlers = tmp_path / "flaky_handlers.py"
    handlers.write_text(
        "from pathlib import Path\n"
        "CALLS = []\n"
        "def work(event, context):\n"
        f"    CALLS.append(event['key'])\n"
        f"    if event['key'] == 'b' and not Path({str(flag)!r}).exists():\n"
        "        raise RuntimeError('b is broken')\n"
        "    return {'done': event['key'], 'calls': len(CALLS)}\n"
        "HANDLERS = {'Work': work}\n")
    sfn = start_server("--virtual-time", "--handlers", str(handlers)).client()
    task = {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Work"}
    machine = sfn.create_state_machine(name="redriven", roleArn=ROLE, definition=json.dumps({
        "StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "A", "States": {"A": {**task, "Parameters": {"key": "a"}, "End": True}}},
            {"StartAt": "B", "States": {"B": {**task, "Parameters": {"key": "b"}, "End": True}}}]}}}))
    arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], name="once")["executionArn"]
    assert wait_done(sfn, arn)["status"] == "FAILED"
    with pytest.raises(sfn.exceptions.ExecutionNotRedrivable, match="cannot be redriven"):
        sfn.redrive_execution(executionArn=sfn.start_execution(
            stateMachineArn=create_pass(sfn), name="fine")["executionArn"])
    flag.write_text("yes")
    redriven = sfn.redrive_execution(executionArn=arn, clientToken="token-1")
    again = sfn.redrive_execution(executionArn=arn, clientToken="token-1")  # the same request: idempotent
    assert again["redriveDate"] == redriven["redriveDate"]
    described = wait_done(sfn, arn)
    assert described["status"] == "SUCCEEDED" and described["redriveCount"] == 1
    assert described["redriveDate"] == redriven["redriveDate"]
    output = json.loads(described["output"])
    assert output[0] == {"done": "a", "calls": 1}  # branch A was not run again
    assert output[1]["done"] == "b"
    events = history(sfn, arn)
    kinds = [e["type"] for e in events]
    assert kinds.count("ExecutionFailed") == 1 and kinds.count("ExecutionRedriven") == 1
    redrive_event = events[kinds.index("ExecutionRedriven")]
    assert redrive_event["executionRedrivenEventDetails"] == {"redriveCount": 1}
    assert redrive_event["previousEventId"] == events[kinds.index("ExecutionFailed")]["id"]
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    assert sfn.list_executions(stateMachineArn=machine["stateMachineArn"], redriveFilter="REDRIVEN")[
        "executions"][0]["executionArn"] == arn


def create_pass(sfn: Any) -> str:
    from tests.helpers.service import ROLE

    return str(sfn.create_state_machine(name="fine-pass", roleArn=ROLE, definition=json.dumps(PASS))[
        "stateMachineArn"])


def test_an_express_machine_started_asynchronously_runs_but_is_not_described(sfn: Any, create: Any) -> None:
    express = create(ADD, type="EXPRESS")
    started = sfn.start_execution(stateMachineArn=express, name="async-1", input='{"a": 1, "b": 1}')
    assert started["executionArn"].startswith(express.replace(":stateMachine:", ":express:") + ":async-1:")
    with pytest.raises(sfn.exceptions.InvalidArn, match="Resource type not valid in this context: express"):
        sfn.get_execution_history(executionArn=started["executionArn"])
    with pytest.raises(sfn.exceptions.InvalidArn, match="Resource type not valid in this context: express"):
        sfn.stop_execution(executionArn=started["executionArn"])
    again = sfn.start_execution(stateMachineArn=express, name="async-1", input='{"a": 1, "b": 1}')
    assert again["executionArn"] != started["executionArn"]  # express runs are not deduplicated by name


def test_the_timeout_of_the_machine_times_an_execution_out(sfn: Any, create: Any) -> None:
    machine = create({"TimeoutSeconds": 5, "StartAt": "W",
                      "States": {"W": {"Type": "Wait", "Seconds": 60, "End": True}}})
    described = wait_done(sfn, sfn.start_execution(stateMachineArn=machine)["executionArn"])
    assert described["status"] == "TIMED_OUT" and described["redriveStatus"] == "REDRIVABLE"
    assert (described["stopDate"] - described["startDate"]).total_seconds() == pytest.approx(5, abs=0.5)


def test_unchanged_sdk_code_reaches_the_server_through_environment_variables(server: Any, sfn: Any,
                                                                              create: Any) -> None:
    """What a user's existing suite does: no endpoint_url in the code, only AWS_ENDPOINT_URL_SFN (and,
    for StartSyncExecution, AWS_DISABLE_HOST_PREFIX_INJECTION: botocore would send it to sync-<host>)."""
    import os
    import subprocess
    import sys

    express = create(ADD, type="EXPRESS")
    script = ("import boto3, json\n"
              "client = boto3.client('stepfunctions')\n"
              f"answer = client.start_sync_execution(stateMachineArn={express!r}, input=json.dumps({{'a': 20, 'b': 22}}))\n"
              "print(answer['output'])\n")
    env = {**os.environ, "AWS_ENDPOINT_URL_SFN": server.url, "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"sum": 42}


def test_service_integrations_reach_the_seeded_local_aws(start_server: Any, tmp_path: Any) -> None:
    from tests.helpers.service import ROLE

    seed = tmp_path / "seed.yaml"
    seed.write_text("dynamodb:\n  orders:\n    key: {id: S}\n    items:\n      - {id: o1, total: 5}\n")
    sfn = start_server("--virtual-time", "--aws-seed", str(seed)).client()
    machine = sfn.create_state_machine(name="orders", roleArn=ROLE, definition=json.dumps({
        "StartAt": "Put", "States": {
            "Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "ResultPath": None,
                    "Parameters": {"TableName": "orders", "Item": {"id": {"S": "o2"}, "total": {"N": "7"}}},
                    "Next": "Get"},
            "Get": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                    "Parameters": {"TableName": "orders", "Key": {"id": {"S.$": "$.id"}}},
                    "OutputPath": "$.Item", "End": True}}}))["stateMachineArn"]
    for order, total in (("o1", "5"), ("o2", "7")):
        described = wait_done(sfn, sfn.start_execution(stateMachineArn=machine, input=json.dumps({"id": order}))[
            "executionArn"])
        assert described["status"] == "SUCCEEDED", described
        assert json.loads(described["output"])["total"] == {"N": total}
    unseeded = sfn.create_state_machine(name="no-table", roleArn=ROLE, definition=json.dumps({
        "StartAt": "Get", "States": {"Get": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                                             "Parameters": {"TableName": "nope", "Key": {"id": {"S": "x"}}},
                                             "End": True}}}))["stateMachineArn"]
    failed = wait_done(sfn, sfn.start_execution(stateMachineArn=unseeded)["executionArn"])
    assert failed["error"] == "DynamoDB.ResourceNotFoundException"


def test_a_nested_execution_under_a_name_already_used_fails_the_task(sfn: Any, create: Any) -> None:
    child = create(PASS, name="named-child")
    parent = create({"StartAt": "Call", "States": {"Call": {
        "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
        "Parameters": {"StateMachineArn": child, "Name": "only-once"}, "End": True}}}, name="named-parent")
    first = wait_done(sfn, sfn.start_execution(stateMachineArn=parent)["executionArn"])
    assert first["status"] == "SUCCEEDED"
    second = wait_done(sfn, sfn.start_execution(stateMachineArn=parent)["executionArn"])
    assert second["status"] == "FAILED"
    assert second["error"] == "StepFunctions.ExecutionAlreadyExistsException"
    assert second["cause"].startswith("Execution Already Exists: '" + child.replace(":stateMachine:", ":execution:"))
    assert len(sfn.list_executions(stateMachineArn=child)["executions"]) == 1


def test_an_express_execution_is_recorded_and_seen_under_its_own_arn(sfn: Any, create: Any) -> None:
    express = create({"StartAt": "Ctx", "States": {"Ctx": {"Type": "Pass", "Parameters": {"id.$": "$$.Execution.Id"},
                                                            "End": True}}}, type="EXPRESS")
    first = sfn.start_sync_execution(stateMachineArn=express, name="same")
    second = sfn.start_sync_execution(stateMachineArn=express, name="same")
    assert json.loads(first["output"]) == {"id": first["executionArn"]}
    assert json.loads(second["output"]) == {"id": second["executionArn"]}
    assert first["executionArn"] != second["executionArn"]


@pytest.mark.parametrize("concurrency, most", [(None, 1), ("3", 3)])
def test_handlers_run_one_at_a_time_unless_told_otherwise(start_server: Any, concurrency: str | None,
                                                          most: int) -> None:
    """Lambda gives each invocation an environment of its own: by default the server never runs two
    handler calls at once (executions still run side by side)."""
    from tests.helpers.service import HANDLERS, ROLE

    options = ["--handler-concurrency", concurrency] if concurrency else []
    sfn = start_server("--handlers", HANDLERS, *options).client()
    machine = sfn.create_state_machine(name="overlap", roleArn=ROLE, definition=json.dumps({
        "StartAt": "O", "States": {"O": {"Type": "Task", "End": True,
                                         "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Overlap"}}}))
    arns = [sfn.start_execution(stateMachineArn=machine["stateMachineArn"])["executionArn"] for _ in range(3)]
    outputs = [json.loads(wait_done(sfn, arn)["output"]) for arn in arns]
    assert max(output["most_at_once"] for output in outputs) == most


# short ids: a test's id goes into PYTEST_CURRENT_TEST, which a server started during the test inherits
# (100,000 brackets in it made the environment too long to start a process: E2BIG)
@pytest.mark.parametrize("text", ["1e400", '{"x": NaN}', "[" * 100_000 + "]" * 100_000],
                         ids=["number-too-big", "nan", "nested-too-deep"])
def test_input_json_cannot_hold_is_refused(sfn: Any, create: Any, text: str) -> None:
    machine = create(PASS)
    with pytest.raises(sfn.exceptions.InvalidExecutionInput, match="Invalid State Machine Execution Input: '"):
        sfn.start_execution(stateMachineArn=machine, input=text)


@pytest.mark.parametrize("mode", ["--handler-threads", "--handler-processes"])
def test_a_maps_iterations_call_their_handlers_at_once_when_asked(start_server: Any, tmp_path: Path, mode: str) -> None:
    """--handler-threads / --handler-processes N: inside an execution a Map's iterations call their
    handlers at once, as on AWS. The handler waits until all three calls have arrived: only calls
    running at the same time can all answer."""
    from tests.helpers.service import ROLE

    sfn = start_server("--handler", "Meet=tests.helpers.worker_handlers.meet", mode, "3").client()
    machine = sfn.create_state_machine(name="meet", roleArn=ROLE, definition=json.dumps({
        "StartAt": "M", "States": {"M": {
            "Type": "Map", "MaxConcurrency": 3, "ItemsPath": "$.items", "End": True,
            "ItemProcessor": {"StartAt": "T", "States": {"T": {
                "Type": "Task", "End": True, "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Meet"}}}}}}))
    items = [{"n": n, "folder": str(tmp_path), "expected": 3} for n in range(3)]
    arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input=json.dumps({"items": items}))["executionArn"]
    described = wait_done(sfn, arn, timeout=60)
    assert described["status"] == "SUCCEEDED", described.get("cause")
    output = json.loads(described["output"])
    assert [answer["n"] for answer in output] == [0, 1, 2]
    pids = {answer["pid"] for answer in output}
    assert len(pids) == (3 if mode == "--handler-processes" else 1)  # worker processes, or the server's threads


def test_handler_threads_and_processes_are_not_given_together() -> None:
    from click.testing import CliRunner

    from aslrun.cli import main

    result = CliRunner().invoke(main, ["serve", "--handler-threads", "2", "--handler-processes", "2"])
    assert result.exit_code == 2
    assert "give --handler-threads or --handler-processes, not both" in result.output
