"""TestState over the wire on an HTTP Task: ``inspectionLevel: TRACE`` adds the raw ``request`` and
``response`` (AWS's InspectionDataRequest / InspectionDataResponse, every member a string), and
``revealSecrets`` decides whether what the EventBridge connection adds is shown, as AWS documents
("a secret includes the data that an EventBridge connection adds to modify the HTTP request headers,
query parameters, and body")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers.http_api import Api, serving_api
from tests.helpers.service import ROLE

from .server_process import ServerProcess

CONNECTION = "arn:aws:events:us-east-1:123456789012:connection/Example/81210c42-8af1-456b-9c4a-6ff02fc664ac"


@pytest.fixture
def api() -> Iterator[Api]:
    yield from serving_api()


@pytest.fixture(scope="module")
def sfn_with_connection(tmp_path_factory) -> Iterator[Any]:
    """One server for the module: TestState keeps nothing between calls, so every test may ask the same."""
    seed = tmp_path_factory.mktemp("seed") / "seed.json"
    seed.write_text(json.dumps({"connections": {"Example": {
        "AuthorizationType": "API_KEY",
        "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "Apikey", "ApiKeyValue": "key_value"},
                           "InvocationHttpParameters": {"QueryStringParameters": [{"Key": "token", "Value": "q1"}]}}}}}))
    with ServerProcess("--virtual-time", "--aws-seed", str(seed)) as server:
        yield server.client()


def definition(api: Api, path: str = "/orders") -> str:
    return json.dumps({"Type": "Task", "Resource": "arn:aws:states:::http:invoke", "End": True, "Parameters": {
        "ApiEndpoint": api.url + path, "Method": "POST", "Authentication": {"ConnectionArn": CONNECTION},
        "RequestBody": {"sku": "a"}}})


def test_trace_hides_the_connection_s_secrets_unless_revealed(sfn_with_connection, api):
    answer = sfn_with_connection.test_state(definition=definition(api), roleArn=ROLE, inspectionLevel="TRACE")
    assert answer["status"] == "SUCCEEDED"
    request, response = answer["inspectionData"]["request"], answer["inspectionData"]["response"]
    assert (request["protocol"], request["method"], request["url"], request["body"]) == (
        "http", "POST", api.url + "/orders", '{"sku":"a"}')
    assert "Apikey" not in json.loads(request["headers"])
    assert (response["protocol"], response["statusCode"], response["statusMessage"], response["body"]) == (
        "HTTP/1.1", "200", "OK", '{"ok":true}')
    assert api.last["path"] == "/orders?token=q1"  # the call itself carried them
    assert api.last["headers"]["Apikey"] == "key_value"

    revealed = sfn_with_connection.test_state(definition=definition(api), roleArn=ROLE, inspectionLevel="TRACE",
                                              revealSecrets=True)["inspectionData"]["request"]
    assert revealed["url"] == api.url + "/orders?token=q1"
    assert json.loads(revealed["headers"])["Apikey"] == ["key_value"]


def test_a_failed_call_still_shows_its_request_and_response(sfn_with_connection, api):
    api.answers["/missing"] = (404, "text/plain", b"no such order")
    answer = sfn_with_connection.test_state(definition=definition(api, "/missing"), roleArn=ROLE,
                                            inspectionLevel="TRACE")
    assert (answer["status"], answer["error"]) == ("FAILED", "States.Http.StatusCode.404")
    assert answer["inspectionData"]["response"]["statusCode"] == "404"
    assert answer["inspectionData"]["response"]["body"] == "no such order"


def test_debug_shows_no_http_request(sfn_with_connection, api):
    answer = sfn_with_connection.test_state(definition=definition(api), roleArn=ROLE, inspectionLevel="DEBUG")
    assert "request" not in answer["inspectionData"] and "response" not in answer["inspectionData"]
