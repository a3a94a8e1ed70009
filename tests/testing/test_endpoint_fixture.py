"""The pytest plugin's ``aslrun_endpoint`` fixture, as a user's suite uses it: ``aslrun serve`` for the
session (its arguments from the ``aslrun_serve_args`` ini option), reached by boto3 at its URL or by
code that names no endpoint, stopped by its pid at the end."""

from __future__ import annotations

import os

import pytest

from aslrun.testing.endpoint import EndpointDidNotStart, ServedEndpoint

pytest_plugins = ["pytester"]

USERS_TESTS = '''
import json

import boto3

MACHINE = {"StartAt": "Greet", "States": {"Greet": {"Type": "Wait", "Seconds": 120, "Next": "Done"},
                                          "Done": {"Type": "Pass", "Result": "hello", "End": True}}}


def test_a_machine_runs_through_the_api(aslrun_endpoint):
    sfn = aslrun_endpoint.client("stepfunctions")
    arn = sfn.create_state_machine(name="greet", definition=json.dumps(MACHINE), type="EXPRESS",
                                   roleArn="arn:aws:iam::123456789012:role/r")["stateMachineArn"]
    answer = sfn.start_sync_execution(stateMachineArn=arn)  # (--virtual-time: the two minutes are skipped)
    assert (answer["status"], json.loads(answer["output"])) == ("SUCCEEDED", "hello")


def test_code_that_names_no_endpoint_reaches_it_too(aslrun_endpoint):
    with aslrun_endpoint.environment():
        boto3.client("dynamodb").create_table(
            TableName="bills", BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    assert aslrun_endpoint.client("dynamodb").list_tables()["TableNames"] == ["bills"]
    assert "Step Functions API on" in aslrun_endpoint.log
'''


def test_a_users_suite_tests_through_the_endpoint_fixture(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\naslrun_serve_args = --virtual-time\n")
    pytester.makepyfile(test_users_api=USERS_TESTS)
    outcome = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "0")
    outcome.assert_outcomes(passed=2)


def test_a_server_that_cannot_start_is_an_error_with_its_output(tmp_path) -> None:
    with pytest.raises(EndpointDidNotStart) as refused:
        ServedEndpoint(["--template", str(tmp_path / "missing.yaml")], cwd=tmp_path, start_timeout=60).start()
    assert "missing.yaml" in str(refused.value)


def test_the_environment_is_as_it_was_afterwards(tmp_path) -> None:
    before = os.environ.get("AWS_ENDPOINT_URL")
    with ServedEndpoint(["--virtual-time"], cwd=tmp_path) as served:
        with served.environment() as values:
            assert os.environ["AWS_ENDPOINT_URL"] == served.url == values["AWS_ENDPOINT_URL"]
        assert os.environ.get("AWS_ENDPOINT_URL") == before
        pid = served.pid
    assert pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # stopped (and reaped) by its pid
