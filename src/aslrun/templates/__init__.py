"""Run what SAM, CloudFormation and CDK produce: a template's state machines, bound to its functions.

A layer above :class:`~aslrun.machine.StateMachine` (nothing below imports it). One call reads a
template and gives what aslrun needs to run its state machines as CloudFormation would deploy them:

    from aslrun.templates import load_template

    app = load_template("template.yaml")                 # SAM (YAML or JSON), CloudFormation, cdk.out/*.template.json
    machine = app.state_machine("BillingStateMachine")   # a StateMachine (None: the only one)
    execution = machine.execute(input, handlers=app.bindings)
    app.seed                                             # the template's tables, queues, topics, buckets (aslrun aws seed's shape)

Module map (one idea each):

    decode.py       reading the file: YAML with the short-form intrinsic tags (!Ref, !GetAtt, !Sub, ...)
                    and JSON, through cfn-lint's decoder; errors name the file, line and column
    transform.py    SAM: AWS::Serverless::* expanded by SAM's own translator (aws-sam-translator),
                    local DefinitionUri / CodeUri read as `sam build` would read them
    intrinsics.py   Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::If (conditions), Fn::Select, Fn::Split,
                    Fn::FindInMap, pseudo parameters: resolved as CloudFormation resolves them at
                    deploy time (physical names and ARNs of the template's resources)
    machines.py     AWS::StepFunctions::StateMachine: Definition, DefinitionString,
                    DefinitionS3Location (a local file), DefinitionSubstitutions
    functions.py    AWS::Lambda::Function (Python): code from CodeUri or a CDK asset directory, Handler,
                    Environment, Timeout; each function imported in isolation
    resources.py    DynamoDB tables, SQS queues, SNS topics, S3 buckets, EventBridge buses as a seed
                    document for the local AWS
    app.py          TemplateApp: what load_template returns

A problem in a template (an unknown logical id, a !GetAtt to nothing, a missing CodeUri, a
function no handler can serve) is a :class:`TemplateError` naming the resource and the place.
"""

from __future__ import annotations

from .app import TemplateApp, TemplateError, load_template, looks_like_template

__all__ = ["TemplateApp", "TemplateError", "load_template", "looks_like_template"]
