"""What CloudFormation calls a template's resources once deployed: physical names, ARNs, URLs.

``Ref`` and ``Fn::GetAtt`` of a resource return values CloudFormation knows only after creating it.
They follow fixed rules per resource type, which this module writes down for the types a state
machine talks to (Lambda, Step Functions, DynamoDB, SQS, SNS, S3, EventBridge, IAM, CloudWatch
Logs, Kinesis, SSM, Secrets Manager, API Gateway):

* the **physical name** is the resource's name property (``FunctionName``, ``TableName``,
  ``QueueName``, ...) when the template sets it, else the name CloudFormation generates:
  ``<stack>-<LogicalId>-<SUFFIX>`` (the stack name and logical id shortened to fit the type's
  length limit; lower case for S3 buckets; ``.fifo`` kept at the end of FIFO queues and topics).
  State machines are the exception CloudFormation makes: ``<LogicalId>-<Suffix>``, no stack name.
  The suffix is random on AWS; here it is derived from the stack name and logical id, so the same
  template always gets the same names;
* ``Ref`` returns what the type's documentation says it returns: a name (Lambda function, table,
  bucket, event bus, IAM role, log group), an ARN (state machine, SNS topic, activity, managed
  policy, versions and aliases) or a URL (SQS queue);
* ``Fn::GetAtt`` knows each type's attributes (``Arn``, ``QueueUrl``, ``QueueName``,
  ``StreamArn``, ``TopicName``, ``Name``, ``DomainName``, ...); an attribute the type does not
  have, or any attribute of a type not listed here, is a :class:`TemplateError`.

Values that depend on properties (an IAM role's ``Path``, a rule's event bus, the function a
Lambda alias points at) read them through the evaluator given to :class:`ResourceNames`, so they
may themselves be intrinsics.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import TemplateError, did_you_mean, join

__all__ = ["STREAM_LABEL", "Deployment", "ResourceNames"]

#: the label of a template table's stream (the end of the ARN Fn::GetAtt StreamArn gives, and of the
#: local table's stream: resources.py makes it so)
STREAM_LABEL = "1970-01-01T00:00:00.000"

_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_MIXED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_LOWER = "abcdefghijklmnopqrstuvwxyz0123456789"
_HEX = "0123456789abcdef"


@dataclass(frozen=True)
class Deployment:
    """Where the stack is deployed: what the pseudo parameters and every ARN say."""

    region: str
    account: str
    stack_name: str

    @property
    def partition(self) -> str:
        for prefix, partition in (("cn-", "aws-cn"), ("us-gov-", "aws-us-gov"), ("us-isob-", "aws-iso-b"),
                                  ("us-iso-", "aws-iso")):
            if self.region.startswith(prefix):
                return partition
        return "aws"

    @property
    def url_suffix(self) -> str:
        return "amazonaws.com.cn" if self.region.startswith("cn-") else "amazonaws.com"

    @property
    def stack_id(self) -> str:
        stable = uuid.UUID(bytes=hashlib.sha256(f"{self.account}/{self.region}/{self.stack_name}".encode()).digest()[:16])
        return f"arn:{self.partition}:cloudformation:{self.region}:{self.account}:stack/{self.stack_name}/{stable}"

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        return (f"arn:{self.partition}:{service}:{self.region if region else ''}:"
                f"{self.account if account else ''}:{resource}")


class _Resource:
    """What a type's rules see of one resource: its names and (resolved on demand) its properties."""

    def __init__(self, names: ResourceNames, logical_id: str) -> None:
        self.names = names
        self.logical_id = logical_id
        self.deployment: Deployment = names.deployment

    @property
    def name(self) -> str:
        return self.names.physical_name(self.logical_id)

    @property
    def arn(self) -> str:
        return self.names.arn(self.logical_id)

    def prop(self, key: str, default: Any = None) -> Any:
        """The property ``key``, intrinsics resolved (``default`` when absent)."""
        properties = self.names.resources[self.logical_id].get("Properties") or {}
        if key not in properties:
            return default
        return self.names.resolve(properties[key], join(f"Resources.{self.logical_id}.Properties", key))

    def suffix(self, length: int, alphabet: str = _UPPER, salt: str = "") -> str:
        return _stable_suffix(f"{self.deployment.stack_name}/{self.logical_id}{salt}", length, alphabet)


@dataclass(frozen=True)
class _Kind:
    """The rules of one resource type."""

    name_property: str | None = None
    ref: str = "name"  # what Ref returns: "name", "arn", or an attribute's name
    limit: int = 64  # longest generated name
    stack_prefix: bool = True  # generated names start with the stack name
    alphabet: str = _UPPER
    arn: Callable[[_Resource], str] | None = None
    attributes: dict[str, Callable[[_Resource], Any]] = field(default_factory=dict)
    fifo_property: str | None = None  # a FIFO queue or topic: its generated name ends in .fifo


def _function_arn(r: _Resource) -> str:
    return r.deployment.arn("lambda", f"function:{r.name}")


def _function_of(r: _Resource) -> str:
    """The ARN of the function a Lambda version or alias belongs to (FunctionName: a name or an ARN)."""
    reference = str(r.prop("FunctionName", ""))
    if reference.startswith("arn:"):
        parts = reference.split(":")
        return ":".join(parts[:7])
    return r.deployment.arn("lambda", f"function:{reference}")


def _state_machine_of(version_arn: Any) -> str:
    """The state machine ARN inside a version ARN (``...:stateMachine:Name:3``)."""
    parts = str(version_arn).split(":")
    return ":".join(parts[:7])


def _alias_machine(r: _Resource) -> str:
    preference = r.prop("DeploymentPreference") or {}
    routing = r.prop("RoutingConfiguration") or [{}]
    version = preference.get("StateMachineVersionArn") or routing[0].get("StateMachineVersionArn", "")
    return _state_machine_of(version)


def _rule_arn(r: _Resource) -> str:
    bus = str(r.prop("EventBusName", "default")).rsplit("/", 1)[-1]
    path = f"rule/{r.name}" if bus == "default" else f"rule/{bus}/{r.name}"
    return r.deployment.arn("events", path)


def _rule_ref(r: _Resource) -> str:
    bus = str(r.prop("EventBusName", "default")).rsplit("/", 1)[-1]
    return r.name if bus == "default" else f"{bus}|{r.name}"


def _queue_url(r: _Resource) -> str:
    d = r.deployment
    return f"https://sqs.{d.region}.{d.url_suffix}/{d.account}/{r.name}"


def _role_arn(r: _Resource) -> str:
    return f"arn:{r.deployment.partition}:iam::{r.deployment.account}:role{r.prop('Path', '/')}{r.name}"


def _api_id(r: _Resource) -> str:
    return r.suffix(10, _LOWER)


_ARN = "arn"  # Ref returns the ARN

KINDS: dict[str, _Kind] = {
    "AWS::Lambda::Function": _Kind(
        "FunctionName", alphabet=_MIXED, arn=_function_arn, attributes={"Arn": _function_arn}),
    "AWS::Lambda::Version": _Kind(
        ref=_ARN, arn=lambda r: f"{_function_of(r)}:1",
        attributes={"Version": lambda r: "1", "FunctionArn": lambda r: f"{_function_of(r)}:1"}),
    "AWS::Lambda::Alias": _Kind(
        "Name", ref=_ARN, arn=lambda r: f"{_function_of(r)}:{r.name}",
        attributes={"AliasArn": lambda r: r.arn}),
    "AWS::Lambda::LayerVersion": _Kind(
        "LayerName", ref=_ARN, limit=140, arn=lambda r: r.deployment.arn("lambda", f"layer:{r.name}:1"),
        attributes={"LayerVersionArn": lambda r: r.arn}),
    "AWS::StepFunctions::StateMachine": _Kind(
        "StateMachineName", ref=_ARN, limit=80, stack_prefix=False, alphabet=_MIXED,
        arn=lambda r: r.deployment.arn("states", f"stateMachine:{r.name}"),
        attributes={"Arn": lambda r: r.arn, "Name": lambda r: r.name,
                    "StateMachineRevisionId": lambda r: str(uuid.UUID(r.suffix(32, _HEX, "/revision")))}),
    "AWS::StepFunctions::StateMachineVersion": _Kind(
        ref=_ARN, arn=lambda r: f"{_state_machine_of(r.prop('StateMachineArn', ''))}:1",
        attributes={"Arn": lambda r: r.arn}),
    "AWS::StepFunctions::StateMachineAlias": _Kind(
        "Name", ref=_ARN, arn=lambda r: f"{_alias_machine(r)}:{r.name}", attributes={"Arn": lambda r: r.arn}),
    "AWS::StepFunctions::Activity": _Kind(
        "Name", ref=_ARN, limit=80, arn=lambda r: r.deployment.arn("states", f"activity:{r.name}"),
        attributes={"Arn": lambda r: r.arn, "Name": lambda r: r.name}),
    "AWS::DynamoDB::Table": _Kind(
        "TableName", limit=255, arn=lambda r: r.deployment.arn("dynamodb", f"table/{r.name}"),
        attributes={"Arn": lambda r: r.arn, "StreamArn": lambda r: f"{r.arn}/stream/{STREAM_LABEL}"}),
    "AWS::DynamoDB::GlobalTable": _Kind(
        "TableName", limit=255, arn=lambda r: r.deployment.arn("dynamodb", f"table/{r.name}"),
        attributes={"Arn": lambda r: r.arn, "StreamArn": lambda r: f"{r.arn}/stream/1970-01-01T00:00:00.000",
                    "TableId": lambda r: str(uuid.UUID(r.suffix(32, _HEX)))}),
    "AWS::SQS::Queue": _Kind(
        "QueueName", ref="QueueUrl", limit=80, fifo_property="FifoQueue",
        arn=lambda r: r.deployment.arn("sqs", r.name),
        attributes={"Arn": lambda r: r.arn, "QueueName": lambda r: r.name, "QueueUrl": _queue_url}),
    "AWS::SNS::Topic": _Kind(
        "TopicName", ref=_ARN, limit=256, fifo_property="FifoTopic",
        arn=lambda r: r.deployment.arn("sns", r.name),
        attributes={"TopicArn": lambda r: r.arn, "TopicName": lambda r: r.name}),
    "AWS::S3::Bucket": _Kind(
        "BucketName", limit=63, alphabet=_LOWER, arn=lambda r: r.deployment.arn("s3", r.name, region=False,
                                                                                 account=False),
        attributes={
            "Arn": lambda r: r.arn,
            "DomainName": lambda r: f"{r.name}.s3.{r.deployment.url_suffix}",
            "RegionalDomainName": lambda r: f"{r.name}.s3.{r.deployment.region}.{r.deployment.url_suffix}",
            "DualStackDomainName": lambda r: f"{r.name}.s3.dualstack.{r.deployment.region}.{r.deployment.url_suffix}",
            "WebsiteURL": lambda r: f"http://{r.name}.s3-website-{r.deployment.region}.{r.deployment.url_suffix}",
        }),
    "AWS::Events::EventBus": _Kind(
        "Name", arn=lambda r: r.deployment.arn("events", f"event-bus/{r.name}"),
        attributes={"Arn": lambda r: r.arn, "Name": lambda r: r.name}),
    "AWS::Events::Rule": _Kind(
        "Name", ref="Ref", arn=_rule_arn, attributes={"Arn": _rule_arn, "Ref": _rule_ref}),
    "AWS::IAM::Role": _Kind(
        "RoleName", arn=_role_arn,
        attributes={"Arn": _role_arn, "RoleId": lambda r: "AROA" + r.suffix(17)}),
    "AWS::IAM::ManagedPolicy": _Kind(
        "ManagedPolicyName", ref=_ARN, limit=128,
        arn=lambda r: f"arn:{r.deployment.partition}:iam::{r.deployment.account}:policy{r.prop('Path', '/')}{r.name}",
        attributes={"PolicyArn": lambda r: r.arn}),
    "AWS::Logs::LogGroup": _Kind(
        "LogGroupName", limit=512, arn=lambda r: r.deployment.arn("logs", f"log-group:{r.name}:*"),
        attributes={"Arn": lambda r: r.arn}),
    "AWS::Kinesis::Stream": _Kind(
        "Name", limit=128, arn=lambda r: r.deployment.arn("kinesis", f"stream/{r.name}"),
        attributes={"Arn": lambda r: r.arn}),
    "AWS::SSM::Parameter": _Kind(
        "Name", limit=2048, attributes={"Type": lambda r: r.prop("Type", "String"), "Value": lambda r: r.prop("Value")}),
    "AWS::SecretsManager::Secret": _Kind(
        "Name", ref=_ARN, limit=256, stack_prefix=False,
        arn=lambda r: r.deployment.arn("secretsmanager", f"secret:{r.name}-{r.suffix(6, _MIXED, '/secret')}"),
        attributes={"Id": lambda r: r.arn}),
    "AWS::ApiGateway::RestApi": _Kind(
        ref="RestApiId", attributes={"RestApiId": _api_id, "RootResourceId": lambda r: r.suffix(10, _LOWER, "/root")}),
    "AWS::ApiGatewayV2::Api": _Kind(
        ref="ApiId", attributes={
            "ApiId": _api_id,
            "ApiEndpoint": lambda r: f"https://{_api_id(r)}.execute-api.{r.deployment.region}.{r.deployment.url_suffix}"}),
}


class ResourceNames:
    """Physical names, ``Ref`` values and ``Fn::GetAtt`` values of one template's resources.

    ``resolve(node, path)`` is the template's intrinsic-function evaluator: names set with
    intrinsics (``TableName: !Sub "${AWS::StackName}-orders"``) are resolved through it."""

    def __init__(self, resources: dict[str, Any], deployment: Deployment,
                 resolve: Callable[[Any, str], Any]) -> None:
        self.resources = resources
        self.deployment = deployment
        self.resolve = resolve
        self._names: dict[str, str] = {}
        self._naming: set[str] = set()
        #: a nested stack's outputs by its logical id, once it is loaded (see :mod:`.nested_stacks`)
        self.nested_outputs: dict[str, dict[str, Any]] = {}

    def kind(self, logical_id: str) -> _Kind | None:
        return KINDS.get(str(self.resources[logical_id].get("Type", "")))

    def type(self, logical_id: str) -> str:
        return str(self.resources[logical_id].get("Type", ""))

    def physical_name(self, logical_id: str) -> str:
        """The name property's (resolved) value, else the name CloudFormation would generate."""
        if logical_id not in self._names:
            if logical_id in self._naming:
                raise TemplateError(f"Resources.{logical_id}: its name refers back to itself")
            self._naming.add(logical_id)
            try:
                self._names[logical_id] = self._name(logical_id)
            finally:
                self._naming.discard(logical_id)
        return self._names[logical_id]

    def arn(self, logical_id: str) -> str:
        kind = self.kind(logical_id)
        if kind is None or kind.arn is None:
            raise TemplateError(f"Resources.{logical_id}: aslrun does not know the ARN of "
                                f"{self.type(logical_id)} resources")
        return kind.arn(_Resource(self, logical_id))

    def ref(self, logical_id: str) -> Any:
        """What ``{"Ref": logical_id}`` returns."""
        kind = self.kind(logical_id)
        if kind is None or kind.ref == "name":
            return self.physical_name(logical_id)
        if kind.ref == _ARN:
            return self.arn(logical_id)
        return kind.attributes[kind.ref](_Resource(self, logical_id))

    def attribute(self, logical_id: str, attribute: str, path: str) -> Any:
        """What ``{"Fn::GetAtt": [logical_id, attribute]}`` returns (a TemplateError for an unknown one)."""
        kind = self.kind(logical_id)
        type_name = self.type(logical_id)
        if type_name == "AWS::CloudFormation::Stack" and attribute.startswith("Outputs."):
            return self._nested_output(logical_id, attribute.removeprefix("Outputs."), path)
        if kind is None:
            raise TemplateError(f"{path}: Fn::GetAtt {logical_id}.{attribute}: aslrun does not know the attributes "
                                f"of {type_name} resources (it knows those of {', '.join(sorted(KINDS))})")
        getter = kind.attributes.get(attribute)
        if getter is None or attribute == "Ref":
            known = sorted(a for a in kind.attributes if a != "Ref")
            raise TemplateError(f"{path}: Fn::GetAtt to an attribute that does not exist: {logical_id} "
                                f"({type_name}) has no attribute '{attribute}'{did_you_mean(attribute, known)}; "
                                f"it has {', '.join(known) or 'none'}")
        return getter(_Resource(self, logical_id))

    def _nested_output(self, logical_id: str, name: str, path: str) -> Any:
        outputs = self.nested_outputs.get(logical_id)
        if outputs is None:
            raise TemplateError(f"{path}: Fn::GetAtt {logical_id}.Outputs.{name}: the nested stack is not loaded "
                                "yet (a nested stack's parameters can use only the outputs of those before it)")
        if name not in outputs:
            raise TemplateError(f"{path}: Fn::GetAtt {logical_id}.Outputs.{name}: the nested stack has no output "
                                f"'{name}'{did_you_mean(name, outputs)}; it has {', '.join(outputs) or 'none'}")
        value = outputs[name]
        if isinstance(value, TemplateError):
            raise TemplateError(f"{path}: Fn::GetAtt {logical_id}.Outputs.{name}: {value}")
        return value

    def _name(self, logical_id: str) -> str:
        kind = self.kind(logical_id) or _Kind()
        properties = self.resources[logical_id].get("Properties") or {}
        if kind.name_property and kind.name_property in properties:
            where = join(f"Resources.{logical_id}.Properties", kind.name_property)
            value = self.resolve(properties[kind.name_property], where)
            if not isinstance(value, (str, int)) or isinstance(value, bool):
                raise TemplateError(f"{where}: the name must be a string, not {type(value).__name__}")
            return str(value)
        fifo = bool(kind.fifo_property) and _true(self.resolve(
            properties.get(kind.fifo_property, False), join(f"Resources.{logical_id}.Properties",
                                                            str(kind.fifo_property))))
        return generated_name(self.deployment.stack_name, logical_id, limit=kind.limit, alphabet=kind.alphabet,
                              stack_prefix=kind.stack_prefix, ending=".fifo" if fifo else "")


def generated_name(stack: str, logical_id: str, *, limit: int = 64, alphabet: str = _UPPER,
                   stack_prefix: bool = True, ending: str = "") -> str:
    """``<stack>-<LogicalId>-<SUFFIX><ending>`` within ``limit`` characters (the stack name and logical
    id are shortened to fit, as CloudFormation shortens them)."""
    suffix = _stable_suffix(f"{stack}/{logical_id}", 12, alphabet)
    parts = [stack, logical_id] if stack_prefix else [logical_id]
    room = limit - len(suffix) - len(ending) - len(parts)  # the dashes
    if sum(len(p) for p in parts) > room:
        if stack_prefix:
            keep_id = min(len(logical_id), max(room // 2, room - len(stack)))
            parts = [stack[: room - keep_id], logical_id[:keep_id]]
        else:
            parts = [logical_id[:room]]
    name = "-".join([*parts, suffix]) + ending
    return name.lower() if alphabet is _LOWER else name


def _stable_suffix(seed: str, length: int, alphabet: str) -> str:
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big")
    out = []
    for _ in range(length):
        number, index = divmod(number, len(alphabet))
        out.append(alphabet[index])
    return "".join(out)


def _true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")
