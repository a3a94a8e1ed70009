"""The JSON 1.0 protocol on the wire, with raw HTTP requests no SDK would send: malformed bodies,
unknown actions, members of the wrong type or missing, values too long, bodies too large. Every
refusal is HTTP 400 with AWS's ``__type`` and message, and the server goes on answering."""

from __future__ import annotations

import http.client
import json
import re
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers.service import ROLE

JSON_1_0 = "application/x-amz-json-1.0"
MODELED = "com.amazonaws.swf.service.v2.model#"
CORAL = "com.amazon.coral.service#"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MISSING_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:never-created"


class Answer:
    """An HTTP answer: its status, headers (case-insensitive) and body."""

    def __init__(self, response: http.client.HTTPResponse) -> None:
        self.status = response.status
        self.headers = response.headers
        self.body = response.read()

    @property
    def json(self) -> Any:
        return json.loads(self.body)


def send(url: str, method: str, body: bytes | Iterator[bytes] | None = None,
         headers: dict[str, str] | None = None) -> Answer:
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(method, "/", body=body, headers=headers or {},
                           encode_chunked=body is not None and not isinstance(body, bytes))
        return Answer(connection.getresponse())
    finally:
        connection.close()


def post(url: str, action: str | None, body: bytes | Iterator[bytes]) -> Answer:
    """``POST /`` as an SDK sends it, for ``AWSStepFunctions.<action>`` (None: no X-Amz-Target)."""
    headers = {"Content-Type": JSON_1_0}
    if action is not None:
        headers["X-Amz-Target"] = f"AWSStepFunctions.{action}"
    return send(url, "POST", body, headers)


def call(url: str, action: str, request: Any) -> Answer:
    return post(url, action, json.dumps(request).encode())


def assert_refused(answer: Answer, error_type: str, message: str | None = None) -> None:
    """HTTP 400 with ``{"__type": error_type, "message": message}`` (no message key when None)."""
    assert answer.status == 400, answer.body
    expected = {"__type": error_type} if message is None else {"__type": error_type, "message": message}
    assert answer.json == expected
    assert answer.headers["Content-Type"] == JSON_1_0


@pytest.fixture(autouse=True)
def still_answers(server: Any) -> Iterator[None]:
    """After each test, whatever it sent: the server is alive and answers a plain request."""
    yield
    assert server.process.poll() is None, server.log
    answer = call(server.url, "ListStateMachines", {})
    assert answer.status == 200 and "stateMachines" in answer.json


def test_an_answer_is_json_1_0_with_a_request_id(server: Any) -> None:
    answer = call(server.url, "ListStateMachines", {"maxResults": 1})
    assert answer.status == 200
    assert answer.headers["Content-Type"] == JSON_1_0
    assert UUID.match(answer.headers["x-amzn-RequestId"])
    assert call(server.url, "ListStateMachines", {}).headers["x-amzn-RequestId"] != answer.headers["x-amzn-RequestId"]


def test_a_modeled_error_names_its_type_as_aws_does(server: Any) -> None:
    answer = call(server.url, "DescribeStateMachine", {"stateMachineArn": MISSING_ARN})
    assert_refused(answer, MODELED + "StateMachineDoesNotExist", f"State Machine Does Not Exist: '{MISSING_ARN}'")
    assert UUID.match(answer.headers["x-amzn-RequestId"])


@pytest.mark.parametrize("body", [b"{not json", b'{"maxResults": 1', b"\xff\xfe"], ids=["bare-word", "cut", "binary"])
def test_a_body_that_is_not_json_is_a_serialization_exception(server: Any, body: bytes) -> None:
    answer = post(server.url, "ListStateMachines", body)
    assert answer.status == 400
    assert answer.json["__type"] == CORAL + "SerializationException"


@pytest.mark.parametrize("target", ["AWSStepFunctions.DoSomethingElse", "AmazonSQS.ListQueues", None])
def test_an_unknown_target_is_an_unknown_operation(server: Any, target: str | None) -> None:
    headers = {"Content-Type": JSON_1_0, **({"X-Amz-Target": target} if target else {})}
    assert_refused(send(server.url, "POST", b"{}", headers), CORAL + "UnknownOperationException")


@pytest.mark.parametrize(("action", "request_body", "message"), [
    ("ListStateMachines", {"maxResults": "10"}, "STRING_VALUE can not be converted to an Integer"),
    ("DescribeStateMachine", {"stateMachineArn": 5}, "NUMBER_VALUE can not be converted to a String"),
    ("CreateStateMachine", {"name": "n", "definition": "{}", "roleArn": ROLE, "publish": "yes"},
     "STRING_VALUE can not be converted to a Boolean"),
    ("CreateStateMachine", {"name": {"a": 1}, "definition": "{}", "roleArn": ROLE},
     "Start of structure or map found where not expected."),
    ("DescribeStateMachine", {"stateMachineArn": ["arn"]}, "Start of list found where not expected."),
    ("ListStateMachines", [], "Start of list found where not expected."),
], ids=["string-for-integer", "number-for-string", "string-for-boolean", "object-for-string", "list-for-string",
        "list-for-request"])
def test_a_member_of_the_wrong_json_type_is_a_serialization_exception(server: Any, action: str, request_body: Any,
                                                                      message: str) -> None:
    assert_refused(call(server.url, action, request_body), CORAL + "SerializationException", message)


def test_one_missing_member_is_one_validation_error(server: Any) -> None:
    assert_refused(call(server.url, "DescribeStateMachine", {}), MODELED + "ValidationException",
                   "1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: "
                   "Member must not be null")


def test_several_problems_are_counted_and_joined(server: Any) -> None:
    null = "failed to satisfy constraint: Member must not be null"
    assert_refused(call(server.url, "CreateStateMachine", {}), MODELED + "ValidationException",
                   f"3 validation errors detected: Value null at 'name' {null}; Value null at 'definition' {null}; "
                   f"Value null at 'roleArn' {null}")
    assert_refused(call(server.url, "CreateStateMachine", {"name": "n" * 81, "definition": "{}", "type": "BATCH"}),
                   MODELED + "ValidationException",
                   f"3 validation errors detected: Value null at 'roleArn' {null}; Value '{'n' * 81}' at 'name' "
                   "failed to satisfy constraint: Member must have length less than or equal to 80; Value 'BATCH' at "
                   "'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]")


def test_a_nested_member_is_named_by_its_path(server: Any) -> None:
    routing = [{"stateMachineVersionArn": f"{MISSING_ARN}:1"}]
    assert_refused(call(server.url, "CreateStateMachineAlias", {"name": "a", "routingConfiguration": routing}),
                   MODELED + "ValidationException",
                   "1 validation error detected: Value null at 'routingConfiguration.1.member.weight' failed to "
                   "satisfy constraint: Member must not be null")


def test_a_definition_over_1_mib_is_refused_without_echoing_it(server: Any) -> None:
    definition = json.dumps({"Comment": "x" * (1024 * 1024), "StartAt": "P",
                             "States": {"P": {"Type": "Pass", "End": True}}})
    answer = call(server.url, "CreateStateMachine", {"name": "huge", "definition": definition, "roleArn": ROLE})
    assert_refused(answer, MODELED + "ValidationException",
                   "1 validation error detected: Value at 'definition' failed to satisfy constraint: Member must "
                   "have length less than or equal to 1048576")


def test_an_input_over_256_kib_is_refused_without_echoing_it(server: Any) -> None:
    text = json.dumps({"data": "x" * (256 * 1024)})
    answer = call(server.url, "StartExecution", {"stateMachineArn": MISSING_ARN, "input": text})
    assert_refused(answer, MODELED + "ValidationException",
                   "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have "
                   "length less than or equal to 262144")


def test_a_body_over_8_mib_is_refused(server: Any) -> None:
    huge = json.dumps({"stateMachineArn": "x" * (9 * 1024 * 1024)}).encode()
    answer = post(server.url, "DescribeStateMachine", huge)
    assert answer.status == 413
    assert answer.json["__type"] == MODELED + "ValidationException"


def test_a_streamed_body_over_8_mib_is_refused_too(server: Any) -> None:
    chunks = (b"x" * (1024 * 1024) for _ in range(9))  # no Content-Length: it is read until it is too much
    answer = post(server.url, "DescribeStateMachine", chunks)
    assert answer.status == 413
    assert answer.json["__type"] == MODELED + "ValidationException"


def test_get_shows_a_plain_text_page(server: Any) -> None:
    answer = send(server.url, "GET")
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("text/plain")
    text = answer.body.decode()
    assert text.startswith("aslrun serve: the AWS Step Functions API.")
    assert "CreateStateMachine" in text and "StartExecution" in text


@pytest.mark.parametrize(("action", "body"), [
    ("DoSomethingElse", b"{}"), ("ListStateMachines", b"{not json"), ("DescribeStateMachine", b"{}")])
def test_every_refusal_carries_a_request_id(server: Any, action: str, body: bytes) -> None:
    answer = post(server.url, action, body)
    assert answer.status == 400
    assert UUID.match(answer.headers.get("x-amzn-RequestId") or "")
