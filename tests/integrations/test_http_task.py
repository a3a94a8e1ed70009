"""The HTTP Task (``arn:aws:states:::http:invoke``) against a local HTTP server on a free port.

Expected requests follow AWS's "Call HTTPS APIs in Step Functions workflows" page: its merging
example (connection headers, query and body parameters win a clash; ``Apikey: key_value``;
``Content-Type: application/json; charset=UTF-8``; ``Range: bytes=0-262144``; ``User-Agent:
Amazon|StepFunctions|HttpInvoke|<region>``; compact JSON body), its URL-encoding examples (INDICES,
REPEAT, COMMAS, BRACKETS, nested objects as ``metadata%5Border_details%5D``, spaces as ``%20``), its
list of headers a task may not set (``States.Runtime``), its unsupported responses (``States.Runtime``)
and its ``Events.ConnectionResource.*`` errors.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from aslrun import StateMachine
from aslrun.debug.single_state import run_test_state
from aslrun.integrations.http_request import form_encode
from aslrun.integrations.http_task import host_allowed
from tests.helpers.http_api import Api, serving_api

CONNECTION = "arn:aws:events:us-east-2:123456789012:connection/Example/81210c42-8af1-456b-9c4a-6ff02fc664ac"
PREFIX = "An error occurred while executing the state 'Call' (entered at the event id #2). "


@pytest.fixture
def api() -> Iterator[Api]:
    yield from serving_api()


def connect(aws, kind: str = "API_KEY", name: str = "Example", **auth: Any) -> str:
    parameters = dict(auth) or {"ApiKeyAuthParameters": {"ApiKeyName": "Apikey", "ApiKeyValue": "key_value"}}
    return aws.client("events").create_connection(Name=name, AuthorizationType=kind,
                                                  AuthParameters=parameters)["ConnectionArn"]


def http_task(api: Api, path: str = "/path", **parameters: Any) -> dict[str, Any]:
    fields = {"ApiEndpoint": api.url + path, "Method": "GET", "Authentication": {"ConnectionArn": CONNECTION},
              **parameters}
    return {"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke",
                                                   "Parameters": fields, "End": True}}}


def without_volatile(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k not in ("Host", "Content-Length")}


# -- the request ------------------------------------------------------------------------------------

def test_the_documented_merging_example(aws, api, execute):
    connect(aws, ApiKeyAuthParameters={"ApiKeyName": "Apikey", "ApiKeyValue": "key_value"},
            InvocationHttpParameters={
                "BodyParameters": [{"Key": "BodyParam", "Value": "connection_body_param"}],
                "HeaderParameters": [{"Key": "Header-Param", "Value": "connection_header_param"}],
                "QueryStringParameters": [{"Key": "QueryParam", "Value": "connection_query_param"}]})
    definition = http_task(api, Method="POST",
                           Headers={"Request-Id": "my_request_id", "Header-Param": "state_machine_header_param"},
                           RequestBody={"Job": "Software Engineer", "Company": "AnyCompany",
                                        "BodyParam": "state_machine_body_param"},
                           QueryParameters={"QueryParam": "state_machine_query_param"})
    execution = execute(definition, region="us-east-2")
    assert execution.status == "SUCCEEDED", execution.cause
    request = api.last
    assert (request["method"], request["path"]) == ("POST", "/path?QueryParam=connection_query_param")
    assert without_volatile(request["headers"]) == {
        "Request-Id": "my_request_id", "Header-Param": "connection_header_param",
        "Content-Type": "application/json; charset=UTF-8", "Apikey": "key_value", "Range": "bytes=0-262144",
        "User-Agent": "Amazon|StepFunctions|HttpInvoke|us-east-2"}
    assert request["body"] == '{"Job":"Software Engineer","Company":"AnyCompany","BodyParam":"connection_body_param"}'
    assert request["headers"]["Content-Length"] == str(len(request["body"]))


def test_the_result_is_aws_s_shape(aws, api, execute):
    connect(aws)
    api.answers["/json"] = (200, "application/json; charset=utf-8", b'{"id": 7, "tags": ["a"]}')
    execution = execute(http_task(api, "/json"))
    assert execution.status == "SUCCEEDED"
    output = execution.output
    assert (output["ResponseBody"], output["StatusCode"], output["StatusText"]) == ({"id": 7, "tags": ["a"]}, 200, "OK")
    assert output["Headers"]["Content-Type"] == ["application/json; charset=utf-8"]
    assert output["Headers"]["X-Answer"] == ["1"]
    assert list(output) == ["Headers", "ResponseBody", "StatusCode", "StatusText"]


def test_a_text_response_body_stays_text(aws, api, execute):
    connect(aws)
    api.answers["/text"] = (200, "text/plain", b'{"looks": "like json"}')
    assert execute(http_task(api, "/text")).output["ResponseBody"] == '{"looks": "like json"}'


@pytest.mark.parametrize(("array_format", "encoded"), [
    ("INDICES", "array%5B0%5D=a&array%5B1%5D=b&array%5B2%5D=c&array%5B3%5D=d"),
    ("REPEAT", "array=a&array=b&array=c&array=d"),
    ("COMMAS", "array=a,b,c,d"),
    ("BRACKETS", "array%5B%5D=a&array%5B%5D=b&array%5B%5D=c&array%5B%5D=d"),
])
def test_url_encoded_arrays_as_documented(array_format, encoded):
    assert form_encode({"array": ["a", "b", "c", "d"]}, array_format) == encoded


def test_the_documented_url_encoding_example(aws, api, execute):
    connect(aws, "BASIC", BasicAuthParameters={"Username": "myUsername", "Password": "myPassword"})
    definition = http_task(api, "/v1/invoices", Method="POST",
                           Headers={"Content-Type": "application/x-www-form-urlencoded"},
                           RequestBody={"customer.$": "$.customer_id", "description": "Monthly subscription",
                                        "metadata": {"order_details": "monthly report data"}},
                           Transform={"RequestBodyEncoding": "URL_ENCODED",
                                      "RequestEncodingOptions": {"ArrayFormat": "INDICES"}})
    assert execute(definition, {"customer_id": "1234567890"}).status == "SUCCEEDED"
    request = api.last
    assert request["body"] == ("customer=1234567890&description=Monthly%20subscription"
                               "&metadata%5Border_details%5D=monthly%20report%20data")
    assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert request["headers"]["Authorization"] == "Basic " + base64.b64encode(b"myUsername:myPassword").decode()


def test_query_parameters_are_url_encoded_after_the_endpoint_s_own(aws, api, execute):
    connect(aws)
    definition = http_task(api, "/search?fixed=1", QueryParameters={"currency": "usd", "q": "a b&c", "n": [1, 2]})
    assert execute(definition).status == "SUCCEEDED"
    assert api.last["path"] == "/search?fixed=1&currency=usd&q=a%20b%26c&n=1&n=2"


def test_the_jsonata_form_takes_arguments(aws, api, execute):
    connect(aws)
    definition = {"QueryLanguage": "JSONata", "StartAt": "Call", "States": {"Call": {
        "Type": "Task", "Resource": "arn:aws:states:::http:invoke", "End": True,
        "Arguments": {"ApiEndpoint": "{% $states.input.base & '/items/' & $states.input.id %}", "Method": "PUT",
                      "InvocationConfig": {"ConnectionArn": CONNECTION}, "RequestBody": {"n": "{% $states.input.id %}"}},
        "Output": "{% $states.result.StatusCode %}"}}}
    execution = execute(definition, {"base": api.url, "id": 5})
    assert (execution.status, execution.output) == ("SUCCEEDED", 200)
    assert (api.last["method"], api.last["path"], api.last["body"]) == ("PUT", "/items/5", '{"n":5}')


def test_an_oauth_connection_asks_for_a_token_first(aws, api, execute):
    api.answers["/token"] = (200, "application/json", b'{"access_token": "tok-1", "token_type": "bearer"}')
    connect(aws, "OAUTH_CLIENT_CREDENTIALS", OAuthParameters={
        "ClientParameters": {"ClientID": "id", "ClientSecret": "secret"},
        "AuthorizationEndpoint": api.url + "/token", "HttpMethod": "POST",
        "OAuthHttpParameters": {"BodyParameters": [{"Key": "scope", "Value": "read"}]}})
    assert execute(http_task(api, "/data")).status == "SUCCEEDED"
    token_request, call = api.requests
    assert (token_request["method"], token_request["path"]) == ("POST", "/token")
    assert token_request["body"] == "grant_type=client_credentials&scope=read"
    assert token_request["headers"]["Authorization"] == "Basic " + base64.b64encode(b"id:secret").decode()
    assert call["headers"]["Authorization"] == "Bearer tok-1"


def test_a_refused_token_is_an_invalid_connection_state(aws, api, execute):
    api.answers["/token"] = (401, "application/json", b'{"error": "invalid_client"}')
    connect(aws, "OAUTH_CLIENT_CREDENTIALS", OAuthParameters={
        "ClientParameters": {"ClientID": "id", "ClientSecret": "bad"},
        "AuthorizationEndpoint": api.url + "/token", "HttpMethod": "POST"})
    execution = execute(http_task(api, "/data"))
    assert execution.error == "Events.ConnectionResource.InvalidConnectionState"
    assert len(api.requests) == 1  # the API itself was not called


# -- failures ---------------------------------------------------------------------------------------

def test_a_status_outside_2xx_is_states_http_status_code(aws, api, execute):
    connect(aws)
    api.answers["/gone"] = (404, "application/json", b'{"message": "no such thing"}')
    execution = execute(http_task(api, "/gone"))
    assert execution.error == "States.Http.StatusCode.404"
    cause = json.loads(execution.cause)
    assert (cause["ResponseBody"], cause["StatusCode"], cause["StatusText"]) == (
        {"message": "no such thing"}, 404, "Not Found")


def test_retry_and_catch_see_the_status_code_error(aws, api, execute):
    connect(aws)
    api.answers["/busy"] = (503, "text/plain", b"busy")
    definition = http_task(api, "/busy")
    definition["States"]["Call"]["Retry"] = [{"ErrorEquals": ["States.Http.StatusCode.503"], "MaxAttempts": 2}]
    definition["States"]["Call"]["Catch"] = [{"ErrorEquals": ["States.Http.StatusCode.503"], "Next": "Handled"}]
    definition["States"]["Handled"] = {"Type": "Pass", "End": True}
    execution = execute(definition)
    assert execution.status == "SUCCEEDED"
    assert execution.output["Error"] == "States.Http.StatusCode.503"
    assert len(api.requests) == 3


@pytest.mark.parametrize("header", ["Authorization", "host", "X-Amz-Date", "x-forwarded-for", "Transfer-Encoding"])
def test_a_header_aws_forbids_fails_with_states_runtime(aws, api, execute, header):
    connect(aws)
    execution = execute(http_task(api, Headers={header: "x"}))
    assert (execution.error, execution.cause) == ("States.Runtime",
                                                  PREFIX + f"The header '{header}' cannot be set in an HTTP Task")
    assert api.requests == []


def test_a_string_body_with_connection_body_parameters_fails(aws, api, execute):
    connect(aws, ApiKeyAuthParameters={"ApiKeyName": "k", "ApiKeyValue": "v"},
            InvocationHttpParameters={"BodyParameters": [{"Key": "a", "Value": "b"}]})
    execution = execute(http_task(api, Method="POST", RequestBody="text"))
    assert execution.error == "States.Runtime"
    assert api.requests == []


@pytest.mark.parametrize("content_type", ["application/octet-stream", "image/png", "video/mp4", "audio/ogg"])
def test_a_response_aws_cannot_read_fails_with_states_runtime(aws, api, execute, content_type):
    connect(aws)
    api.answers["/binary"] = (200, content_type, b"\x00\x01")
    execution = execute(http_task(api, "/binary"))
    assert (execution.error, execution.cause) == (
        "States.Runtime", PREFIX + f"The HTTP response has a content type Step Functions does not support: {content_type}")


def test_a_connection_that_does_not_exist(aws, api, execute):
    execution = execute(http_task(api))
    assert (execution.error, execution.cause) == (
        "Events.ConnectionResource.ResourceNotFound",
        "Failed to describe the connection(s). Connection 'Example' does not exist.")


def test_a_connection_is_found_by_name_whatever_its_uuid(aws, api, execute):
    created = connect(aws)
    assert created != CONNECTION  # the local one has its own region and uuid
    assert execute(http_task(api)).status == "SUCCEEDED"


@pytest.mark.parametrize(("parameters", "cause"), [
    ({"Method": "FETCH"}, "The Method of an HTTP Task must be one of GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD, "
                          'got "FETCH"'),
    ({"ApiEndpoint": "ftp://127.0.0.1/x"}, 'The ApiEndpoint of an HTTP Task must be an http(s) URL, got "ftp://127.0.0.1/x"'),
    ({"Authentication": None}, "An HTTP Task needs an EventBridge connection: Authentication.ConnectionArn or "
                               "InvocationConfig.ConnectionArn is missing"),
])
def test_malformed_parameters_fail_with_states_runtime(aws, api, execute, parameters, cause):
    connect(aws)
    execution = execute(http_task(api, **parameters))
    assert (execution.error, execution.cause) == ("States.Runtime", PREFIX + cause)


# -- which hosts ----------------------------------------------------------------------------------------

def test_only_loopback_is_called_unless_allowed(aws, api, execute, monkeypatch):
    connect(aws)
    monkeypatch.delenv("ASLRUN_HTTP_ALLOW_HOSTS", raising=False)
    definition = http_task(api)
    definition["States"]["Call"]["Parameters"]["ApiEndpoint"] = "https://api.example.com/v1/customers"
    execution = execute(definition)
    assert (execution.error, execution.cause) == (
        "States.Runtime", PREFIX + "aslrun calls only the hosts it is allowed to: 'api.example.com' is not loopback "
        "and not in ASLRUN_HTTP_ALLOW_HOSTS (e.g. ASLRUN_HTTP_ALLOW_HOSTS=api.example.com)")


@pytest.mark.parametrize(("host", "allowed", "expected"), [
    ("localhost", "", True), ("127.0.0.1", "", True), ("127.8.9.10", "", True), ("::1", "", True),
    ("api.example.com", "", False), ("api.example.com", "api.example.com", True),
    ("api.example.com", "other.org, *.example.com", True), ("example.com", "*.example.com", False),
    ("10.0.0.1", "*", True), ("10.0.0.1", "10.0.0.2", False),
])
def test_host_allowed(host, allowed, expected):
    assert host_allowed(host, allowed) is expected


# -- history, mocks, TestState --------------------------------------------------------------------------

def test_history_names_the_http_resource(aws, api, execute):
    connect(aws)
    execution = execute(http_task(api), region="us-east-2")
    scheduled = next(e for e in execution.history if e.type == "TaskScheduled")
    assert (scheduled.details["resourceType"], scheduled.details["resource"]) == ("http", "invoke")
    assert scheduled.details["parameters"]["ApiEndpoint"] == api.url + "/path"


def test_a_bound_handler_wins_and_nothing_is_sent(api):
    machine = StateMachine(http_task(api))
    execution = machine.execute({}, handlers={"arn:aws:states:::http:invoke": lambda event, ctx: {"StatusCode": 201}})
    assert (execution.status, execution.output) == ("SUCCEEDED", {"StatusCode": 201})
    assert api.requests == []


def test_test_state_trace_shows_the_request_and_response(aws, api):
    connect(aws)
    machine = StateMachine(http_task(api, Method="POST", RequestBody={"a": 1}))
    result = run_test_state(machine, "Call", {}, inspection_level="TRACE", region="us-east-2")
    assert result.status == "SUCCEEDED"
    request, response = result.inspection_data["request"], result.inspection_data["response"]
    assert (request["protocol"], request["method"], request["url"], request["body"]) == (
        "http", "POST", api.url + "/path", '{"a":1}')
    assert "Apikey" not in json.loads(request["headers"])  # the connection's secret is left out...
    assert json.loads(request["headers"])["User-Agent"] == ["Amazon|StepFunctions|HttpInvoke|us-east-2"]
    assert (response["statusCode"], response["statusMessage"], response["body"]) == ("200", "OK", '{"ok":true}')
    assert json.loads(response["headers"])["X-Answer"] == ["1"]
    revealed = run_test_state(machine, "Call", {}, inspection_level="TRACE", reveal_secrets=True)
    assert json.loads(revealed.inspection_data["request"]["headers"])["Apikey"] == ["key_value"]  # ...unless revealed
    wire = result.to_aws()["inspectionData"]
    assert wire["request"] == request and wire["response"] == response  # structures on the wire, not JSON text
    assert "request" not in run_test_state(machine, "Call", {}, inspection_level="DEBUG").inspection_data


def test_the_test_state_command_traces_with_revealed_secrets(api, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from aslrun.cli import main

    (tmp_path / "call.asl.json").write_text(json.dumps(http_task(api)))
    (tmp_path / "seed.json").write_text(json.dumps({"connections": {"Example": {
        "AuthorizationType": "BASIC", "AuthParameters": {"BasicAuthParameters": {"Username": "u", "Password": "p"}}}}}))
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(main, ["test-state", "call.asl.json", "--state", "Call", "--inspection-level", "TRACE",
                                     "--reveal-secrets", "--aws-seed", "seed.json", "--json"])
    assert done.exit_code == 0, done.output
    answer = json.loads(done.stdout)
    assert answer["status"] == "SUCCEEDED"
    headers = json.loads(answer["inspectionData"]["request"]["headers"])
    assert headers["Authorization"] == ["Basic " + base64.b64encode(b"u:p").decode()]
    assert answer["inspectionData"]["response"]["statusCode"] == "200"
    assert api.last["headers"]["Authorization"] == "Basic " + base64.b64encode(b"u:p").decode()
