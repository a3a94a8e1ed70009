"""SQS sendMessage, SNS publish and EventBridge putEvents (optimized integrations) on the local AWS."""

from __future__ import annotations

import json

from aws_support import QUEUE_URL, TOPIC_ARN, task

SEND = "arn:aws:states:::sqs:sendMessage"
PUBLISH = "arn:aws:states:::sns:publish"
PUT_EVENTS = "arn:aws:states:::events:putEvents"


def test_send_message_sends_a_json_body_as_text(aws, execute):
    aws.seed({"sqs": {"work": {}}})
    execution = execute(task(SEND, {"QueueUrl": QUEUE_URL.format("work"), "MessageBody": {"site.$": "$.site"}}),
                        {"site": "S1"})
    assert execution.status == "SUCCEEDED", execution.cause
    assert aws.queue_bodies("work") == ['{"site":"S1"}']
    output = execution.output
    assert set(output) == {"MD5OfMessageBody", "MessageId", "SdkHttpMetadata", "SdkResponseMetadata"}
    assert output["SdkHttpMetadata"]["HttpHeaders"]["Content-Type"] == "application/x-amz-json-1.0"
    assert "connection" in output["SdkHttpMetadata"]["HttpHeaders"]


def test_send_message_to_a_missing_queue_is_an_sqs_exception_that_retry_sees(aws, execute):
    definition = task(SEND, {"QueueUrl": QUEUE_URL.format("nope"), "MessageBody": "x"},
                      Retry=[{"ErrorEquals": ["SQS.AmazonSQSException"], "MaxAttempts": 1}])
    execution = execute(definition)
    assert (execution.status, execution.error) == ("FAILED", "SQS.AmazonSQSException")
    assert "(Service: AmazonSQS; Status Code: 400; Error Code: " in execution.cause
    assert len(execution.history.events("TaskFailed")) == 2


def test_publish_reaches_the_subscribed_queue(aws, execute):
    aws.seed({"sqs": {"inbox": {}}, "sns": {"notify": {"subscriptions": [{"protocol": "sqs", "endpoint": "inbox",
                                                                           "raw": True}]}}})
    execution = execute(task(PUBLISH, {"TopicArn": TOPIC_ARN.format("notify"), "Message": {"done": True}}))
    assert execution.status == "SUCCEEDED", execution.cause
    assert aws.queue_bodies("inbox", parse_json=True) == [{"done": True}]
    assert set(execution.output) == {"MessageId", "SdkHttpMetadata", "SdkResponseMetadata"}
    assert execution.output["SdkHttpMetadata"]["HttpHeaders"]["Content-Type"] == "text/xml"


def test_publish_to_a_missing_topic_is_caught_by_name(aws, execute):
    definition = task(PUBLISH, {"TopicArn": TOPIC_ARN.format("nope"), "Message": "x"},
                      Catch=[{"ErrorEquals": ["SNS.NotFoundException"], "Next": "Handled"}],
                      states={"Handled": {"Type": "Pass", "End": True}})
    execution = execute(definition)
    assert execution.output["Error"] == "SNS.NotFoundException"
    assert "(Service: AmazonSNS; Status Code: 404; Error Code: NotFound; Request ID: " in execution.output["Cause"]


def test_put_events_returns_the_event_ids(aws, execute):
    entries = [{"Source": "bua", "DetailType": "done", "Detail": {"run": 1}}]
    execution = execute(task(PUT_EVENTS, {"Entries": entries}))
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output["FailedEntryCount"] == 0
    assert len(execution.output["Entries"]) == 1 and "EventId" in execution.output["Entries"][0]
    assert "SdkHttpMetadata" not in execution.output  # AWS-recorded: putEvents has none


def test_put_events_delivers_to_a_rule_target_with_the_execution_as_resource(aws, execute):
    aws.seed({"sqs": {"events": {}}})
    client = aws.client("events")
    client.put_rule(Name="all", EventPattern=json.dumps({"source": ["bua"]}))
    client.put_targets(Rule="all", Targets=[{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:123456789012:events"}])
    execution = execute(task(PUT_EVENTS, {"Entries": [{"Source": "bua", "DetailType": "done", "Detail": {"n": 1}}]}))
    delivered = aws.queue_bodies("events", parse_json=True)
    assert len(delivered) == 1
    assert delivered[0]["detail"] == {"n": 1}
    assert delivered[0]["resources"] == [execution.state_machine_arn, execution.arn]


def test_a_failed_entry_fails_the_task_with_eventbridge_failed_entry(aws, execute):
    execution = execute(task(PUT_EVENTS, {"Entries": [{"DetailType": "done", "Detail": "not json"}]}))
    assert (execution.status, execution.error) == ("FAILED", "EventBridge.FailedEntry")
    assert json.loads(execution.cause)["FailedEntryCount"] == 1
