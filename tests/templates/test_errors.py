"""Templates that cannot run as they stand: each is a TemplateError naming the resource and the place, never a traceback."""

from __future__ import annotations

import pytest

from aslrun.templates import TemplateError, load_template

from tests.helpers.templates import CDK_APP

MACHINE_FILE = {"statemachine/flow.asl.json": '{"StartAt": "Call", "States": {"Call": {"Type": "Task", '
                                              '"Resource": "${FnArn}", "End": true}}}',
                "src/app.py": "def handler(event, context):\n    return event\n"}


def template(function: str = "", machine: str = "", substitutions: str = "FnArn: !GetAtt Fn.Arn") -> str:
    """A SAM template: BillingStateMachine (DefinitionUri) calling Fn (app.handler in src/)."""
    return f"""\
Transform: AWS::Serverless-2016-10-31
Resources:
  BillingStateMachine:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: {machine or "statemachine/flow.asl.json"}
      DefinitionSubstitutions:
        {substitutions}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      {function or "CodeUri: src"}
      Handler: app.handler
"""


def refused(path, **options) -> str:
    with pytest.raises(TemplateError) as raised:
        load_template(path, **options)
    return str(raised.value)


def test_the_good_template_loads(write):
    app = load_template(write("template.yaml", template(), MACHINE_FILE))
    assert app.execute(input={"x": 1}).output == {"x": 1}


def test_a_ref_to_an_unknown_logical_id(write):
    message = refused(write("template.yaml", template(substitutions="FnArn: !Ref Fnn"), MACHINE_FILE))
    assert message.startswith("Resources.BillingStateMachine.Properties.DefinitionSubstitutions.FnArn: Ref to 'Fnn'")
    assert "did you mean 'Fn'?" in message


def test_a_get_att_to_an_unknown_resource(write):
    message = refused(write("template.yaml", template(substitutions="Foo: !GetAtt Missing.Arn"), MACHINE_FILE))
    assert message.startswith("Resources.BillingStateMachine.Properties.DefinitionSubstitutions.Foo: "
                              "Fn::GetAtt to 'Missing', which is not a resource of the template")


def test_a_get_att_to_an_attribute_that_does_not_exist(write):
    message = refused(write("template.yaml", template(substitutions="FnArn: !GetAtt Fn.Arm"), MACHINE_FILE))
    assert "DefinitionSubstitutions.FnArn: Fn::GetAtt to an attribute that does not exist" in message
    assert "Fn (AWS::Lambda::Function) has no attribute 'Arm' (did you mean 'Arn'?)" in message


def test_a_placeholder_without_a_substitution(write):
    message = refused(write("template.yaml", template(substitutions="Other: x"), MACHINE_FILE))
    assert message.startswith("Resources.BillingStateMachine.Properties.DefinitionSubstitutions: ")
    assert "States.Call.Resource: no value for the substitution '${FnArn}'" in message


def test_a_missing_code_uri_directory(write):
    message = refused(write("template.yaml", template(function="CodeUri: functions/missing"), MACHINE_FILE))
    assert message.startswith("Resources.Fn.Properties.CodeUri: no such directory: functions/missing")


def test_a_missing_handler_module(write):
    files = {**MACHINE_FILE, "src/app.py": None, "src/other.py": ""}
    message = refused(write("template.yaml", template(), {k: v for k, v in files.items() if v is not None}))
    assert message.startswith("Resources.Fn.Properties.Handler: cannot load handler 'app.handler' from ")
    assert "Runtime.ImportModuleError: Unable to import module 'app': No module named 'app'" in message


def test_a_missing_handler_function(write):
    message = refused(write("template.yaml", template(), {**MACHINE_FILE, "src/app.py": "def other(e, c):\n    pass\n"}))
    assert message.startswith("Resources.Fn.Properties.Handler: ")
    assert "Runtime.HandlerNotFound: Handler 'handler' missing on module 'app'" in message


def test_a_runtime_aslrun_cannot_run_without_an_endpoint(write):
    text = template().replace("python3.12", "java21")
    message = refused(write("template.yaml", text, MACHINE_FILE))
    assert message.startswith("Resources.Fn: the function ")
    assert "runs on java21, which aslrun cannot run in-process, and state 'Call' of BillingStateMachine calls it" in \
        message
    assert "lambda_endpoint=" in message
    assert load_template(write("template.yaml", text, MACHINE_FILE), lambda_endpoint="http://127.0.0.1:3001")


def test_an_unreadable_definition_uri(write):
    message = refused(write("template.yaml", template(machine="statemachine/nope.asl.json"), MACHINE_FILE))
    assert message.startswith("Resources.BillingStateMachine.Properties.DefinitionUri: no such file: "
                              "statemachine/nope.asl.json")


def test_a_definition_file_that_is_not_json(write):
    files = {**MACHINE_FILE, "statemachine/flow.asl.json": '{"StartAt": "Call",, }'}
    message = refused(write("template.yaml", template(), files))
    assert message.startswith("Resources.BillingStateMachine.Properties.DefinitionS3Location: the definition file ")
    assert "is not valid JSON: Expecting property name enclosed in double quotes at line 1 column 20" in message


def test_a_definition_that_is_not_a_valid_state_machine(write):
    files = {**MACHINE_FILE, "statemachine/flow.asl.json": '{"StartAt": "Nowhere", "States": {"Call": '
                                                           '{"Type": "Task", "Resource": "${FnArn}", "End": true}}}'}
    message = refused(write("template.yaml", template(), files))
    assert message.startswith("Resources.BillingStateMachine: the state machine's definition is not valid:")
    assert "Nowhere" in message


def test_yaml_syntax_errors_give_the_line_and_column(write):
    path = write("template.yaml", "Resources:\n  Fn:\n    Type: [unclosed\n")
    message = refused(path)
    assert message.startswith(f"{path}:4:1: invalid YAML: ")


def test_a_key_given_twice(write):
    assert "Duplicate found 'Type'" in refused(write("t.yaml", "Resources:\n  A:\n    Type: x\n    Type: y\n"))
    assert "the key 'Type' is given twice" in refused(write("t.json", '{"Resources": {"A": {"Type": 1, "Type": 2}}}'))


def test_json_syntax_errors_give_the_line_and_column(write):
    path = write("t.json", '{\n  "Resources": {\n    "A": nope\n  }\n}\n')
    assert refused(path) == f"{path}:3:10: invalid JSON: Expecting value"


def test_a_state_machine_definition_is_not_a_template(write):
    path = write("flow.asl.json", MACHINE_FILE["statemachine/flow.asl.json"])
    assert refused(path) == f"{path}: this is a state machine definition, not a template (StateMachine.from_file " \
                            "runs it)"


def test_a_missing_file_and_a_file_without_resources(write, tmp_path):
    assert refused(tmp_path / "none.yaml") == f"{tmp_path / 'none.yaml'}: no such template file"
    assert "a template has a Resources section" in refused(write("t.yaml", "Description: nothing\n"))


def test_an_unknown_transform(write):
    message = refused(write("t.yaml", "Transform: AWS::Include\nResources:\n  B: {Type: AWS::S3::Bucket}\n"))
    assert message == "Transform: aslrun runs AWS::Serverless-2016-10-31 and AWS::LanguageExtensions templates, " \
                      "not 'AWS::Include'"


def test_the_sam_translator_s_own_refusals_name_the_resource(write):
    text = template().replace("DefinitionUri: statemachine/flow.asl.json", "Definition: {StartAt: A}\n"
                              "      DefinitionUri: statemachine/flow.asl.json")
    message = refused(write("template.yaml", text, MACHINE_FILE))
    assert "Resource with id [BillingStateMachine] is invalid" in message


def test_an_unknown_parameter(write):
    path = write("template.yaml", template(), MACHINE_FILE)
    assert "Parameters: the template declares no parameter 'Stage'" in refused(path, parameters={"Stage": "x"})


def test_choosing_among_several_state_machines():
    app = load_template(CDK_APP)
    with pytest.raises(TemplateError, match="defines 2 state machines: name one of ChildStateMachine6D2C5E8F, "
                                            "ParentStateMachine0E1F2A3B"):
        app.state_machine()
    with pytest.raises(TemplateError, match="no state machine 'ChildStateMachine' \\(did you mean "
                                            "'ChildStateMachine6D2C5E8F'\\?\\)"):
        app.state_machine("ChildStateMachine")
