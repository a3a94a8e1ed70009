"""Run what SAM, CloudFormation and CDK produce: a template's state machines, bound to its functions.

A layer above :class:`~aslrun.machine.StateMachine` (nothing below imports it). One call reads a
template and gives what aslrun needs to run its state machines as CloudFormation would deploy them:

    from aslrun.templates import load_template

    app = load_template("template.yaml")                 # SAM (YAML or JSON), CloudFormation, cdk.out/*.template.json
    machine = app.state_machine("BillingStateMachine")   # a StateMachine (None: the only one)
    execution = machine.execute(input, handlers=app.bindings)
    app.seed                                             # the template's tables, queues, topics, buckets (aslrun aws seed's shape)

Module map (one idea each):

    decode.py          reading the file: YAML (cfn_yaml.py), JSON (cdk synth's output) with the standard
                       library; errors name the file, line and column
    cfn_yaml.py        CloudFormation's YAML: the short-form intrinsic tags (!Ref, !GetAtt, !Sub, ...) written
                       out, a repeated key refused (as cfn-lint's decoder does, without importing cfn-lint)
    transform.py       SAM: AWS::Serverless::* expanded by SAM's own translator (aws-sam-translator),
                       offline; local DefinitionUri / CodeUri read as `sam build` would read them
    intrinsics.py      Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::If (conditions), Fn::Select, Fn::Split,
                       Fn::FindInMap, Fn::GetAZs, Fn::Base64, pseudo parameters: resolved as CloudFormation
                       resolves them at deploy time
    names.py           what each resource is called once deployed: physical names (given or generated),
                       what Ref and Fn::GetAtt return per resource type (ARNs, queue URLs, ...)
    machines.py        AWS::StepFunctions::StateMachine: Definition, DefinitionString,
                       DefinitionS3Location (a local file or a CDK asset), DefinitionSubstitutions
    functions.py       AWS::Lambda::Function: code from CodeUri, a CDK asset directory, a .zip or inline
                       code; Handler, Environment, Timeout
    lambda_runtime.py  a Python function as a handler: imported in isolation, its environment set while
                       it runs, its Timeout enforced, failures reported as Lambda reports them
    code_cache.py      functions sharing a code directory compile each file once
    resources.py       DynamoDB tables, SQS queues, SNS topics, S3 buckets, EventBridge buses as a seed
                       document for the local AWS
    errors.py          TemplateError; places written Resources.X.Properties.Y; "did you mean"
    app.py             TemplateApp: what load_template returns; the stack name chosen

The SAM translator (the ``templates`` extra) is imported only by this package, and only when a SAM
template is transformed. Importing ``aslrun.templates`` does not import it.

A problem in a template (an unknown logical id, a !GetAtt to nothing, a missing CodeUri, a
function no handler can serve) is a :class:`TemplateError` naming the resource and the place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .sniff import looks_like_template

if TYPE_CHECKING:
    from .app import TemplateApp, TemplateError, load_template

__all__ = ["TemplateApp", "TemplateError", "load_template", "looks_like_template"]


def __getattr__(name: str) -> Any:
    """The rest of the package (the app, its YAML reader...) is imported when first asked for:
    telling a definition from a template (:func:`looks_like_template`) needs none of it."""
    if name in ("TemplateApp", "TemplateError", "load_template"):
        from . import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
