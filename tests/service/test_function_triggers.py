"""What runs a function on the server besides Invoke and Tasks: SQS event source mappings made through
Lambda's API (a queue of the local AWS polled for the function, as Terraform's
``aws_lambda_event_source_mapping`` in test_terraform.py, SAM or a team's boto3 set-up makes one),
topics' ``lambda`` subscriptions and buckets' notifications to functions (EventBridge rules' function
targets: test_local_aws_kept.py).

Each test drives the server with boto3 at its URL: the queue, the table the function writes and the
mapping are all made through the port; what the function was given is read back from that table.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote_plus

import pytest
from botocore.exceptions import ClientError

from tests.helpers.service import HANDLERS, aws_client as client

from .server_process import ServerProcess

ACCOUNT = "123456789012"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:{}"
#: writes each record it is given to the "seen" table (with its batch's request id and size); a
#: body holding "bad" is reported failed, "crash" fails the whole invocation
RECORDER = """\
import json, os

import boto3


def handler(event, context):
    if any("crash" in record["body"] for record in event["Records"]):
        raise RuntimeError("the batch crashed")
    table = boto3.client("dynamodb", region_name=os.environ.get("AWS_REGION", "us-east-1"))
    failures = []
    for record in event["Records"]:
        table.put_item(TableName="seen", Item={
            "id": {"S": record["messageId"] + "/" + record["attributes"]["ApproximateReceiveCount"]},
            "body": {"S": record["body"]}, "batch": {"S": context.aws_request_id},
            "size": {"N": str(len(event["Records"]))}, "record": {"S": json.dumps(record)}})
        if "bad" in record["body"]:
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
"""


#: writes each notification it is given to the "seen" table
SNS_RECORDER = """\
import json, os

import boto3


def handler(event, context):
    table = boto3.client("dynamodb", region_name=os.environ.get("AWS_REGION", "us-east-1"))
    for record in event["Records"]:
        table.put_item(TableName="seen", Item={
            "id": {"S": record["Sns"]["MessageId"] + "/1"}, "body": {"S": record["Sns"]["Message"]},
            "batch": {"S": context.aws_request_id}, "size": {"N": str(len(event["Records"]))},
            "record": {"S": json.dumps(record)}})
"""


def _archive(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        zipped.writestr(zipfile.ZipInfo("app.py", date_time=(2024, 1, 1, 0, 0, 0)), text)
    return buffer.getvalue()


class Local:
    """The clients of one server, and the set-up every test repeats."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.lambda_ = client(server, "lambda")
        self.sqs = client(server, "sqs")
        self.dynamodb = client(server, "dynamodb")

    def queue(self, name: str, **attributes: Any) -> str:
        return self.sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in attributes.items()})["QueueUrl"]

    def function(self, name: str = "recorder", code: str = RECORDER) -> None:
        self.lambda_.create_function(FunctionName=name, Runtime="python3.11", Handler="app.handler",
                                     Role=f"arn:aws:iam::{ACCOUNT}:role/runs-functions",
                                     Code={"ZipFile": _archive(code)})

    def seen_table(self) -> None:
        self.dynamodb.create_table(TableName="seen", BillingMode="PAY_PER_REQUEST",
                                   KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                   AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])

    def seen(self) -> list[dict[str, Any]]:
        """What the function was given: one row per record (body, batch, size, the record itself)."""
        items = self.dynamodb.scan(TableName="seen")["Items"]
        return [{"body": i["body"]["S"], "batch": i["batch"]["S"], "size": int(i["size"]["N"]),
                 "record": json.loads(i["record"]["S"])} for i in items]

    def waiting(self, url: str) -> tuple[int, int]:
        """(visible, in flight) messages of a queue."""
        found = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        return int(found["ApproximateNumberOfMessages"]), int(found["ApproximateNumberOfMessagesNotVisible"])

    def bodies(self, url: str) -> list[str]:
        got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        return sorted(m["Body"] for m in got)

    def send(self, url: str, *bodies: str) -> None:
        for body in bodies:
            self.sqs.send_message(QueueUrl=url, MessageBody=body)


def eventually(check: Callable[[], Any], what: str, server: ServerProcess, timeout: float = 30.0) -> Any:
    """``check()`` once it is truthy (polled), else the test fails with the server's output."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what} did not happen:\n{server.log}"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    with ServerProcess("--handlers", HANDLERS) as running:
        yield running


@pytest.fixture
def local(server: ServerProcess) -> Iterator[Local]:
    """The module's server, emptied of mappings, functions, queues and tables after each test."""
    made = Local(server)
    yield made
    for mapping in made.lambda_.list_event_source_mappings()["EventSourceMappings"]:
        made.lambda_.delete_event_source_mapping(UUID=mapping["UUID"])
    for function in made.lambda_.list_functions()["Functions"]:
        made.lambda_.delete_function(FunctionName=function["FunctionName"])
    for url in made.sqs.list_queues().get("QueueUrls", []):
        made.sqs.delete_queue(QueueUrl=url)
    for table in made.dynamodb.list_tables()["TableNames"]:
        made.dynamodb.delete_table(TableName=table)


def refused(call: Callable[..., Any], **request: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as raised:
        call(**request)
    error = raised.value.response
    return error["Error"]["Code"], error["Error"]["Message"], error["ResponseMetadata"]["HTTPStatusCode"]


# -- the API -----------------------------------------------------------------------------------------

def test_a_mapping_is_answered_as_lambda_answers_it_then_read_back_settled(local: Local) -> None:
    local.queue("orders")
    local.function()
    created = local.lambda_.create_event_source_mapping(FunctionName="recorder", EventSourceArn=QUEUE_ARN.format(
        "orders"), BatchSize=5, FunctionResponseTypes=["ReportBatchItemFailures"], Tags={"team": "billing"})
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
    mapping_id = created["UUID"]
    assert {k: v for k, v in created.items() if k not in ("ResponseMetadata", "LastModified")} == {
        "UUID": mapping_id, "BatchSize": 5, "MaximumBatchingWindowInSeconds": 0,
        "EventSourceArn": QUEUE_ARN.format("orders"),
        "FunctionArn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:recorder",
        "State": "Creating", "StateTransitionReason": "USER_INITIATED",
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "EventSourceMappingArn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:event-source-mapping:{mapping_id}"}
    assert abs(created["LastModified"].timestamp() - time.time()) < 60

    got = local.lambda_.get_event_source_mapping(UUID=mapping_id)
    assert got["State"] == "Enabled" and got["BatchSize"] == 5
    listed = local.lambda_.list_event_source_mappings(FunctionName="recorder")["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [mapping_id]
    assert [m["UUID"] for m in local.lambda_.list_event_source_mappings(
        EventSourceArn=QUEUE_ARN.format("orders"))["EventSourceMappings"]] == [mapping_id]
    assert local.lambda_.list_event_source_mappings(FunctionName="other")["EventSourceMappings"] == []
    arn = created["EventSourceMappingArn"]
    assert local.lambda_.list_tags(Resource=arn)["Tags"] == {"team": "billing"}
    local.lambda_.tag_resource(Resource=arn, Tags={"stage": "test"})
    assert local.lambda_.list_tags(Resource=arn)["Tags"] == {"team": "billing", "stage": "test"}

    updated = local.lambda_.update_event_source_mapping(UUID=mapping_id, BatchSize=3)
    assert (updated["State"], updated["BatchSize"]) == ("Updating", 3)
    assert local.lambda_.update_event_source_mapping(UUID=mapping_id, Enabled=False)["State"] == "Disabling"
    assert local.lambda_.get_event_source_mapping(UUID=mapping_id)["State"] == "Disabled"
    assert local.lambda_.update_event_source_mapping(UUID=mapping_id, Enabled=True)["State"] == "Enabling"
    assert local.lambda_.get_event_source_mapping(UUID=mapping_id)["State"] == "Enabled"

    assert local.lambda_.delete_event_source_mapping(UUID=mapping_id)["State"] == "Deleting"
    assert refused(local.lambda_.get_event_source_mapping, UUID=mapping_id) == (
        "ResourceNotFoundException", "The resource you requested does not exist.", 404)
    assert local.lambda_.list_event_source_mappings()["EventSourceMappings"] == []


def test_what_lambda_refuses_is_refused_with_its_words(local: Local) -> None:
    local.queue("orders")
    local.queue("jobs.fifo", FifoQueue="true")
    local.function()
    create = local.lambda_.create_event_source_mapping
    orders = QUEUE_ARN.format("orders")
    assert refused(create, FunctionName="recorder", EventSourceArn=orders, StartingPosition="LATEST") == (
        "InvalidParameterValueException", "StartingPosition is not valid for SQS event sources.", 400)
    assert refused(create, FunctionName="recorder", EventSourceArn=orders, BatchSize=11)[:2] == (
        "InvalidParameterValueException",
        "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10")
    assert refused(create, FunctionName="recorder", EventSourceArn=QUEUE_ARN.format("jobs.fifo"), BatchSize=11,
                   MaximumBatchingWindowInSeconds=1)[0] == "InvalidParameterValueException"
    assert refused(create, FunctionName="recorder", EventSourceArn=QUEUE_ARN.format("missing"))[:2] == (
        "InvalidParameterValueException", "Error occurred while ReceiveMessage. SQS Error Code: "
        "AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist.")
    assert refused(create, FunctionName="nobody", EventSourceArn=orders) == (
        "ResourceNotFoundException", "Function does not exist", 404)
    code, message, _ = refused(create, FunctionName="recorder",
                               EventSourceArn="arn:aws:kinesis:us-east-1:123456789012:stream/readings")
    assert code == "InvalidParameterValueException" and "SQS queues and DynamoDB streams only" in message
    assert "Kinesis" in message
    assert refused(create, FunctionName="recorder", EventSourceArn="arn:aws:sqs:us-east-1:999999999999:orders")[:2] \
        == ("InvalidParameterValueException",
            "The provided execution role does not have permissions to call ReceiveMessage on SQS")
    assert refused(create, FunctionName="recorder", EventSourceArn=orders, MaximumRetryAttempts=2)[0] == \
        "InvalidParameterValueException"
    assert refused(create, FunctionName="recorder", EventSourceArn=orders,
                   FilterCriteria={"Filters": [{"Pattern": "not json"}]})[0] == "InvalidParameterValueException"

    first = create(FunctionName="recorder", EventSourceArn=orders)["UUID"]
    code, message, status = refused(create, FunctionName="recorder", EventSourceArn=orders)
    assert (code, status) == ("ResourceConflictException", 409)
    assert message == (f"An event source mapping with SQS arn (\" {orders} \") and function (\" recorder \") already "
                       f"exists. Please update or delete the existing mapping with UUID {first}")
    for call in (local.lambda_.update_event_source_mapping, local.lambda_.delete_event_source_mapping):
        assert refused(call, UUID="00000000-0000-0000-0000-000000000000")[0] == "ResourceNotFoundException"
    assert refused(local.lambda_.update_event_source_mapping, UUID=first, FunctionName="nobody")[0] == \
        "ResourceNotFoundException"
    assert local.lambda_.get_event_source_mapping(UUID=first)["FunctionArn"].endswith(":function:recorder")


# -- polling -----------------------------------------------------------------------------------------

def test_each_batch_reaches_the_function_and_its_reply_settles_it(local: Local) -> None:
    """ReportBatchItemFailures: the messages the reply names fail (to the dead-letter queue after
    maxReceiveCount receives), the others are deleted; the records are Lambda's SQS records."""
    local.seen_table()
    dead = local.queue("orders-dlq")
    orders = local.queue("orders", RedrivePolicy=json.dumps({"deadLetterTargetArn": QUEUE_ARN.format("orders-dlq"),
                                                             "maxReceiveCount": "2"}))
    local.function()
    local.sqs.send_message(QueueUrl=orders, MessageBody='{"bill": 1}', MessageAttributes={
        "kind": {"DataType": "String", "StringValue": "reading"}})
    local.send(orders, "bad two", "three")
    local.lambda_.create_event_source_mapping(FunctionName="recorder", EventSourceArn=QUEUE_ARN.format("orders"),
                                              FunctionResponseTypes=["ReportBatchItemFailures"])

    eventually(lambda: "1 moved to the dead-letter queue" in local.server.log,
               "the failed message moving to the dead-letter queue", local.server)
    assert local.bodies(dead) == ["bad two"] and local.waiting(orders) == (0, 0)
    seen = local.seen()
    assert sorted(s["body"] for s in seen) == sorted(['{"bill": 1}', "bad two", "bad two", "three"])  # retried once
    record = next(s["record"] for s in seen if s["body"] == '{"bill": 1}')
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == QUEUE_ARN.format("orders")
    assert record["awsRegion"] == "us-east-1" and record["md5OfBody"]
    assert record["messageAttributes"]["kind"]["stringValue"] == "reading"
    assert "orders -> recorder: partial (3 message(s), 1 kept for retry)" in local.server.log


def test_a_function_error_keeps_the_whole_batch_and_a_disabled_mapping_polls_nothing(local: Local) -> None:
    local.seen_table()
    orders = local.queue("orders", VisibilityTimeout=600)
    local.function()
    mapping = local.lambda_.create_event_source_mapping(FunctionName="recorder", Enabled=False,
                                                        EventSourceArn=QUEUE_ARN.format("orders"))
    assert mapping["State"] == "Creating"
    local.send(orders, "one", "crash")
    time.sleep(0.5)  # several polling rounds: a disabled mapping reads nothing
    assert local.waiting(orders) == (2, 0)
    local.lambda_.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)
    eventually(lambda: "RuntimeError: the batch crashed" in local.server.log, "the batch failing", local.server)
    assert local.waiting(orders) == (0, 2)  # both stay, invisible for the queue's 600 s
    assert local.seen() == []  # (the function raised before writing)


def test_batch_size_and_batching_window_shape_the_batches(local: Local) -> None:
    local.seen_table()
    orders = local.queue("orders")
    local.function()
    local.send(orders, *[f"m{n}" for n in range(7)])
    mapping = local.lambda_.create_event_source_mapping(FunctionName="recorder", BatchSize=3,
                                                        EventSourceArn=QUEUE_ARN.format("orders"))
    seen = eventually(lambda: len(local.seen()) == 7 and local.seen(), "seven messages delivered", local.server)
    sizes = sorted(len([s for s in seen if s["batch"] == batch]) for batch in {s["batch"] for s in seen})
    assert sizes == [1, 3, 3]

    assert mapping["BatchSize"] == 3
    gathered = local.queue("gathered")
    local.lambda_.create_event_source_mapping(FunctionName="recorder", BatchSize=20, MaximumBatchingWindowInSeconds=1,
                                              EventSourceArn=QUEUE_ARN.format("gathered"))
    for n in range(12):  # arriving one by one: the first receive finds few, the window gathers the rest
        local.send(gathered, f"w{n}")
        time.sleep(0.02)
    seen = eventually(lambda: len(local.seen()) == 19 and local.seen(), "twelve more delivered", local.server)
    late = [s for s in seen if s["body"].startswith("w")]
    assert len({s["batch"] for s in late}) == 1 and late[0]["size"] == 12


def test_filter_criteria_pass_matching_messages_and_delete_the_others(local: Local) -> None:
    local.seen_table()
    orders = local.queue("orders")
    local.function()
    local.send(orders, '{"kind": "order", "n": 1}', '{"kind": "refund"}', "plain text", '{"kind": "order", "n": 2}')
    local.lambda_.create_event_source_mapping(
        FunctionName="recorder", EventSourceArn=QUEUE_ARN.format("orders"),
        FilterCriteria={"Filters": [{"Pattern": json.dumps({"body": {"kind": ["order"]}})}]})
    eventually(lambda: local.waiting(orders) == (0, 0), "the queue emptied", local.server)
    assert sorted(s["body"] for s in local.seen()) == ['{"kind": "order", "n": 1}', '{"kind": "order", "n": 2}']


def test_a_handler_the_server_binds_can_be_a_mappings_function(local: Local) -> None:
    """``--handlers`` functions are invocable by name (as Invoke finds them): a mapping may name one."""
    orders = local.queue("orders")
    local.lambda_.create_event_source_mapping(FunctionName="Echo", EventSourceArn=QUEUE_ARN.format("orders"))
    local.send(orders, "hello")
    eventually(lambda: "orders -> Echo: succeeded (1 message(s))" in local.server.log, "the message delivered to Echo",
               local.server)
    assert local.waiting(orders) == (0, 0)


def test_a_queue_deleted_under_its_mapping_is_said_once_and_polled_again_when_it_is_back(local: Local) -> None:
    local.seen_table()
    orders = local.queue("orders")
    local.function()
    mapping = local.lambda_.create_event_source_mapping(FunctionName="recorder",
                                                        EventSourceArn=QUEUE_ARN.format("orders"))
    local.sqs.delete_queue(QueueUrl=orders)
    said = f"event source mapping {mapping['UUID']} cannot read {QUEUE_ARN.format('orders')}"
    eventually(lambda: said in local.server.log, "the failure said", local.server)
    time.sleep(2.5)  # (tried again after 2 s: the same failure is not said twice)
    assert local.server.log.count(said) == 1
    orders = local.queue("orders")  # made again: its new URL looked up, its messages delivered
    local.send(orders, "back")
    eventually(lambda: [s["body"] for s in local.seen()] == ["back"], "the message to the queue made again",
               local.server, timeout=60)


# -- DynamoDB streams ---------------------------------------------------------------------------------

#: writes each change it is given to the "seen" table; an item whose "n" is "bad" fails the batch
STREAM_RECORDER = """\
import json, os

import boto3


def handler(event, context):
    table = boto3.client("dynamodb", region_name=os.environ.get("AWS_REGION", "us-east-1"))
    for record in event["Records"]:
        image = record["dynamodb"].get("NewImage") or {}
        if image.get("n", {}).get("S") == "bad":
            raise ValueError("a bad bill")
        table.put_item(TableName="seen", Item={
            "id": {"S": record["dynamodb"]["SequenceNumber"]}, "body": {"S": record["eventName"]},
            "batch": {"S": context.aws_request_id}, "size": {"N": str(len(event["Records"]))},
            "record": {"S": json.dumps(record)}})
"""


def _bills_table(local: Local) -> str:
    made = local.dynamodb.create_table(
        TableName="bills", BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    return str(made["TableDescription"]["LatestStreamArn"])


def _bill(local: Local, bill_id: str, n: str) -> None:
    local.dynamodb.put_item(TableName="bills", Item={"id": {"S": bill_id}, "n": {"S": n}})


def test_a_dynamodb_streams_changes_reach_the_function_in_order(local: Local) -> None:
    """A stream mapping (StartingPosition required) gives the function Lambda's DynamoDB records, in
    order, from TRIM_HORIZON or LATEST; filters pass over what they do not match."""
    local.seen_table()
    stream = _bills_table(local)
    local.function("changes", STREAM_RECORDER)
    create = local.lambda_.create_event_source_mapping
    assert refused(create, FunctionName="changes", EventSourceArn=stream)[0] == "InvalidParameterValueException"
    assert refused(create, FunctionName="changes", EventSourceArn=stream, StartingPosition="LATEST",
                   FunctionResponseTypes=["ReportBatchItemFailures"], Queues=["q"])[0] == \
        "InvalidParameterValueException"
    _bill(local, "b1", "1")  # before the mapping: TRIM_HORIZON reads it
    mapping = create(FunctionName="changes", EventSourceArn=stream, StartingPosition="TRIM_HORIZON", BatchSize=10,
                     FilterCriteria={"Filters": [{"Pattern": json.dumps({"eventName": ["INSERT", "REMOVE"]})}]})
    assert (mapping["StartingPosition"], mapping["MaximumRetryAttempts"], mapping["StateTransitionReason"]) == (
        "TRIM_HORIZON", -1, "User action")
    _bill(local, "b1", "2")  # a MODIFY: filtered out
    local.dynamodb.delete_item(TableName="bills", Key={"id": {"S": "b1"}})
    seen = eventually(lambda: len(local.seen()) == 2 and local.seen(), "the changes reaching the function", local.server)
    assert sorted(s["body"] for s in seen) == ["INSERT", "REMOVE"]
    record = next(s["record"] for s in seen if s["body"] == "INSERT")
    assert (record["eventSource"], record["eventVersion"], record["eventSourceARN"]) == ("aws:dynamodb", "1.1", stream)
    assert record["dynamodb"]["Keys"] == {"id": {"S": "b1"}} and isinstance(
        record["dynamodb"]["ApproximateCreationDateTime"], int)
    assert refused(create, FunctionName="changes", EventSourceArn=stream, StartingPosition="LATEST")[:2] == (
        "ResourceConflictException", f"The event source arn (\" {stream} \") and function (\" changes \") provided "
        f"mapping already exists. Please update or delete the existing mapping with UUID {mapping['UUID']}")


def test_a_failing_stream_batch_is_retried_then_described_to_its_on_failure_queue(local: Local) -> None:
    local.seen_table()
    stream = _bills_table(local)
    local.queue("stream-failures")
    local.function("changes", STREAM_RECORDER)
    local.lambda_.create_event_source_mapping(
        FunctionName="changes", EventSourceArn=stream, StartingPosition="LATEST", BatchSize=1, MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": QUEUE_ARN.format("stream-failures")}})
    _bill(local, "b1", "bad")  # (LATEST: what is written after the mapping's answer)
    _bill(local, "b2", "fine")
    failures = local.sqs.get_queue_url(QueueName="stream-failures")["QueueUrl"]
    (described,) = [json.loads(body) for body in eventually(lambda: local.bodies(failures), "the failure described",
                                                            local.server)]
    assert described["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert described["requestContext"]["approximateInvokeCount"] == 2  # once, and the one retry
    info = described["DDBStreamBatchInfo"]
    assert (info["batchSize"], info["streamArn"], info["startSequenceNumber"]) == (1, stream, info["endSequenceNumber"])
    # the shard moved on past the failed batch: the next change (b2) reached the function
    eventually(lambda: any(s["record"]["dynamodb"]["Keys"] == {"id": {"S": "b2"}} for s in local.seen()),
               "the next change", local.server)
    assert all(s["record"]["dynamodb"]["Keys"] != {"id": {"S": "b1"}} for s in local.seen())


# -- SNS subscriptions --------------------------------------------------------------------------------

def test_a_topics_lambda_subscription_invokes_the_function_with_each_notification(local: Local) -> None:
    """Publish hands each notification its filter policy lets through to the function (asynchronously,
    with Lambda's SNS event); a Publish never fails for its subscribers."""
    local.seen_table()
    local.function("notified", SNS_RECORDER)
    sns = client(local.server, "sns")
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    function = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:notified"
    subscription = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function, ReturnSubscriptionArn=True,
                                 Attributes={"FilterPolicy": json.dumps({"kind": ["order"]})})["SubscriptionArn"]
    try:
        sns.publish(TopicArn=topic, Message="an order", Subject="new", MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "order"}})
        sns.publish(TopicArn=topic, Message="a refund", MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "refund"}})  # the filter policy keeps it away
        seen = eventually(lambda: local.seen(), "the notification reaching the function", local.server)
        time.sleep(0.3)  # (the refund, were it delivered, would have arrived by now)
        assert [s["body"] for s in local.seen()] == ["an order"]
        record = seen[0]["record"]
        assert (record["EventSource"], record["EventSubscriptionArn"]) == ("aws:sns", subscription)
        assert record["Sns"]["TopicArn"] == topic and record["Sns"]["Subject"] == "new"
        assert record["Sns"]["MessageAttributes"]["kind"] == {"Type": "String", "Value": "order"}
    finally:
        sns.delete_topic(TopicArn=topic)


# -- S3 notifications ---------------------------------------------------------------------------------

S3_RECORDER = """\
import json, os

import boto3


def handler(event, context):
    table = boto3.client("dynamodb", region_name=os.environ.get("AWS_REGION", "us-east-1"))
    for record in event["Records"]:
        table.put_item(TableName="seen", Item={
            "id": {"S": record["s3"]["object"]["key"] + "/1"}, "body": {"S": record["s3"]["object"]["key"]},
            "batch": {"S": context.aws_request_id}, "size": {"N": str(len(event["Records"]))},
            "record": {"S": json.dumps(record)}})
"""


def test_a_buckets_notification_invokes_the_function_with_s3s_event(local: Local) -> None:
    """An object landing in a bucket whose notifications name a function (the usual start of a
    file-driven pipeline) invokes it asynchronously with S3's event; the put never waits for it."""
    local.seen_table()
    local.function("on-upload", S3_RECORDER)
    s3 = client(local.server, "s3")
    s3.create_bucket(Bucket="uploads")
    try:
        s3.put_bucket_notification_configuration(Bucket="uploads", NotificationConfiguration={
            "LambdaFunctionConfigurations": [{
                "LambdaFunctionArn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:on-upload",
                "Events": ["s3:ObjectCreated:*"],
                "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"}]}}}]})
        s3.put_object(Bucket="uploads", Key="in/readings.csv", Body=b"id\n1\n")
        s3.put_object(Bucket="uploads", Key="out/report.csv", Body=b"no")  # the filter keeps it away
        seen = eventually(lambda: local.seen(), "the notification reaching the function", local.server)
        time.sleep(0.3)
        # (the key comes URL-encoded, as S3's notifications give it: functions unquote_plus it)
        assert [unquote_plus(s["body"]) for s in local.seen()] == ["in/readings.csv"]
        record = seen[0]["record"]
        assert (record["eventSource"], record["s3"]["bucket"]["name"]) == ("aws:s3", "uploads")
    finally:
        for key in ("in/readings.csv", "out/report.csv"):
            s3.delete_object(Bucket="uploads", Key=key)
        s3.delete_bucket(Bucket="uploads")


# -- kept ---------------------------------------------------------------------------------------------

def test_a_mapping_and_what_it_consumed_survive_kill_9(start_server, tmp_path) -> None:
    state = tmp_path / "state"
    first = Local(start_server(state_dir=state))
    first.seen_table()
    orders = first.queue("orders")
    first.function()
    mapping = first.lambda_.create_event_source_mapping(FunctionName="recorder", BatchSize=2,
                                                        EventSourceArn=QUEUE_ARN.format("orders"))
    first.send(orders, "before")
    eventually(lambda: first.waiting(orders) == (0, 0) and first.seen(), "the first message consumed", first.server)
    first.server.kill()  # no clean stop: only what each answer and each delete had put on disk

    second = Local(start_server(state_dir=state))
    assert "1 Lambda function(s) created through its API earlier, 1 event source mapping(s) polling" in \
        second.server.log
    assert second.lambda_.get_event_source_mapping(UUID=mapping["UUID"])["BatchSize"] == 2
    assert second.waiting(orders) == (0, 0)  # the consumed message was deleted for good
    second.send(orders, "after")
    eventually(lambda: sorted(s["body"] for s in second.seen()) == ["after", "before"],
               "the restarted server polling the queue", second.server)


def test_a_stream_mapping_kept_over_kill_9_reads_on_from_the_streams_end(start_server, tmp_path) -> None:
    """After a restart the kept mapping goes on from the stream's end: the records of the local AWS's
    reload (every item written again) are not delivered as new changes."""
    state = tmp_path / "state"
    first = Local(start_server(state_dir=state))
    first.seen_table()
    stream = _bills_table(first)
    first.function("changes", STREAM_RECORDER)
    first.lambda_.create_event_source_mapping(FunctionName="changes", EventSourceArn=stream,
                                              StartingPosition="TRIM_HORIZON")
    _bill(first, "b1", "1")
    eventually(lambda: len(first.seen()) == 1, "the first change", first.server)
    first.server.kill()

    second = Local(start_server(state_dir=state))
    _bill(second, "b2", "1")
    seen = eventually(lambda: len(second.seen()) >= 2 and second.seen(), "the change after the restart",
                      second.server)
    time.sleep(0.3)
    keys = sorted(s["record"]["dynamodb"]["Keys"]["id"]["S"] for s in second.seen())
    assert keys == ["b1", "b2"] and len(seen) == 2  # b1 once: its reload was not a change


def test_a_stream_mapping_disabled_and_enabled_again_goes_on_from_where_it_was(local: Local) -> None:
    local.seen_table()
    stream = _bills_table(local)
    local.function("changes", STREAM_RECORDER)
    mapping = local.lambda_.create_event_source_mapping(FunctionName="changes", EventSourceArn=stream,
                                                        StartingPosition="TRIM_HORIZON")
    _bill(local, "b1", "1")
    eventually(lambda: len(local.seen()) == 1, "the first change", local.server)
    local.lambda_.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)
    _bill(local, "b2", "1")  # while disabled: delivered once enabled again, b1 not again
    local.lambda_.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)
    eventually(lambda: len(local.seen()) >= 2, "the change made while disabled", local.server)
    time.sleep(0.3)
    assert sorted(s["record"]["dynamodb"]["Keys"]["id"]["S"] for s in local.seen()) == ["b1", "b2"]
