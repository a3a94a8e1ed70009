"""``aslrun serve --template``: what CloudFormation would do with a template, done to the server.

Each state machine of the template is created under its physical name (or, when the state
directory already holds one of that name, updated to the template's definition: editing the
template and restarting the server is the local deploy loop); its Python functions serve the
machines' Tasks; its tables, queues, topics and buckets are created in the local AWS.
"""

from __future__ import annotations

import json
from typing import Any

from .faults import ServiceError

__all__ = ["deploy_template"]


def deploy_template(service: Any, template: Any) -> list[str]:
    """Create or update the template's state machines in the service; their ARNs, in template order."""
    call = service.call(template.region)
    arns = []
    for machine in template.state_machines.values():
        definition = json.dumps(machine.definition, indent=2, ensure_ascii=False)
        request = {"name": machine.name, "definition": definition, "roleArn": machine.role_arn or _role(template),
                   "type": machine.type}
        try:
            answer = service.handle("CreateStateMachine", dict(request), call)
            arns.append(answer["stateMachineArn"])
        except ServiceError as refused:
            if refused.code != "StateMachineAlreadyExists":
                raise
            arn = machine.arn
            service.handle("UpdateStateMachine", {"stateMachineArn": arn, "definition": definition,
                                                  "roleArn": request["roleArn"]}, call)
            arns.append(arn)
    return arns


def _role(template: Any) -> str:
    return f"arn:aws:iam::{template.account}:role/{template.stack_name}-StateMachineRole"


def map_template_streams(service: Any, template: Any) -> list[str]:
    """The template's DynamoDB stream event source mappings made on the server (Lambda's API polls them:
    :mod:`aslrun.service.lambda_api.stream_reader`); one kept from an earlier start is left as it is.
    The UUIDs of those made now."""
    from ..errors import InputError
    from .lambda_api.errors import LambdaError

    made = []
    for trigger in template.event_sources.streams:
        members = {**trigger.request, "FunctionName": template.functions[trigger.function].arn,
                   "EventSourceArn": trigger.stream_arn, "StartingPosition": trigger.starting_position}
        try:
            answer = service.lambda_functions.mappings.create_event_source_mapping(members, template.region)
        except LambdaError as refused:
            if refused.code != "ResourceConflictException":
                raise InputError(f"Resources.{trigger.logical_id}: {refused.code}: {refused.message}") from None
            continue
        made.append(str(answer.body["UUID"]))  # type: ignore[index]
    return made
