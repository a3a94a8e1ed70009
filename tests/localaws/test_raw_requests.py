"""Reading a raw request as the call it makes (aslrun.localaws.raw_requests): which operations
change something the journal keeps, and their parameters as a boto3 caller would have given them."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("moto", reason="the 'aws' extra is not installed: pip install 'aslrun[aws]'")

from botocore.awsrequest import AWSPreparedRequest  # noqa: E402

from aslrun.localaws.raw_requests import UnreadableRequest, read_call  # noqa: E402


def _request(method: str, url: str, body: bytes = b"", **headers: str) -> Any:
    return AWSPreparedRequest(method, url, headers, body, stream_output=False)


def _everything(service: str, operation: str) -> bool:
    return True


S3 = "https://s3.us-east-1.amazonaws.com"


@pytest.mark.parametrize(("method", "path", "headers", "expected"), [
    ("PUT", "/bucket", {}, ("CreateBucket", {"Bucket": "bucket"})),
    ("PUT", "/bucket/", {}, ("CreateBucket", {"Bucket": "bucket"})),
    ("DELETE", "/bucket", {}, ("DeleteBucket", {"Bucket": "bucket"})),
    ("PUT", "/bucket/a/b%20c.txt", {}, ("PutObject", {"Bucket": "bucket", "Key": "a/b c.txt"})),
    ("PUT", "/bucket/k?x-id=PutObject", {}, ("PutObject", {"Bucket": "bucket", "Key": "k"})),
    ("PUT", "/bucket/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=0", {},
     ("PutObject", {"Bucket": "bucket", "Key": "k"})),  # a presigned URL
    ("PUT", "/bucket/k", {"x-amz-copy-source": "bucket/j"}, ("CopyObject", {"Bucket": "bucket", "Key": "k"})),
    ("POST", "/bucket/k?uploadId=7", {}, ("CompleteMultipartUpload", {"Bucket": "bucket", "Key": "k"})),
    ("DELETE", "/bucket/k", {}, ("DeleteObject", {"Bucket": "bucket", "Key": "k"})),
    ("DELETE", "/bucket/k?versionId=3", {}, ("DeleteObject", {"Bucket": "bucket", "Key": "k"})),
    ("PUT", "/bucket/k?partNumber=1&uploadId=7", {}, None),  # a part: nothing kept until completed
    ("POST", "/bucket/k?uploads", {}, None),
    ("DELETE", "/bucket/k?uploadId=7", {}, None),
    ("PUT", "/bucket/k?tagging", {}, None),
    ("PUT", "/bucket?versioning", {}, ("PutBucketVersioning", {"Bucket": "bucket"})),
    ("PUT", "/bucket?notification", {}, ("PutBucketNotificationConfiguration", {"Bucket": "bucket"})),
    ("PUT", "/bucket?cors", {}, None),
    ("PUT", "/bucket?tagging", {}, ("PutBucketTagging", {"Bucket": "bucket"})),
    ("DELETE", "/bucket?tagging", {}, ("DeleteBucketTagging", {"Bucket": "bucket"})),
    ("GET", "/bucket/k", {}, None),
    ("PUT", "/", {}, None),
])
def test_s3_operations_are_told_by_method_path_and_sub_resource(method, path, headers, expected):
    call = read_call("s3", _request(method, S3 + path, **headers), _everything)
    assert (None if call is None else (call.operation, call.params)) == expected


def test_delete_objects_names_the_keys_of_its_body():
    body = (b'<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            b"<Object><Key>a</Key></Object><Object><Key>b/c</Key><VersionId>1</VersionId></Object></Delete>")
    call = read_call("s3", _request("POST", S3 + "/bucket?delete", body), _everything)
    assert call.operation == "DeleteObjects"
    assert call.params == {"Bucket": "bucket", "Delete": {"Objects": [{"Key": "a"}, {"Key": "b/c"}]}}
    with pytest.raises(UnreadableRequest, match="s3 DeleteObjects: the body is not XML"):
        read_call("s3", _request("POST", S3 + "/bucket?delete", b"<Delete>"), _everything)


def test_a_json_request_is_read_against_its_input_shape_binary_as_bytes():
    body = json.dumps({"TableName": "t", "Item": {"id": {"B": "AAE="}, "n": {"N": "1"}}}).encode()
    call = read_call("dynamodb", _request("POST", "https://dynamodb.us-east-1.amazonaws.com/", body,
                                          **{"X-Amz-Target": "DynamoDB_20120810.PutItem"}), _everything)
    assert (call.operation, call.params) == ("PutItem", {"TableName": "t", "Item": {"id": {"B": b"\x00\x01"},
                                                                                     "n": {"N": "1"}}})
    with pytest.raises(UnreadableRequest, match="dynamodb PutItem: the body is not JSON"):
        read_call("dynamodb", _request("POST", "https://dynamodb.us-east-1.amazonaws.com/", b"{",
                                       **{"X-Amz-Target": "DynamoDB_20120810.PutItem"}), _everything)


def test_query_fields_are_gathered_into_structures_lists_and_maps():
    fields = ("Action=CreateTopic&Name=notes&Attributes.entry.1.key=DisplayName&Attributes.entry.1.value=N"
              "&Attributes.entry.2.key=FifoTopic&Attributes.entry.2.value=false&Tags.member.1.Key=team"
              "&Tags.member.1.Value=billing")
    call = read_call("sns", _request("POST", "https://sns.us-east-1.amazonaws.com/", fields.encode(),
                                     **{"Content-Type": "application/x-www-form-urlencoded"}), _everything)
    assert (call.operation, call.params) == ("CreateTopic", {
        "Name": "notes", "Attributes": {"DisplayName": "N", "FifoTopic": "false"},
        "Tags": [{"Key": "team", "Value": "billing"}]})


def test_only_recorded_operations_are_read():
    asked: list[tuple[str, str]] = []

    def recorded(service: str, operation: str) -> bool:
        asked.append((service, operation))
        return operation == "PutItem"

    read = _request("POST", "https://dynamodb.us-east-1.amazonaws.com/", b"not even JSON",
                    **{"X-Amz-Target": "DynamoDB_20120810.GetItem"})
    assert read_call("dynamodb", read, recorded) is None  # its body is never parsed
    assert read_call("sns", _request("POST", "https://sns.us-east-1.amazonaws.com/", b"Action=ListTopics",
                                     **{"Content-Type": "application/x-www-form-urlencoded"}), recorded) is None
    assert asked == [("dynamodb", "GetItem"), ("sns", "ListTopics")]
