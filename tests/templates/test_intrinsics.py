"""Each intrinsic function, evaluated as CloudFormation evaluates it at deploy time (one focused test or more each)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from aslrun.templates.errors import TemplateError
from aslrun.templates.intrinsics import NO_VALUE, Intrinsics
from aslrun.templates.names import Deployment

RESOURCES = {
    "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": "price"}},
    "Machine": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {"StateMachineName": "billing"}},
    "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": {"Fn::Sub": "${AWS::StackName}-bills"}}},
    "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "work"}},
    "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "notify"}},
    "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "exports"}},
    "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}},
    "Role": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "runner", "Path": "/service/"}},
    "ProdOnly": {"Type": "AWS::S3::Bucket", "Condition": "IsProd"},
}


def evaluator(parameters: dict[str, Any] | None = None, **sections: Any) -> Intrinsics:
    template = {"Parameters": {"Env": {"Type": "String", "Default": "dev"},
                               "Size": {"Type": "Number", "Default": "5"},
                               "Names": {"Type": "CommaDelimitedList", "Default": "a, b ,c"},
                               "Required": {"Type": "String"}},
                "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]}},
                "Mappings": {"Sizes": {"dev": {"Memory": 128, "Zones": ["x", "y"]}}},
                "Resources": RESOURCES, **sections}
    return Intrinsics(template, Deployment("eu-west-1", "111122223333", "shop"), parameters)


def resolve(node: Any, parameters: dict[str, Any] | None = None, **sections: Any) -> Any:
    return evaluator(parameters, **sections).resolve(node, "Resources.X.Properties.P")


def error(node: Any, parameters: dict[str, Any] | None = None, **sections: Any) -> str:
    with pytest.raises(TemplateError) as raised:
        resolve(node, parameters, **sections)
    return str(raised.value)


# -- Ref ------------------------------------------------------------------------------------------------

def test_ref_to_a_parameter_gives_its_default_or_the_value_given():
    assert resolve({"Ref": "Env"}) == "dev"
    assert resolve({"Ref": "Env"}, {"Env": "prod"}) == "prod"


def test_ref_to_parameters_follows_their_type():
    assert resolve({"Ref": "Size"}) == 5
    assert resolve({"Ref": "Size"}, {"Size": "2.5"}) == 2.5
    assert resolve({"Ref": "Names"}) == ["a", "b", "c"]


def test_ref_to_pseudo_parameters():
    assert resolve([{"Ref": "AWS::Region"}, {"Ref": "AWS::AccountId"}, {"Ref": "AWS::Partition"},
                    {"Ref": "AWS::StackName"}, {"Ref": "AWS::URLSuffix"}, {"Ref": "AWS::NotificationARNs"}]) == \
        ["eu-west-1", "111122223333", "aws", "shop", "amazonaws.com", []]
    stack_id = resolve({"Ref": "AWS::StackId"})
    assert stack_id.startswith("arn:aws:cloudformation:eu-west-1:111122223333:stack/shop/")
    assert stack_id == resolve({"Ref": "AWS::StackId"})  # the same every time


def test_partition_and_url_suffix_follow_the_region():
    china = Intrinsics({"Resources": {}}, Deployment("cn-north-1", "111122223333", "s"))
    assert china.resolve([{"Ref": "AWS::Partition"}, {"Ref": "AWS::URLSuffix"}], "p") == ["aws-cn", "amazonaws.com.cn"]


def test_ref_to_resources_returns_what_each_type_returns():
    assert resolve({"Ref": "Fn"}) == "price"  # Lambda: the function name
    assert resolve({"Ref": "Machine"}) == "arn:aws:states:eu-west-1:111122223333:stateMachine:billing"
    assert resolve({"Ref": "Table"}) == "shop-bills"  # its name, itself an intrinsic
    assert resolve({"Ref": "Queue"}) == "https://sqs.eu-west-1.amazonaws.com/111122223333/work"
    assert resolve({"Ref": "Topic"}) == "arn:aws:sns:eu-west-1:111122223333:notify"
    assert resolve({"Ref": "Bucket"}) == "exports"
    assert resolve({"Ref": "Bus"}) == "orders"
    assert resolve({"Ref": "Role"}) == "runner"


def test_aws_novalue_removes_the_key_or_item():
    assert resolve({"Ref": "AWS::NoValue"}) is NO_VALUE
    assert resolve({"a": 1, "b": {"Ref": "AWS::NoValue"}}) == {"a": 1}
    assert resolve([1, {"Ref": "AWS::NoValue"}, 2]) == [1, 2]


def test_ref_to_an_unknown_name_names_the_place_and_a_near_miss():
    message = error({"Ref": "Tabel"})
    assert message.startswith("Resources.X.Properties.P: Ref to 'Tabel'")
    assert "did you mean 'Table'?" in message


def test_ref_to_a_parameter_without_default_asks_for_its_value():
    assert "parameter 'Required', which has no Default" in error({"Ref": "Required"})
    assert resolve({"Ref": "Required"}, {"Required": "x"}) == "x"


def test_a_value_outside_allowed_values_is_refused():
    template = {"Parameters": {"Env": {"Type": "String", "AllowedValues": ["dev", "prod"]}}, "Resources": {}}
    with pytest.raises(TemplateError, match="'qa' is not one of its AllowedValues"):
        Intrinsics(template, Deployment("us-east-1", "1", "s"), {"Env": "qa"}).resolve({"Ref": "Env"}, "p")


def test_an_undeclared_parameter_given_is_refused():
    with pytest.raises(TemplateError, match="declares no parameter 'Evn' \\(did you mean 'Env'\\?\\)"):
        evaluator({"Evn": "prod"})


def test_an_ssm_parameter_must_be_given():
    template = {"Parameters": {"V": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/cdk/version"}},
                "Resources": {}}
    with pytest.raises(TemplateError, match="reads from SSM Parameter Store \\(/cdk/version\\)"):
        Intrinsics(template, Deployment("us-east-1", "1", "s")).resolve({"Ref": "V"}, "p")
    assert Intrinsics(template, Deployment("us-east-1", "1", "s"), {"V": "6"}).resolve({"Ref": "V"}, "p") == "6"


# -- Fn::GetAtt -----------------------------------------------------------------------------------------

def test_get_att_in_both_forms():
    assert resolve({"Fn::GetAtt": ["Fn", "Arn"]}) == "arn:aws:lambda:eu-west-1:111122223333:function:price"
    assert resolve({"Fn::GetAtt": "Fn.Arn"}) == resolve({"Fn::GetAtt": ["Fn", "Arn"]})


def test_get_att_of_each_kind_of_resource():
    assert resolve({"Fn::GetAtt": ["Queue", "QueueUrl"]}) == "https://sqs.eu-west-1.amazonaws.com/111122223333/work"
    assert resolve({"Fn::GetAtt": ["Queue", "QueueName"]}) == "work"
    assert resolve({"Fn::GetAtt": ["Queue", "Arn"]}) == "arn:aws:sqs:eu-west-1:111122223333:work"
    assert resolve({"Fn::GetAtt": ["Table", "Arn"]}) == "arn:aws:dynamodb:eu-west-1:111122223333:table/shop-bills"
    assert resolve({"Fn::GetAtt": ["Table", "StreamArn"]}).startswith(
        "arn:aws:dynamodb:eu-west-1:111122223333:table/shop-bills/stream/")
    assert resolve({"Fn::GetAtt": ["Machine", "Name"]}) == "billing"
    assert resolve({"Fn::GetAtt": ["Topic", "TopicName"]}) == "notify"
    assert resolve({"Fn::GetAtt": ["Bucket", "Arn"]}) == "arn:aws:s3:::exports"
    assert resolve({"Fn::GetAtt": ["Bucket", "RegionalDomainName"]}) == "exports.s3.eu-west-1.amazonaws.com"
    assert resolve({"Fn::GetAtt": ["Bus", "Arn"]}) == "arn:aws:events:eu-west-1:111122223333:event-bus/orders"
    assert resolve({"Fn::GetAtt": ["Role", "Arn"]}) == "arn:aws:iam::111122223333:role/service/runner"


def test_get_att_attribute_may_be_an_intrinsic():
    assert resolve({"Fn::GetAtt": ["Queue", {"Fn::Sub": "Queue${Env}"}]}, {"Env": "Url"}) == resolve({"Ref": "Queue"})


def test_get_att_to_an_attribute_that_does_not_exist():
    message = error({"Fn::GetAtt": ["Queue", "QueueArn"]})
    assert "Queue (AWS::SQS::Queue) has no attribute 'QueueArn'" in message
    assert "it has Arn, QueueName, QueueUrl" in message


def test_get_att_to_an_unknown_resource():
    message = error({"Fn::GetAtt": ["Missing", "Arn"]})
    assert message == "Resources.X.Properties.P: Fn::GetAtt to 'Missing', which is not a resource of the template"


def test_ref_and_get_att_to_a_resource_whose_condition_is_false():
    assert "Ref to 'ProdOnly', which is not created (its condition 'IsProd' is false)" in error({"Ref": "ProdOnly"})
    assert resolve({"Ref": "ProdOnly"}, {"Env": "prod"}).startswith("shop-prodonly-")


# -- Fn::Sub --------------------------------------------------------------------------------------------

def test_sub_with_parameters_pseudo_parameters_resources_and_attributes():
    text = "${AWS::Region}/${Env}/${Fn}/${Fn.Arn}/${Queue.QueueName}"
    assert resolve({"Fn::Sub": text}) == \
        "eu-west-1/dev/price/arn:aws:lambda:eu-west-1:111122223333:function:price/work"


def test_sub_keeps_literals_written_with_an_exclamation_mark():
    assert resolve({"Fn::Sub": "${!Literal} and ${Env} and $.jsonpath"}) == "${Literal} and dev and $.jsonpath"


def test_sub_with_a_variable_map_whose_values_are_intrinsics():
    node = {"Fn::Sub": ["${Name}-${Count}-${Env}", {"Name": {"Ref": "Fn"}, "Count": 3}]}
    assert resolve(node) == "price-3-dev"


def test_sub_of_an_unknown_variable_names_it():
    assert "Fn::Sub uses ${Nope}" in error({"Fn::Sub": "a-${Nope}"})


def test_sub_of_a_list_value_is_refused():
    assert "${Names} in Fn::Sub must be a string, not a list" in error({"Fn::Sub": "${Names}"})


# -- Fn::Join, Fn::Split, Fn::Select --------------------------------------------------------------------

def test_join_of_strings_and_intrinsics():
    assert resolve({"Fn::Join": [":", ["a", {"Ref": "Env"}, 5, True]]}) == "a:dev:5:true"
    assert resolve({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":states:::lambda:invoke"]]}) == \
        "arn:aws:states:::lambda:invoke"


def test_join_of_a_list_parameter_and_without_novalue_items():
    assert resolve({"Fn::Join": ["+", {"Ref": "Names"}]}) == "a+b+c"
    assert resolve({"Fn::Join": ["-", ["x", {"Ref": "AWS::NoValue"}, "y"]]}) == "x-y"


def test_split():
    assert resolve({"Fn::Split": ["/", {"Ref": "Queue"}]})[-1] == "work"
    assert resolve({"Fn::Split": [",", "a,,b"]}) == ["a", "", "b"]


def test_select_by_number_or_numeric_string():
    assert resolve({"Fn::Select": [1, ["a", "b"]]}) == "b"
    assert resolve({"Fn::Select": ["0", {"Fn::Split": ["-", "x-y"]}]}) == "x"


def test_select_outside_the_list_is_refused():
    assert "index 2 is outside the list of 2 value(s)" in error({"Fn::Select": [2, ["a", "b"]]})


# -- Fn::If and conditions ------------------------------------------------------------------------------

def test_if_chooses_by_the_condition():
    node = {"Fn::If": ["IsProd", "big", "small"]}
    assert resolve(node) == "small"
    assert resolve(node, {"Env": "prod"}) == "big"


def test_if_may_choose_novalue():
    assert resolve({"a": {"Fn::If": ["IsProd", 1, {"Ref": "AWS::NoValue"}]}}) == {}


def test_conditions_combine_with_and_or_not_and_condition():
    conditions = {
        "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
        "IsDev": {"Fn::Not": [{"Condition": "IsProd"}]},
        "BigDev": {"Fn::And": [{"Condition": "IsDev"}, {"Fn::Equals": [{"Ref": "Size"}, 5]}]},
        "Either": {"Fn::Or": [{"Condition": "IsProd"}, {"Condition": "BigDev"}]},
    }
    checks = {name: evaluator(Conditions=conditions).condition(name, "t") for name in conditions}
    assert checks == {"IsProd": False, "IsDev": True, "BigDev": True, "Either": True}


def test_equals_compares_numbers_and_strings_as_cloudformation_does():
    assert evaluator(Conditions={"C": {"Fn::Equals": ["5", {"Ref": "Size"}]}}).condition("C", "t") is True


def test_an_unknown_condition_and_a_condition_loop_are_refused():
    assert "the condition 'IsProdd' is not defined" in error({"Fn::If": ["IsProdd", 1, 2]})
    loop = {"A": {"Condition": "B"}, "B": {"Fn::Not": [{"Condition": "A"}]}}
    with pytest.raises(TemplateError, match="depends on itself"):
        evaluator(Conditions=loop).condition("A", "t")


# -- Fn::FindInMap, Fn::GetAZs, Fn::Base64 and the language extensions ---------------------------------

def test_find_in_map():
    assert resolve({"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Memory"]}) == 128
    assert resolve({"Fn::FindInMap": ["Sizes", "dev", "Zones"]}) == ["x", "y"]


def test_find_in_map_with_a_default_value():
    assert resolve({"Fn::FindInMap": ["Sizes", "prod", "Memory", {"DefaultValue": 256}]}) == 256


def test_find_in_map_of_a_missing_key_names_the_level():
    assert "Mappings.Sizes has no key 'prd'" in error({"Fn::FindInMap": ["Sizes", "prd", "Memory"]})


def test_get_azs_lists_zones_of_the_region():
    assert resolve({"Fn::GetAZs": ""}) == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert resolve({"Fn::GetAZs": {"Ref": "AWS::Region"}})[0] == "eu-west-1a"


def test_base64():
    assert base64.b64decode(resolve({"Fn::Base64": {"Fn::Sub": "#!/bin/sh ${Env}"}})).decode() == "#!/bin/sh dev"


def test_to_json_string_and_length():
    assert resolve({"Fn::ToJsonString": {"a": {"Ref": "Env"}, "b": [1]}}) == '{"a":"dev","b":[1]}'
    assert resolve({"Fn::Length": {"Ref": "Names"}}) == 3


def test_functions_that_cannot_be_evaluated_offline_say_why():
    assert "Fn::ImportValue cannot be evaluated: it reads an export of another stack" in \
        error({"Fn::ImportValue": "SharedVpc"})
    assert "Fn::Bogus cannot be evaluated" in error({"Fn::Bogus": 1})


def test_evaluation_is_lazy():
    template = {"Resources": {"A": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": {"Fn::ImportValue": "x"}}},
                              "B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "b"}}}}
    assert Intrinsics(template, Deployment("us-east-1", "1", "s")).resolve({"Ref": "B"}, "p") == "b"
