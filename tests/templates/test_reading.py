"""Reading templates: short-form tags, JSON, telling templates from definitions, stack names, lazy imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from aslrun.templates import looks_like_template
from aslrun.templates.app import default_stack_name
from aslrun.templates.decode import decode_template

from tests.helpers.templates import CDK_APP, CFN_INTAKE, SAM_APP

SRC = Path(__file__).resolve().parents[2] / "src" / "aslrun"


def test_short_form_tags_become_their_long_forms(write):
    path = write("t.yaml", """\
        Resources:
          A:
            Type: AWS::S3::Bucket
            Properties:
              BucketName: !Sub "${AWS::StackName}-a"
              Tags:
                - {Key: arn, Value: !GetAtt B.Arn}
                - {Key: both, Value: !Join ["-", [!Ref X, !Select [0, !Split [",", "a,b"]]]]}
                - {Key: if, Value: !If [C, !Base64 x, !FindInMap [M, k, v]]}
              Version: 2012-10-17
        Conditions:
          C: !Not [!Equals [!Ref X, !Condition D]]
        """)
    template = decode_template(path)
    properties = template["Resources"]["A"]["Properties"]
    assert properties["BucketName"] == {"Fn::Sub": "${AWS::StackName}-a"}
    assert properties["Tags"][0]["Value"] == {"Fn::GetAtt": ["B", "Arn"]}
    assert properties["Tags"][1]["Value"] == {"Fn::Join": ["-", [{"Ref": "X"}, {"Fn::Select": [
        0, {"Fn::Split": [",", "a,b"]}]}]]}
    assert properties["Tags"][2]["Value"] == {"Fn::If": ["C", {"Fn::Base64": "x"}, {"Fn::FindInMap": ["M", "k", "v"]}]}
    assert properties["Version"] == "2012-10-17"  # a YAML date stays the text CloudFormation reads
    assert template["Conditions"]["C"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "X"}, {"Condition": "D"}]}]}
    assert type(properties["BucketName"]["Fn::Sub"]) is str  # plain values, not cfn-lint's nodes
    json.dumps(template)


def test_templates_and_definitions_are_told_apart(write):
    assert looks_like_template(SAM_APP) and looks_like_template(CDK_APP) and looks_like_template(CFN_INTAKE)
    assert not looks_like_template(SAM_APP.parent / "statemachine" / "billing.asl.json")
    assert looks_like_template(write("a.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources: {A: {Type: X}}\n"))
    assert not looks_like_template(write("b.yaml", "StartAt: A\nStates: {A: {Type: Pass, End: true}}\n"))
    assert not looks_like_template(write("c.yaml", "Resources: [\n"))
    assert not looks_like_template(write("d.json", '{"Resources": "none"}'))
    assert not looks_like_template(Path("/nonexistent/template.yaml"))


def test_stack_names(tmp_path):
    assert default_stack_name(SAM_APP) == "sam-app"  # template.yaml: its project directory
    assert default_stack_name(CDK_APP) == "greeting-pipeline"  # what the assembly's manifest records
    assert default_stack_name(CFN_INTAKE) == "intake"
    assert default_stack_name(tmp_path / "Billing.template.json") == "Billing"
    build = tmp_path / "my_project" / ".aws-sam" / "build"
    build.mkdir(parents=True)
    assert default_stack_name(build / "template.yaml") == "my-project"
    assert default_stack_name(tmp_path / "2024.yaml") == "stack-2024"


def test_importing_the_package_imports_neither_cfn_lint_nor_the_sam_translator():
    code = ("import sys, aslrun, aslrun.templates, aslrun.machine; "
            "print(sorted(m for m in ('cfnlint', 'samtranslator') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("template", [CFN_INTAKE, SAM_APP], ids=["JSON", "YAML (SAM)"])
def test_a_template_is_loaded_without_cfn_lint(template):
    code = ("import sys; from aslrun.templates import load_template; "
            f"load_template({str(template)!r}); print('cfnlint' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_aslrun_never_imports_cfn_lint():
    """cfn-lint is a test dependency only (the reference the YAML reader is tested against)."""
    users = [path for path in SRC.rglob("*.py") if "import cfnlint" in path.read_text(encoding="utf-8")
             or "from cfnlint" in path.read_text(encoding="utf-8")]
    assert users == []


@pytest.mark.parametrize("library", ["cfnlint", "samtranslator"])
def test_nothing_outside_the_templates_package_imports_the_template_libraries(library):
    def imports(path: Path) -> bool:
        text = path.read_text(encoding="utf-8")
        return f"import {library}" in text or f"from {library}" in text

    outside = [path for path in SRC.rglob("*.py") if "templates" not in path.relative_to(SRC).parts and imports(path)]
    assert outside == []
