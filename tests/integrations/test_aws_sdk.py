"""AWS SDK integrations (``arn:aws:states:::aws-sdk:SERVICE:ACTION``) on the local AWS."""

from __future__ import annotations

import re

from aws_support import task

SDK = "arn:aws:states:::aws-sdk:{}"


def test_s3_put_then_get_object_returns_the_body_as_text(aws, execute):
    aws.seed({"s3": {"exports": {}}})
    definition = {"StartAt": "Put", "States": {
        "Put": {"Type": "Task", "Resource": SDK.format("s3:putObject"), "ResultPath": "$.put", "Next": "Get",
                "Parameters": {"Bucket": "exports", "Key": "a.csv", "Body.$": "$.csv"}},
        "Get": {"Type": "Task", "Resource": SDK.format("s3:getObject"), "End": True,
                "Parameters": {"Bucket": "exports", "Key": "a.csv"}}}}
    execution = execute(definition, {"csv": "id\n1\n"})
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output["Body"] == "id\n1\n"
    assert "ETag" in execution.output and "ResponseMetadata" not in execution.output
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z", execution.output["LastModified"])
    assert aws.object_text("exports", "a.csv") == "id\n1\n"
    scheduled = execution.history.events("TaskScheduled")[0].details
    assert (scheduled["resourceType"], scheduled["resource"]) == ("aws-sdk:s3", "putObject")


def test_s3_no_such_key_is_named_as_the_java_sdk_v2_names_it(aws, execute):
    aws.seed({"s3": {"exports": {}}})
    definition = task(SDK.format("s3:getObject"), {"Bucket": "exports", "Key": "missing"},
                      Catch=[{"ErrorEquals": ["S3.NoSuchKeyException"], "Next": "Handled"}],
                      states={"Handled": {"Type": "Pass", "End": True}})
    execution = execute(definition)
    assert execution.output["Error"] == "S3.NoSuchKeyException"
    assert re.fullmatch(r"The specified key does not exist\. \(Service: S3, Status Code: 404, Request ID: \S+"
                        r"(, Extended Request ID: \S+)?\)", execution.output["Cause"])


def test_s3_no_such_bucket(aws, execute):
    execution = execute(task(SDK.format("s3:listObjectsV2"), {"Bucket": "nowhere-bucket"}))
    assert (execution.status, execution.error) == ("FAILED", "S3.NoSuchBucketException")
    assert execution.cause.startswith("The specified bucket does not exist (Service: S3, Status Code: 404")


def test_dynamodb_errors_are_dynamodb_sdk_names(aws, execute):
    execution = execute(task(SDK.format("dynamodb:putItem"), {"TableName": "none", "Item": {"pk": {"S": "x"}}}))
    assert (execution.status, execution.error) == ("FAILED", "DynamoDb.ResourceNotFoundException")
    assert "(Service: DynamoDb, Status Code: 400, Request ID: " in execution.cause
    execution = execute(task(SDK.format("dynamodb:putItem"), {"TableName": "none", "Item": None}))
    assert (execution.status, execution.error) == ("FAILED", "DynamoDb.DynamoDbException")


def test_pascal_case_parameters_reach_camel_case_apis_and_results_come_back_pascal_case(aws, execute):
    aws.seed({"sqs": {"work": {"messages": ["one"]}}})
    definition = {"StartAt": "Url", "States": {
        "Url": {"Type": "Task", "Resource": SDK.format("sqs:getQueueUrl"), "Parameters": {"QueueName": "work"},
                "Next": "Attributes"},
        "Attributes": {"Type": "Task", "Resource": SDK.format("sqs:getQueueAttributes"), "End": True,
                       "Parameters": {"QueueUrl.$": "$.QueueUrl", "AttributeNames": ["ApproximateNumberOfMessages"]}}}}
    execution = execute(definition)
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output == {"Attributes": {"ApproximateNumberOfMessages": "1"}}


def test_secrets_manager_through_the_sdk(aws, execute):
    aws.client("secretsmanager").create_secret(Name="db", SecretString='{"user": "bua"}')
    execution = execute(task(SDK.format("secretsmanager:getSecretValue"), {"SecretId": "db"},
                             ResultSelector={"secret.$": "States.StringToJson($.SecretString)"}))
    assert execution.output == {"secret": {"user": "bua"}}
