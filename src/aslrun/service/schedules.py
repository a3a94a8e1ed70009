"""``aslrun serve`` fires the local AWS's schedules by the wall clock: EventBridge Scheduler schedules
and EventBridge rules with a ``ScheduleExpression``, as a Terraform ``aws_scheduler_schedule`` or
``aws_cloudwatch_event_rule`` made through the port would fire on AWS.

Every second (:class:`ScheduleClock`, a thread) the enabled schedules are read from the local AWS
(once it has started: a server whose clients never call AWS has none) and each one due is fired:

* **Scheduler**: ``rate(...)`` counted from ``StartDate`` (else the schedule's creation), ``cron(...)``
  and ``at(...)`` in ``ScheduleExpressionTimezone``, never before ``StartDate`` or after ``EndDate``;
  the target gets ``Target.Input`` (``{}`` when none): a state machine an execution
  (``StartExecution`` on this server), a function an asynchronous invocation, a queue a message
  (``SqsParameters.MessageGroupId``), a topic a notification, a bus an event
  (``EventBridgeParameters``); the universal target ``arn:aws:scheduler:::aws-sdk:sfn:startExecution``
  starts the execution its Input names. With ``ActionAfterCompletion: DELETE`` a schedule that will
  not fire again is deleted.
* **EventBridge rules** on the default bus: ``rate`` counted from when the server first saw the rule,
  ``cron`` in UTC; each target gets what EventBridge gives it for the ``Scheduled Event``
  (``Input``, ``InputPath``, ``InputTransformer``).

A schedule first seen fires from then on: missed times (the server was not running) are not made up,
as AWS does not make them up either. ``FlexibleTimeWindow`` is read as ``OFF`` (the target fires at the
start of its window) and Scheduler's ``RetryPolicy`` and dead-letter queue are not applied: a target
that fails is a line on the server's error output. Each firing is a line on its output.
"""

from __future__ import annotations

import json
import sys
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ..localaws.event_targets import target_input
from ..localaws.schedule_expressions import Schedule, parse_schedule
from ..localaws.sent_to import SENT_TO, send_text

__all__ = ["DueTimes", "ScheduleClock"]

TICK_SECONDS = 1.0
_SFN_UNIVERSAL = ("arn:aws:scheduler:::aws-sdk:sfn:startExecution", "arn:aws:scheduler:::aws-sdk:sfn:startSyncExecution")

#: ``(arn, input)``: start an execution of the state machine / invoke the function asynchronously
Deliver = Callable[[str, Any], None]


@dataclass
class _Timing:
    """What is known of one schedule: its expression as read, and when it fires next."""

    signature: tuple[Any, ...]
    schedule: Schedule
    anchor: datetime
    zone: str
    due: datetime | None


class DueTimes:
    """When each schedule (by a key of the caller's) fires next, kept from one tick to the next.

    A schedule first seen (or changed: its ``signature`` differs) is due at its first time after
    that moment; :meth:`take` hands out a time once it has come and moves the schedule on past it.
    An expression that cannot be read is said once (``complain(key, text)``) and never fires."""

    def __init__(self, complain: Callable[[str, str], None]) -> None:
        self.complain = complain
        self._timings: dict[str, _Timing] = {}

    def take(self, key: str, expression: str, *, now: datetime, anchor: datetime, zone: str = "UTC",
             allow_at: bool = True, signature: tuple[Any, ...] = ()) -> datetime | None:
        """The time the schedule fired at, when one has come by ``now``; else None."""
        timing = self._timing(key, expression, zone, anchor, now, allow_at, (expression, zone, *signature))
        if timing is None or timing.due is None or timing.due > now:
            return None
        fired = timing.due
        timing.due = timing.schedule.next_after(max(now, fired), anchor=timing.anchor, zone=zone)
        return fired

    def upcoming(self, key: str) -> datetime | None:
        """When the schedule fires next (None: never again, or unknown)."""
        timing = self._timings.get(key)
        return timing.due if timing is not None else None

    def keep_only(self, keys: set[str]) -> None:
        """Forget the schedules not named (deleted or disabled: seen again, they start afresh)."""
        for gone in set(self._timings) - keys:
            del self._timings[gone]

    def _timing(self, key: str, expression: str, zone: str, anchor: datetime, now: datetime, allow_at: bool,
                signature: tuple[Any, ...]) -> _Timing | None:
        timing = self._timings.get(key)
        if timing is not None and timing.signature == signature:
            return timing
        try:
            schedule = parse_schedule(expression, allow_at=allow_at)
            due = schedule.next_after(now, anchor=anchor, zone=zone)
        except (ValueError, KeyError) as problem:  # (KeyError: an unknown time zone)
            self.complain(key, f"is not fired: {problem}")
            return None
        timing = self._timings[key] = _Timing(signature, schedule, anchor, zone, due)
        return timing


class ScheduleClock:
    """Fires due schedules every ``interval`` seconds on a thread of its own (see the module docstring)."""

    def __init__(self, local_aws: Callable[[], Any], *, start_execution: Deliver, invoke_function: Deliver,
                 interval: float = TICK_SECONDS) -> None:
        self.local_aws = local_aws  # the server's local AWS, or None while it has not started
        self.start_execution = start_execution
        self.invoke_function = invoke_function
        self.interval = interval
        self._complaints: set[tuple[str, str]] = set()
        self.due_times = DueTimes(self._complain)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> ScheduleClock:
        self._thread = threading.Thread(target=self._loop, name="aslrun-schedules", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stopping.wait(self.interval):
            try:
                self.tick(datetime.now(timezone.utc))
            except Exception as problem:  # (a local AWS failing): said once, tried again next second
                self._complain("schedules", f"could not be read: {type(problem).__name__}: {problem}")

    # -- one tick ---------------------------------------------------------------------------------------

    def tick(self, now: datetime) -> list[str]:
        """Fire what is due at ``now`` (an aware datetime); the lines said about it."""
        aws = self.local_aws()
        if aws is None:
            return []
        said: list[str] = []
        seen: set[str] = set()
        for schedule in _scheduler_schedules(aws):
            key = f"schedule {schedule.get('GroupName', 'default')}/{schedule['Name']}"
            seen.add(key)
            said += self._scheduler_due(aws, key, schedule, now)
        for rule, targets in _schedule_rules(aws):
            key = f"rule {rule['Name']}"
            seen.add(key)
            said += self._rule_due(aws, key, rule, targets, now)
        self.due_times.keep_only(seen)
        for line in said:
            print(f"aslrun serve: {line}", flush=True)
        return said

    def _scheduler_due(self, aws: Any, key: str, schedule: dict[str, Any], now: datetime) -> list[str]:
        start, end = schedule.get("StartDate"), schedule.get("EndDate")
        anchor = _utc(start or schedule.get("CreationDate") or now)
        fired = self.due_times.take(key, schedule["ScheduleExpression"], now=now, anchor=anchor,
                                    zone=schedule.get("ScheduleExpressionTimezone") or "UTC", signature=(start, end))
        if fired is None or (start is not None and fired < _utc(start)):
            return []
        said = []
        if end is None or fired <= _utc(end):
            said.append(f"{key} ({schedule['ScheduleExpression']}) fired: {self._fire_target(aws, schedule['Target'])}")
        upcoming = self.due_times.upcoming(key)
        finished = upcoming is None or (end is not None and upcoming > _utc(end))
        if finished and schedule.get("ActionAfterCompletion") == "DELETE":
            aws.client("scheduler").delete_schedule(Name=schedule["Name"], GroupName=schedule.get("GroupName", "default"))
            said.append(f"{key} deleted after its last firing (ActionAfterCompletion DELETE)")
        return said

    def _rule_due(self, aws: Any, key: str, rule: dict[str, Any], targets: list[dict[str, Any]],
                  now: datetime) -> list[str]:
        fired = self.due_times.take(key, rule["ScheduleExpression"], now=now, anchor=now, allow_at=False)
        if fired is None:
            return []
        event = {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
                 "account": rule["Arn"].split(":")[4], "time": fired.strftime("%Y-%m-%dT%H:%M:%SZ"),
                 "region": rule["Arn"].split(":")[3], "resources": [rule["Arn"]], "detail": {}}
        said = []
        for target in targets:
            outcome = self._deliver(aws, target["Arn"], target_input(target, event), {})
            said.append(f"{key} ({rule['ScheduleExpression']}) fired: {outcome}")
        return said

    # -- targets ----------------------------------------------------------------------------------------

    def _fire_target(self, aws: Any, target: dict[str, Any]) -> str:
        text = target.get("Input")
        try:
            value = json.loads(text) if text else {}
        except ValueError:
            value = text
        arn = target["Arn"]
        if arn in _SFN_UNIVERSAL:  # its Input is StartExecution's request
            request = value if isinstance(value, dict) else {}
            given = request.get("Input", "{}")
            try:
                execution_input = json.loads(given) if isinstance(given, str) else given
            except ValueError:
                print(f"aslrun serve: a schedule's target {arn}: its Input's Input is not JSON: {given!r}",
                      file=sys.stderr, flush=True)
                return f"{arn} failed"
            return self._deliver(aws, str(request.get("StateMachineArn", "")), execution_input, {})
        return self._deliver(aws, arn, value, target)

    def _deliver(self, aws: Any, arn: str, value: Any, target: dict[str, Any]) -> str:
        service = arn.split(":")[2] if arn.count(":") >= 5 else ""
        text = value if isinstance(value, str) else json.dumps(value)
        try:
            if service == "states":
                self.start_execution(arn, value)
            elif service == "lambda":
                self.invoke_function(arn, value)
            elif service in SENT_TO:
                parameters = target.get("EventBridgeParameters") or {}
                send_text(aws, arn, text, message_group=(target.get("SqsParameters") or {}).get("MessageGroupId"),
                          source=parameters.get("Source", "aws.scheduler"),
                          detail_type=parameters.get("DetailType", "Scheduled Event"))
            else:
                return f"{arn} skipped (schedules reach state machines, functions, queues, topics and buses)"
        except Exception as problem:  # a target that fails: said, and the clock goes on
            print(f"aslrun serve: a schedule's target {arn} failed: {type(problem).__name__}: {problem}",
                  file=sys.stderr, flush=True)
            return f"{arn} failed"
        return arn

    def _complain(self, key: str, text: str) -> None:
        if (key, text) not in self._complaints:
            self._complaints.add((key, text))
            print(f"aslrun serve: {key} {text}", file=sys.stderr, flush=True)


def _scheduler_schedules(aws: Any) -> list[dict[str, Any]]:
    """Every enabled Scheduler schedule of the local AWS, as GetSchedule answers it."""
    scheduler = aws.client("scheduler")
    return [scheduler.get_schedule(Name=summary["Name"], GroupName=summary.get("GroupName", "default"))
            for page in scheduler.get_paginator("list_schedules").paginate(State="ENABLED")
            for summary in page.get("Schedules", [])]


def _schedule_rules(aws: Any) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Every enabled rule of the default bus with a schedule, and its targets."""
    events = aws.client("events")
    found = []
    for rule in events.list_rules().get("Rules", []):
        if rule.get("ScheduleExpression") and rule.get("State") == "ENABLED":
            found.append((rule, events.list_targets_by_rule(Rule=rule["Name"]).get("Targets", [])))
    return found


def _utc(moment: Any) -> datetime:
    if isinstance(moment, datetime):
        return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return datetime.fromtimestamp(float(moment), timezone.utc)
