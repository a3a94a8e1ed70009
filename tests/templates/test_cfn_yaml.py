"""aslrun's CloudFormation YAML reader (cfn_yaml.py) against cfn-lint's decoder, which it replaced:
the same values for the project's templates and for every short form, the same refusals, the
same line and column for a syntax error."""

from __future__ import annotations

from pathlib import Path

import pytest

from aslrun.templates.cfn_yaml import CfnYamlError, load_cfn_yaml
from aslrun.templates.decode import plain


ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = [ROOT / "template.yaml", ROOT / "tests" / "fixtures" / "templates" / "sam_app" / "template.yaml"]

FORMS = {
    "every short form": """
        Conditions:
          IsProd: !Equals [!Ref Env, prod]
          NotProd: !Not [!Condition IsProd]
          Either: !Or [!Condition IsProd, !Equals ["a", !Select [0, !Split [",", "a,b"]]]]
          Both: !And [!Condition IsProd, !Condition NotProd]
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.handler
              Environment:
                Variables:
                  TABLE: !Ref Table
                  ARN: !GetAtt Table.Arn
                  STREAM: !GetAtt Table.StreamSpecification.StreamArn
                  LISTED: !GetAtt [Table, Arn]
                  SUB: !Sub "${AWS::Region}-${Table}"
                  SUB_LIST: !Sub ["${A}-x", {A: !Ref Env}]
                  JOINED: !Join ["", [a, !Ref Env, !ImportValue Shared]]
                  B64: !Base64 text
                  CIDR: !Cidr [!GetAtt Vpc.CidrBlock, 6, 5]
                  AZ: !Select [0, !GetAZs ""]
                  MAP: !FindInMap [Map, !Ref "AWS::Region", Key]
                  IF: !If [IsProd, !Ref AWS::NoValue, plain]
                  JSON: !ToJsonString {a: [1, 2]}
                  LENGTH: !Length [1, 2, 3]
                  TRANSFORM: !Transform {Name: AWS::Include, Parameters: {Location: s3://b/k}}
                  NUMBER_REF: !Ref 5
        """,
    "YAML 1.1 scalars": """
        Version: 2012-10-17
        When: 2024-05-01T10:00:00Z
        Yes: yes
        Off: off
        Octal: 0755
        Float: 1.5e3
        Nothing: ~
        Quoted: "2012-10-17"
        Folded: >-
          one
          two
        """,
    "anchors, aliases and merge keys": """
        Defaults: &defaults
          Runtime: python3.11
          Timeout: 3
        Fn:
          <<: *defaults
          Timeout: 30
        Again: *defaults
        List: [&x 1, *x]
        """,
    "flow and nested tags": """
        Outputs: {Arn: {Value: !GetAtt [Machine, Arn], Export: {Name: !Sub "${AWS::StackName}-arn"}}}
        Deep: !If [C, !If [D, !Ref A, !Ref B], !Join [",", [!Ref C, !GetAtt E.F]]]
        """,
    "an empty document": "",
    "comments only": "# nothing here\n",
}

REFUSED = {
    "a key given twice": "Resources:\n  A:\n    Type: x\n    Type: y\n",
    "a key given twice at the top": "Resources: {}\nOutputs: {}\nResources: {}\n",
    "a null key": "Resources:\n  ~: 1\n",
}

BROKEN = {
    "an unclosed flow sequence": "Resources:\n  Fn:\n    Type: [unclosed\n",
    "a bad indentation": "Resources:\n  A: 1\n   B: 2\n",
    "a tab": "Resources:\n\tA: 1\n",
}


def cfn_lint_values(text: str):
    """cfn-lint's reading (imported when a test asks, not at collection: it takes most of a second)."""
    cfnlint_decode = pytest.importorskip("cfnlint.decode", reason="cfn-lint (a test dependency) is the reference")
    template, matches = cfnlint_decode.decode_str(text)
    return plain(template), matches


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_projects_templates_read_as_cfn_lint_reads_them(path):
    text = path.read_text(encoding="utf-8")
    expected, matches = cfn_lint_values(text)
    assert not matches
    assert plain(load_cfn_yaml(text)) == expected


@pytest.mark.parametrize("name", FORMS)
def test_each_form_reads_as_cfn_lint_reads_it(name):
    import textwrap

    text = textwrap.dedent(FORMS[name])
    expected, matches = cfn_lint_values(text)
    assert not matches
    assert plain(load_cfn_yaml(text)) == expected


def test_the_short_forms_written_out():
    values = plain(load_cfn_yaml("A: !GetAtt T.S.Arn\nB: !Ref X\nC: !Condition Y\nD: !Sub [x, {}]\nE: !Ref 5\n"))
    assert values == {"A": {"Fn::GetAtt": ["T", "S.Arn"]}, "B": {"Ref": "X"}, "C": {"Condition": "Y"},
                      "D": {"Fn::Sub": ["x", {}]}, "E": {"Ref": "5"}}


@pytest.mark.parametrize("name", [*REFUSED, *BROKEN])
def test_what_cfn_lint_refuses_is_refused_at_the_same_place(name):
    """A repeated or null key, a syntax error: both refuse it, at the same line and column."""
    text = REFUSED.get(name) or BROKEN[name]
    _, matches = cfn_lint_values(text)
    with pytest.raises(CfnYamlError) as refused:
        load_cfn_yaml(text)
    assert matches and (refused.value.line, refused.value.column) == (matches[0].linenumber, matches[0].columnnumber)
    if "twice" in name:
        assert refused.value.message.startswith(matches[0].message.split(" (line")[0])  # "Duplicate found 'Type'"


def test_a_second_document_is_refused_where_it_starts():
    _, matches = cfn_lint_values("A: 1\n---\nB: 2\n")
    assert matches  # cfn-lint refuses it too, at 1:1 ("Template could not be parsed")
    with pytest.raises(CfnYamlError) as refused:
        load_cfn_yaml("A: 1\n---\nB: 2\n")
    assert (refused.value.line, refused.value.column, refused.value.message) == (2, 1, "but found another document")
