"""A cloud assembly CDK wrote itself (tests/fixtures/templates/cdk_synth_app: aws-cdk-lib 2.275.0, its
app.py beside it), two stacks:

* BillingStack: an inline Map over readings, each priced by a Lambda function (LambdaInvoke with
  payloadResponseOnly), stored with DynamoDB PutItem (States.Format into an N attribute), and a
  Choice that notifies on a big bill;
* FlowStack: a Parallel whose branch runs a JSONata child machine (LambdaInvoke.jsonata) with
  StartExecution .sync:2 and a Retry, sends the bill to SQS, waits 30 s, then by a Choice fails, or
  publishes to SNS and puts the bill in S3 (CallAwsService s3:putObject), or only puts it;
* FileStack: a machine whose definition is a file (DefinitionBody.fromFile): the template names it
  only by its S3 location (DefinitionS3Location), the assembly holds it as an asset;
* EventStack: a machine logging to a log group, started by an EventBridge rule (SfnStateMachine
  target) and by a function (SqsEventSource on a queue) that calls StartExecution;
* OuterStack: a NestedStack whose machine writes to the parent's table (its name a parameter of the
  nested stack), started .sync by the parent's machine (its ARN an output of the nested stack).

Synthesized by running the app, the templates carry no asset metadata: the functions' code is the
asset the assembly's manifests publish under the code's S3Key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aslrun.templates import load_template
from aslrun.templates.cdk_assets import asset_source

from tests.helpers.templates import (CDK_SYNTH_APP, CDK_SYNTH_EVENTS, CDK_SYNTH_FILE, CDK_SYNTH_FLOW,
                                    CDK_SYNTH_OUTER)

MACHINE = "BillingFlow3D7F93ED"
READINGS = {"readings": [{"meterId": "M1", "kwh": 100}, {"meterId": "M2", "kwh": 500}]}


@pytest.fixture(scope="module")
def app():
    return load_template(CDK_SYNTH_APP)


def test_the_template_names_its_code_only_in_s3(app):
    resources = json.loads(CDK_SYNTH_APP.read_text())["Resources"]
    price = resources["Price89D349F1"]
    assert "Metadata" not in price and set(price["Properties"]["Code"]) == {"S3Bucket", "S3Key"}


def test_the_functions_code_is_the_asset_the_manifest_publishes_under_its_key(app):
    asset = CDK_SYNTH_APP.parent / "asset.da205923006bbfe7f24c00c014d6bef38cf14454f40ad62ec99a17c087c73734"
    assert {f.code_dir for f in app.functions.values()} == {asset.resolve()}
    assert sorted(f.handler.module.__name__.rsplit(".", 1)[-1] for f in app.functions.values()) == ["notify", "price"]


def test_the_map_prices_stores_and_notifies_on_the_local_aws(app, aws):
    app.deploy(aws).detach()
    execution = app.execute(MACHINE, READINGS)
    assert execution.status == "SUCCEEDED", execution.cause
    first, second = execution.output
    assert first["bill"] == {"meterId": "M1", "kwh": 100.0, "amount": 30.0} and "notice" not in first
    assert second["bill"]["amount"] == 150.0 and second["notice"] == {"sent": True, "to": "M2"}
    table = app.names.physical_name("BillsDE67BFC8")  # the table CDK named Bills
    assert sorted(aws.table_items(table), key=lambda item: item["meterId"]) == \
        [{"meterId": "M1", "amount": 30}, {"meterId": "M2", "amount": 150}]


@pytest.fixture(scope="module")
def flow():
    return load_template(CDK_SYNTH_FLOW)


@pytest.mark.parametrize("kwh, amount, alerted", [(100, 30, False), (500, 150, True)])
def test_the_flow_runs_its_jsonata_child_and_reaches_sqs_sns_and_s3(flow, aws, kwh, amount, alerted):
    runtime = flow.deploy(aws)
    try:
        execution = flow.execute("Main54E5BC70", {"meterId": f"M{kwh}", "kwh": kwh})
    finally:
        runtime.detach()
    assert execution.status == "SUCCEEDED", execution.cause
    bill = {"meterId": f"M{kwh}", "kwh": kwh, "amount": amount}
    assert execution.output == [{"bill": bill}, {"audited": True}]
    child, = execution.children
    assert child.status == "SUCCEEDED" and child.output == bill
    sent = [json.loads(body) for body in aws.queue_bodies(flow.names.physical_name("BillsDE67BFC8"))]
    assert sent == [bill]
    archived = aws.object_bytes(flow.names.physical_name("ArchiveDA4CB258"), f"M{kwh}.json")
    assert json.loads(archived) == bill
    published = [e.type for e in execution.history if e.type == "TaskScheduled"
                 and e.details.get("resource") == "publish"]
    assert bool(published) == alerted
    assert sum(e.type == "WaitStateEntered" for e in execution.history) == 1  # 30 s, skipped by the virtual clock


def test_a_bill_over_the_limit_fails_the_flow_with_the_fail_states_error(flow, aws):
    runtime = flow.deploy(aws)
    try:
        execution = flow.execute("Main54E5BC70", {"meterId": "M9", "kwh": 5000})
    finally:
        runtime.detach()
    assert (execution.status, execution.error, execution.cause) == ("FAILED", "TooBig", "amount over 1000")


def test_a_definition_from_a_file_is_read_from_the_asset_its_s3_location_names():
    template = json.loads(CDK_SYNTH_FILE.read_text())
    machine, = (k for k, v in template["Resources"].items() if v["Type"] == "AWS::StepFunctions::StateMachine")
    assert set(template["Resources"][machine]["Properties"]["DefinitionS3Location"]) == {"Bucket", "Key"}
    execution = load_template(CDK_SYNTH_FILE).execute(machine, {})
    assert execution.status == "SUCCEEDED" and execution.output == {"from": "file"}


def test_an_event_and_a_queue_message_start_the_machine_through_the_rule_and_the_function(aws):
    app = load_template(CDK_SYNTH_EVENTS)
    with app.deploy(aws) as runtime:
        by_rule = runtime.put_event("shop", "Order", {"id": 1})
        by_queue = runtime.send_message("OrdersA9B65338", {"id": 2})
    assert [(d.source, d.target, d.outcome) for d in by_rule] == [("OnOrder13439675", "FlowA74D6E88", "succeeded")]
    assert [(d.target, d.outcome) for d in by_queue] == [("Starter7C284AFD", "succeeded"),
                                                          ("FlowA74D6E88", "succeeded")]


def test_a_nested_stack_is_deployed_with_its_parent_parameters_in_and_outputs_out(aws):
    app = load_template(CDK_SYNTH_OUTER)
    assert set(app.state_machines) == {"OuterFlowD53D5D08", "InnerFlow488F54CA"}
    inner = app.state_machines["InnerFlow488F54CA"]
    nested, = app.nested_stacks
    assert nested.app.stack_name.startswith("OuterStack-InnerNestedStackInnerNestedStackResource")  # as CFN names it
    outer = app.state_machines["OuterFlowD53D5D08"]
    assert outer.definition["States"]["RunInner"]["Parameters"]["StateMachineArn"] == inner.arn  # an output
    table = app.names.physical_name("BillsDE67BFC8")
    assert inner.definition["States"]["Record"]["Parameters"]["TableName"] == table  # a parameter
    app.deploy(aws).detach()
    execution = app.execute("OuterFlowD53D5D08", {"id": "M1"})
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output == {"inner": True, "id": "M1"}
    assert aws.table_items(table) == [{"id": "M1"}]


def test_a_key_no_manifest_publishes_is_not_found_and_an_unreadable_manifest_is_passed_over(tmp_path: Path):
    (tmp_path / "Broken.assets.json").write_text("{not json")
    (tmp_path / "Stack.assets.json").write_text(json.dumps({"files": {"h": {
        "source": {"path": "asset.h", "packaging": "zip"},
        "destinations": {"d": {"bucketName": "b", "objectKey": "h.zip"}}}}}))
    assert asset_source("h.zip", tmp_path) == tmp_path / "asset.h"
    assert asset_source("other.zip", tmp_path) is None
    assert asset_source("h.zip", tmp_path / "missing") is None
