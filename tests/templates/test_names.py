"""Physical names CloudFormation generates, and Ref / GetAtt of the resource types a state machine talks to."""

from __future__ import annotations

import re

import pytest

from aslrun.templates.errors import TemplateError
from aslrun.templates.intrinsics import Intrinsics
from aslrun.templates.names import Deployment, generated_name


def names(resources: dict, stack: str = "shop") -> Intrinsics:
    return Intrinsics({"Resources": resources}, Deployment("us-east-1", "123456789012", stack))


def test_generated_names_are_stack_logical_id_suffix_and_stable():
    resources = {"Fn": {"Type": "AWS::Lambda::Function"}, "Table": {"Type": "AWS::DynamoDB::Table"}}
    first = names(resources)
    assert re.fullmatch(r"shop-Fn-[A-Za-z0-9]{12}", first.names.physical_name("Fn"))
    assert re.fullmatch(r"shop-Table-[A-Z0-9]{12}", first.names.physical_name("Table"))
    assert first.names.physical_name("Fn") == names(resources).names.physical_name("Fn")
    assert names(resources, "other").names.physical_name("Fn") != first.names.physical_name("Fn")


def test_state_machines_are_named_without_the_stack():
    machine = names({"Flow": {"Type": "AWS::StepFunctions::StateMachine"}})
    assert re.fullmatch(r"Flow-[A-Za-z0-9]{12}", machine.names.physical_name("Flow"))


def test_buckets_are_lower_case_and_fifo_queues_end_in_fifo():
    resources = {"Exports": {"Type": "AWS::S3::Bucket"},
                 "Jobs": {"Type": "AWS::SQS::Queue", "Properties": {"FifoQueue": True}},
                 "Events": {"Type": "AWS::SNS::Topic", "Properties": {"FifoTopic": "true"}}}
    template = names(resources, "Shop")
    assert re.fullmatch(r"shop-exports-[a-z0-9]{12}", template.names.physical_name("Exports"))
    assert template.names.physical_name("Jobs").endswith(".fifo")
    assert template.names.physical_name("Events").endswith(".fifo")


def test_long_names_are_shortened_to_the_type_limit():
    name = generated_name("a-very-long-stack-name-" * 4, "AndAnEvenLongerLogicalIdForThisFunction" * 2, limit=64)
    assert len(name) == 64
    assert name.startswith("a-very-long-stack") and "-AndAnEvenLonger" in name


def test_refs_of_versions_and_aliases():
    resources = {
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": "price"}},
        "FnVersion": {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": "Fn"}}},
        "FnAlias": {"Type": "AWS::Lambda::Alias", "Properties": {"FunctionName": {"Ref": "Fn"}, "Name": "live"}},
        "Flow": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {"StateMachineName": "flow"}},
        "FlowVersion": {"Type": "AWS::StepFunctions::StateMachineVersion",
                        "Properties": {"StateMachineArn": {"Ref": "Flow"}}},
        "FlowAlias": {"Type": "AWS::StepFunctions::StateMachineAlias",
                      "Properties": {"Name": "live", "RoutingConfiguration": [
                          {"StateMachineVersionArn": {"Ref": "FlowVersion"}, "Weight": 100}]}},
    }
    template = names(resources)

    def ref(logical_id: str) -> str:
        return template.resolve({"Ref": logical_id}, "p")

    assert ref("FnVersion") == "arn:aws:lambda:us-east-1:123456789012:function:price:1"
    assert ref("FnAlias") == "arn:aws:lambda:us-east-1:123456789012:function:price:live"
    assert ref("FlowVersion") == "arn:aws:states:us-east-1:123456789012:stateMachine:flow:1"
    assert ref("FlowAlias") == "arn:aws:states:us-east-1:123456789012:stateMachine:flow:live"


def test_rules_on_a_custom_bus():
    resources = {"Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}},
                 "Rule": {"Type": "AWS::Events::Rule", "Properties": {"Name": "r", "EventBusName": {"Ref": "Bus"}}}}
    template = names(resources)
    assert template.resolve({"Ref": "Rule"}, "p") == "orders|r"
    assert template.resolve({"Fn::GetAtt": ["Rule", "Arn"]}, "p") == "arn:aws:events:us-east-1:123456789012:rule/orders/r"


def test_a_type_aslrun_does_not_know():
    template = names({"Cluster": {"Type": "AWS::ECS::Cluster"}})
    assert template.resolve({"Ref": "Cluster"}, "p").startswith("shop-Cluster-")
    with pytest.raises(TemplateError, match="does not know the attributes of AWS::ECS::Cluster"):
        template.resolve({"Fn::GetAtt": ["Cluster", "Arn"]}, "p")


def test_a_name_that_refers_to_itself_is_refused():
    template = names({"T": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": {"Fn::GetAtt": ["T", "Arn"]}}}})
    with pytest.raises(TemplateError, match="Resources.T: its name refers back to itself"):
        template.resolve({"Ref": "T"}, "p")
