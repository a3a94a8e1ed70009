"""EventBridge rule targets and SNS subscriptions that moto does not deliver to, delivered by
whoever can: on ``aslrun serve`` a state machine target starts an execution, a function target
(or a topic's ``lambda`` subscription) is invoked asynchronously.

moto's EventBridge delivers what matches a rule to queues, log groups, archives and other buses;
for any other target (a state machine, a Lambda function) it raises ``NotImplementedError``, so a
``PutEvents`` that matches such a rule failed whole. A Terraform or CDK deployment routing events
to a state machine (``aws_cloudwatch_event_target`` with the machine's ARN) is common: the server
registers deliverers for ``states`` and ``lambda`` targets (:func:`deliver_to`), and a rule's
targets of those services are handed to them, with the input AWS gives a target (the event; ``Input``, a constant;
``InputPath``, a part of the event; ``InputTransformer``, moto's reading of it). The other targets
go to moto as before; a service nobody delivers to is skipped, and the rest of the rule delivered,
rather than failing the caller's ``PutEvents``.

SNS's ``lambda`` subscriptions are the same story: moto hands the notification to its own Lambda,
which holds no function, and the caller's ``Publish`` failed whole. A notification for a function
(after the subscription's filter policy, and ``MessageStructure: json`` read as moto reads it) is
handed to the ``lambda`` deliverer as the event Lambda gives a function subscribed to a topic
(:func:`~aslrun.localaws.lambda_events.sns_event`: one record with SNS's envelope); with none
registered it is skipped with a line on the error output, as a failed delivery never fails a Publish.
So are an S3 bucket's notifications to a function (``LambdaFunctionConfigurations``), which moto
handed to its own Lambda and dropped there: the ``lambda`` deliverer gets S3's event (``Records``
with the bucket and the object), and without one the skip is said.
"""

from __future__ import annotations

import copy
import json
import sys
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["apply", "deliver_to", "target_input"]

#: the services moto's EventBridge delivers to itself
_MOTO_DELIVERS = frozenset({"sqs", "logs", "events"})
_DELIVERERS: dict[str, Callable[[str, Any], None]] = {}
_LOCK = threading.Lock()
_APPLIED: list[bool] = []


def deliver_to(service: str, deliver: Callable[[str, Any], None] | None) -> None:
    """From now on, hand a rule's targets of ``service`` (``states``) to ``deliver(arn, input)``
    (None: stop)."""
    with _LOCK:
        if deliver is None:
            _DELIVERERS.pop(service, None)
        else:
            _DELIVERERS[service] = deliver


def target_input(target: dict[str, Any], event: dict[str, Any]) -> Any:
    """What a target receives for an event, as EventBridge computes it."""
    if target.get("Input") is not None:
        return json.loads(target["Input"])
    if target.get("InputPath"):
        from ..expr.jsonpath import compile_reference_path

        return compile_reference_path(target["InputPath"]).get(event)
    if target.get("InputTransformer"):
        from moto.events.utils import EventTemplateParser  # type: ignore[import-untyped]

        transformer = target["InputTransformer"]
        return EventTemplateParser.parse(input_template=transformer.get("InputTemplate"),
                                         input_paths_map=transformer.get("InputPathsMap", {}),
                                         event=event)  # type: ignore[arg-type]
    return event


def apply() -> None:
    """Route moto's rules' other targets here (once per process; idempotent)."""
    if _APPLIED:
        return
    from moto.events.models import Rule  # type: ignore[import-untyped]

    moto_delivers = Rule.send_to_targets

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        others = [t for t in self.targets if _service(t["Arn"]) not in _MOTO_DELIVERS]
        if not others or not self.event_pattern.matches_event(original_event):
            return moto_delivers(self, original_event, transform_input)  # type: ignore[no-any-return]
        for target in others:
            deliver = _DELIVERERS.get(_service(target["Arn"]))
            if deliver is None:
                print(f"aslrun: EventBridge rule {self.name}: its target {target['Arn']} is not delivered to (the "
                      "local AWS delivers to SQS queues, log groups, buses, and on aslrun serve to state machines "
                      "and functions)", file=sys.stderr, flush=True)
                continue
            try:
                deliver(target["Arn"], target_input(target, original_event))
            except Exception as exc:  # (a failed invocation: EventBridge counts it; the PutEvents stands)
                print(f"aslrun: EventBridge rule {self.name}: its target {target['Arn']} failed: "
                      f"{type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        rest = copy.copy(self)
        rest.targets = [t for t in self.targets if t not in others]
        return moto_delivers(rest, original_event, transform_input)  # type: ignore[no-any-return]

    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]
    _deliver_lambda_subscriptions()
    _deliver_bucket_notifications_to_functions()
    _APPLIED.append(True)


def _deliver_bucket_notifications_to_functions() -> None:
    from moto.s3 import notifications  # type: ignore[import-untyped]

    if not hasattr(notifications, "_invoke_awslambda"):  # (another moto: left as it is)
        return

    def invoke(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
        deliver = _DELIVERERS.get("lambda")
        if deliver is None:
            print(f"aslrun: an S3 notification for {fn_arn} is not delivered (the local AWS delivers S3 "
                  "notifications to queues and topics, and on aslrun serve to functions)", file=sys.stderr, flush=True)
            return
        try:
            deliver(fn_arn, event_body)
        except Exception as exc:  # (asynchronous on AWS: the object stands)
            print(f"aslrun: an S3 notification for {fn_arn} failed: {type(exc).__name__}: {exc}",
                  file=sys.stderr, flush=True)

    notifications._invoke_awslambda = invoke


def _deliver_lambda_subscriptions() -> None:
    from moto.sns.models import Subscription  # type: ignore[import-untyped]

    from .lambda_events import sns_event

    moto_publishes = Subscription.publish

    def publish(self: Any, message: str, message_id: str, subject: str | None = None,
                message_attributes: dict[str, Any] | None = None, *args: Any, **kwargs: Any) -> None:
        if self.protocol != "lambda":
            return moto_publishes(self, message, message_id, subject, message_attributes,  # type: ignore[no-any-return]
                                  *args, **kwargs)
        matcher = self._filter_policy_matcher
        if matcher is not None and not matcher.matches(message_attributes, message):
            return None
        structure = kwargs.get("message_structure", args[2] if len(args) > 2 else None)
        if structure == "json":
            message = self._parse_message_structure(message, self.protocol)
        deliver = _DELIVERERS.get("lambda")
        if deliver is None:
            print(f"aslrun: SNS topic {self.topic.arn}: its subscriber {self.endpoint} is not delivered to (the local "
                  "AWS delivers to SQS queues, and on aslrun serve to functions)", file=sys.stderr, flush=True)
            return None
        envelope = self.get_post_data(message, message_id, subject, message_attributes=message_attributes)
        try:
            deliver(self.endpoint, sns_event(envelope, subscription_arn=self.arn))
        except Exception as exc:  # (a failed delivery: SNS retries it and counts it; the Publish stands)
            print(f"aslrun: SNS topic {self.topic.arn}: its subscriber {self.endpoint} failed: "
                  f"{type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        return None

    Subscription.publish = publish  # type: ignore[method-assign]


def _service(arn: str) -> str:
    parts = str(arn).split(":")
    return parts[2] if len(parts) > 2 else ""
