"""``.waitForTaskToken``: tokens completed from Python (a test, a handler's context), heartbeats, timeouts."""

from __future__ import annotations

import pytest
from aws_support import QUEUE_URL, task

from aslrun import StateMachine, VirtualClock
from aslrun.integrations.callbacks import (
    TaskTokenError,
    pending_tasks,
    send_task_failure,
    send_task_heartbeat,
    send_task_success,
)

INVOKE_WAIT = "arn:aws:states:::lambda:invoke.waitForTaskToken"
SQS_WAIT = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"


def _start(definition, input=None, handlers=None):
    clock = VirtualClock(start="2024-01-01T00:00:00Z", frozen=True)
    return StateMachine(definition).start(input or {}, handlers=handlers or {}, clock=clock), clock


def test_a_test_completes_the_token_between_two_runs(aws):
    seen = []
    definition = task(INVOKE_WAIT, {"FunctionName": "Approve", "Payload": {"order.$": "$.order"}})
    execution, _ = _start(definition, {"order": 7}, {"Approve": lambda event, context: seen.append(event) or "sent"})
    execution.run(until_callbacks=True)
    assert execution.status == "RUNNING" and execution.waiting_for_callbacks
    assert seen == [{"order": 7}]
    (waiting,) = pending_tasks(execution)
    assert waiting.state_name == "Call"
    send_task_success(waiting.token, '{"approved": true}')
    execution.run()
    assert (execution.status, execution.output) == ("SUCCEEDED", {"approved": True})
    types = [e.type for e in execution.history]
    assert types[types.index("TaskStarted"):types.index("TaskSucceeded") + 1] == [
        "TaskStarted", "TaskSubmitted", "TaskSucceeded"]
    submitted = execution.history.events("TaskSubmitted")[0].details
    assert (submitted["resourceType"], submitted["resource"]) == ("lambda", "invoke.waitForTaskToken")
    assert submitted["output"]["Payload"] == "sent" and submitted["output"]["StatusCode"] == 200
    assert pending_tasks(execution) == []


def test_a_handler_completes_its_own_token_through_the_context_object(aws):
    def approve(event, context):
        context.send_task_success({"by": "handler", "token_known": context.task_token is not None})

    execution, _ = _start(task(INVOKE_WAIT, {"FunctionName": "Approve", "Payload": {}}), handlers={"Approve": approve})
    execution.run()
    assert (execution.status, execution.output) == ("SUCCEEDED", {"by": "handler", "token_known": True})


def test_send_task_failure_fails_the_task_with_that_error_for_catch(aws):
    definition = task(INVOKE_WAIT, {"FunctionName": "Approve"},
                      Catch=[{"ErrorEquals": ["Rejected"], "Next": "Handled"}],
                      states={"Handled": {"Type": "Pass", "End": True}})
    execution, _ = _start(definition, handlers={"Approve": lambda e, c: None})
    execution.run(until_callbacks=True)
    send_task_failure(pending_tasks(execution)[0].token, "Rejected", "no budget")
    execution.run()
    assert execution.output == {"Error": "Rejected", "Cause": "no budget"}
    failed = execution.history.events("TaskFailed")[0].details
    assert failed == {"resourceType": "lambda", "resource": "invoke.waitForTaskToken", "error": "Rejected",
                      "cause": "no budget"}


def test_a_heartbeat_timeout_fails_with_states_timeout(aws):
    definition = task(INVOKE_WAIT, {"FunctionName": "Approve"}, HeartbeatSeconds=5, TimeoutSeconds=600)
    execution, clock = _start(definition, handlers={"Approve": lambda e, c: None})
    started = clock.now()
    execution.run()  # nobody answers: time skips to the heartbeat deadline
    assert (execution.status, execution.error) == ("FAILED", "States.Timeout")
    timed_out = execution.history.events("TaskTimedOut")[0]
    assert timed_out.details == {"resourceType": "lambda", "resource": "invoke.waitForTaskToken",
                                 "error": "States.Timeout"}
    assert timed_out.timestamp - started == pytest.approx(5)
    scheduled = execution.history.events("TaskScheduled")[0].details
    assert (scheduled["heartbeatInSeconds"], scheduled["timeoutInSeconds"]) == (5, 600)


def test_heartbeats_keep_the_task_alive_until_its_timeout(aws):
    definition = task(INVOKE_WAIT, {"FunctionName": "Approve"}, HeartbeatSeconds=10, TimeoutSeconds=25)
    execution, clock = _start(definition, handlers={"Approve": lambda e, c: None})
    started = clock.now()
    execution.run(until_callbacks=True)
    token = pending_tasks(execution)[0].token
    for _ in range(2):
        clock.advance(8)
        send_task_heartbeat(token)
        execution.run(until_callbacks=True)
        assert execution.status == "RUNNING"  # 8 s after the last heartbeat: still within 10 s
    execution.run()  # nobody answers any more: TimeoutSeconds (25 s) comes before the next heartbeat deadline
    assert (execution.status, execution.error) == ("FAILED", "States.Timeout")
    assert execution.history.events("TaskTimedOut")[0].timestamp - started == pytest.approx(25)


def test_sqs_wait_for_task_token_sends_then_waits(aws):
    aws.seed({"sqs": {"approvals": {}}})
    definition = task(SQS_WAIT, {"QueueUrl": QUEUE_URL.format("approvals"), "MessageBody": {"order": 1}})
    execution, _ = _start(definition)
    execution.run(until_callbacks=True)
    assert aws.queue_bodies("approvals", parse_json=True) == [{"order": 1}]
    submitted = execution.history.events("TaskSubmitted")[0].details
    assert submitted["resource"] == "sendMessage.waitForTaskToken" and "MessageId" in submitted["output"]
    send_task_success(pending_tasks(execution)[0].token, {"ok": 1})
    execution.run()
    assert execution.output == {"ok": 1}


def test_start_execution_wait_for_task_token(aws):
    child = StateMachine({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, name="Child")
    definition = task("arn:aws:states:::states:startExecution.waitForTaskToken",
                      {"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:Child", "Input": {}})
    from aslrun import Bindings

    bindings = Bindings()
    bindings.bind("Child", child)
    execution, _ = _start(definition, handlers=bindings)
    execution.run(until_callbacks=True)
    assert execution.children and execution.children[0].status == "SUCCEEDED"
    send_task_success(pending_tasks(execution)[0].token, "[1,2]")
    execution.run()
    assert execution.output == [1, 2]


def test_tokens_aws_would_refuse(aws):
    with pytest.raises(TaskTokenError) as invalid:
        send_task_success("not-a-token", "{}")
    assert invalid.value.code == "InvalidToken"
    with pytest.raises(TaskTokenError) as unknown:
        send_task_heartbeat("AQ" + "x" * 40)
    assert unknown.value.code == "TaskDoesNotExist"
    execution, _ = _start(task(INVOKE_WAIT, {"FunctionName": "F"}), handlers={"F": lambda e, c: None})
    execution.run(until_callbacks=True)
    token = pending_tasks(execution)[0].token
    with pytest.raises(TaskTokenError) as bad_output:
        send_task_success(token, "{not json")
    assert bad_output.value.code == "InvalidOutput"
    send_task_success(token, "1")
    with pytest.raises(TaskTokenError) as again:
        send_task_success(token, "2")
    assert again.value.code == "TaskDoesNotExist"
    execution.run()
    assert execution.output == 1


def test_tokens_are_reproducible_from_the_seed(aws):
    tokens = []
    for _ in range(2):
        execution, _ = _start(task(INVOKE_WAIT, {"FunctionName": "F"}), handlers={"F": lambda e, c: None})
        execution.run(until_callbacks=True)
        tokens.append(pending_tasks(execution)[0].token)
        send_task_success(tokens[-1], "{}")
        execution.run()
    assert tokens[0] == tokens[1] and tokens[0].startswith("AQ")


def test_the_token_is_in_the_context_object_when_parameters_are_evaluated(aws):
    received = []
    definition = task(INVOKE_WAIT, {"FunctionName": "F", "Payload": {"token.$": "$$.Task.Token"}})
    execution, _ = _start(definition, handlers={"F": lambda event, context: received.append(event["token"])})
    execution.run(until_callbacks=True)
    assert received == [pending_tasks(execution)[0].token]
