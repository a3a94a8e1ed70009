"""Executions logged to the local CloudWatch Logs as the machine's ``loggingConfiguration`` asks
(:mod:`aslrun.service.execution_logs`): where an EXPRESS execution, which has no history API on AWS,
shows what it did. Driven through boto3 at the server's URL, the log group made there too."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers.service import ROLE, aws_client as client, wait_done

from .server_process import ServerProcess

GROUP = "/aws/vendedlogs/states/billing"
FAILING = {"StartAt": "Price", "States": {
    "Price": {"Type": "Pass", "Result": {"total": 42}, "Next": "Refuse"},
    "Refuse": {"Type": "Fail", "Error": "Billing.Refused", "Cause": "over the limit"}}}


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    with ServerProcess() as running:
        client(running, "logs").create_log_group(logGroupName=GROUP)
        yield running


def _logging(level: str, data: bool, group: str = GROUP) -> dict[str, Any]:
    return {"level": level, "includeExecutionData": data, "destinations": [
        {"cloudWatchLogsLogGroup": {"logGroupArn": f"arn:aws:logs:us-east-1:123456789012:log-group:{group}:*"}}]}


def _logged(server: ServerProcess, machine_name: str, count: int) -> list[dict[str, Any]]:
    """The log events of the machine's one execution (waiting for ``count`` of them)."""
    logs = client(server, "logs")
    deadline = time.monotonic() + 30
    while True:
        streams = [s["logStreamName"] for s in logs.describe_log_streams(logGroupName=GROUP)["logStreams"]
                   if s["logStreamName"].startswith(f"states/{machine_name}/")]
        events = [json.loads(e["message"]) for stream in streams
                  for e in logs.get_log_events(logGroupName=GROUP, logStreamName=stream)["events"]]
        if len(events) >= count or time.monotonic() > deadline:
            return events
        time.sleep(0.05)


def test_an_express_execution_logs_every_event_with_its_data(server: ServerProcess) -> None:
    sfn = server.client()
    machine = sfn.create_state_machine(name="quick", roleArn=ROLE, type="EXPRESS", definition=json.dumps(FAILING),
                                       loggingConfiguration=_logging("ALL", True))["stateMachineArn"]
    answer = sfn.start_sync_execution(stateMachineArn=machine, input='{"account": "A-1"}')
    assert answer["status"] == "FAILED"
    events = _logged(server, "quick", 5)
    assert [e["type"] for e in events] == ["ExecutionStarted", "PassStateEntered", "PassStateExited",
                                           "FailStateEntered", "ExecutionFailed"]
    started, _, exited, _, failed = events
    assert started["details"]["input"] == '{"account":"A-1"}' and started["details"]["roleArn"] == ROLE
    assert json.loads(exited["details"]["output"]) == {"total": 42}
    assert failed["details"] == {"error": "Billing.Refused", "cause": "over the limit"}
    assert {e["execution_arn"] for e in events} == {answer["executionArn"]}
    assert [e["id"] for e in events] == ["1", "2", "3", "4", "5"] and started["redrive_count"] == "0"
    assert all(e["event_timestamp"].isdigit() for e in events)


@pytest.mark.parametrize(("level", "types"), [
    ("ERROR", ["ExecutionFailed"]),  # (a Fail state's end is the only error event here)
    ("FATAL", ["ExecutionFailed"]),
])
def test_a_standard_execution_logs_what_its_level_asks_without_data(server: ServerProcess, level: str,
                                                                    types: list[str]) -> None:
    sfn = server.client()
    name = f"standard-{level.lower()}"
    definition = {"StartAt": "Call", "States": {
        "Call": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:missing",
                 "Next": "Done"}, "Done": {"Type": "Succeed"}}} if level == "ERROR" else FAILING
    machine = sfn.create_state_machine(name=name, roleArn=ROLE, definition=json.dumps(definition),
                                       loggingConfiguration=_logging(level, False))["stateMachineArn"]
    done = wait_done(sfn, sfn.start_execution(stateMachineArn=machine, input='{"secret": 1}')["executionArn"])
    assert done["status"] == "FAILED"
    expected = ["LambdaFunctionFailed", "ExecutionFailed"] if level == "ERROR" else types
    events = _logged(server, name, len(expected))
    assert [e["type"] for e in events] == expected
    assert all("input" not in e["details"] and "output" not in e["details"] for e in events)


def test_a_log_group_that_does_not_exist_is_said_once_and_the_execution_runs(start_server) -> None:
    server = start_server()
    sfn = server.client()
    machine = sfn.create_state_machine(name="unlogged", roleArn=ROLE, definition=json.dumps(FAILING),
                                       loggingConfiguration=_logging("ALL", True, "/nowhere"))["stateMachineArn"]
    for _ in range(2):
        done = wait_done(sfn, sfn.start_execution(stateMachineArn=machine)["executionArn"])
        assert done["status"] == "FAILED"
    said = "the executions of unlogged are not logged to /nowhere"
    deadline = time.monotonic() + 30  # (the first write starts the local AWS)
    while said not in server.log and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    assert server.log.count(said) == 1, server.log
