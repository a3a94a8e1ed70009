"""The CDK fixture: cdk.out/GreetingStack.template.json as `cdk synth` writes it (DefinitionString as Fn::Join,
Lambda code as asset directories named in Metadata), one state machine starting the other (.sync:2)."""

from __future__ import annotations

import pytest

from aslrun.templates import load_template

from tests.helpers.templates import CDK_APP

PARENT, CHILD = "ParentStateMachine0E1F2A3B", "ChildStateMachine6D2C5E8F"


@pytest.fixture(scope="module")
def app():
    return load_template(CDK_APP)


def test_the_parent_starts_the_child_and_both_call_their_functions(app):
    execution = app.execute(PARENT, {"name": "Ada"})
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output == {"shouted": "HELLO, ADA!", "by": "shout"}
    child, = execution.children
    assert child.status == "SUCCEEDED"
    assert child.output == {"greeting": "Hello, Ada", "by": "greet"}


def test_the_stack_name_comes_from_the_cloud_assembly_manifest(app):
    assert app.stack_name == "greeting-pipeline"
    assert app.functions["GreetFunction8A3F2B1C"].name.startswith("greeting-pipeline-GreetFunction8A3F2B1C-")


def test_definition_strings_are_joined_and_parsed(app):
    child = app.state_machines[CHILD]
    greet = child.definition["States"]["Greet"]
    assert greet["Resource"] == "arn:aws:states:::lambda:invoke"
    assert greet["Parameters"]["FunctionName"] == app.functions["GreetFunction8A3F2B1C"].arn
    parent = app.state_machines[PARENT]
    assert parent.name == "greeting-parent"
    assert parent.definition["States"]["Run child"]["Parameters"]["StateMachineArn"] == child.arn
    assert parent.definition["TimeoutSeconds"] == 300


def test_the_state_machines_are_bound_by_arn(app):
    for machine in app.state_machines.values():
        assert app.bindings.state_machine(machine.arn) is machine.machine
    assert app.state_machine(CHILD) is app.state_machines[CHILD].machine
    assert app.state_machine("greeting-parent") is app.state_machine(PARENT)  # the physical name also does


def test_asset_directories_hold_the_code_and_both_index_modules_stay_apart(app):
    greet, shout = app.functions["GreetFunction8A3F2B1C"], app.functions["ShoutFunction4E7D1A9B"]
    assert greet.code_dir.name.startswith("asset.5c2a4b31") and shout.code_dir.name.startswith("asset.9e8d7c6b")
    assert (greet.handler.module.WHO, shout.handler.module.WHO) == ("greet", "shout")
    assert greet.environment == {"GREETING": "Hello"}
    assert greet.runtime == "python3.12" and greet.timeout == 3  # Lambda's default


def test_another_region_is_deployed_there_and_runs_there():
    app = load_template(CDK_APP, region="eu-central-1", account="210987654321")
    parent = app.state_machines[PARENT]
    assert parent.arn == "arn:aws:states:eu-central-1:210987654321:stateMachine:greeting-parent"
    execution = app.execute(PARENT, {"name": "Bo"})
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.children[0].state_machine_arn.startswith("arn:aws:states:eu-central-1:210987654321:")


def test_the_bootstrap_parameter_in_ssm_is_not_needed_to_load(app):
    assert app.template["Parameters"]["BootstrapVersion"]["Type"] == "AWS::SSM::Parameter::Value<String>"
