"""Nested stacks (``AWS::CloudFormation::Stack``) deployed with their parent: the child template found by
a local path, parameters in, outputs out, conditions honoured, and the refusals that name the place.
(A real CDK NestedStack runs in test_cdk_synth_app.py.)"""

from __future__ import annotations

import pytest

from aslrun.templates import TemplateError, load_template

CHILD = """\
    AWSTemplateFormatVersion: "2010-09-09"
    Parameters:
      Greeting: {Type: String}
      Shout: {Type: String, Default: "false"}
    Conditions:
      Loud: !Equals [!Ref Shout, "true"]
    Resources:
      Greeter:
        Type: AWS::StepFunctions::StateMachine
        Properties:
          RoleArn: arn:aws:iam::123456789012:role/r
          Definition:
            StartAt: Say
            States:
              Say: {Type: Pass, Result: {said: !Ref Greeting}, End: true}
    Outputs:
      GreeterArn: {Value: !Ref Greeter}
      LoudOnly: {Condition: Loud, Value: loud}
      Broken: {Value: !GetAtt Greeter.NoSuchAttribute}
"""

PARENT = """\
    AWSTemplateFormatVersion: "2010-09-09"
    Resources:
      Child:
        Type: AWS::CloudFormation::Stack
        Properties:
          TemplateURL: nested/child.yaml
          Parameters: {Greeting: !Sub "hello from ${AWS::StackName}"}
      Caller:
        Type: AWS::StepFunctions::StateMachine
        Properties:
          RoleArn: arn:aws:iam::123456789012:role/r
          Definition:
            StartAt: Run
            States:
              Run:
                Type: Task
                Resource: arn:aws:states:::states:startExecution.sync:2
                Parameters: {StateMachineArn: !GetAtt Child.Outputs.GreeterArn}
                OutputPath: $.Output
                End: true
"""


def test_the_child_runs_with_the_parameters_the_parent_gives_and_its_output_reaches_the_parent(write):
    app = load_template(write("parent.yaml", PARENT, {"nested/child.yaml": CHILD}), stack_name="greetings")
    assert set(app.state_machines) == {"Caller", "Greeter"}
    execution = app.execute("Caller", {})
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output == {"said": "hello from greetings"}  # the parent's stack name, resolved there
    nested, = app.nested_stacks
    assert nested.app.stack_name.startswith("greetings-Child-")
    assert "LoudOnly" not in nested.outputs  # its condition is false


def test_an_output_that_cannot_be_resolved_is_an_error_only_where_the_parent_uses_it(write):
    broken = PARENT.replace("Child.Outputs.GreeterArn", "Child.Outputs.Broken")
    with pytest.raises(TemplateError, match=r"Resources\.Caller.*Child\.Outputs\.Broken.*NoSuchAttribute"):
        load_template(write("parent.yaml", broken, {"nested/child.yaml": CHILD}))
    missing = PARENT.replace("Child.Outputs.GreeterArn", "Child.Outputs.GreeterARN")
    with pytest.raises(TemplateError, match=r"has no output 'GreeterARN' \(did you mean 'GreeterArn'\?\)"):
        load_template(write("parent.yaml", missing, {"nested/child.yaml": CHILD}))


def test_a_missing_child_template_or_parameter_names_the_nested_stack(write):
    with pytest.raises(TemplateError, match=r"Resources\.Child\.Properties\.TemplateURL: the nested stack's "
                                            r"template is not here \(nested/other\.yaml"):
        load_template(write("parent.yaml", PARENT.replace("nested/child.yaml", "nested/other.yaml"),
                            {"nested/child.yaml": CHILD}))
    no_greeting = PARENT.replace('Parameters: {Greeting: !Sub "hello from ${AWS::StackName}"}', "Parameters: {}")
    with pytest.raises(TemplateError, match=r"Resources\.Child\.Properties\.TemplateURL \(child\.yaml\): .*Greeting"):
        load_template(write("parent.yaml", no_greeting, {"nested/child.yaml": CHILD}))


def test_a_child_resource_with_a_parent_resources_logical_id_is_refused(write):
    clash = PARENT.replace("      Caller:", "      Greeter:").replace("Caller", "Greeter")
    with pytest.raises(TemplateError, match="the state machine Greeter of the nested stack .* has the logical id"):
        load_template(write("parent.yaml", clash, {"nested/child.yaml": CHILD}))


QUEUED_CHILD = """\
    AWSTemplateFormatVersion: "2010-09-09"
    Resources:
      Work:
        Type: AWS::SQS::Queue
      Worker:
        Type: AWS::Lambda::Function
        Properties:
          Runtime: python3.12
          Handler: app.handler
          Role: arn:aws:iam::123456789012:role/r
          Code: worker
      FromWork:
        Type: AWS::Lambda::EventSourceMapping
        Properties: {EventSourceArn: !GetAtt Work.Arn, FunctionName: !Ref Worker}
"""


def test_a_nested_stacks_queue_and_function_are_the_apps_event_sources(write, aws):
    parent = "Resources:\n  Jobs:\n    Type: AWS::CloudFormation::Stack\n    Properties: {TemplateURL: child.yaml}\n"
    app = load_template(write("parent.yaml", parent, {
        "child.yaml": QUEUED_CHILD,
        "worker/app.py": "SEEN = []\n\ndef handler(event, context):\n    SEEN.extend(r['body'] for r in event['Records'])\n"}))
    with app.deploy(aws) as runtime:
        done = runtime.send_message("Work", "job-1")  # the child's logical id
    assert [(d.target, d.outcome) for d in done] == [("Worker", "succeeded")]
    assert app.functions["Worker"].handler.module.SEEN == ["job-1"]


def test_a_template_that_nests_itself_is_refused(write):
    loop = "Resources:\n  Again:\n    Type: AWS::CloudFormation::Stack\n    Properties: {TemplateURL: loop.yaml}\n"
    with pytest.raises(TemplateError, match=r"Resources\.Again\.Properties\.TemplateURL: loop\.yaml nests itself"):
        load_template(write("loop.yaml", loop))
