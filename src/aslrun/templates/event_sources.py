"""What starts a template's functions and state machines besides a direct call: its event sources.

After SAM's transform every ``Events`` entry is a plain CloudFormation resource, so these are read
from the deployed template only:

    AWS::Lambda::EventSourceMapping   an SQS queue polled for a function (``BatchSize``,
                                      ``FunctionResponseTypes: [ReportBatchItemFailures]``,
                                      ``Enabled``): :class:`QueueTrigger`; a DynamoDB table's
                                      stream: :class:`StreamTrigger` (polled by ``aslrun serve``)
    AWS::SNS::Subscription            ``Protocol: lambda`` (also a topic's inline ``Subscription``
                                      list): a function invoked with each message published
                                      (``FilterPolicy``, ``FilterPolicyScope``): :class:`TopicTrigger`
    AWS::Events::Rule                 an ``EventPattern`` on a bus, or a ``ScheduleExpression``, whose
                                      ``Targets`` are state machines or functions (``Input``,
                                      ``InputPath``, ``InputTransformer``): :class:`RuleTrigger`
    AWS::Scheduler::Schedule          an EventBridge Scheduler schedule with one target: also a
                                      :class:`RuleTrigger` (a schedule, never a pattern)

Subscriptions of SQS queues to topics are not triggers: the local AWS delivers those itself (see
:mod:`.resources`). Targets that are neither a state machine nor a function of the template (a
queue, a topic, another bus) are kept with ``kind`` ``"other"``; :mod:`.event_delivery` says what
it does with each. A trigger naming a function or state machine the template does not define is a
:class:`TemplateError` naming the resource, as CloudFormation would refuse it at deploy time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .errors import TemplateError, join
from .intrinsics import Intrinsics, ResourceProperties

__all__ = ["EventSources", "QueueTrigger", "RuleTarget", "RuleTrigger", "StreamTrigger", "TopicTrigger",
           "read_event_sources"]


@dataclass(frozen=True)
class QueueTrigger:
    """An SQS queue whose messages Lambda's poller hands to a function in batches."""

    logical_id: str
    queue_name: str
    queue_arn: str
    function: str  # the function's logical id
    batch_size: int = 10
    report_batch_item_failures: bool = False
    enabled: bool = True


@dataclass(frozen=True)
class StreamTrigger:
    """A DynamoDB table's stream mapped to a function (``aslrun serve --template`` polls it; elsewhere
    it is not delivered)."""

    logical_id: str
    stream_arn: str
    function: str  # the function's logical id
    starting_position: str = "LATEST"
    request: dict[str, Any] = field(default_factory=dict)  # the mapping's other properties, as the API takes them


@dataclass(frozen=True)
class TopicTrigger:
    """A function subscribed to an SNS topic (invoked asynchronously with each message)."""

    logical_id: str
    topic_arn: str
    function: str  # the function's logical id
    filter_policy: dict[str, Any] | None = None
    filter_policy_scope: str = "MessageAttributes"

    @property
    def subscription_arn(self) -> str:
        return f"{self.topic_arn}:{self.logical_id}"


@dataclass(frozen=True)
class RuleTarget:
    """One target of a rule or schedule and how its input is made from the event."""

    id: str
    arn: str
    kind: str  # "state_machine", "function" or "other"
    logical_id: str | None = None  # the template's machine or function, when it is one
    input: str | None = None  # constant JSON text
    input_path: str | None = None
    input_transformer: dict[str, Any] | None = None


@dataclass(frozen=True)
class RuleTrigger:
    """An EventBridge rule (pattern or schedule) or an EventBridge Scheduler schedule."""

    logical_id: str
    name: str
    arn: str
    bus: str = "default"
    pattern: dict[str, Any] | None = None
    schedule: str | None = None  # "rate(1 day)", "cron(0 0 1 * ? *)"
    targets: tuple[RuleTarget, ...] = ()
    enabled: bool = True
    scheduler: bool = False  # AWS::Scheduler::Schedule (its events are the target's Input only)
    timezone: str = "UTC"  # a Scheduler schedule's ScheduleExpressionTimezone (a cron's or an at()'s local time)


@dataclass
class EventSources:
    """Every event source of one template."""

    queues: list[QueueTrigger] = field(default_factory=list)
    topics: list[TopicTrigger] = field(default_factory=list)
    rules: list[RuleTrigger] = field(default_factory=list)
    streams: list[StreamTrigger] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.queues or self.topics or self.rules or self.streams)

    def rule(self, reference: str) -> RuleTrigger:
        """A rule or schedule by logical id, name or ARN."""
        for rule in self.rules:
            if reference in (rule.logical_id, rule.name, rule.arn):
                return rule
        known = ", ".join(rule.logical_id for rule in self.rules) or "none"
        raise TemplateError(f"no rule or schedule '{reference}' in the template (it defines {known})")


def read_event_sources(intrinsics: Intrinsics, functions: dict[str, Any], machines: dict[str, Any]) -> EventSources:
    """The event sources of the deployed template; ``functions`` and ``machines`` are the template's
    (by logical id, with ``name`` and ``arn``)."""
    sources = EventSources()
    resolver = _Targets(intrinsics, functions, machines)
    for logical_id, resource in intrinsics.resources.items():
        if not isinstance(resource, dict) or not intrinsics.created(logical_id):
            continue
        kind = resource.get("Type")
        properties = ResourceProperties(intrinsics, logical_id, resource)
        if kind == "AWS::Lambda::EventSourceMapping":
            trigger = _queue_trigger(properties, resolver)
            if trigger is not None:
                sources.queues.append(trigger)
            stream = _stream_trigger(properties, resolver)
            if stream is not None:
                sources.streams.append(stream)
        elif kind == "AWS::SNS::Subscription" and properties.get("Protocol") == "lambda":
            sources.topics.append(_topic_trigger(logical_id, str(properties.get("TopicArn")),
                                                 properties.get("Endpoint"), properties, resolver))
        elif kind == "AWS::SNS::Topic":
            arn = intrinsics.names.arn(logical_id)
            for number, inline in enumerate(properties.get("Subscription") or []):
                if isinstance(inline, dict) and inline.get("Protocol") == "lambda":
                    sources.topics.append(_topic_trigger(f"{logical_id}.Subscription[{number}]", arn,
                                                         inline.get("Endpoint"), None, resolver))
        elif kind == "AWS::Events::Rule":
            sources.rules.append(_rule(logical_id, properties, intrinsics, resolver))
        elif kind == "AWS::Scheduler::Schedule":
            sources.rules.append(_schedule(logical_id, properties, intrinsics, resolver))
    return sources


class _Targets:
    """Which of the template's functions and state machines an ARN or name is."""

    def __init__(self, intrinsics: Intrinsics, functions: dict[str, Any], machines: dict[str, Any]) -> None:
        self.intrinsics = intrinsics
        self.functions = functions
        self.machines = machines

    def function(self, reference: Any, where: str) -> str:
        """The logical id of the function named by ``reference`` (name, ARN, qualified ARN)."""
        text = str(reference)
        for logical_id, function in self.functions.items():
            if text in (function.name, function.arn) or text.startswith(function.arn + ":"):
                return logical_id
        name = text.split(":function:", 1)[-1].split(":", 1)[0]
        for logical_id, function in self.functions.items():
            if name == function.name:
                return logical_id
        raise TemplateError(f"{where}: '{text}' is not a function of this template (it defines "
                            f"{', '.join(self.functions) or 'none'})")

    def target(self, entry: Any, where: str) -> RuleTarget:
        if not isinstance(entry, dict) or "Arn" not in entry:
            raise TemplateError(f"{where}: a target has an Arn")
        arn = str(entry["Arn"])
        kind, logical_id = "other", None
        for machine_id, machine in self.machines.items():
            if arn == machine.arn or arn.startswith(machine.arn + ":"):
                kind, logical_id = "state_machine", machine_id
        if kind == "other" and ":lambda:" in arn:
            kind, logical_id = "function", self.function(arn, join(where, "Arn"))
        transformer = entry.get("InputTransformer")
        if transformer is not None and not isinstance(transformer, dict):
            raise TemplateError(f"{join(where, 'InputTransformer')}: must be a mapping with InputTemplate")
        given = entry.get("Input")
        if given is not None and not isinstance(given, str):
            given = json.dumps(given)
        return RuleTarget(id=str(entry.get("Id", "")), arn=arn, kind=kind, logical_id=logical_id, input=given,
                          input_path=entry.get("InputPath"), input_transformer=transformer)


def _queue_trigger(mapping: ResourceProperties, resolver: _Targets) -> QueueTrigger | None:
    source = str(mapping.get("EventSourceArn") or "")
    if ":sqs:" not in source:
        return None  # Kinesis, DynamoDB streams, Kafka, MQ: not emulated (see the module docstring)
    batch_size = mapping.get("BatchSize", 10)
    try:
        batch_size = int(batch_size)
    except (TypeError, ValueError):
        raise TemplateError(f"{join(mapping.where, 'BatchSize')}: expected a number, got {batch_size!r}") from None
    if not 1 <= batch_size <= 10_000:
        raise TemplateError(f"{join(mapping.where, 'BatchSize')}: must be between 1 and 10000 for SQS, "
                            f"got {batch_size}")
    function = resolver.function(mapping.get("FunctionName"), join(mapping.where, "FunctionName"))
    response_types = mapping.get("FunctionResponseTypes") or []
    return QueueTrigger(logical_id=mapping.logical_id, queue_name=source.rsplit(":", 1)[-1], queue_arn=source,
                        function=function, batch_size=batch_size,
                        report_batch_item_failures="ReportBatchItemFailures" in response_types,
                        enabled=_true(mapping.get("Enabled", True)))


#: a stream mapping's properties passed on as CreateEventSourceMapping takes them
_STREAM_PROPERTIES = ("BatchSize", "MaximumBatchingWindowInSeconds", "MaximumRetryAttempts", "BisectBatchOnFunctionError",
                      "MaximumRecordAgeInSeconds", "ParallelizationFactor", "TumblingWindowInSeconds",
                      "FunctionResponseTypes", "FilterCriteria", "DestinationConfig", "Enabled")


def _stream_trigger(mapping: ResourceProperties, resolver: _Targets) -> StreamTrigger | None:
    source = str(mapping.get("EventSourceArn") or "")
    if ":dynamodb:" not in source or "/stream/" not in source:
        return None
    function = resolver.function(mapping.get("FunctionName"), join(mapping.where, "FunctionName"))
    request = {key: mapping.get(key) for key in _STREAM_PROPERTIES if mapping.get(key) is not None}
    return StreamTrigger(logical_id=mapping.logical_id, stream_arn=source, function=function,
                         starting_position=str(mapping.get("StartingPosition") or "LATEST"), request=request)


def _topic_trigger(logical_id: str, topic_arn: str, endpoint: Any, subscription: ResourceProperties | None,
                   resolver: _Targets) -> TopicTrigger:
    where = subscription.where if subscription is not None else f"Resources.{logical_id}"
    function = resolver.function(endpoint, join(where, "Endpoint"))
    policy = subscription.get("FilterPolicy") if subscription is not None else None
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError as exc:
            raise TemplateError(f"{join(where, 'FilterPolicy')}: not valid JSON: {exc}") from None
    if policy is not None and not isinstance(policy, dict):
        raise TemplateError(f"{join(where, 'FilterPolicy')}: must be a JSON object")
    scope = str(subscription.get("FilterPolicyScope", "MessageAttributes")) if subscription is not None \
        else "MessageAttributes"
    return TopicTrigger(logical_id=logical_id, topic_arn=topic_arn, function=function, filter_policy=policy,
                        filter_policy_scope=scope)


def _rule(logical_id: str, rule: ResourceProperties, intrinsics: Intrinsics, resolver: _Targets) -> RuleTrigger:
    pattern = rule.get("EventPattern")
    if isinstance(pattern, str):
        try:
            pattern = json.loads(pattern)
        except ValueError as exc:
            raise TemplateError(f"{join(rule.where, 'EventPattern')}: not valid JSON: {exc}") from None
    schedule = rule.get("ScheduleExpression")
    if pattern is None and schedule is None:
        raise TemplateError(f"{rule.where}: a rule has an EventPattern or a ScheduleExpression")
    targets = tuple(resolver.target(entry, join(join(rule.where, "Targets"), number))
                    for number, entry in enumerate(rule.get("Targets") or []))
    bus = str(rule.get("EventBusName", "default")).rsplit("/", 1)[-1]
    return RuleTrigger(logical_id=logical_id, name=intrinsics.names.physical_name(logical_id),
                       arn=intrinsics.names.arn(logical_id), bus=bus, pattern=pattern,
                       schedule=None if schedule is None else str(schedule), targets=targets,
                       enabled=str(rule.get("State", "ENABLED")).upper() == "ENABLED")


def _schedule(logical_id: str, schedule: ResourceProperties, intrinsics: Intrinsics, resolver: _Targets) -> RuleTrigger:
    target = schedule.get("Target")
    if not isinstance(target, dict):
        raise TemplateError(f"{schedule.where}.Target: a schedule has one Target with an Arn")
    name = str(schedule.get("Name") or intrinsics.names.physical_name(logical_id))
    group = str(schedule.get("GroupName", "default"))
    deployment = intrinsics.names.deployment
    resolved = resolver.target({**target, "Id": "Target"}, join(schedule.where, "Target"))
    if resolved.input is None:  # AWS sends its "default notification" (undocumented shape); aslrun sends {}
        resolved = RuleTarget(id=resolved.id, arn=resolved.arn, kind=resolved.kind, logical_id=resolved.logical_id,
                              input="{}")
    return RuleTrigger(logical_id=logical_id, name=name, arn=deployment.arn("scheduler", f"schedule/{group}/{name}"),
                       schedule=str(schedule.get("ScheduleExpression", "")), targets=(resolved,),
                       enabled=str(schedule.get("State", "ENABLED")).upper() == "ENABLED", scheduler=True,
                       timezone=str(schedule.get("ScheduleExpressionTimezone") or "UTC"))


def _true(value: Any) -> bool:
    return value is True or str(value).lower() == "true"
