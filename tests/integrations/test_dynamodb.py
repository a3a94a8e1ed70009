"""DynamoDB optimized integrations (getItem, putItem, updateItem, deleteItem) on the local AWS."""

from __future__ import annotations

import json
import zlib

from aws_support import task

PUT = "arn:aws:states:::dynamodb:putItem"
GET = "arn:aws:states:::dynamodb:getItem"
UPDATE = "arn:aws:states:::dynamodb:updateItem"
DELETE = "arn:aws:states:::dynamodb:deleteItem"


def _table(aws):
    aws.seed({"dynamodb": {"control": {"key": {"pk": "S"}, "items": [{"pk": "BUA Restore", "status": "RUNNING"}]}}})


def test_get_item_returns_the_typed_item_with_the_sdk_metadata(aws, execute):
    _table(aws)
    execution = execute(task(GET, {"TableName": "control", "Key": {"pk": {"S.$": "$.key"}}}), {"key": "BUA Restore"})
    assert execution.status == "SUCCEEDED"
    output = execution.output
    assert output["Item"] == {"pk": {"S": "BUA Restore"}, "status": {"S": "RUNNING"}}
    assert list(output) == ["Item", "SdkHttpMetadata", "SdkResponseMetadata"]
    metadata = output["SdkHttpMetadata"]
    assert metadata["HttpStatusCode"] == 200
    body = json.dumps({"Item": output["Item"]}, separators=(",", ":"))
    assert metadata["HttpHeaders"]["Content-Length"] == str(len(body))
    assert metadata["HttpHeaders"]["x-amz-crc32"] == str(zlib.crc32(body.encode()))
    assert list(metadata["AllHttpHeaders"]) == ["Server", "Connection", "x-amzn-RequestId", "x-amz-crc32",
                                                "Content-Length", "Date", "Content-Type"]
    assert output["SdkResponseMetadata"]["RequestId"] == metadata["HttpHeaders"]["x-amzn-RequestId"]


def test_get_item_of_a_missing_key_has_no_item(aws, execute):
    _table(aws)
    execution = execute(task(GET, {"TableName": "control", "Key": {"pk": {"S": "nope"}}}))
    assert "Item" not in execution.output and "SdkHttpMetadata" in execution.output


def test_put_update_delete_change_the_table(aws, execute):
    _table(aws)
    definition = {"StartAt": "Put", "States": {
        "Put": {"Type": "Task", "Resource": PUT, "ResultPath": None, "Next": "Update",
                "Parameters": {"TableName": "control", "Item": {"pk": {"S": "run"}, "n": {"N": "1"}}}},
        "Update": {"Type": "Task", "Resource": UPDATE, "ResultSelector": {"new.$": "$.Attributes"},
                   "Parameters": {"TableName": "control", "Key": {"pk": {"S": "run"}},
                                  "UpdateExpression": "SET n = n + :one", "ReturnValues": "UPDATED_NEW",
                                  "ExpressionAttributeValues": {":one": {"N": "1"}}}, "Next": "Delete"},
        "Delete": {"Type": "Task", "Resource": DELETE, "ResultPath": "$.deleted", "End": True,
                   "Parameters": {"TableName": "control", "Key": {"pk": {"S": "BUA Restore"}}}}}}
    execution = execute(definition)
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output["new"] == {"n": {"N": "2"}}
    assert aws.table_items("control") == [{"pk": "run", "n": 2}]


def test_a_failed_condition_is_caught_by_its_aws_name(aws, execute):
    _table(aws)
    definition = task(PUT, {"TableName": "control", "Item": {"pk": {"S": "BUA Restore"}},
                            "ConditionExpression": "attribute_not_exists(pk)"},
                      Catch=[{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"], "Next": "Busy"}],
                      states={"Busy": {"Type": "Pass", "End": True}})
    execution = execute(definition)
    assert execution.status == "SUCCEEDED"
    assert execution.output["Error"] == "DynamoDB.ConditionalCheckFailedException"
    cause = execution.output["Cause"]
    assert cause.startswith("The conditional request failed (Service: AmazonDynamoDBv2; Status Code: 400; "
                            "Error Code: ConditionalCheckFailedException; Request ID: ")
    assert cause.endswith("; Proxy: null)")
    failed = execution.history.events("TaskFailed")[0].details
    assert (failed["resourceType"], failed["resource"]) == ("dynamodb", "putItem")
    assert aws.table_items("control") == [{"pk": "BUA Restore", "status": "RUNNING"}]  # unchanged


def test_retry_on_the_aws_error_name_retries_the_call(aws, execute):
    definition = task(GET, {"TableName": "missing", "Key": {"pk": {"S": "x"}}},
                      Retry=[{"ErrorEquals": ["DynamoDB.ResourceNotFoundException"], "MaxAttempts": 2,
                              "IntervalSeconds": 1}])
    execution = execute(definition)
    assert (execution.status, execution.error) == ("FAILED", "DynamoDB.ResourceNotFoundException")
    assert len(execution.history.events("TaskFailed")) == 3  # first try + 2 retries


def test_an_error_the_api_does_not_model_is_the_generic_exception(aws, execute):
    _table(aws)
    execution = execute(task(GET, {"TableName": "control", "Key": {"nope": {"S": "x"}}}))
    assert (execution.status, execution.error) == ("FAILED", "DynamoDB.AmazonDynamoDBException")
    assert "Error Code: ValidationException" in execution.cause


def test_history_names_the_resource_as_aws_does(aws, execute):
    _table(aws)
    execution = execute(task(GET, {"TableName": "control", "Key": {"pk": {"S": "x"}}}, TimeoutSeconds=30))
    scheduled = execution.history.events("TaskScheduled")[0].details
    assert scheduled == {"resourceType": "dynamodb", "resource": "getItem", "region": "us-east-1",
                         "parameters": {"TableName": "control", "Key": {"pk": {"S": "x"}}}, "timeoutInSeconds": 30}
    for kind in ("TaskStarted", "TaskSucceeded"):
        details = execution.history.events(kind)[0].details
        assert (details["resourceType"], details["resource"]) == ("dynamodb", "getItem")


def test_a_handler_bound_to_the_resource_stands_in_for_the_emulation(aws, execute):
    execution = execute(task(GET, {"TableName": "none", "Key": {}}),
                        handlers={GET: lambda params, context: {"Item": {"mocked": {"BOOL": True}}}})
    assert execution.output == {"Item": {"mocked": {"BOOL": True}}}
