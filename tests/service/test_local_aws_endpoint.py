"""The local AWS on the server's port: a test suite that used one endpoint for everything (as with
LocalStack) seeds a table, runs a machine whose Task writes to it and reads it back, all through
``aslrun serve``'s URL. Requests are told apart by the service their SigV4 signature names."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
import requests
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from tests.helpers.service import ROLE, aws_client as client, wait_done

from .server_process import ServerProcess

pytest.importorskip("moto", reason="the 'aws' extra is not installed: pip install 'aslrun[aws]'")


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    with ServerProcess("--virtual-time") as running:
        yield running



def test_a_table_seeded_through_the_endpoint_is_written_by_a_task_and_read_back_there(server):
    dynamodb = client(server, "dynamodb")
    dynamodb.create_table(TableName="bills", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                          BillingMode="PAY_PER_REQUEST")
    sfn = client(server, "stepfunctions")
    definition = {"StartAt": "Put", "States": {"Put": {
        "Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "End": True,
        "Parameters": {"TableName": "bills", "Item": {"id": {"S.$": "$.id"}, "cents": {"N": "300"}}}}}}
    arn = sfn.create_state_machine(name="put-bill", definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
    run = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"id": "M1"}))
    assert wait_done(sfn, run["executionArn"])["status"] == "SUCCEEDED"
    assert dynamodb.get_item(TableName="bills", Key={"id": {"S": "M1"}})["Item"] == \
        {"id": {"S": "M1"}, "cents": {"N": "300"}}
    assert dynamodb.list_tables()["TableNames"] == ["bills"]
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        dynamodb.get_item(TableName="nope", Key={"id": {"S": "x"}})


def test_s3_objects_go_in_and_come_back_whole_by_any_way_an_sdk_sends_them(server, tmp_path):
    s3 = client(server, "s3")
    s3.create_bucket(Bucket="archive")
    s3.put_object(Bucket="archive", Key="bills/M1.json", Body=b'{"cents": 300}')
    assert s3.get_object(Bucket="archive", Key="bills/M1.json")["Body"].read() == b'{"cents": 300}'
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(range(256)) * (6 * 4096))  # 6 MiB: in two parts of a multipart upload
    s3.upload_file(str(big), "archive", "big.bin", Config=TransferConfig(multipart_threshold=5 * 1024 * 1024,
                                                                         multipart_chunksize=5 * 1024 * 1024))
    assert s3.head_object(Bucket="archive", Key="big.bin")["ContentLength"] == big.stat().st_size  # HEAD keeps it
    assert s3.get_object(Bucket="archive", Key="big.bin")["Body"].read() == big.read_bytes()
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="archive")["Contents"]] == ["big.bin", "bills/M1.json"]
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["archive"]  # GET / signed for S3
    presigned = s3.generate_presigned_url("get_object", Params={"Bucket": "archive", "Key": "bills/M1.json"})
    assert requests.get(presigned, timeout=30).content == b'{"cents": 300}'
    s3.create_bucket(Bucket="console")  # named like the console's pages: still the bucket's
    s3.put_object(Bucket="console", Key="machine", Body=b"not a page")
    assert s3.get_object(Bucket="console", Key="machine")["Body"].read() == b"not a page"
    s3.delete_object(Bucket="archive", Key="bills/M1.json")
    with pytest.raises(ClientError, match="404"):
        s3.head_object(Bucket="archive", Key="bills/M1.json")


def test_queues_topics_parameters_secrets_and_events_answer_there_too(server):
    sqs = client(server, "sqs")
    queue = sqs.create_queue(QueueName="work")["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody="hello")
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=queue)["Messages"]] == ["hello"]
    sns = client(server, "sns")
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    assert sns.publish(TopicArn=topic, Message="x")["MessageId"]
    ssm = client(server, "ssm")
    ssm.put_parameter(Name="/rate", Value="30", Type="String")
    assert ssm.get_parameter(Name="/rate")["Parameter"]["Value"] == "30"
    secrets = client(server, "secretsmanager")
    secrets.create_secret(Name="key", SecretString="s3cr3t")
    assert secrets.get_secret_value(SecretId="key")["SecretString"] == "s3cr3t"
    events = client(server, "events")
    assert events.put_events(Entries=[{"Source": "x", "DetailType": "y", "Detail": "{}"}])["FailedEntryCount"] == 0
    assert client(server, "dynamodb", region="eu-west-1").list_tables()["TableNames"] == []  # regions apart


def test_a_service_the_local_aws_does_not_emulate_is_refused_naming_those_it_does(server):
    with pytest.raises(ClientError) as refused:
        client(server, "kinesis").list_streams()
    assert refused.value.response["Error"]["Code"] == "NotImplementedException"
    assert "Step Functions, Lambda and, from its local AWS, dynamodb, events, iam, kms, logs, monitoring, s3, " \
           "scheduler, secretsmanager, sns, sqs, ssm, sts; not kinesis" in str(refused.value)


def test_step_functions_and_the_console_are_where_they_were(server):
    assert client(server, "stepfunctions").list_activities()["activities"] == []
    assert requests.get(server.url, headers={"Accept": "text/html"}, timeout=30).status_code == 200
    assert requests.put(f"{server.url}/anything", timeout=30).status_code == 404  # unsigned: not for the local AWS


def test_one_environment_variable_points_every_client_here(server, monkeypatch):
    """``AWS_ENDPOINT_URL`` (boto3, the AWS CLI and the other current SDKs read it): code that names
    no endpoint at all reaches Step Functions and the local AWS alike."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
    monkeypatch.setenv("AWS_DISABLE_HOST_PREFIX_INJECTION", "true")
    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    session.client("sqs").create_queue(QueueName="from-env")
    assert any(url.endswith("/from-env") for url in session.client("sqs").list_queues()["QueueUrls"])
    assert "stateMachines" in session.client("stepfunctions").list_state_machines()
