"""Lambda's API on the server's port: functions created from a .zip (bytes or the local S3), invoked
through the API, and called by state machines' Tasks, kept across a restart and a kill -9.

Everything goes through boto3 at ``aslrun serve``'s URL, as a team's set-up code (or Terraform:
test_terraform.py) does; each answer is checked against what Lambda answers."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers.service import ROLE, aws_client as client, history, wait_done

from .server_process import ServerProcess

FUNCTION_ROLE = "arn:aws:iam::123456789012:role/runs-functions"
DOUBLER = """\
import os

def handler(event, context):
    print("doubling", event["n"])
    if event.get("fail"):
        raise ValueError("a bad reading: " + str(event["n"]))
    return {"doubled": event["n"] * 2, "stage": os.environ.get("STAGE"), "name": context.function_name,
            "version": context.function_version, "left_ms_positive": context.get_remaining_time_in_millis() > 0}
"""


def archive(files: dict[str, str]) -> bytes:
    """A .zip of the files, the same bytes for the same files (each member dated 2024-01-01)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for name, text in files.items():
            zipped.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), text)
    return buffer.getvalue()



@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    with ServerProcess("--virtual-time") as running:
        yield running


@pytest.fixture
def lambda_(server: ServerProcess, request: pytest.FixtureRequest) -> Iterator[Any]:
    made = client(server, "lambda")
    yield made
    for function in made.list_functions()["Functions"]:
        made.delete_function(FunctionName=function["FunctionName"])


def create(lambda_: Any, name: str, code: str = DOUBLER, **options: Any) -> dict[str, Any]:
    return lambda_.create_function(FunctionName=name, Runtime="python3.11", Role=FUNCTION_ROLE,  # type: ignore[no-any-return]
                                   Handler=options.pop("Handler", "app.handler"),
                                   Code={"ZipFile": archive({"app.py": code})}, **options)


def invoke(lambda_: Any, name: str, event: Any, **options: Any) -> tuple[Any, dict[str, Any]]:
    answer = lambda_.invoke(FunctionName=name, Payload=json.dumps(event), **options)
    return json.loads(answer["Payload"].read() or b"null"), answer


def run(server: ServerProcess, definition: dict[str, Any], event: Any, name: str) -> dict[str, Any]:
    sfn = server.client()
    arn = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
    try:
        return wait_done(sfn, sfn.start_execution(stateMachineArn=arn, input=json.dumps(event))["executionArn"])
    finally:
        sfn.delete_state_machine(stateMachineArn=arn)


def invoking(function_name: str) -> dict[str, Any]:
    return {"StartAt": "Call", "States": {"Call": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "OutputPath": "$.Payload", "End": True,
        "Parameters": {"FunctionName": function_name, "Payload.$": "$"}}}}


# -- creating and invoking ----------------------------------------------------------------------

def test_a_function_created_from_a_zip_answers_as_lambda_does(lambda_):
    made = create(lambda_, "doubler", Environment={"Variables": {"STAGE": "test"}}, Timeout=10, Tags={"team": "m"})
    assert made.pop("ResponseMetadata")["HTTPHeaders"]["x-amzn-requestid"]
    assert made["FunctionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:doubler"
    assert (made["Runtime"], made["Handler"], made["Role"], made["Timeout"], made["MemorySize"]) == \
        ("python3.11", "app.handler", FUNCTION_ROLE, 10, 128)
    assert made["State"] == "Active" and made["LastUpdateStatus"] == "Successful" and made["Version"] == "$LATEST"
    code = archive({"app.py": DOUBLER})
    assert made["CodeSha256"] == base64.b64encode(hashlib.sha256(code).digest()).decode()
    assert made["CodeSize"] == len(code)
    fetched = lambda_.get_function(FunctionName="doubler")
    assert fetched["Configuration"] == made and fetched["Tags"] == {"team": "m"}
    configuration = lambda_.get_function_configuration(FunctionName=made["FunctionArn"])
    assert {k: v for k, v in configuration.items() if k != "ResponseMetadata"} == made
    assert [f["FunctionName"] for f in lambda_.list_functions()["Functions"]] == ["doubler"]

    result, answer = invoke(lambda_, "doubler", {"n": 21}, LogType="Tail")
    assert answer["StatusCode"] == 200 and "FunctionError" not in answer and answer["ExecutedVersion"] == "$LATEST"
    assert result == {"doubled": 42, "stage": "test", "name": "doubler", "version": "$LATEST", "left_ms_positive": True}
    log = base64.b64decode(answer["LogResult"]).decode()
    assert log.startswith("START RequestId: ") and "doubling 21\n" in log and "REPORT RequestId: " in log


def test_a_failing_function_answers_its_error_document_with_the_function_error_header(lambda_):
    create(lambda_, "doubler")
    result, answer = invoke(lambda_, "doubler", {"n": 3, "fail": True})
    assert answer["StatusCode"] == 200 and answer["FunctionError"] == "Unhandled"
    assert result["errorType"] == "ValueError" and result["errorMessage"] == "a bad reading: 3"
    assert any("raise ValueError" in line for line in result["stackTrace"])


def test_a_handler_that_cannot_be_imported_fails_each_invocation_as_lambdas_runtime_says(lambda_):
    create(lambda_, "missing", Handler="nothere.handler")
    result, answer = invoke(lambda_, "missing", {})
    assert answer["FunctionError"] == "Unhandled" and result["errorType"] == "Runtime.ImportModuleError"
    create(lambda_, "wrong-name", Handler="app.nope")
    result, _ = invoke(lambda_, "wrong-name", {})
    assert result == {"errorMessage": "Handler 'nope' missing on module 'app'", "errorType": "Runtime.HandlerNotFound",
                      "requestId": result["requestId"], "stackTrace": []}


def test_a_function_past_its_timeout_is_stopped_as_lambda_stops_it(lambda_):
    # (a function past its Timeout is abandoned on its thread, not killed: it sleeps only a little longer)
    create(lambda_, "sleepy", code="import time\ndef handler(event, context):\n    time.sleep(1.5)\n", Timeout=1)
    started = time.monotonic()
    result, answer = invoke(lambda_, "sleepy", {})
    assert time.monotonic() - started < 1.4
    assert answer["FunctionError"] == "Unhandled" and result["errorType"] == "Sandbox.Timedout"
    assert result["errorMessage"].endswith("Task timed out after 1.00 seconds")


def test_invocation_types_dry_run_and_event(lambda_, tmp_path):
    writes = ("import pathlib\ndef handler(event, context):\n    part = pathlib.Path(event['to'] + '.part')\n"
              "    part.write_text('ran')\n    part.replace(event['to'])\n")  # (the test never reads it half-written)
    create(lambda_, "writer", code=writes)
    marker = tmp_path / "ran.txt"
    assert lambda_.invoke(FunctionName="writer", InvocationType="DryRun", Payload=json.dumps({"to": str(marker)}))[
        "StatusCode"] == 204
    assert not marker.exists()
    assert lambda_.invoke(FunctionName="writer", InvocationType="Event", Payload=json.dumps({"to": str(marker)}))[
        "StatusCode"] == 202
    deadline = time.monotonic() + 30
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert marker.read_text() == "ran"


def test_a_result_that_is_not_json_is_a_marshal_error(lambda_):
    create(lambda_, "sets", code="def handler(event, context):\n    return {1, 2}\n")
    result, answer = invoke(lambda_, "sets", {})
    assert answer["FunctionError"] == "Unhandled" and result["errorType"] == "Runtime.MarshalError"
    create(lambda_, "nan", code="def handler(event, context):\n    return float('nan')\n")  # (not the text NaN)
    result, answer = invoke(lambda_, "nan", {})
    assert answer["FunctionError"] == "Unhandled" and result["errorType"] == "Runtime.MarshalError"
    assert result["errorMessage"].startswith("Unable to marshal response: Out of range float values")


def test_a_function_that_exits_fails_its_invocation_not_the_server(lambda_):
    """Lambda's runtime reports the exit; the function's sys.exit is not the server's (it was a 500)."""
    create(lambda_, "quits", code="import sys\ndef handler(event, context):\n    sys.exit(3)\n")
    result, answer = invoke(lambda_, "quits", {})
    request_id = answer["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    assert answer["StatusCode"] == 200 and answer["FunctionError"] == "Unhandled"
    assert result == {"errorType": "Runtime.ExitError",
                      "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: exit status 3"}
    create(lambda_, "doubler")
    assert invoke(lambda_, "doubler", {"n": 2})[0]["doubled"] == 4  # the server goes on


# -- versions, aliases, updates ----------------------------------------------------------------------

def test_versions_and_aliases_run_the_code_they_were_published_with(lambda_):
    create(lambda_, "doubler", Publish=True)
    assert [v["Version"] for v in lambda_.list_versions_by_function(FunctionName="doubler")["Versions"]] == \
        ["$LATEST", "1"]
    assert lambda_.publish_version(FunctionName="doubler")["Version"] == "1"  # nothing changed: the same version
    lambda_.create_alias(FunctionName="doubler", Name="live", FunctionVersion="1")
    updated = lambda_.update_function_code(FunctionName="doubler", ZipFile=archive(
        {"app.py": "def handler(event, context):\n    return {'tripled': event['n'] * 3}\n"}))
    assert updated["Version"] == "$LATEST" and updated["CodeSha256"] != \
        lambda_.get_function(FunctionName="doubler:1")["Configuration"]["CodeSha256"]
    assert invoke(lambda_, "doubler", {"n": 2})[0] == {"tripled": 6}
    assert invoke(lambda_, "doubler:live", {"n": 2})[0]["doubled"] == 4
    result, answer = invoke(lambda_, "doubler", {"n": 2}, Qualifier="1")
    assert result["doubled"] == 4 and answer["ExecutedVersion"] == "1" and result["version"] == "1"

    second = lambda_.publish_version(FunctionName="doubler", Description="triples")
    assert (second["Version"], second["Description"]) == ("2", "triples")
    assert second["FunctionArn"].endswith(":doubler:2")
    lambda_.update_alias(FunctionName="doubler", Name="live", FunctionVersion="2")
    assert invoke(lambda_, "doubler:live", {"n": 2})[0] == {"tripled": 6}
    with pytest.raises(ClientError, match="ResourceConflictException"):
        lambda_.delete_function(FunctionName="doubler", Qualifier="2")  # the alias points at it
    lambda_.delete_function(FunctionName="doubler", Qualifier="1")
    with pytest.raises(ClientError, match="Function not found: .*:function:doubler:1"):
        lambda_.get_function(FunctionName="doubler", Qualifier="1")
    assert [a["Name"] for a in lambda_.list_aliases(FunctionName="doubler")["Aliases"]] == ["live"]


def test_a_configuration_update_changes_the_next_invocation_and_checks_its_revision(lambda_):
    made = create(lambda_, "doubler", Environment={"Variables": {"STAGE": "one"}})
    assert invoke(lambda_, "doubler", {"n": 1})[0]["stage"] == "one"
    updated = lambda_.update_function_configuration(FunctionName="doubler", Environment={"Variables": {"STAGE": "two"}},
                                                    MemorySize=256, RevisionId=made["RevisionId"])
    assert updated["MemorySize"] == 256 and updated["RevisionId"] != made["RevisionId"]
    assert invoke(lambda_, "doubler", {"n": 1})[0]["stage"] == "two"
    with pytest.raises(ClientError, match="PreconditionFailedException"):
        lambda_.update_function_configuration(FunctionName="doubler", Timeout=5, RevisionId=made["RevisionId"])


def test_tags_permissions_and_reserved_concurrency(lambda_):
    arn = create(lambda_, "doubler")["FunctionArn"]
    lambda_.tag_resource(Resource=arn, Tags={"team": "metering", "cost": "7"})
    lambda_.untag_resource(Resource=arn, TagKeys=["cost"])
    assert lambda_.list_tags(Resource=arn)["Tags"] == {"team": "metering"}
    statement = json.loads(lambda_.add_permission(FunctionName="doubler", StatementId="sfn", Action="lambda:InvokeFunction",
                                                  Principal="states.amazonaws.com")["Statement"])
    assert statement["Principal"] == {"Service": "states.amazonaws.com"} and statement["Resource"] == arn
    assert [s["Sid"] for s in json.loads(lambda_.get_policy(FunctionName="doubler")["Policy"])["Statement"]] == ["sfn"]
    with pytest.raises(ClientError, match="ResourceConflictException"):
        lambda_.add_permission(FunctionName="doubler", StatementId="sfn", Action="lambda:InvokeFunction",
                               Principal="states.amazonaws.com")
    lambda_.remove_permission(FunctionName="doubler", StatementId="sfn")
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        lambda_.get_policy(FunctionName="doubler")
    lambda_.put_function_concurrency(FunctionName="doubler", ReservedConcurrentExecutions=3)
    assert lambda_.get_function(FunctionName="doubler")["Concurrency"] == {"ReservedConcurrentExecutions": 3}
    lambda_.delete_function_concurrency(FunctionName="doubler")
    assert "ReservedConcurrentExecutions" not in lambda_.get_function_concurrency(FunctionName="doubler")
    assert lambda_.get_function_code_signing_config(FunctionName="doubler")["CodeSigningConfigArn"] == ""


def test_code_is_read_from_the_local_s3_on_the_same_url(server, lambda_):
    s3 = client(server, "s3")
    s3.create_bucket(Bucket="deploys")
    s3.put_object(Bucket="deploys", Key="doubler.zip", Body=archive({"app.py": DOUBLER}))
    lambda_.create_function(FunctionName="doubler", Runtime="python3.12", Role=FUNCTION_ROLE, Handler="app.handler",
                            Code={"S3Bucket": "deploys", "S3Key": "doubler.zip"})
    assert invoke(lambda_, "doubler", {"n": 5})[0]["doubled"] == 10
    with pytest.raises(ClientError) as refused:
        lambda_.update_function_code(FunctionName="doubler", S3Bucket="deploys", S3Key="gone.zip")
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "S3 Error Code: NoSuchKey" in refused.value.response["Error"]["Message"]


# -- refusals ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("change, code, words", [
    ({"Code": {"ZipFile": b"not a zip"}}, "InvalidParameterValueException", "Could not unzip uploaded file"),
    ({"Role": "runs-functions"}, "ValidationException", "at 'role' failed to satisfy constraint"),
    ({"FunctionName": "f" * 65}, "ValidationException", "at 'functionName' failed to satisfy constraint"),
    ({"FunctionName": "two words"}, "ValidationException", "at 'functionName' failed to satisfy constraint"),
    ({"Timeout": 901}, "ValidationException", "at 'timeout' failed to satisfy constraint: Member must have value "
                                              "less than or equal to 900"),
    ({"Runtime": "nodejs20.x"}, "InvalidParameterValueException", "a nodejs20.x function runs when the server is "
                                                                  "given --lambda-endpoint"),
    ({"PackageType": "Image", "Code": {"ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/f:1"}},
     "InvalidParameterValueException", "container images"),
    ({"Environment": {"Variables": {"AWS_REGION": "eu-west-1"}}}, "InvalidParameterValueException",
     "Reserved keys used in this request: AWS_REGION"),
])
def test_what_lambda_refuses_at_create_is_refused_with_its_words(lambda_, change, code, words):
    request = {"FunctionName": "doubler", "Runtime": "python3.11", "Role": FUNCTION_ROLE, "Handler": "app.handler",
               "Code": {"ZipFile": archive({"app.py": DOUBLER})}, **change}
    with pytest.raises(ClientError) as refused:
        lambda_.create_function(**request)
    assert refused.value.response["Error"]["Code"] == code
    assert words in refused.value.response["Error"]["Message"]
    assert lambda_.list_functions()["Functions"] == []


def test_names_that_are_taken_or_missing(lambda_):
    create(lambda_, "doubler")
    with pytest.raises(ClientError, match="ResourceConflictException.*Function already exist: doubler"):
        create(lambda_, "doubler")
    with pytest.raises(ClientError) as missing:
        lambda_.invoke(FunctionName="nope", Payload=b"{}")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert missing.value.response["Error"]["Message"] == \
        "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope:$LATEST"
    with pytest.raises(ClientError) as unreadable:  # Lambda's words (its JSON reader's, Jackson's)
        lambda_.invoke(FunctionName="doubler", Payload=b"test data")
    assert unreadable.value.response["Error"]["Code"] == "InvalidRequestContentException"
    assert unreadable.value.response["Error"]["Message"] == (
        "Could not parse request body into json: Could not parse payload into json: Unrecognized token 'test': was "
        "expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n"
        ' at [Source: (byte[])"test data"; line: 1, column: 6]')
    with pytest.raises(ClientError, match="InvalidRequestContentException.*Invalid UTF-8 start byte 0x97"):
        lambda_.invoke(FunctionName="doubler", Payload=b"\x97{}")
    with pytest.raises(ClientError) as unanswered:
        lambda_.get_function_url_config(FunctionName="doubler")
    assert unanswered.value.response["Error"]["Code"] == "NotImplementedException"
    assert "GetFunctionUrlConfig" in unanswered.value.response["Error"]["Message"]


def test_functions_are_regional(server, lambda_):
    create(lambda_, "doubler")
    assert client(server, "lambda", region="eu-west-1").list_functions()["Functions"] == []


# -- state machines calling them ----------------------------------------------------------------

def test_a_task_calls_a_created_function_by_name_arn_and_alias(server, lambda_):
    arn = create(lambda_, "doubler", Publish=True)["FunctionArn"]
    lambda_.create_alias(FunctionName="doubler", Name="live", FunctionVersion="1")
    for name in ("doubler", arn, f"{arn}:live", "doubler:1"):
        done = run(server, invoking(name), {"n": 4}, "calls-doubler")
        assert done["status"] == "SUCCEEDED", done
        assert json.loads(done["output"])["doubled"] == 8
    by_resource = {"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": arn, "End": True}}}
    done = run(server, by_resource, {"n": 1}, "calls-doubler-arn")
    assert json.loads(done["output"])["doubled"] == 2
    events = history(server.client(), done["executionArn"])
    assert [e["type"] for e in events if e["type"].startswith("LambdaFunction")] == \
        ["LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded"]


def test_a_failing_or_missing_function_fails_the_task_as_step_functions_reports_it(server, lambda_):
    create(lambda_, "doubler")
    failed = run(server, invoking("doubler"), {"n": 3, "fail": True}, "fails")
    assert failed["status"] == "FAILED" and failed["error"] == "ValueError"
    assert json.loads(failed["cause"])["errorMessage"] == "a bad reading: 3"
    caught = invoking("doubler")
    caught["States"]["Call"]["Catch"] = [{"ErrorEquals": ["ValueError"], "Next": "Flagged"}]
    caught["States"]["Flagged"] = {"Type": "Pass", "Result": "flagged", "End": True}
    assert json.loads(run(server, caught, {"n": 3, "fail": True}, "catches")["output"]) == "flagged"
    missing = run(server, invoking("nope"), {}, "missing")
    assert missing["error"] == "Lambda.ResourceNotFoundException"
    assert missing["cause"].startswith("Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope:$LATEST "
                                       "(Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException;")


# -- kept across restarts -------------------------------------------------------------------------

def test_functions_versions_and_aliases_survive_kill_9(start_server, tmp_path):
    state = tmp_path / "state"
    first = start_server(state_dir=state)
    lambda_ = client(first, "lambda")
    create(lambda_, "doubler", Publish=True, Environment={"Variables": {"STAGE": "kept"}})
    lambda_.create_alias(FunctionName="doubler", Name="live", FunctionVersion="1")
    lambda_.update_function_code(FunctionName="doubler", ZipFile=archive(
        {"app.py": "def handler(event, context):\n    return 'new code'\n"}))
    first.kill()  # nothing written after the last answer

    second = start_server(state_dir=state)
    lambda_ = client(second, "lambda")
    assert invoke(lambda_, "doubler", {"n": 1})[0] == "new code"
    assert invoke(lambda_, "doubler:live", {"n": 1})[0]["stage"] == "kept"
    assert [v["Version"] for v in lambda_.list_versions_by_function(FunctionName="doubler")["Versions"]] == \
        ["$LATEST", "1"]
    done = run(second, invoking("doubler:live"), {"n": 6}, "after-restart")
    assert json.loads(done["output"])["doubled"] == 12
    lambda_.delete_function(FunctionName="doubler")
    assert not list((state / "lambda" / "code").glob("*.zip"))  # no archive outlives its function


def test_an_archive_no_function_names_is_removed_at_start(start_server, tmp_path):
    state = tmp_path / "state"
    (state / "lambda" / "code").mkdir(parents=True)
    (state / "lambda" / "code" / f"{'0' * 64}.zip").write_bytes(archive({"app.py": ""}))  # a crash's leftover
    start_server(state_dir=state)
    assert not list((state / "lambda" / "code").glob("*.zip"))


def test_the_state_directory_holds_each_archive_once(start_server, tmp_path: Path):
    state = tmp_path / "state"
    lambda_ = client(start_server(state_dir=state), "lambda")
    create(lambda_, "one")
    create(lambda_, "two")
    assert len(list((state / "lambda" / "code").glob("*.zip"))) == 1


def test_invoke_runs_the_handlers_the_server_binds_as_sam_local_start_lambda_would(start_server):
    """``--handlers`` (or ``--template``) functions answer Invoke on the same URL, failures as Lambda's."""
    from tests.helpers.service import HANDLERS

    lambda_ = client(start_server("--handlers", HANDLERS), "lambda")
    result, answer = invoke(lambda_, "Add", {"a": 2, "b": 3})
    assert answer["StatusCode"] == 200 and "FunctionError" not in answer
    assert result == {"sum": 5}
    failed, answer = invoke(lambda_, "Fail", {"amount": 7})
    assert answer["FunctionError"] == "Unhandled"
    assert (failed["errorType"], failed["errorMessage"]) == ("InvalidAmount", "amount 7 is not allowed")
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        lambda_.invoke(FunctionName="Add", Qualifier="1", Payload=b"{}")  # a bound handler has no versions


# -- layers -------------------------------------------------------------------------------------------

PRICED = "import common, tinydep\n\ndef handler(event, context):\n    return {'n': event['n'] * common.RATE, 'tag': tinydep.TAG}\n"


def _layer(lambda_: Any, rate: int) -> dict[str, Any]:
    return lambda_.publish_layer_version(  # type: ignore[no-any-return]
        LayerName="shared", CompatibleRuntimes=["python3.11"], Description=f"rate {rate}", Content={"ZipFile": archive({
            "python/common.py": f"RATE = {rate}\n",
            "python/lib/python3.11/site-packages/tinydep/__init__.py": "TAG = 'from the layer'\n"})})


def test_a_layer_published_here_is_imported_by_the_functions_that_name_it(start_server, tmp_path):
    """PublishLayerVersion and the rest of layers' API as Lambda answers them; a function naming a
    version imports its python/ modules and site-packages; versions are never numbered twice; a
    layer of another account is taken as given; everything survives a kill -9."""
    state = tmp_path / "state"
    server = start_server(state_dir=state)
    lambda_ = client(server, "lambda")
    first = _layer(lambda_, 2)
    assert first["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (first["LayerVersionArn"], first["Version"], first["Description"]) == (
        "arn:aws:lambda:us-east-1:123456789012:layer:shared:1", 1, "rate 2")
    assert first["Content"]["CodeSha256"] and first["Content"]["CodeSize"] > 0
    create(lambda_, "priced", PRICED, Layers=[first["LayerVersionArn"]])
    assert lambda_.get_function_configuration(FunctionName="priced")["Layers"] == [
        {"Arn": first["LayerVersionArn"], "CodeSize": first["Content"]["CodeSize"]}]
    assert invoke(lambda_, "priced", {"n": 21})[0] == {"n": 42, "tag": "from the layer"}

    second = _layer(lambda_, 3)
    lambda_.update_function_configuration(FunctionName="priced", Layers=[
        "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3:7", second["LayerVersionArn"]])
    assert invoke(lambda_, "priced", {"n": 21})[0]["n"] == 63  # the new version, after a new configuration
    assert [v["Version"] for v in lambda_.list_layer_versions(LayerName="shared")["LayerVersions"]] == [2, 1]
    (listed,) = lambda_.list_layers()["Layers"]
    assert (listed["LayerName"], listed["LatestMatchingVersion"]["Version"]) == ("shared", 2)
    assert lambda_.get_layer_version_by_arn(Arn=first["LayerVersionArn"])["Description"] == "rate 2"
    with pytest.raises(ClientError, match="Layer version arn:aws:lambda:us-east-1:123456789012:layer:shared:9 "
                                          "does not exist"):
        lambda_.update_function_configuration(FunctionName="priced", Layers=[
            "arn:aws:lambda:us-east-1:123456789012:layer:shared:9"])
    lambda_.delete_layer_version(LayerName="shared", VersionNumber=1)
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        lambda_.get_layer_version(LayerName="shared", VersionNumber=1)
    server.kill()

    again = client(start_server(state_dir=state), "lambda")
    assert invoke(again, "priced", {"n": 1})[0]["n"] == 3
    assert _layer(again, 4)["Version"] == 3  # (1 was deleted: never given again)
    again.delete_function(FunctionName="priced")
    for version in (2, 3):
        again.delete_layer_version(LayerName="shared", VersionNumber=version)
    assert not list((state / "lambda" / "code").glob("*.zip"))  # no archive outlives what named it


# -- asynchronous invocations -------------------------------------------------------------------------

COUNTED = """\
import json, os

import boto3


def handler(event, context):
    sqs = boto3.client("sqs", region_name="us-east-1")
    sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName="attempts")["QueueUrl"], MessageBody=json.dumps(event))
    if event.get("fail"):
        raise ValueError("a bad reading")
    return {"ok": event["n"]}
"""


def _bodies(sqs: Any, queue: str, expected: int) -> list[str]:
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    got: list[str] = []
    deadline = time.monotonic() + 30
    while len(got) < expected and time.monotonic() < deadline:
        got += [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])]
        time.sleep(0.05)
    return got


def test_an_asynchronous_invocation_is_retried_and_its_record_sent_to_its_destination(start_server):
    """Event invocations: a failure retried (Lambda's 2 by default, MaximumRetryAttempts when
    configured), then Lambda's invocation record to OnSuccess / OnFailure; the configuration's API as
    Lambda answers it, and gone with its function."""
    server = start_server()
    lambda_, sqs = client(server, "lambda"), client(server, "sqs")
    for queue in ("attempts", "succeeded", "failed"):
        sqs.create_queue(QueueName=queue)
    create(lambda_, "counted", COUNTED)
    lambda_.invoke(FunctionName="counted", InvocationType="Event", Payload=b'{"n": 1, "fail": true}')
    assert len(_bodies(sqs, "attempts", 3)) == 3  # no configuration: tried, then retried twice

    with pytest.raises(ClientError, match="The function arn:aws:lambda:us-east-1:123456789012:function:counted:"
                                          r"\$LATEST doesn't have an EventInvokeConfig"):
        lambda_.get_function_event_invoke_config(FunctionName="counted")
    put = lambda_.put_function_event_invoke_config(FunctionName="counted", MaximumRetryAttempts=1, DestinationConfig={
        "OnSuccess": {"Destination": "arn:aws:sqs:us-east-1:123456789012:succeeded"},
        "OnFailure": {"Destination": "arn:aws:sqs:us-east-1:123456789012:failed"}})
    assert (put["FunctionArn"], put["MaximumRetryAttempts"]) == (
        "arn:aws:lambda:us-east-1:123456789012:function:counted:$LATEST", 1)
    updated = lambda_.update_function_event_invoke_config(FunctionName="counted", MaximumEventAgeInSeconds=120)
    assert (updated["MaximumRetryAttempts"], updated["MaximumEventAgeInSeconds"]) == (1, 120)  # merged
    assert [c["FunctionArn"] for c in lambda_.list_function_event_invoke_configs(FunctionName="counted")[
        "FunctionEventInvokeConfigs"]] == [put["FunctionArn"]]
    with pytest.raises(ClientError, match="ValidationException"):
        lambda_.put_function_event_invoke_config(FunctionName="counted", MaximumRetryAttempts=3)

    lambda_.invoke(FunctionName="counted", InvocationType="Event", Payload=b'{"n": 2}')
    lambda_.invoke(FunctionName="counted", InvocationType="Event", Payload=b'{"n": 3, "fail": true}')
    (succeeded,) = [json.loads(body) for body in _bodies(sqs, "succeeded", 1)]
    (failed,) = [json.loads(body) for body in _bodies(sqs, "failed", 1)]
    assert succeeded["requestContext"]["condition"] == "Success" and succeeded["responsePayload"] == {"ok": 2}
    assert succeeded["requestPayload"] == {"n": 2} and succeeded["responseContext"] == {
        "statusCode": 200, "executedVersion": "$LATEST"}
    assert failed["requestContext"]["condition"] == "RetriesExhausted"
    assert failed["requestContext"]["approximateInvokeCount"] == 2  # once, and the one retry configured
    assert failed["responseContext"]["functionError"] == "Unhandled"
    assert failed["responsePayload"]["errorMessage"] == "a bad reading"

    lambda_.delete_function(FunctionName="counted")
    create(lambda_, "counted", COUNTED)
    assert lambda_.list_function_event_invoke_configs(FunctionName="counted")["FunctionEventInvokeConfigs"] == []
