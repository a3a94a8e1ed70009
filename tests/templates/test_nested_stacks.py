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
