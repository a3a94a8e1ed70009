"""The server's local AWS with --state-dir: what it acknowledged, through the port or by a Task, is
on disk before the answer goes out, so it is there after a restart or a kill -9 (DIR/aws, journaled
as ``aslrun aws`` keeps its own); --aws-seed seeds it once; without --state-dir nothing is kept."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
import requests
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from tests.helpers.service import ROLE, aws_client as client, wait_done

pytest.importorskip("moto", reason="the 'aws' extra is not installed: pip install 'aslrun[aws]'")

KEY = {"AttributeName": "id", "KeyType": "HASH"}


def _table(dynamodb: Any, name: str, kind: str = "S") -> None:
    dynamodb.create_table(TableName=name, KeySchema=[KEY], AttributeDefinitions=[{"AttributeName": "id",
                                                                                   "AttributeType": kind}],
                          BillingMode="PAY_PER_REQUEST")


def test_what_clients_wrote_through_the_port_survives_kill_9(start_server: Any, tmp_path: Path) -> None:
    state = tmp_path / "state"
    server = start_server(state_dir=state)
    assert f"local AWS (DynamoDB, S3, SQS, SNS, EventBridge, Scheduler...) kept in {state / 'aws'} (started on first use)" \
        in server.log
    dynamodb = client(server, "dynamodb")
    _table(dynamodb, "blobs", "B")
    dynamodb.put_item(TableName="blobs", Item={"id": {"B": b"\x00\x01"}, "cents": {"N": "300"}})
    dynamodb.put_item(TableName="blobs", Item={"id": {"B": b"\x02"}, "cents": {"N": "1"}})
    dynamodb.update_item(TableName="blobs", Key={"id": {"B": b"\x00\x01"}}, UpdateExpression="SET paid = :t",
                         ExpressionAttributeValues={":t": {"BOOL": True}})
    dynamodb.delete_item(TableName="blobs", Key={"id": {"B": b"\x02"}})
    _table(dynamodb, "batch")
    dynamodb.batch_write_item(RequestItems={"batch": [{"PutRequest": {"Item": {"id": {"S": f"b{i}"}}}}
                                                      for i in range(3)]})
    dynamodb.transact_write_items(TransactItems=[{"Delete": {"TableName": "batch", "Key": {"id": {"S": "b0"}}}}])

    s3 = client(server, "s3")
    s3.create_bucket(Bucket="archive")
    s3.put_object(Bucket="archive", Key="bills/M 1.json", Body=b'{"cents": 300}')
    s3.copy_object(Bucket="archive", Key="copy.json", CopySource={"Bucket": "archive", "Key": "bills/M 1.json"})
    s3.put_object(Bucket="archive", Key="gone", Body=b"x")
    s3.delete_objects(Bucket="archive", Delete={"Objects": [{"Key": "gone"}]})
    s3.put_object(Bucket="archive", Key="gone-too", Body=b"x")
    s3.delete_object(Bucket="archive", Key="gone-too")
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(range(256)) * (6 * 4096))  # 6 MiB: a multipart upload of two parts
    s3.upload_file(str(big), "archive", "big.bin", Config=TransferConfig(multipart_threshold=5 * 1024 * 1024,
                                                                         multipart_chunksize=5 * 1024 * 1024))
    s3.create_bucket(Bucket="short-lived")
    s3.delete_bucket(Bucket="short-lived")

    sqs = client(server, "sqs")
    url = sqs.create_queue(QueueName="work", Attributes={"VisibilityTimeout": "40"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="first")
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "second"},
                                                  {"Id": "b", "MessageBody": "third"}])
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"][0]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=received["ReceiptHandle"])
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns = client(server, "sns")
    topic = sns.create_topic(Name="notices", Attributes={"DisplayName": "Notices"})["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    sns.publish(TopicArn=topic, Message="via sns")
    client(server, "events").create_event_bus(Name="orders")
    events = client(server, "events")
    events.put_rule(Name="bills-ready", EventPattern=json.dumps({"source": ["billing"]}))
    events.put_targets(Rule="bills-ready", Targets=[{"Id": "work", "Arn": queue_arn}])
    iam = client(server, "iam")
    iam.create_role(RoleName="runs-machines", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "states.amazonaws.com"}}]}))
    iam.attach_role_policy(RoleName="runs-machines", PolicyArn="arn:aws:iam::aws:policy/AWSStepFunctionsFullAccess")
    client(server, "ssm").put_parameter(Name="/bua/env", Value="tst", Type="String")
    sqs.tag_queue(QueueUrl=url, Tags={"team": "billing"})
    s3.put_bucket_tagging(Bucket="archive", Tagging={"TagSet": [{"Key": "team", "Value": "billing"}]})
    dynamodb.tag_resource(ResourceArn="arn:aws:dynamodb:us-east-1:123456789012:table/batch",
                          Tags=[{"Key": "team", "Value": "billing"}])
    client(server, "secretsmanager").create_secret(Name="bua/db", SecretString="hunter2")
    server.kill()  # nothing written after the answers: only what each call put on disk before it

    again = start_server(state_dir=state)
    assert f"local AWS (DynamoDB, S3, SQS, SNS, EventBridge, Scheduler...) loaded from {state / 'aws'}" in again.log
    dynamodb = client(again, "dynamodb")
    assert dynamodb.scan(TableName="blobs")["Items"] == [
        {"id": {"B": b"\x00\x01"}, "cents": {"N": "300"}, "paid": {"BOOL": True}}]
    assert sorted(item["id"]["S"] for item in dynamodb.scan(TableName="batch")["Items"]) == ["b1", "b2"]
    s3 = client(again, "s3")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["archive"]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="archive")["Contents"]] == \
        ["big.bin", "bills/M 1.json", "copy.json"]
    assert s3.get_object(Bucket="archive", Key="copy.json")["Body"].read() == b'{"cents": 300}'
    assert s3.get_object(Bucket="archive", Key="big.bin")["Body"].read() == big.read_bytes()
    sqs = client(again, "sqs")
    url = sqs.get_queue_url(QueueName="work")["QueueUrl"]
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"] == \
        {"VisibilityTimeout": "40"}
    bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
    assert sorted(bodies) == ["second", "third", "via sns"]  # "first" was deleted
    sns = client(again, "sns")
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["DisplayName"] == "Notices"
    subscription = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"][0]
    assert subscription["Endpoint"] == queue_arn
    assert "orders" in [bus["Name"] for bus in client(again, "events").list_event_buses()["EventBuses"]]
    assert client(again, "ssm").get_parameter(Name="/bua/env")["Parameter"]["Value"] == "tst"
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "billing"}
    assert s3.get_bucket_tagging(Bucket="archive")["TagSet"] == [{"Key": "team", "Value": "billing"}]
    assert dynamodb.list_tags_of_resource(ResourceArn="arn:aws:dynamodb:us-east-1:123456789012:table/batch")[
        "Tags"] == [{"Key": "team", "Value": "billing"}]
    assert client(again, "iam").list_attached_role_policies(RoleName="runs-machines")["AttachedPolicies"][0][
        "PolicyArn"] == "arn:aws:iam::aws:policy/AWSStepFunctionsFullAccess"
    client(again, "events").put_events(Entries=[{"Source": "billing", "DetailType": "BillReady",
                                                 "Detail": json.dumps({"bill": "B-1"})}])  # the kept rule routes it
    delivered = [json.loads(m["Body"]) for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
                 if m["Body"].startswith("{")]
    assert [event["detail"] for event in delivered if event.get("source") == "billing"] == [{"bill": "B-1"}]
    assert client(again, "secretsmanager").get_secret_value(SecretId="bua/db")["SecretString"] == "hunter2"


def test_what_a_task_wrote_survives_kill_9_and_a_clean_stop_writes_a_snapshot(start_server: Any,
                                                                              tmp_path: Path) -> None:
    state = tmp_path / "state"
    server = start_server("--virtual-time", state_dir=state)
    dynamodb = client(server, "dynamodb")
    _table(dynamodb, "bills")
    sfn = server.client()
    definition = {"StartAt": "Put", "States": {"Put": {
        "Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "End": True,
        "Parameters": {"TableName": "bills", "Item": {"id": {"S.$": "$.id"}, "cents": {"N": "300"}}}}}}
    machine = sfn.create_state_machine(name="put-bill", definition=json.dumps(definition),
                                       roleArn=ROLE)["stateMachineArn"]
    run = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"id": "M1"}))["executionArn"]
    assert wait_done(sfn, run)["status"] == "SUCCEEDED"
    server.kill()

    again = start_server("--virtual-time", state_dir=state)
    assert client(again, "dynamodb").get_item(TableName="bills", Key={"id": {"S": "M1"}})["Item"] == \
        {"id": {"S": "M1"}, "cents": {"N": "300"}}
    assert again.stop() == 0  # a clean stop: the snapshot holds it all, the journal is emptied
    snapshot = json.loads((state / "aws" / "state.json").read_text())
    assert snapshot["dynamodb"]["bills"]["typed_items"] == [{"id": {"S": "M1"}, "cents": {"N": "300"}}]
    assert (state / "aws" / "journal.jsonl").read_bytes() == b""
    third = start_server(state_dir=state)
    assert client(third, "dynamodb").scan(TableName="bills")["Count"] == 1


def test_writes_from_clients_at_once_are_kept_as_the_last_answer_left_them(start_server: Any,
                                                                           tmp_path: Path) -> None:
    state = tmp_path / "state"
    server = start_server(state_dir=state)
    _table(client(server, "dynamodb"), "counters")
    clients = [client(server, "dynamodb") for _ in range(4)]  # (made here: boto3 makes them one at a time)

    def work(worker: int) -> None:
        for i in range(30):  # the same 3 items, changed by every worker
            clients[worker].update_item(TableName="counters", Key={"id": {"S": f"k{i % 3}"}},
                                        UpdateExpression="ADD n :one SET latest = :who",
                                        ExpressionAttributeValues={":one": {"N": "1"}, ":who": {"S": f"{worker}-{i}"}})

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    before = sorted(clients[0].scan(TableName="counters")["Items"], key=lambda item: item["id"]["S"])
    assert [item["n"] for item in before] == [{"N": "40"}] * 3
    server.kill()

    again = start_server(state_dir=state)
    after = sorted(client(again, "dynamodb").scan(TableName="counters")["Items"], key=lambda item: item["id"]["S"])
    assert after == before


def test_aws_seed_seeds_a_new_state_directory_once(start_server: Any, tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"sqs": {"work": {"messages": ["seeded"]}},
                                "dynamodb": {"control": {"key": {"pk": "S"}, "items": [{"pk": "run", "n": 1}]}}}))
    state = tmp_path / "state"
    first = start_server("--aws-seed", str(seed), state_dir=state)
    dynamodb = client(first, "dynamodb")
    dynamodb.put_item(TableName="control", Item={"pk": {"S": "run"}, "n": {"N": "2"}})  # changed since
    first.kill()

    again = start_server("--aws-seed", str(seed), state_dir=state)
    assert f"--aws-seed {seed} not applied: {state / 'aws'} already holds a local AWS" in again.log
    assert client(again, "dynamodb").get_item(TableName="control", Key={"pk": {"S": "run"}})["Item"]["n"] == \
        {"N": "2"}  # not put back to the seed's value
    sqs = client(again, "sqs")
    url = sqs.get_queue_url(QueueName="work")["QueueUrl"]
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == ["seeded"]


def test_sqs_older_query_protocol_is_kept_too(start_server: Any, tmp_path: Path) -> None:
    state = tmp_path / "state"
    server = start_server(state_dir=state)
    signed = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, "
                               "SignedHeaders=host, Signature=0",
              "Content-Type": "application/x-www-form-urlencoded"}

    def query(**fields: str) -> requests.Response:
        answer = requests.post(server.url + "/", data=fields, headers=signed, timeout=30)
        assert answer.status_code == 200, answer.text
        return answer

    query(Action="CreateQueue", QueueName="legacy", **{"Attribute.1.Name": "DelaySeconds", "Attribute.1.Value": "0"})
    url = client(server, "sqs").get_queue_url(QueueName="legacy")["QueueUrl"]
    query(Action="SendMessage", QueueUrl=url, MessageBody="one")
    query(Action="SendMessageBatch", QueueUrl=url, **{
        "SendMessageBatchRequestEntry.1.Id": "a", "SendMessageBatchRequestEntry.1.MessageBody": "two",
        "SendMessageBatchRequestEntry.2.Id": "b", "SendMessageBatchRequestEntry.2.MessageBody": "three"})
    server.kill()

    again = start_server(state_dir=state)
    sqs = client(again, "sqs")
    url = sqs.get_queue_url(QueueName="legacy")["QueueUrl"]
    assert sorted(m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]) == \
        ["one", "three", "two"]


def test_without_a_state_dir_the_local_aws_goes_with_the_server(start_server: Any, tmp_path: Path) -> None:
    server = start_server(cwd=tmp_path)
    _table(client(server, "dynamodb"), "fleeting")
    assert "local AWS" not in server.log
    assert server.stop() == 0
    again = start_server(cwd=tmp_path)
    assert client(again, "dynamodb").list_tables()["TableNames"] == []
    assert list(tmp_path.iterdir()) == []  # nothing written where it was started


def test_a_change_in_another_region_is_answered_and_said_not_to_be_kept(start_server: Any, tmp_path: Path) -> None:
    state = tmp_path / "state"
    server = start_server("--region", "us-east-1", state_dir=state)
    _table(client(server, "dynamodb", region="eu-west-1"), "elsewhere")
    _table(client(server, "dynamodb", region="eu-west-1"), "elsewhere-too")
    _table(client(server, "dynamodb"), "here")
    said = [line for line in server.output if "keeps region" in line]
    assert said == [f"aslrun: the local AWS in {state / 'aws'} keeps region us-east-1 (and S3): the dynamodb change "
                    "just made in eu-west-1, and any later one there, lives in memory only and is gone at the next "
                    "start (start with --region eu-west-1 to keep that region)\n"]  # once per region
    server.kill()
    again = start_server("--region", "us-east-1", state_dir=state)
    assert client(again, "dynamodb", region="eu-west-1").list_tables()["TableNames"] == []
    assert client(again, "dynamodb").list_tables()["TableNames"] == ["here"]


def test_a_damaged_state_is_refused_at_start_naming_it(start_server: Any, tmp_path: Path) -> None:
    state = tmp_path / "state"
    (state / "aws").mkdir(parents=True)
    (state / "aws" / "journal.jsonl").write_text('{"seq": 1, "change": "item"}\nnot json\n')
    done = subprocess.run([sys.executable, "-m", "aslrun", "serve", "--port", "0", "--state-dir", str(state)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert f"aslrun: AWS state {state / 'aws' / 'journal.jsonl'}: line 2 is not a journal entry" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_local_aws_that_cannot_start_fails_each_request_never_falling_back_to_memory(start_server: Any,
                                                                                    tmp_path: Path) -> None:
    state = tmp_path / "state"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom aslrun.localaws import LocalAws\n"
                               f"LocalAws(state_dir={str(state / 'aws')!r}).start()\nprint('held', flush=True)\n"
                               "time.sleep(120)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        server = start_server(state_dir=state)  # its local AWS starts on first use: then the directory is busy
        dynamodb = client(server, "dynamodb")
        for _ in range(2):
            with pytest.raises(ClientError) as refused:
                dynamodb.list_tables()
            assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
        assert f"is in use by process {holder.pid}" in server.log
    finally:
        holder.kill()
        holder.wait(10)


def test_an_eventbridge_rule_starts_the_state_machine_it_targets(start_server: Any, tmp_path: Path) -> None:
    """moto delivers events to queues and buses only (anything else failed the whole PutEvents);
    the server starts a targeted state machine with the input AWS gives it, and the rule is kept."""
    state = tmp_path / "state"
    server = start_server("--virtual-time", state_dir=state)
    sfn = server.client()
    machine = sfn.create_state_machine(name="on-bill", roleArn=ROLE, definition=json.dumps(
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}))["stateMachineArn"]
    sqs = client(server, "sqs")
    audit = sqs.create_queue(QueueName="audit")["QueueUrl"]
    events = client(server, "events")
    events.put_rule(Name="bills", EventPattern=json.dumps({"source": ["billing"]}))
    events.put_targets(Rule="bills", Targets=[
        {"Id": "whole", "Arn": machine, "RoleArn": ROLE},
        {"Id": "detail", "Arn": machine, "RoleArn": ROLE, "InputPath": "$.detail"},
        {"Id": "constant", "Arn": machine, "RoleArn": ROLE, "Input": json.dumps({"fixed": True})},
        {"Id": "audit", "Arn": "arn:aws:sqs:us-east-1:123456789012:audit"}])
    answer = events.put_events(Entries=[{"Source": "billing", "DetailType": "BillReady",
                                         "Detail": json.dumps({"bill": "B-1"})}])
    assert answer["FailedEntryCount"] == 0
    assert len(sqs.receive_message(QueueUrl=audit, MaxNumberOfMessages=10)["Messages"]) == 1  # moto's own
    server.kill()

    again = start_server("--virtual-time", state_dir=state)
    sfn = again.client()
    inputs = [json.loads(wait_done(sfn, e["executionArn"])["input"])
              for e in sfn.list_executions(stateMachineArn=machine)["executions"]]
    assert sorted(json.dumps(value, sort_keys=True) for value in inputs if "source" not in value) == \
        ['{"bill": "B-1"}', '{"fixed": true}']
    assert [value["detail"] for value in inputs if "source" in value] == [{"bill": "B-1"}]
    client(again, "events").put_events(Entries=[{"Source": "billing", "DetailType": "BillReady", "Detail": "{}"}])
    assert len(sfn.list_executions(stateMachineArn=machine)["executions"]) == 6  # the kept rule starts it again


def test_an_eventbridge_rule_invokes_the_function_it_targets(start_server: Any) -> None:
    server = start_server()
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as zipped:  # the function files what it got in the local S3
        zipped.writestr("app.py", "import json, boto3\n\ndef handler(event, context):\n"
                                  "    boto3.client('s3', region_name='us-east-1').put_object(\n"
                                  "        Bucket='seen', Key=event['detail']['bill'], Body=json.dumps(event))\n")
    lambda_ = client(server, "lambda")
    function = lambda_.create_function(FunctionName="on-bill", Runtime="python3.11", Handler="app.handler",
                                       Role=ROLE, Code={"ZipFile": code.getvalue()})["FunctionArn"]
    s3 = client(server, "s3")
    s3.create_bucket(Bucket="seen")
    events = client(server, "events")
    events.put_rule(Name="bills", EventPattern=json.dumps({"source": ["billing"]}))
    events.put_targets(Rule="bills", Targets=[{"Id": "fn", "Arn": function},
                                              {"Id": "gone", "Arn": function.replace("on-bill", "missing")}])
    assert events.put_events(Entries=[{"Source": "billing", "DetailType": "BillReady",
                                       "Detail": json.dumps({"bill": "B-7"})}])["FailedEntryCount"] == 0
    deadline = time.monotonic() + 30  # (an asynchronous invocation: on a thread of its own)
    while "Contents" not in s3.list_objects_v2(Bucket="seen") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert json.loads(s3.get_object(Bucket="seen", Key="B-7")["Body"].read())["detail"] == {"bill": "B-7"}
    assert "an EventBridge rule's target arn:aws:lambda:us-east-1:123456789012:function:missing was not invoked: " \
           "ResourceNotFoundException" in server.log
