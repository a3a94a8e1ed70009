"""The SAM fixture: a state machine from DefinitionUri with DefinitionSubstitutions, two Python functions
with an app.py each, Globals, and a DynamoDB table written through the local AWS."""

from __future__ import annotations

import os
import sys

import pytest

from aslrun.templates import load_template
from aslrun.templates.lambda_runtime import PythonFunction

from tests.helpers.templates import SAM_APP

READING = {"meterId": "M1", "period": "2024-05", "kwh": 12}


@pytest.fixture(scope="module")
def app():
    return load_template(SAM_APP)


def test_the_app_runs_end_to_end_against_the_local_aws(app, aws):
    aws.seed(app.seed)
    execution = app.state_machine().execute(READING, handlers=app.bindings)
    assert execution.status == "SUCCEEDED", execution.cause
    output = dict(execution.output)
    assert 0 < output.pop("remaining_ms") <= 10_000  # the price function's own Timeout: 10 s
    assert output == {"meterId": "M1", "period": "2024-05", "stage": "test", "cents": 300, "priced_by": "price",
                      "validated_by": "validate"}
    assert aws.table_items("bills-test") == [{"meterId": "M1", "period": "2024-05", "cents": 300, "stage": "test"}]


def test_the_definition_has_every_substitution_resolved(app):
    machine = app.state_machines["BillingStateMachine"]
    assert machine.name.startswith("BillingStateMachine-")
    assert machine.arn == f"arn:aws:states:us-east-1:123456789012:stateMachine:{machine.name}"
    validate = app.functions["ValidateFunction"]
    states = machine.definition["States"]
    assert machine.definition["Comment"] == "billing test in us-east-1"
    assert states["Validate"]["Resource"] == validate.arn
    assert states["Price"]["Parameters"]["FunctionName"] == "sam-app-price"
    assert states["Store"]["Parameters"]["TableName"] == "bills-test"
    assert machine.role_arn.startswith("arn:aws:iam::123456789012:role/sam-app-BillingStateMachineRole-")


def test_functions_get_names_globals_and_their_own_settings(app):
    validate, price = app.functions["ValidateFunction"], app.functions["PriceFunction"]
    assert app.stack_name == "sam-app"  # the project directory of a template.yaml
    assert validate.name.startswith("sam-app-ValidateFunction-")
    assert validate.arn == f"arn:aws:lambda:us-east-1:123456789012:function:{validate.name}"
    assert price.name == "sam-app-price"  # FunctionName: !Sub "${AWS::StackName}-price"
    assert validate.environment == {"STAGE": "test", "BILLS_TABLE": "bills-test"}
    assert price.environment == {"STAGE": "test", "BILLS_TABLE": "bills-test", "RATE_CENTS": "25"}
    assert (validate.timeout, price.timeout) == (5, 10)
    assert validate.runtime == "python3.11" and validate.handler_string == "app.handler"
    assert isinstance(validate.handler, PythonFunction)


def test_bindings_serve_every_form_of_the_function_names(app):
    validate = app.functions["ValidateFunction"]
    for reference in (validate.name, validate.arn, f"{validate.name}:live", f"123456789012:function:{validate.name}"):
        assert app.bindings.lambda_handler(reference) is validate.handler
    assert app.bindings.state_machine(app.state_machines["BillingStateMachine"].arn) is app.state_machine()


def test_the_two_app_modules_are_imported_apart(app):
    validate, price = app.functions["ValidateFunction"].handler, app.functions["PriceFunction"].handler
    validate.load(), price.load()
    assert (validate.module.WHO, price.module.WHO) == ("validate", "price")
    assert sys.modules[f"{validate.namespace}.app"] is validate.module
    assert sys.modules[f"{price.namespace}.rules"].cents_for(2, 3) == 6  # each has its own rules.py too
    assert not {"app", "rules"} & set(sys.modules)  # nothing left under the plain names
    assert str(validate.code_dir) not in sys.path


def test_the_environment_is_set_while_the_handler_runs_and_restored_after(app, aws, monkeypatch):
    monkeypatch.setenv("STAGE", "outer")
    monkeypatch.delenv("BILLS_TABLE", raising=False)
    aws.seed(app.seed)
    execution = app.state_machine().execute(READING, handlers=app.bindings)
    assert execution.status == "SUCCEEDED"
    assert execution.output["stage"] == "test"
    assert os.environ["STAGE"] == "outer" and "BILLS_TABLE" not in os.environ


def test_the_environment_is_set_while_the_module_is_imported(tmp_path):
    app = load_template(SAM_APP, stack_name="again")  # a fresh import of the same code
    handler = app.functions["ValidateFunction"].handler
    result = handler({"meterId": "M", "kwh": 1}, _context())
    assert result["stage_at_import"] == "test"


def test_parameters_change_what_is_deployed(aws):
    app = load_template(SAM_APP, parameters={"Stage": "prod"}, stack_name="billing")
    assert app.functions["PriceFunction"].name == "billing-price"
    assert app.functions["ValidateFunction"].environment["BILLS_TABLE"] == "bills-prod"
    assert list(app.seed["dynamodb"]) == ["bills-prod"]
    aws.seed(app.seed)
    execution = app.execute(input=READING)
    assert execution.status == "SUCCEEDED", execution.cause
    assert aws.table_items("bills-prod")[0]["stage"] == "prod"


def test_the_sam_transform_leaves_cloudformation(app):
    types = {resource["Type"] for resource in app.template["Resources"].values()}
    assert "AWS::StepFunctions::StateMachine" in types and "AWS::Lambda::Function" in types
    assert not any(kind.startswith("AWS::Serverless::") for kind in types)
    assert app.seed == {"dynamodb": {"bills-test": {"key": {"meterId": "S", "period": "S"}}}}


def test_the_template_sam_build_writes_runs_with_the_built_copies_of_the_code(aws):
    """``sam build`` (SAM CLI 1.170.0) wrote .aws-sam/build beside the fixture: a template whose CodeUri
    names the build directories and whose DefinitionUri climbs back to the source's statemachine/."""
    built_path = SAM_APP.parent / ".aws-sam" / "build" / "template.yaml"
    built = load_template(built_path)
    assert {f.code_dir for f in built.functions.values()} == \
        {(built_path.parent / name).resolve() for name in ("PriceFunction", "ValidateFunction")}
    aws.seed(built.seed)
    execution = built.execute(input=READING)
    assert execution.status == "SUCCEEDED", execution.cause
    output = dict(execution.output)
    assert 0 < output.pop("remaining_ms") <= 10_000
    assert output == {"meterId": "M1", "period": "2024-05", "stage": "test", "cents": 300, "priced_by": "price",
                      "validated_by": "validate"}


def _context():
    from aslrun.integrations.handler_call import LambdaContext

    return LambdaContext(function_name="f", invoked_function_arn="arn:aws:lambda:us-east-1:1:function:f",
                         aws_request_id="r-1", deadline=None)


def test_a_module_a_handler_imports_inside_its_body_is_found_in_its_code_directory(tmp_path):
    """On Lambda the code directory stays on sys.path: an import made only when the handler runs works."""
    code = tmp_path / "lazy"
    code.mkdir()
    (code / "app.py").write_text("def handler(event, context):\n    from helpers_lazy import double\n"
                                 "    return double(event['n'])\n")
    (code / "helpers_lazy.py").write_text("def double(n):\n    return 2 * n\n")
    template = tmp_path / "template.yaml"
    template.write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n"
        "  Lazy:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: lazy/, Handler: app.handler, Runtime: python3.12}\n"
        "  Machine:\n    Type: AWS::Serverless::StateMachine\n"
        "    Properties:\n      Definition:\n        StartAt: Call\n        States:\n"
        "          Call: {Type: Task, Resource: !GetAtt Lazy.Arn, End: true}\n")
    app = load_template(template)
    execution = app.state_machine().execute({"n": 21})
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output == 42
    assert "helpers_lazy" not in sys.modules  # kept under the function's own name, as its other modules
