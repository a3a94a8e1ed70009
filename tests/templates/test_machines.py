"""Where a state machine's definition comes from: Definition, DefinitionString, DefinitionS3Location (a local
file, JSON or YAML), SAM's inline Definition and DefinitionUri; then DefinitionSubstitutions."""

from __future__ import annotations

import json

import pytest

from aslrun.templates import TemplateError, load_template

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "${Value}", "End": True}}}


def cfn(machine_properties: dict) -> str:
    return json.dumps({"Resources": {
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "work"}},
        "Flow": {"Type": "AWS::StepFunctions::StateMachine",
                 "Properties": {"RoleArn": "arn:aws:iam::123456789012:role/r", **machine_properties}}}})


def result_of(path, **options):
    return load_template(path, **options).execute(input={}).output


def test_definition_s3_location_as_a_local_path(write):
    path = write("stack.json", cfn({"DefinitionS3Location": "flows/pass.asl.json",
                                    "DefinitionSubstitutions": {"Value": {"Ref": "Queue"}}}),
                 {"flows/pass.asl.json": json.dumps(PASS)})
    assert result_of(path) == "https://sqs.us-east-1.amazonaws.com/123456789012/work"


def test_definition_s3_location_as_bucket_and_key_of_a_local_file_in_yaml(write):
    path = write("stack.json", cfn({"DefinitionS3Location": {"Bucket": "artifacts", "Key": "flows/pass.asl.yaml"},
                                    "DefinitionSubstitutions": {"Value": 7}}),
                 {"flows/pass.asl.yaml": "StartAt: P\nStates:\n  P: {Type: Pass, Result: '${Value}', End: true}\n"})
    assert result_of(path) == "7"


def test_a_definition_only_in_s3_is_refused(write):
    path = write("stack.json", cfn({"DefinitionS3Location": {"Bucket": "artifacts", "Key": "missing.json"}}))
    with pytest.raises(TemplateError, match="Resources.Flow.Properties.DefinitionS3Location: the definition is in "
                                            "S3 \\(s3://artifacts/missing.json\\), which aslrun does not read"):
        load_template(path)


def test_intrinsics_in_a_definition_object_and_substitutions_of_every_kind(write):
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True, "Result": {
        "queue": {"Fn::GetAtt": ["Queue", "QueueName"]}, "flag": "${Flag}", "count": "${Count}"}}}}
    path = write("stack.json", cfn({"Definition": definition,
                                    "DefinitionSubstitutions": {"Flag": True, "Count": 2.5}}))
    assert result_of(path) == {"queue": "work", "flag": "true", "count": "2.5"}


def test_a_definition_string_built_with_sub(write):
    text = {"Fn::Sub": '{"StartAt":"P","States":{"P":{"Type":"Pass","Result":"${Queue.Arn}","End":true}}}'}
    path = write("stack.json", cfn({"DefinitionString": text}))
    assert result_of(path) == "arn:aws:sqs:us-east-1:123456789012:work"


def test_a_definition_string_that_is_not_json(write):
    path = write("stack.json", cfn({"DefinitionString": "{not json"}))
    with pytest.raises(TemplateError, match="Resources.Flow.Properties.DefinitionString: the definition is not "
                                            "valid JSON: Expecting property name"):
        load_template(path)


def test_two_definition_properties_are_refused(write):
    path = write("stack.json", cfn({"Definition": PASS, "DefinitionString": json.dumps(PASS)}))
    with pytest.raises(TemplateError, match="exactly one of Definition, DefinitionString and DefinitionS3Location, "
                                            "not Definition and DefinitionString"):
        load_template(path)


def test_a_substitution_value_that_is_an_object_is_refused(write):
    path = write("stack.json", cfn({"Definition": PASS, "DefinitionSubstitutions": {"Value": {"a": 1}}}))
    with pytest.raises(TemplateError, match="Resources.Flow.Properties.DefinitionSubstitutions.Value: a "
                                            "substitution's value must be a string"):
        load_template(path)


def test_sam_inline_definition_with_intrinsics(write):
    path = write("template.yaml", """\
        Transform: AWS::Serverless-2016-10-31
        Parameters:
          Greeting: {Type: String, Default: hello}
        Resources:
          Flow:
            Type: AWS::Serverless::StateMachine
            Properties:
              Name: greeter
              Type: EXPRESS
              Definition:
                StartAt: P
                States:
                  P:
                    Type: Pass
                    Result: {text: !Sub "${Greeting} from ${AWS::Region}", topic: !Ref Topic}
                    End: true
          Topic:
            Type: AWS::SNS::Topic
            Properties: {TopicName: news}
        """)
    app = load_template(path, region="eu-west-1")
    flow = app.state_machines["Flow"]
    assert (flow.name, flow.type) == ("greeter", "EXPRESS")
    assert app.execute(input={}).output == {"text": "hello from eu-west-1",
                                            "topic": "arn:aws:sns:eu-west-1:123456789012:news"}
    assert app.seed == {"sns": {"news": {}}}


def test_a_resource_that_is_not_a_mapping(write):
    with pytest.raises(TemplateError, match="Resources.Flow: a resource is a mapping with a Type"):
        load_template(write("stack.json", '{"Resources": {"Flow": "x"}}'))


def test_a_missing_cdk_asset_directory(write):
    path = write("Stack.template.json", json.dumps({"Resources": {"Fn": {
        "Type": "AWS::Lambda::Function",
        "Properties": {"Runtime": "python3.12", "Handler": "index.handler", "Role": "r",
                       "Code": {"S3Bucket": "cdk-assets", "S3Key": "abc.zip"}},
        "Metadata": {"aws:asset:path": "asset.abc", "aws:asset:property": "Code"}}}}))
    with pytest.raises(TemplateError, match="Resources.Fn.Metadata.aws:asset:path: no such directory: asset.abc"):
        load_template(path)


def test_a_machine_started_through_its_alias(write):
    path = write("template.yaml", """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Child:
            Type: AWS::Serverless::StateMachine
            Properties:
              AutoPublishAlias: live
              Definition:
                StartAt: P
                States:
                  P: {Type: Pass, Result: from the child, End: true}
          Parent:
            Type: AWS::Serverless::StateMachine
            Properties:
              Definition:
                StartAt: Run
                States:
                  Run:
                    Type: Task
                    Resource: arn:aws:states:::states:startExecution.sync:2
                    Parameters: {StateMachineArn: !Ref ChildAliaslive}
                    OutputPath: $.Output
                    End: true
        """)
    app = load_template(path)
    child = app.state_machines["Child"]
    alias = app.state_machines["Parent"].definition["States"]["Run"]["Parameters"]["StateMachineArn"]
    assert alias == f"{child.arn}:live"
    assert app.bindings.state_machine(alias) is child.machine
    assert app.execute("Parent", {}).output == "from the child"
