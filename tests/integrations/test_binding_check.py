"""What is not emulated fails before the run, naming the state and the resource; nothing reaches the network."""

from __future__ import annotations

import socket

import pytest
from aws_support import QUEUE_URL, task

from aslrun import BindingError, StateMachine


@pytest.mark.parametrize("resource, says", [
    ("arn:aws:states:::ecs:runTask.sync", "is not emulated locally"),
    ("arn:aws:states:::dynamodb:query", "emulated dynamodb actions: getItem, putItem, updateItem, deleteItem"),
    ("arn:aws:states:::aws-sdk:ec2:describeInstances", "emulated aws-sdk services: "),
    ("arn:aws:states:::aws-sdk:s3:noSuchAction", "s3 has no API action 'noSuchAction'"),
    ("arn:aws:states:::dynamodb:putItem.waitForTaskToken", "is not emulated locally"),
])
def test_an_unemulated_resource_is_reported_before_the_run(aws, resource, says):
    ran = []
    definition = {"StartAt": "First", "States": {
        "First": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:F", "Next": "Call"},
        "Call": {"Type": "Task", "Resource": resource, "Parameters": {}, "End": True}}}
    with pytest.raises(BindingError) as raised:
        StateMachine(definition).execute({}, handlers={"F": lambda e, c: ran.append(1)}, strict_bindings=True)
    message = str(raised.value)
    assert "state 'Call'" in message and resource in message and says in message
    assert ran == []  # nothing ran


def test_a_bound_handler_makes_an_unemulated_resource_runnable(aws, execute):
    resource = "arn:aws:states:::ecs:runTask.sync"
    execution = execute(task(resource, {"Cluster": "c"}), handlers={resource: lambda params, ctx: {"ok": True}})
    assert execution.output == {"ok": True}


def test_an_unemulated_item_reader_is_reported_before_the_run(aws):
    definition = {"StartAt": "M", "States": {"M": {
        "Type": "Map", "End": True,
        "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "PARQUET"},
                       "Parameters": {"Bucket": "b", "Key": "k"}},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}}}
    with pytest.raises(BindingError, match="state 'M': ItemReader InputType 'PARQUET' is not emulated"):
        StateMachine(definition).execute({}, strict_bindings=True)


def test_service_calls_never_open_a_socket(aws, execute, monkeypatch):
    aws.seed({"dynamodb": {"t": {"key": {"pk": "S"}}}, "sqs": {"q": {}}, "s3": {"bkt": {"k": "v"}},
              "sns": {"topic": {}}})
    opened = []

    def refuse(self, address):
        opened.append(address)
        raise OSError("aslrun tests: no network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    definition = {"StartAt": "Put", "States": {
        "Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "ResultPath": None, "Next": "Send",
                "Parameters": {"TableName": "t", "Item": {"pk": {"S": "a"}}}},
        "Send": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "ResultPath": None, "Next": "Pub",
                 "Parameters": {"QueueUrl": QUEUE_URL.format("q"), "MessageBody": "m"}},
        "Pub": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish", "ResultPath": None, "Next": "Events",
                "Parameters": {"TopicArn": "arn:aws:sns:us-east-1:123456789012:topic", "Message": "m"}},
        "Events": {"Type": "Task", "Resource": "arn:aws:states:::events:putEvents", "ResultPath": None,
                   "Next": "Get", "Parameters": {"Entries": [{"Source": "s", "DetailType": "d", "Detail": "{}"}]}},
        "Get": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject", "End": True,
                "Parameters": {"Bucket": "bkt", "Key": "k"}}}}
    execution = execute(definition)
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output["Body"] == "v"
    assert opened == []


def test_machines_that_call_no_aws_service_never_import_moto_or_boto3():
    import subprocess
    import sys

    code = ("import sys, json; from aslrun import StateMachine; "
            "m = StateMachine({'StartAt': 'A', 'States': {'A': {'Type': 'Task', "
            "'Resource': 'arn:aws:lambda:us-east-1:123456789012:function:F', 'Next': 'M'}, "
            "'M': {'Type': 'Map', 'ItemsPath': '$.items', 'End': True, 'ItemProcessor': {'StartAt': 'P', "
            "'States': {'P': {'Type': 'Pass', 'End': True}}}}}}); "
            "e = m.execute({}, handlers={'F': lambda e, c: {'items': [1, 2]}}); "
            "print(json.dumps([e.status, sorted(n for n in sys.modules if n.split('.')[0] in ('moto', 'boto3', "
            "'botocore'))]))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == '["SUCCEEDED", []]'
