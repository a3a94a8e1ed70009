"""The real AWS CLI (the awscli package, run as ``python -m awscli``) against the server: what a user
types in a shell works, errors included."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.service import ROLE

ADD = {"StartAt": "Add", "States": {"Add": {"Type": "Task", "End": True,
                                            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Add"}}}


def _awscli_importable() -> bool:
    try:
        import awscli  # noqa: F401
    except ImportError:
        return False
    return True


pytestmark = pytest.mark.skipif(not _awscli_importable(), reason="the awscli package is not installed")


class Cli:
    """``aws stepfunctions ...`` pointed at the server, with dummy credentials and no user config."""

    def __init__(self, url: str, home: Path) -> None:
        self.url = url
        self.env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                    "AWS_CONFIG_FILE": str(home / "config"), "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
                    "AWS_PAGER": "", "HOME": str(home)}
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SFN"):
            self.env.pop(name, None)

    def run(self, *args: str, service: str = "stepfunctions") -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "awscli", service, *args, "--endpoint-url", self.url,
                   "--region", "us-east-1", "--output", "json"]
        return subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=60)

    def json(self, *args: str) -> Any:
        """The command's JSON output; it must succeed."""
        done = self.run(*args)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else {}


@pytest.fixture(scope="module")
def cli(server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    yield Cli(server.url, tmp_path_factory.mktemp("aws-home"))


def test_a_machine_created_listed_run_and_read_back_with_the_cli(cli: Cli, sfn: Any) -> None:
    created = cli.json("create-state-machine", "--name", "cli-made", "--definition", json.dumps(ADD),
                       "--role-arn", ROLE)
    machine = created["stateMachineArn"]
    try:
        assert machine == "arn:aws:states:us-east-1:123456789012:stateMachine:cli-made"
        listed = cli.json("list-state-machines")["stateMachines"]
        assert [item["name"] for item in listed if item["stateMachineArn"] == machine] == ["cli-made"]
        started = cli.json("start-execution", "--state-machine-arn", machine, "--name", "from-the-shell",
                           "--input", json.dumps({"a": 20, "b": 22}))
        execution = started["executionArn"]
        assert execution.endswith(":execution:cli-made:from-the-shell")
        deadline = time.monotonic() + 20
        while (described := cli.json("describe-execution", "--execution-arn", execution))["status"] == "RUNNING":
            assert time.monotonic() < deadline, described
        assert described["status"] == "SUCCEEDED"
        assert json.loads(described["output"]) == {"sum": 42}
        events = cli.json("get-execution-history", "--execution-arn", execution)["events"]
        assert [event["type"] for event in events] == [
            "ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted",
            "LambdaFunctionSucceeded", "TaskStateExited", "ExecutionSucceeded"]
        assert [event["id"] for event in events] == list(range(1, len(events) + 1))
    finally:
        sfn.delete_state_machine(stateMachineArn=machine)


def test_a_refusal_is_an_error_exit_naming_the_aws_error(cli: Cli) -> None:
    missing = "arn:aws:states:us-east-1:123456789012:stateMachine:never-created"
    done = cli.run("describe-state-machine", "--state-machine-arn", missing)
    assert done.returncode in (254, 255), done  # awscli v1 exits 255 on a service error, v2 254
    assert done.stdout == ""
    assert ("An error occurred (StateMachineDoesNotExist) when calling the DescribeStateMachine operation: "
            f"State Machine Does Not Exist: '{missing}'") in done.stderr


def test_the_local_aws_answers_the_cli_on_the_same_url(cli: Cli, tmp_path: Path) -> None:
    """``aws dynamodb`` and ``aws s3`` (its high-level cp and ls) pointed at the server reach its local AWS."""
    made = cli.run("create-table", "--table-name", "cli-bills", "--billing-mode", "PAY_PER_REQUEST",
                   "--attribute-definitions", "AttributeName=id,AttributeType=S",
                   "--key-schema", "AttributeName=id,KeyType=HASH", service="dynamodb")
    assert made.returncode == 0, made.stderr
    assert "cli-bills" in json.loads(cli.run("list-tables", service="dynamodb").stdout)["TableNames"]
    assert cli.run("mb", "s3://cli-archive", service="s3").returncode == 0
    source = tmp_path / "bill.json"
    source.write_text('{"cents": 300}')
    assert cli.run("cp", str(source), "s3://cli-archive/bills/bill.json", service="s3").returncode == 0
    listed = cli.run("ls", "s3://cli-archive/bills/", service="s3")
    assert listed.returncode == 0 and "bill.json" in listed.stdout
    copied = tmp_path / "back.json"
    assert cli.run("cp", "s3://cli-archive/bills/bill.json", str(copied), service="s3").returncode == 0
    assert copied.read_text() == '{"cents": 300}'



def test_a_function_is_created_from_a_zip_file_and_invoked_with_the_cli(cli: Cli, tmp_path: Path) -> None:
    """``aws lambda create-function --zip-file fileb://...`` and ``aws lambda invoke`` on the server's URL."""
    import zipfile

    code = tmp_path / "function.zip"
    with zipfile.ZipFile(code, "w") as zipped:
        zipped.writestr("app.py", "def handler(event, context):\n    return {'hello': event['name']}\n")
    made = cli.run("create-function", "--function-name", "cli-hello", "--runtime", "python3.11", "--handler",
                   "app.handler", "--role", "arn:aws:iam::123456789012:role/runs-functions",
                   "--zip-file", f"fileb://{code}", service="lambda")
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["FunctionArn"].endswith(":function:cli-hello")
    answer = tmp_path / "answer.json"
    invoked = cli.run("invoke", "--function-name", "cli-hello",
                      "--payload", '{"name": "Ada"}', str(answer), service="lambda")
    assert invoked.returncode == 0, invoked.stderr
    assert json.loads(invoked.stdout)["StatusCode"] == 200
    assert json.loads(answer.read_text()) == {"hello": "Ada"}
