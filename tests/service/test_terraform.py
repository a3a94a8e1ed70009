"""Terraform against ``aslrun serve``: the AWS provider's ``endpoints { sfn = URL }`` is the one change.

A real ``terraform`` with the real AWS provider creates a state machine (tags, logging and tracing
settings, a published version), an EXPRESS one logging to CloudWatch Logs, an activity, an alias,
a DynamoDB table, an S3 bucket and an SNS topic (the server's local AWS answers them on the same
URL) and a machine that writes to the table; IAM roles (one with an AWS managed policy attached), a
Python Lambda function from a .zip (published, with an alias and a permission; the server's Lambda
API) and a machine that invokes it by the alias; updates the definition (a new version, the alias
moved to it) and the function's code and environment; plans again and finds nothing to change,
which holds only when every Describe/List answer reads back exactly what the provider wrote; runs
the alias through boto3; kills the server (``--state-dir``) and starts it again, and plans again:
nothing to change, the roles, table, bucket and topic of the local AWS included, and every
resource's tags (the provider's ``default_tags``); and destroys it all.

Each Terraform command loads the provider's schema of every AWS resource (about 2 s a step here),
so the whole takes some 60 s: it runs when ``ASLRUN_TERRAFORM=1`` (CI sets it) and Terraform and
the AWS provider are found (``terraform`` on the PATH; the provider in a plugin directory:
``$ASLRUN_TERRAFORM_PLUGINS``, ``/opt/tf-plugins`` or Terraform's own mirror directories, since
the Terraform registry may be out of reach), and is skipped with the reason otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.service import aws_client, wait_done

from .server_process import ServerProcess

ROLE = "arn:aws:iam::123456789012:role/service-role/StepFunctions"
OWNER = {"owner": "platform"}  # every resource's tag, from the provider's default_tags
_PROVIDER = "registry.terraform.io/hashicorp/aws"


def _plugin_directory() -> Path | None:
    """The first plugin directory holding the AWS provider for this platform."""
    candidates = [os.environ.get("ASLRUN_TERRAFORM_PLUGINS"), "/opt/tf-plugins", "~/.terraform.d/plugins",
                  "~/.local/share/terraform/plugins", "/usr/local/share/terraform/plugins",
                  "/usr/share/terraform/plugins"]
    for candidate in candidates:
        if candidate:
            folder = Path(candidate).expanduser()
            if any(folder.glob(f"{_PROVIDER}/*/linux_amd64/terraform-provider-aws*")):
                return folder
    return None


def _why_not() -> str | None:
    if os.environ.get("ASLRUN_TERRAFORM") != "1":
        return "Terraform against the server takes about 40 s: set ASLRUN_TERRAFORM=1 to run it (CI does)"
    if shutil.which("terraform") is None:
        return "terraform is not on the PATH"
    if _plugin_directory() is None:
        return "no plugin directory holds the hashicorp/aws provider (set ASLRUN_TERRAFORM_PLUGINS)"
    return None


pytestmark = [pytest.mark.skipif(_why_not() is not None, reason=_why_not() or ""), pytest.mark.runs_long]


def _function_archive(folder: Path, greeting: str) -> Path:
    """The doubler function's .zip (its greeting changes between the two applies: new code)."""
    archive = folder / "doubler.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("app.py", "import os\n\nimport boto3\nimport shared\n\ndef handler(event, context):\n"
                                  "    for record in event.get('Records', []):  # a batch from the orders queue\n"
                                  "        if record['eventSource'] == 'aws:sqs':\n"
                                  "            boto3.client('dynamodb', region_name='us-east-1').put_item(\n"
                                  "                TableName='bills', Item={'id': {'S': record['body']}})\n"
                                  "        else:  # a change of the bills table: counted in the audit table\n"
                                  "            boto3.client('dynamodb', region_name='us-east-1').put_item(\n"
                                  "                TableName='audit', Item={'id': {'S': record['dynamodb']['SequenceNumber']},\n"
                                  "                                         'change': {'S': record['eventName']}})\n"
                                  "    if 'Records' in event:\n"
                                  "        return {'batchItemFailures': []}\n"
                                  f"    return {{'doubled': event['n'] * 2, 'greeting': {greeting!r}, "
                                  "'stage': os.environ['STAGE'], 'mark': shared.MARK}\n")
    return archive


def _layer_archive(folder: Path) -> Path:
    """The shared layer's .zip: a module the doubler imports from python/."""
    archive = folder / "shared.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(zipfile.ZipInfo("python/shared.py", date_time=(2024, 1, 1, 0, 0, 0)), "MARK = 'layered'\n")
    return archive


def _configuration(url: str, result: str, team: str, archive: Path) -> str:
    layer = _layer_archive(archive.parent)
    definition = json.dumps({"StartAt": "Hi", "States": {"Hi": {"Type": "Pass", "Result": result, "End": True}}})
    store = json.dumps({"StartAt": "Put", "States": {"Put": {
        "Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "End": True,
        "Parameters": {"TableName": "bills", "Item": {"id": {"S.$": "$.id"}}}}}})
    return f"""
terraform {{
  required_providers {{
    aws = {{ source = "hashicorp/aws" }}
  }}
}}

provider "aws" {{
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true
  default_tags {{
    tags = {{ owner = "platform" }}
  }}
  endpoints {{
    sfn      = "{url}"
    dynamodb = "{url}"
    s3       = "{url}"
    sns      = "{url}"
    lambda   = "{url}"
    sqs      = "{url}"
    scheduler = "{url}"
    logs     = "{url}"
    iam      = "{url}"
    sts      = "{url}"
  }}
}}

resource "aws_iam_role" "runs_functions" {{
  name               = "runs-functions"
  assume_role_policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "sts:AssumeRole", Principal = {{ Service = "lambda.amazonaws.com" }} }}]
  }})
}}

resource "aws_iam_role_policy_attachment" "functions_log" {{
  role       = aws_iam_role.runs_functions.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}}

resource "aws_iam_role" "runs_machines" {{
  name               = "runs-machines"
  assume_role_policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "sts:AssumeRole", Principal = {{ Service = "states.amazonaws.com" }} }}]
  }})
}}

resource "aws_lambda_layer_version" "shared" {{
  layer_name          = "shared"
  filename            = "{layer}"
  source_code_hash    = filebase64sha256("{layer}")
  compatible_runtimes = ["python3.11"]
}}

resource "aws_lambda_function" "doubler" {{
  function_name    = "doubler"
  role             = aws_iam_role.runs_functions.arn
  runtime          = "python3.11"
  handler          = "app.handler"
  filename         = "{archive}"
  source_code_hash = filebase64sha256("{archive}")
  timeout          = 10
  publish          = true
  layers           = [aws_lambda_layer_version.shared.arn]
  environment {{
    variables = {{ STAGE = "{team}" }}
  }}
  tags = {{ team = "{team}" }}
}}

resource "aws_lambda_alias" "doubler_live" {{
  name             = "live"
  function_name    = aws_lambda_function.doubler.function_name
  function_version = aws_lambda_function.doubler.version
}}

resource "aws_lambda_permission" "from_machines" {{
  statement_id  = "AllowStepFunctions"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.doubler.function_name
  principal     = "states.amazonaws.com"
}}

resource "aws_sfn_state_machine" "double" {{
  name       = "double"
  role_arn   = aws_iam_role.runs_machines.arn
  definition = jsonencode({{
    StartAt = "Double"
    States = {{ Double = {{
      Type       = "Task"
      Resource   = "arn:aws:states:::lambda:invoke"
      OutputPath = "$.Payload"
      End        = true
      Parameters = {{ FunctionName = aws_lambda_alias.doubler_live.arn, "Payload.$" = "$" }}
    }} }}
  }})
}}

resource "aws_sqs_queue" "orders" {{
  name = "orders"
}}

resource "aws_sqs_queue" "failures" {{
  name = "failures"
}}

resource "aws_lambda_function_event_invoke_config" "doubler" {{
  function_name          = aws_lambda_function.doubler.function_name
  maximum_retry_attempts = 1
  destination_config {{
    on_failure {{
      destination = aws_sqs_queue.failures.arn
    }}
  }}
}}

resource "aws_lambda_event_source_mapping" "orders_to_doubler" {{
  event_source_arn        = aws_sqs_queue.orders.arn
  function_name           = aws_lambda_function.doubler.arn
  batch_size              = 5
  function_response_types = ["ReportBatchItemFailures"]
  tags                    = {{ team = "{team}" }}
}}

resource "aws_scheduler_schedule_group" "reports" {{
  name = "reports"
}}

resource "aws_scheduler_schedule" "nightly_hello" {{
  name                         = "nightly-hello"
  group_name                   = aws_scheduler_schedule_group.reports.name
  schedule_expression          = "cron(0 2 * * ? *)"
  schedule_expression_timezone = "Australia/Sydney"
  flexible_time_window {{
    mode = "OFF"
  }}
  target {{
    arn      = aws_sfn_state_machine.hello.arn
    role_arn = aws_iam_role.runs_machines.arn
    input    = jsonencode({{ team = "{team}" }})
  }}
}}

resource "aws_s3_bucket" "archive" {{
  bucket = "archive"
}}

resource "aws_sns_topic" "alerts" {{
  name = "alerts"
}}

resource "aws_dynamodb_table" "bills" {{
  name           = "bills"
  billing_mode   = "PROVISIONED"
  read_capacity  = 5
  write_capacity = 5
  hash_key       = "id"
  attribute {{
    name = "id"
    type = "S"
  }}
  ttl {{
    attribute_name = "expiresAt"
    enabled        = true
  }}
  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"
}}

resource "aws_dynamodb_table" "audit" {{
  name         = "audit"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  attribute {{
    name = "id"
    type = "S"
  }}
}}

resource "aws_lambda_event_source_mapping" "bills_to_doubler" {{
  event_source_arn       = aws_dynamodb_table.bills.stream_arn
  function_name          = aws_lambda_function.doubler.arn
  starting_position      = "LATEST"
  batch_size             = 10
  maximum_retry_attempts = 2
}}

resource "aws_sfn_state_machine" "store" {{
  name       = "store"
  role_arn   = "{ROLE}"
  definition = {json.dumps(store)}
}}

resource "aws_sfn_state_machine" "hello" {{
  name       = "hello"
  role_arn   = "{ROLE}"
  definition = {json.dumps(definition)}
  publish    = true
  tags       = {{ team = "{team}" }}
  logging_configuration {{
    level = "OFF"
  }}
  tracing_configuration {{
    enabled = false
  }}
}}

resource "aws_cloudwatch_log_group" "quick" {{
  name              = "/aws/vendedlogs/states/quick"
  retention_in_days = 14
}}

resource "aws_sfn_state_machine" "quick" {{
  name       = "quick"
  role_arn   = "{ROLE}"
  type       = "EXPRESS"
  definition = {json.dumps(definition)}
  logging_configuration {{
    level                  = "ALL"
    include_execution_data = true
    log_destination        = "${{aws_cloudwatch_log_group.quick.arn}}:*"
  }}
  encryption_configuration {{
    type = "AWS_OWNED_KEY"
  }}
}}

resource "aws_sfn_activity" "approve" {{
  name = "approve"
  tags = {{ team = "{team}" }}
}}

resource "aws_sfn_alias" "live" {{
  name = "live"
  routing_configuration {{
    state_machine_version_arn = aws_sfn_state_machine.hello.state_machine_version_arn
    weight                    = 100
  }}
}}
"""


def _tags(sfn: Any, arn: str) -> dict[str, str]:
    return {tag["key"]: tag["value"] for tag in sfn.list_tags_for_resource(resourceArn=arn)["tags"]}


def _send_and_see_billed(server: ServerProcess, bill_id: str) -> None:
    """A message on the orders queue reaches the function through the event source mapping, which
    writes its body to the bills table."""
    sqs, dynamodb = aws_client(server, "sqs"), aws_client(server, "dynamodb")
    sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName="orders")["QueueUrl"], MessageBody=bill_id)
    deadline = time.monotonic() + 30
    while "Item" not in dynamodb.get_item(TableName="bills", Key={"id": {"S": bill_id}}):
        assert time.monotonic() < deadline, f"{bill_id} never reached the function:\n{server.log}"
        time.sleep(0.05)


def _see_audited(server: ServerProcess, bill_id: str) -> None:
    """The bill's INSERT on the bills table's stream reached the function, which noted it in audit."""
    dynamodb = aws_client(server, "dynamodb")
    deadline = time.monotonic() + 30
    while True:
        items = dynamodb.scan(TableName="audit")["Items"]
        if any(item["change"]["S"] == "INSERT" for item in items) and len(items) >= (1 if bill_id == "Q1" else 2):
            return
        assert time.monotonic() < deadline, f"the INSERT of {bill_id} never reached the function:\n{server.log}"
        time.sleep(0.05)


class Terraform:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        (folder / "terraformrc").write_text("")
        self.env = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1",
                    "TF_CLI_CONFIG_FILE": str(folder / "terraformrc"), "AWS_EC2_METADATA_DISABLED": "true"}
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
            self.env.pop(name, None)

    def configure(self, text: str) -> None:
        (self.folder / "main.tf").write_text(text)

    def run(self, *args: str, expect: int = 0) -> str:
        done = subprocess.run(["terraform", *args, "-no-color", "-input=false"], cwd=self.folder, env=self.env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == expect, f"terraform {' '.join(args)} exited {done.returncode}:\n" \
                                          f"{done.stdout}\n{done.stderr}"
        return done.stdout


def test_terraform_creates_updates_reads_back_and_destroys_state_machines_on_the_server(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with ServerProcess("--virtual-time", state_dir=state) as server:
        sfn = server.client()
        terraform = Terraform(tmp_path)
        terraform.configure(_configuration(server.url, "hello", "billing", _function_archive(tmp_path, "hi")))
        terraform.run("init", f"-plugin-dir={_plugin_directory()}")

        terraform.run("apply", "-auto-approve")
        machine_arn = "arn:aws:states:us-east-1:123456789012:stateMachine:hello"
        described = sfn.describe_state_machine(stateMachineArn=machine_arn)
        assert json.loads(described["definition"])["States"]["Hi"]["Result"] == "hello"
        assert described["roleArn"] == ROLE and described["type"] == "STANDARD"
        assert _tags(sfn, machine_arn) == {**OWNER, "team": "billing"}
        activities = sfn.list_activities()["activities"]
        assert [a["name"] for a in activities] == ["approve"]
        assert _tags(sfn, activities[0]["activityArn"]) == {**OWNER, "team": "billing"}
        alias = sfn.describe_state_machine_alias(stateMachineAliasArn=f"{machine_arn}:live")
        assert alias["routingConfiguration"] == [{"stateMachineVersionArn": f"{machine_arn}:1", "weight": 100}]
        quick = sfn.describe_state_machine(stateMachineArn=machine_arn.replace(":hello", ":quick"))
        assert quick["type"] == "EXPRESS" and quick["loggingConfiguration"] == {
            "level": "ALL", "includeExecutionData": True, "destinations": [{"cloudWatchLogsLogGroup": {
                "logGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/states/quick:*"}}]}

        quick_run = sfn.start_sync_execution(stateMachineArn=machine_arn.replace(":hello", ":quick"))
        assert quick_run["status"] == "SUCCEEDED"
        logs = aws_client(server, "logs")  # the EXPRESS execution's events, in its log group
        (stream,) = logs.describe_log_streams(logGroupName="/aws/vendedlogs/states/quick")["logStreams"]
        logged = logs.get_log_events(logGroupName="/aws/vendedlogs/states/quick", logStreamName=stream["logStreamName"])
        assert [json.loads(e["message"])["type"] for e in logged["events"]][-1] == "ExecutionSucceeded"

        double_arn = machine_arn.replace(":hello", ":double")
        doubled = wait_done(sfn, sfn.start_execution(stateMachineArn=double_arn, input='{"n": 21}')["executionArn"])
        assert json.loads(doubled["output"]) == {"doubled": 42, "greeting": "hi", "stage": "billing", "mark": "layered"}

        terraform.configure(_configuration(server.url, "hello again", "metering", _function_archive(tmp_path, "hello")))
        terraform.run("apply", "-auto-approve")
        terraform.run("plan", "-detailed-exitcode")  # 0: what the server answers is what Terraform wrote
        versions = sfn.list_state_machine_versions(stateMachineArn=machine_arn)["stateMachineVersions"]
        assert sorted(v["stateMachineVersionArn"] for v in versions) == [f"{machine_arn}:1", f"{machine_arn}:2"]
        alias = sfn.describe_state_machine_alias(stateMachineAliasArn=f"{machine_arn}:live")
        assert alias["routingConfiguration"] == [{"stateMachineVersionArn": f"{machine_arn}:2", "weight": 100}]
        assert _tags(sfn, machine_arn) == {**OWNER, "team": "metering"}

        run = sfn.start_execution(stateMachineArn=f"{machine_arn}:live")
        finished = wait_done(sfn, run["executionArn"])
        assert finished["status"] == "SUCCEEDED" and json.loads(finished["output"]) == "hello again"
        assert finished["stateMachineVersionArn"] == f"{machine_arn}:2"

        doubled = wait_done(sfn, sfn.start_execution(stateMachineArn=double_arn, input='{"n": 4}')["executionArn"])
        assert json.loads(doubled["output"]) == {"doubled": 8, "greeting": "hello", "stage": "metering",
                                                 "mark": "layered"}
        lambda_ = aws_client(server, "lambda")
        assert [v["Version"] for v in lambda_.list_versions_by_function(FunctionName="doubler")["Versions"]] == \
            ["$LATEST", "1", "2"]
        assert lambda_.get_alias(FunctionName="doubler", Name="live")["FunctionVersion"] == "2"

        stored = sfn.start_execution(stateMachineArn=machine_arn.replace(":hello", ":store"), input='{"id": "M1"}')
        assert wait_done(sfn, stored["executionArn"])["status"] == "SUCCEEDED"
        dynamodb = aws_client(server, "dynamodb")
        assert dynamodb.get_item(TableName="bills", Key={"id": {"S": "M1"}})["Item"] == {"id": {"S": "M1"}}
        sns = aws_client(server, "sns")
        assert [t["TopicArn"] for t in sns.list_topics()["Topics"]] == ["arn:aws:sns:us-east-1:123456789012:alerts"]
        _send_and_see_billed(server, "Q1")  # the event source mapping's poller hands it to the function
        _see_audited(server, "Q1")  # and the bill's INSERT on the table's stream reaches it too
        server.kill()  # no clean stop: only what each answer had put on disk

    # started again on its state directory: everything Terraform made reads back as it wrote it (the
    # machines, the function, and the local AWS's roles, table, bucket and topic)
    with ServerProcess("--virtual-time", state_dir=state) as server:
        terraform.configure(_configuration(server.url, "hello again", "metering", tmp_path / "doubler.zip"))
        terraform.run("plan", "-detailed-exitcode")
        sfn, dynamodb, lambda_ = server.client(), aws_client(server, "dynamodb"), aws_client(server, "lambda")
        assert dynamodb.get_item(TableName="bills", Key={"id": {"S": "M1"}})["Item"] == {"id": {"S": "M1"}}
        invoke_config = lambda_.get_function_event_invoke_config(FunctionName="doubler")
        assert invoke_config["MaximumRetryAttempts"] == 1
        assert invoke_config["DestinationConfig"]["OnFailure"] == {
            "Destination": "arn:aws:sqs:us-east-1:123456789012:failures"}
        schedule = aws_client(server, "scheduler").get_schedule(Name="nightly-hello", GroupName="reports")
        assert json.loads(schedule["Target"]["Input"]) == {"team": "metering"}  # the second apply's, kept
        _send_and_see_billed(server, "Q2")  # the mapping was kept: the restarted server polls the queue again
        _see_audited(server, "Q2")  # (the stream kept its ARN: its mapping still names it)

        terraform.run("destroy", "-auto-approve")
        assert lambda_.list_event_source_mappings()["EventSourceMappings"] == []
        assert dynamodb.list_tables()["TableNames"] == []
        s3 = aws_client(server, "s3")
        assert s3.list_buckets()["Buckets"] == []
        assert sfn.list_state_machines()["stateMachines"] == []
        assert sfn.list_activities()["activities"] == []
        assert lambda_.list_functions()["Functions"] == []
        iam = aws_client(server, "iam")
        assert iam.list_roles()["Roles"] == []

