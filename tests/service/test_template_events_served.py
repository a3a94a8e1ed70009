"""`aslrun serve --template`: the template's event sources run while the server does. A state machine
sends a message to a queue a function is mapped to; the function starts another state machine through
boto3 (answered by the server itself, so the execution is listed and described over the API); a
machine's events:putEvents matches a rule that starts a third machine."""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path
from typing import Any

from tests.helpers.service import wait_done

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders: {Type: AWS::SQS::Queue, Properties: {QueueName: orders}}
  Intake:
    Type: AWS::Serverless::StateMachine
    Properties:
      Name: intake
      Definition:
        StartAt: Send
        States:
          Send:
            Type: Task
            Resource: arn:aws:states:::sqs:sendMessage
            Parameters: {QueueUrl: !Ref Orders, MessageBody.$: $}
            ResultPath: null
            Next: Announce
          Announce:
            Type: Task
            Resource: arn:aws:states:::events:putEvents
            Parameters:
              Entries: [{Source: shop, DetailType: Received, Detail.$: $}]
            End: true
  Fulfil:
    Type: AWS::Serverless::StateMachine
    Properties:
      Name: fulfil
      Definition: {StartAt: Done, States: {Done: {Type: Pass, End: true}}}
  Audit:
    Type: AWS::Serverless::StateMachine
    Properties:
      Name: audit
      Definition: {StartAt: Done, States: {Done: {Type: Pass, End: true}}}
      Events:
        OnReceived:
          Type: EventBridgeRule
          Properties: {Pattern: {source: [shop]}, InputPath: $.detail}
  Starter:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: src
      Handler: starter.handler
      Environment: {Variables: {FULFIL: !Ref Fulfil}}
      Events:
        FromOrders: {Type: SQS, Properties: {Queue: !GetAtt Orders.Arn, BatchSize: 5}}
"""

STARTER = """\
import boto3, json, os


def handler(event, context):
    client = boto3.client("stepfunctions")
    for record in event["Records"]:
        order = json.loads(record["body"])
        client.start_execution(stateMachineArn=os.environ["FULFIL"], name="order-" + str(order["id"]),
                               input=record["body"])
        # the server answers every action: the function can read back what it started
        assert client.list_executions(stateMachineArn=os.environ["FULFIL"])["executions"]
"""


def _listed(sfn: Any, name: str, timeout: float = 30.0) -> list[dict[str, Any]]:
    arn = next(m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"] if m["name"] == name)
    deadline = time.monotonic() + timeout
    while True:
        executions = sfn.list_executions(stateMachineArn=arn)["executions"]
        if executions or time.monotonic() > deadline:
            return executions  # type: ignore[no-any-return]
        time.sleep(0.05)


def test_a_templates_event_sources_run_while_it_is_served(start_server: Any, tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "starter.py").write_text(STARTER)
    (tmp_path / "template.yaml").write_text(textwrap.dedent(TEMPLATE))
    server = start_server("--template", str(tmp_path / "template.yaml"))
    sfn = server.client()
    intake = next(m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"] if m["name"] == "intake")
    started = sfn.start_execution(stateMachineArn=intake, input=json.dumps({"id": 7}))
    assert wait_done(sfn, started["executionArn"])["status"] == "SUCCEEDED"

    (fulfilled,) = _listed(sfn, "fulfil")  # the queue's function started it through boto3
    assert fulfilled["name"] == "order-7"
    described = wait_done(sfn, fulfilled["executionArn"])
    assert (described["status"], json.loads(described["input"])) == ("SUCCEEDED", {"id": 7})

    (audited,) = _listed(sfn, "audit")  # the rule matched the machine's event
    assert json.loads(wait_done(sfn, audited["executionArn"])["output"]) == {"id": 7}


SYNC_TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Work: {Type: AWS::SQS::Queue, Properties: {QueueName: work}}
  Double:
    Type: AWS::Serverless::StateMachine
    Properties:
      Type: EXPRESS
      Name: double
      Definition: {StartAt: Twice, States: {Twice: {Type: Task, Resource: !GetAtt Twice.Arn, End: true}}}
  Twice:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.12, CodeUri: src, Handler: sync.twice}
  Waiter:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: src
      Handler: sync.handler
      Timeout: 10
      Environment: {Variables: {DOUBLE: !Ref Double, RESULTS: !Ref Results}}
      Events:
        FromWork: {Type: SQS, Properties: {Queue: !GetAtt Work.Arn}}
  Results: {Type: AWS::SQS::Queue, Properties: {QueueName: results}}
  Sender:
    Type: AWS::Serverless::StateMachine
    Properties:
      Name: sender
      Definition:
        StartAt: Send
        States:
          Send: {Type: Task, Resource: arn:aws:states:::sqs:sendMessage, Parameters: {QueueUrl: !Ref Work, MessageBody: "21"}, End: true}
"""

SYNC = """\
import boto3, json, os


def twice(event, context):
    return {"n": event["n"] * 2}


def handler(event, context):
    for record in event["Records"]:
        reply = boto3.client("stepfunctions").start_sync_execution(
            stateMachineArn=os.environ["DOUBLE"], input=json.dumps({"n": int(record["body"])}))
        # the waiting handler's own environment is back when it goes on
        assert os.environ["AWS_LAMBDA_FUNCTION_NAME"] == context.function_name
        boto3.client("sqs").send_message(QueueUrl=os.environ["RESULTS"], MessageBody=reply["output"])
"""


def test_a_handler_waiting_in_start_sync_execution_lends_its_handler_slot(start_server: Any, tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "sync.py").write_text(SYNC)
    (tmp_path / "template.yaml").write_text(SYNC_TEMPLATE)
    server = start_server("--template", str(tmp_path / "template.yaml"))  # --handler-concurrency 1
    sfn = server.client()
    sender = next(m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"] if m["name"] == "sender")
    assert wait_done(sfn, sfn.start_execution(stateMachineArn=sender)["executionArn"])["status"] == "SUCCEEDED"
    deadline = time.monotonic() + 20
    while "event delivered: WaiterFromWork" not in "".join(server.output) and time.monotonic() < deadline:
        time.sleep(0.05)
    delivered = [line for line in server.output if "event delivered: WaiterFromWork" in line]
    assert delivered == ["aslrun serve: event delivered: WaiterFromWork -> Waiter: succeeded (1 message(s))\n"]


SCHEDULED_TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  MonthEnd:
    Type: AWS::Serverless::StateMachine
    Properties:
      Name: month-end
      Definition: {{StartAt: Done, States: {{Done: {{Type: Pass, End: true}}}}}}
      Events:
        Once:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: at({at})
            Input: '{{"run_date": "2024-10-31"}}'
"""


def test_a_templates_schedules_fire_by_the_clock_while_it_is_served(start_server: Any, tmp_path: Path) -> None:
    """A SAM ScheduleV2 (an AWS::Scheduler::Schedule) fires at its time, starting the machine."""
    from datetime import datetime, timedelta, timezone

    at = (datetime.now(timezone.utc) + timedelta(seconds=3)).strftime("%Y-%m-%dT%H:%M:%S")
    (tmp_path / "template.yaml").write_text(SCHEDULED_TEMPLATE.format(at=at))
    server = start_server("--template", str(tmp_path / "template.yaml"))
    sfn = server.client()
    (fired,) = _listed(sfn, "month-end")
    described = wait_done(sfn, fired["executionArn"])
    assert (described["status"], json.loads(described["input"])) == ("SUCCEEDED", {"run_date": "2024-10-31"})
    time.sleep(1.5)  # at() fires once
    assert len(_listed(sfn, "month-end")) == 1


STREAM_TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Bills:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: bills
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      StreamSpecification: {StreamViewType: NEW_IMAGE}
  Audit: {Type: AWS::SQS::Queue, Properties: {QueueName: audit}}
  Auditor:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: src
      Handler: auditor.handler
      Environment: {Variables: {AUDIT: !Ref Audit}}
      Events:
        Changes:
          Type: DynamoDB
          Properties: {Stream: !GetAtt Bills.StreamArn, StartingPosition: TRIM_HORIZON, BatchSize: 5}
"""

AUDITOR = """\
import boto3, os


def handler(event, context):
    for record in event["Records"]:
        boto3.client("sqs").send_message(QueueUrl=os.environ["AUDIT"], MessageBody=record["eventName"] + " " +
                                         record["dynamodb"]["Keys"]["id"]["S"])
"""


def test_a_templates_dynamodb_stream_events_reach_its_function_while_it_is_served(start_server: Any,
                                                                                 tmp_path: Path) -> None:
    """A SAM DynamoDB event (an AWS::Lambda::EventSourceMapping of the table's stream) is polled by the
    server as a mapping of Lambda's API, listed there; a restart keeps it (not made twice)."""
    from tests.helpers.service import aws_client

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "auditor.py").write_text(AUDITOR)
    (tmp_path / "template.yaml").write_text(STREAM_TEMPLATE)
    state = tmp_path / "state"
    server = start_server("--template", str(tmp_path / "template.yaml"), state_dir=state)
    dynamodb, sqs = aws_client(server, "dynamodb"), aws_client(server, "sqs")
    (mapping,) = aws_client(server, "lambda").list_event_source_mappings()["EventSourceMappings"]
    assert (mapping["StartingPosition"], mapping["BatchSize"]) == ("TRIM_HORIZON", 5)
    dynamodb.put_item(TableName="bills", Item={"id": {"S": "b1"}})
    url = sqs.get_queue_url(QueueName="audit")["QueueUrl"]
    deadline, bodies = time.monotonic() + 30, []
    while not bodies and time.monotonic() < deadline:
        bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=url).get("Messages", [])]
        time.sleep(0.05)
    assert bodies == ["INSERT b1"], server.log
    server.kill()
    again = start_server("--template", str(tmp_path / "template.yaml"), state_dir=state)
    assert len(aws_client(again, "lambda").list_event_source_mappings()["EventSourceMappings"]) == 1
