"""A template's event sources, running against the local AWS: messages, notifications, events and
schedules reach the functions and state machines they are wired to.

:class:`EventRuntime` attaches a :class:`~aslrun.templates.app.TemplateApp` to a local AWS:

* it creates what carries events in the local AWS: for each function subscribed to a topic, a
  *relay queue* (``aslrun-relay-...``) subscribed to the topic with the subscription's filter
  policy, so the local AWS's own SNS delivers the notification (its envelope) there; for each rule
  with an event pattern, the rule itself on its bus with a relay queue as its target, so the local
  AWS's EventBridge matches events (``PutEvents`` from a handler, or a state machine's
  ``events:putEvents`` task) and puts each match there. Relay queues are ordinary queues: a state
  directory keeps what waits in them, so nothing is lost between runs;
* it answers the functions' Step Functions calls (:mod:`.step_functions_calls`);
* :meth:`EventRuntime.deliver` then runs everything that is waiting, in rounds, until nothing is:
  executions functions started; each relay queue's notifications (the function invoked with an SNS
  event) and events (each target given its input, :mod:`.event_input`); each SQS event source
  mapping's batches (:mod:`aslrun.localaws.lambda_events`). It returns a :class:`Delivery` per thing done.

How each source behaves, as Lambda and EventBridge do:

* **SQS mappings** receive up to ``BatchSize`` messages (10 per receive) and invoke the function
  synchronously. A batch that succeeds is deleted. With ``ReportBatchItemFailures`` only the messages
  the reply names stay (a malformed reply fails the whole batch); a function error keeps them all.
  A message kept goes back to the queue: at once when the queue has a redrive policy, so it is
  retried now and moves to the dead-letter queue after ``maxReceiveCount`` receives; otherwise it
  stays invisible for the queue's visibility timeout, as on AWS, and a later delivery retries it.
  A disabled mapping (``Enabled: false``) is not polled;
* **SNS to Lambda** and **EventBridge to Lambda** are asynchronous invocations: a function error is
  retried twice (Lambda's default ``MaximumRetryAttempts``), then the event is dropped and the
  delivery says so;
* **EventBridge to Step Functions**: ``StartExecution`` with the target's input; the execution runs
  to its end within the delivery. Targets that are queues, topics or buses get the input sent,
  published or put there;
* **schedules** (a rule's ``ScheduleExpression``, an ``AWS::Scheduler::Schedule``) fire when asked:
  :meth:`EventRuntime.fire`. Nothing fires by the clock.

Everything runs in the calling thread, one function or execution at a time, in a fixed order: two
deliveries of the same inputs do the same things.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ..integrations.handler_call import LambdaContext, LambdaFunctionError
from .errors import TemplateError, did_you_mean
from .event_input import event_entry, scheduled_event, target_input
from ..localaws.lambda_events import failed_items, sns_event, sqs_event
from .event_sources import QueueTrigger, RuleTarget, RuleTrigger, TopicTrigger
from .queue_batches import receive_batch, settle_batch
from .step_functions_calls import StepFunctionsCalls

if TYPE_CHECKING:
    from ..localaws import LocalAws
    from .app import TemplateApp

__all__ = ["Delivery", "EventRuntime", "EventsStillFlowing"]

ASYNC_RETRIES = 2  # Lambda's default MaximumRetryAttempts for an asynchronous invocation
MAX_DELIVERIES = 100_000  # one deliver() call: more means events that feed themselves


class EventsStillFlowing(TemplateError):
    """deliver() stopped: events kept coming (a function or rule feeding its own source?)."""


@dataclass
class Delivery:
    """One thing the runtime did: a function invoked or an execution run, and how it went."""

    source: str  # the trigger's logical id (mapping, subscription, rule, schedule) or "StartExecution"
    target: str  # the function's or state machine's logical id, or the ARN of another target
    #: "succeeded", "failed", "partial" (some items of a batch failed), "dropped", or "started" (an
    #: execution a host runs on its own: ``detail`` is its ARN)
    outcome: str
    detail: str = ""
    execution: Any = None  # the engine's Execution, for a state machine target

    def __str__(self) -> str:
        return f"{self.source} -> {self.target}: {self.outcome}" + (f" ({self.detail})" if self.detail else "")


@dataclass(frozen=True)
class _Relay:
    queue_name: str
    trigger: TopicTrigger | RuleTrigger


class EventRuntime:
    """A template's event sources attached to a local AWS (see the module docstring)."""

    def __init__(self, app: TemplateApp, aws: LocalAws, *, start: Callable[[str, Any], str] | None = None,
                 gate: Any = None, step_functions: Callable[[str, dict[str, Any]], Any] | None = None) -> None:
        """``start`` / ``gate`` / ``step_functions`` are for a host that runs executions itself (a server):
        ``start(logical_id, input)`` starts one of the template's state machines and returns the
        execution's ARN at once (the delivery says "started"); ``gate`` (a semaphore) is held around
        each function invocation; ``step_functions(operation, request)`` answers the functions' Step
        Functions calls instead of :class:`StepFunctionsCalls`. By default executions run here, to
        their end, one at a time."""
        self.app = app
        self.aws = aws
        self.sources = app.event_sources
        self.calls = StepFunctionsCalls(app)
        self._start = start
        self._gate = gate if gate is not None else contextlib.nullcontext()
        self._answer = step_functions if step_functions is not None else self.calls
        self.relays: list[_Relay] = []
        self.deliveries: list[Delivery] = []  # every delivery since attached
        self._urls: dict[str, str] = {}
        self._stop_answering: Any = None

    # -- attaching ---------------------------------------------------------------------------------------

    def attach(self) -> EventRuntime:
        """Create the relays in the local AWS (again: harmless) and answer the functions' Step Functions calls."""
        from ..localaws.answered_calls import answer_calls

        self.relays = [*(self._relay_topic(t) for t in self.sources.topics),
                       *(self._relay_rule(r) for r in self.sources.rules if r.pattern is not None and r.enabled)]
        if self._stop_answering is None:
            self._stop_answering = answer_calls("sfn", self._answer)
        return self

    def detach(self) -> None:
        if self._stop_answering is not None:
            self._stop_answering()
            self._stop_answering = None

    def __enter__(self) -> EventRuntime:
        return self if self._stop_answering is not None else self.attach()

    def __exit__(self, *_: Any) -> None:
        self.detach()

    def _relay_topic(self, trigger: TopicTrigger) -> _Relay:
        fifo = trigger.topic_arn.endswith(".fifo")
        name = _relay_name("sns", trigger.topic_arn, trigger.logical_id, fifo)
        arn = self._create_queue(name, fifo)
        sns = self.aws.client("sns")
        topic_name = trigger.topic_arn.rsplit(":", 1)[-1]
        attributes = {"FifoTopic": "true"} if fifo else {}
        sns.create_topic(Name=topic_name, Attributes=attributes)  # exists already when the template declares it
        subscription: dict[str, str] = {}
        if trigger.filter_policy is not None:
            subscription["FilterPolicy"] = json.dumps(trigger.filter_policy)
            subscription["FilterPolicyScope"] = trigger.filter_policy_scope
        sns.subscribe(TopicArn=self._local_topic_arn(topic_name), Protocol="sqs", Endpoint=arn,
                      Attributes=subscription)
        return _Relay(name, trigger)

    def _relay_rule(self, rule: RuleTrigger) -> _Relay:
        name = _relay_name("events", rule.arn, rule.logical_id, False)
        arn = self._create_queue(name, False)
        events = self.aws.client("events")
        if rule.bus != "default":
            try:
                events.create_event_bus(Name=rule.bus)
            except events.exceptions.ResourceAlreadyExistsException:
                pass
        events.put_rule(Name=rule.name, EventPattern=json.dumps(rule.pattern), EventBusName=rule.bus, State="ENABLED")
        events.put_targets(Rule=rule.name, EventBusName=rule.bus, Targets=[{"Id": "aslrun-relay", "Arn": arn}])
        return _Relay(name, rule)

    def _create_queue(self, name: str, fifo: bool) -> str:
        sqs = self.aws.client("sqs")
        attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "true"} if fifo else {}
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        self._urls[name] = url
        return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])

    def _local_topic_arn(self, topic_name: str) -> str:
        return f"arn:aws:sns:{self.aws.region}:{self.aws.account}:{topic_name}"

    # -- acting: what a user (or a test) does to start things ------------------------------------------

    def publish(self, topic: str, message: Any, *, subject: str | None = None,
                attributes: dict[str, str] | None = None) -> list[Delivery]:
        """Publish to a topic (logical id, name or ARN) and deliver what follows."""
        request: dict[str, Any] = {"TopicArn": self._topic_arn(topic), "Message": _text(message)}
        if subject is not None:
            request["Subject"] = subject
        if attributes:
            request["MessageAttributes"] = {k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()}
        if request["TopicArn"].endswith(".fifo"):
            request["MessageGroupId"] = "aslrun"
        self.aws.client("sns").publish(**request)
        return self.deliver()

    def send_message(self, queue: str, body: Any) -> list[Delivery]:
        """Send a message to a queue (logical id, name or URL) and deliver what follows."""
        sqs = self.aws.client("sqs")
        url = self._queue_url(self._queue_name(queue))
        request: dict[str, Any] = {"QueueUrl": url, "MessageBody": _text(body)}
        if url.endswith(".fifo"):
            request.update(MessageGroupId="aslrun", MessageDeduplicationId=str(uuid.uuid4()))
        sqs.send_message(**request)
        return self.deliver()

    def put_event(self, source: str, detail_type: str, detail: Any, *, bus: str = "default") -> list[Delivery]:
        """Put one event on a bus and deliver what follows."""
        reply = self.aws.client("events").put_events(Entries=[event_entry(source, detail_type, detail, bus=bus)])
        if reply.get("FailedEntryCount"):
            entry = reply["Entries"][0]
            raise TemplateError(f"PutEvents refused the event: {entry.get('ErrorCode')}: {entry.get('ErrorMessage')}")
        return self.deliver()

    def fire(self, schedule: str, *, at: datetime | None = None) -> list[Delivery]:
        """Fire a scheduled rule or a schedule (logical id, name or ARN) once, and deliver what follows."""
        rule = self.sources.rule(schedule)
        if rule.schedule is None:
            raise TemplateError(f"Resources.{rule.logical_id}: the rule has an event pattern, not a schedule: "
                                "put an event that matches it instead")
        event = scheduled_event(rule, region=self.app.region, account=self.app.account, at=at)
        done = self._to_targets(rule, event)
        self.deliveries.extend(done)
        return done + self.deliver()

    def execute(self, logical_id: str | None = None, input: Any = None, **options: Any) -> Any:
        """Run a state machine of the template, then deliver what it set off; returns its Execution."""
        execution = self.app.execute(logical_id, input, **options)
        self.deliver()
        return execution

    # -- delivering -------------------------------------------------------------------------------------

    def deliver(self, *, limit: int = MAX_DELIVERIES) -> list[Delivery]:
        """Run whatever waits (see the module docstring) until nothing does; what was done, in order.
        More than ``limit`` deliveries raise :class:`EventsStillFlowing` (events feeding themselves)."""
        done: list[Delivery] = []
        while True:
            before = len(done)
            self._run_started_executions(done)
            for relay in self.relays:
                self._drain_relay(relay, done)
            for mapping in self.sources.queues:
                if mapping.enabled:
                    self._poll(mapping, done)
            if len(done) == before:
                self.deliveries.extend(done)
                return done
            if len(done) > limit:
                self.deliveries.extend(done)
                raise EventsStillFlowing(f"events still flowing after {len(done):,} deliveries (last: {done[-1]}): "
                                         "does a function or rule feed its own event source?")

    def _run_started_executions(self, done: list[Delivery]) -> None:
        for started in self.calls.take_queued():
            execution = self.app.execute(started.logical_id, started.input, name=started.name)
            started.execution, started.stop_date = execution, time.time()
            done.append(_execution_delivery("StartExecution", started.logical_id, execution))

    def _drain_relay(self, relay: _Relay, done: list[Delivery]) -> None:
        sqs = self.aws.client("sqs")
        url = self._urls[relay.queue_name]
        while True:
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                return
            for message in messages:
                try:
                    envelope = json.loads(message["Body"])
                except ValueError:
                    envelope = None
                if isinstance(relay.trigger, TopicTrigger):
                    if isinstance(envelope, dict):
                        done.append(self._notify(relay.trigger, envelope))
                elif isinstance(envelope, dict):
                    done.extend(self._to_targets(relay.trigger, self._aws_event(envelope)))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def _aws_event(self, relayed: dict[str, Any]) -> dict[str, Any]:
        """The event as EventBridge sends it (the local AWS's relay leaves out ``account`` and gives
        ``time`` as a number): its fields in AWS's order, ``time`` in ISO 8601."""
        moment = relayed.get("time")
        if isinstance(moment, (int, float)):
            moment = datetime.fromtimestamp(moment, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {"version": relayed.get("version", "0"), "id": relayed.get("id"),
                "detail-type": relayed.get("detail-type"), "source": relayed.get("source"),
                "account": relayed.get("account") or self.app.account, "time": moment,
                "region": relayed.get("region") or self.app.region, "resources": relayed.get("resources") or [],
                "detail": relayed.get("detail", {})}

    def _notify(self, trigger: TopicTrigger, envelope: dict[str, Any]) -> Delivery:
        event = sns_event(envelope, subscription_arn=f"{trigger.topic_arn}:{uuid.uuid5(uuid.NAMESPACE_URL, trigger.logical_id)}")
        return self._invoke_async(trigger.logical_id, trigger.function, event)

    def _to_targets(self, rule: RuleTrigger, event: dict[str, Any]) -> list[Delivery]:
        done = []
        for target in rule.targets:
            try:
                value = target_input(target, event, rule)
            except TemplateError as exc:
                done.append(Delivery(rule.logical_id, target.logical_id or target.arn, "dropped", str(exc)))
                continue
            try:
                done.append(self._to_target(rule, target, value))
            except Exception as exc:  # the target refused it (a queue gone, a machine deleted): as EventBridge
                done.append(Delivery(rule.logical_id, target.logical_id or target.arn, "dropped",  # drops it
                                     f"{type(exc).__name__}: {exc}"))
        return done

    def _to_target(self, rule: RuleTrigger, target: RuleTarget, value: Any) -> Delivery:
        if target.kind == "state_machine":
            assert target.logical_id is not None
            if self._start is not None:
                arn = self._start(target.logical_id, value)
                return Delivery(rule.logical_id, target.logical_id, "started", arn)
            execution = self.app.execute(target.logical_id, value, name=str(uuid.uuid4()))
            return _execution_delivery(rule.logical_id, target.logical_id, execution)
        if target.kind == "function":
            assert target.logical_id is not None
            return self._invoke_async(rule.logical_id, target.logical_id, value)
        service = target.arn.split(":")[2] if target.arn.count(":") >= 5 else ""
        text = _text(value)
        if service == "sqs":
            sqs = self.aws.client("sqs")
            url = sqs.get_queue_url(QueueName=target.arn.rsplit(":", 1)[-1])["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody=text)
        elif service == "sns":
            self.aws.client("sns").publish(TopicArn=target.arn, Message=text)
        elif service == "events" and ":event-bus/" in target.arn and isinstance(value, dict):
            self.aws.client("events").put_events(Entries=[event_entry(
                str(value.get("source", "")), str(value.get("detail-type", "")), value.get("detail", {}),
                bus=target.arn.rsplit("/", 1)[-1])])
        else:
            return Delivery(rule.logical_id, target.arn, "dropped", "aslrun delivers to state machines, functions, "
                            "queues, topics and event buses only")
        return Delivery(rule.logical_id, target.arn, "succeeded")

    def _poll(self, mapping: QueueTrigger, done: list[Delivery]) -> None:
        """One batch from the mapping's queue, if it has one, handed to its function."""
        sqs = self.aws.client("sqs")
        url = self._queue_url(mapping.queue_name)
        messages = receive_batch(sqs, url, mapping.batch_size)
        if not messages:
            return
        event = sqs_event(messages, queue_arn=mapping.queue_arn, region=self.app.region)
        ids = [m["MessageId"] for m in messages]
        try:
            reply = self._invoke(mapping.function, event)
        except LambdaFunctionError as error:
            failed, detail = ids, f"{error.error}: {_message_of(error)}"
        else:
            reported = failed_items(reply, ids) if mapping.report_batch_item_failures else []
            failed = ids if reported is None else reported
            detail = "the reply's batchItemFailures is malformed: the whole batch failed" if reported is None else ""
        settled = settle_batch(sqs, url, messages, failed)
        done.append(Delivery(mapping.logical_id, mapping.function, settled.outcome,
                             settled.summary() + (f"; {detail}" if detail else "")))

    # -- invoking functions -----------------------------------------------------------------------------

    def _invoke(self, logical_id: str, event: Any) -> Any:
        """Invoke a function synchronously: its reply, or LambdaFunctionError as Lambda reports a failure."""
        function = self.app.functions[logical_id]
        if function.handler is None:
            raise LambdaFunctionError("aslrun.FunctionNotRunnable",
                                      f"{function.name} runs on {function.runtime}: give a Lambda endpoint for it")
        context = LambdaContext(function_name=function.name, invoked_function_arn=function.arn,
                                aws_request_id=str(uuid.uuid4()), deadline=None, memory_limit_in_mb=function.memory)
        try:
            with self._gate:
                return function.handler(event, context)
        except LambdaFunctionError:
            raise
        except Exception as exc:  # a handler bound by hand, not through the template's runtime
            from ..integrations.handler_call import lambda_error_document

            raise LambdaFunctionError(type(exc).__name__, lambda_error_document(exc, context.aws_request_id)) from None

    def _invoke_async(self, source: str, logical_id: str, event: Any) -> Delivery:
        for attempt in range(1 + ASYNC_RETRIES):
            try:
                self._invoke(logical_id, event)
            except LambdaFunctionError as error:
                last = f"{error.error}: {_message_of(error)}"
                continue
            return Delivery(source, logical_id, "succeeded", f"after {attempt} retries" if attempt else "")
        return Delivery(source, logical_id, "dropped", f"failed {1 + ASYNC_RETRIES} times, last {last}")

    # -- names ------------------------------------------------------------------------------------------

    def _topic_arn(self, reference: str) -> str:
        """The ARN of a topic named by logical id, name or ARN; TemplateError when there is none."""
        name = self._resource_name(reference, "AWS::SNS::Topic", "topic")
        arn = self._local_topic_arn(name)
        listed = {t["TopicArn"] for page in self.aws.client("sns").get_paginator("list_topics").paginate()
                  for t in page.get("Topics", [])}
        if arn not in listed:
            raise TemplateError(f"no topic '{reference}' in the local AWS{self._suggestion(reference, 'AWS::SNS::Topic')}")
        return arn

    def _queue_name(self, reference: str) -> str:
        """The name of a queue named by logical id, name, ARN or URL; TemplateError when there is none."""
        name = self._resource_name(reference.rstrip("/").rsplit("/", 1)[-1], "AWS::SQS::Queue", "queue")
        try:
            self._queue_url(name)
        except self.aws.client("sqs").exceptions.QueueDoesNotExist:
            raise TemplateError(f"no queue '{reference}' in the local AWS"
                                f"{self._suggestion(reference, 'AWS::SQS::Queue')}") from None
        return name

    def _resource_name(self, reference: str, kind: str, what: str) -> str:
        """The physical name a logical id of the template (or of a nested stack's) gives, else the
        reference's last part."""
        apps = [self.app]
        for app in apps:  # (grows: each nested stack's own nested stacks are looked at in turn)
            resource = app.template.get("Resources", {}).get(reference)
            if isinstance(resource, dict) and resource.get("Type") == kind and app.names is not None:
                return app.names.physical_name(reference)
            apps.extend(nested.app for nested in app.nested_stacks)
        return reference.rsplit(":", 1)[-1]

    def _suggestion(self, reference: str, kind: str) -> str:
        ids = [k for k, r in self.app.template.get("Resources", {}).items() if isinstance(r, dict) and r.get("Type") == kind]
        return f"{did_you_mean(reference, ids)}; the template's: {', '.join(ids) or 'none'}"

    def _queue_url(self, name: str) -> str:
        url = self._urls.get(name)
        if url is None:
            url = self._urls[name] = self.aws.client("sqs").get_queue_url(QueueName=name)["QueueUrl"]
        return url


def _relay_name(kind: str, arn: str, logical_id: str, fifo: bool) -> str:
    digest = hashlib.sha256(f"{arn}|{logical_id}".encode()).hexdigest()[:10]
    stem = "".join(c if c.isalnum() or c in "-_" else "-" for c in logical_id)[:40]
    return f"aslrun-relay-{kind}-{stem}-{digest}" + (".fifo" if fifo else "")


def _execution_delivery(source: str, logical_id: str, execution: Any) -> Delivery:
    outcome = "succeeded" if execution.status == "SUCCEEDED" else "failed"
    detail = execution.status if outcome == "succeeded" else f"{execution.status} {execution.error}: {execution.cause}"
    return Delivery(source, logical_id, outcome, f"{execution.arn} {detail}", execution)


def _message_of(error: LambdaFunctionError) -> str:
    document = error.document
    if isinstance(document, dict):
        return str(document.get("errorMessage", ""))
    return str(document)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
