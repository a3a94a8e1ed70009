"""``aslrun serve`` fires the local AWS's schedules (:mod:`aslrun.service.schedules`): Scheduler schedules
and EventBridge schedule rules, each at its time, to its targets with their input.

Most tests drive :meth:`ScheduleClock.tick` with chosen moments against an in-process local AWS (the
clock's thread only calls it every second); the last one runs a real server and waits for an
``at()`` schedule to start an execution."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from aslrun.localaws import LocalAws
from aslrun.service.schedules import ScheduleClock
from tests.helpers.service import ROLE, aws_client, wait_done

from .server_process import ServerProcess

MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:accruals"
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:notify"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:{}"
OFF = {"Mode": "OFF"}


class Clock:
    """A ScheduleClock on an in-process local AWS, with the executions and invocations it made."""

    def __init__(self, aws: LocalAws) -> None:
        self.aws = aws
        self.started: list[tuple[str, Any]] = []
        self.invoked: list[tuple[str, Any]] = []
        self.clock = ScheduleClock(lambda: aws, start_execution=lambda arn, value: self.started.append((arn, value)),
                                   invoke_function=lambda arn, value: self.invoked.append((arn, value)))
        self.scheduler = aws.client("scheduler")
        self.events = aws.client("events")
        self.sqs = aws.client("sqs")

    def tick(self, moment: datetime) -> list[str]:
        return self.clock.tick(moment)

    def queue(self, name: str, **attributes: str) -> str:
        return self.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]

    def messages(self, url: str) -> list[str]:
        got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        return [m["Body"] for m in got]


@pytest.fixture
def clock() -> Iterator[Clock]:
    with LocalAws(reset=True) as aws:
        yield Clock(aws)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def test_a_rate_schedule_fires_each_interval_from_its_creation_to_its_target(clock: Clock) -> None:
    clock.scheduler.create_schedule(Name="hourly", ScheduleExpression="rate(1 hour)", FlexibleTimeWindow=OFF,
                                    Target={"Arn": MACHINE, "RoleArn": ROLE, "Input": '{"run": "hourly"}'})
    created = clock.scheduler.get_schedule(Name="hourly")["CreationDate"].astimezone(timezone.utc)
    assert clock.tick(_now()) == []  # first seen: due an hour after its creation
    assert clock.tick(created + timedelta(minutes=59)) == []
    said = clock.tick(created + timedelta(hours=1, seconds=1))
    assert said == [f"schedule default/hourly (rate(1 hour)) fired: {MACHINE}"]
    assert clock.started == [(MACHINE, {"run": "hourly"})]
    assert clock.tick(created + timedelta(hours=1, seconds=30)) == []  # not twice
    clock.tick(created + timedelta(hours=2, seconds=1))
    assert len(clock.started) == 2


def test_a_cron_schedule_fires_at_its_local_time(clock: Clock) -> None:
    now = _now()
    clock.scheduler.create_schedule(Name="nine-sydney", ScheduleExpression="cron(0 9 * * ? *)",
                                    ScheduleExpressionTimezone="Australia/Sydney", FlexibleTimeWindow=OFF,
                                    Target={"Arn": FUNCTION, "RoleArn": ROLE, "Input": '"wake up"'})
    clock.tick(now)
    due = clock.clock.due_times.upcoming("schedule default/nine-sydney")
    assert due is not None and due.astimezone(timezone(timedelta(hours=11))).hour == 9  # 09:00 AEDT
    clock.tick(due - timedelta(seconds=1))
    assert clock.invoked == []
    clock.tick(due)
    assert clock.invoked == [(FUNCTION, "wake up")]
    # the next, a day later (December: no change of daylight saving in Sydney)
    assert clock.clock.due_times.upcoming("schedule default/nine-sydney") == due + timedelta(days=1)


def test_a_schedule_fires_only_between_its_dates_and_while_enabled(clock: Clock) -> None:
    now = _now()
    clock.scheduler.create_schedule(Name="three-times", ScheduleExpression="rate(1 minute)", FlexibleTimeWindow=OFF,
                                    StartDate=now, EndDate=now + timedelta(minutes=3, seconds=30),
                                    Target={"Arn": FUNCTION, "RoleArn": ROLE})
    clock.scheduler.create_schedule(Name="later", ScheduleExpression="rate(1 minute)", FlexibleTimeWindow=OFF,
                                    StartDate=now + timedelta(hours=2), Target={"Arn": MACHINE, "RoleArn": ROLE})
    clock.scheduler.create_schedule(Name="off", ScheduleExpression="rate(1 minute)", FlexibleTimeWindow=OFF,
                                    State="DISABLED", Target={"Arn": MACHINE, "RoleArn": ROLE})
    clock.tick(now)
    for minutes in range(1, 6):
        clock.tick(now + timedelta(minutes=minutes, seconds=1))
    assert len(clock.invoked) == 3  # at 1, 2 and 3 minutes: not after its EndDate
    assert clock.started == []  # not before its StartDate, and never while disabled
    clock.tick(now + timedelta(hours=2, minutes=1, seconds=1))  # counted from its StartDate
    assert clock.started == [(MACHINE, {})]  # no Input: {}


def test_a_one_time_schedule_fires_once_and_is_deleted_when_it_asks(clock: Clock) -> None:
    now = _now()
    at = (now + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%S")
    for name, action in (("kept", "NONE"), ("gone", "DELETE")):
        clock.scheduler.create_schedule(Name=name, ScheduleExpression=f"at({at})", FlexibleTimeWindow=OFF,
                                        ActionAfterCompletion=action, Target={"Arn": MACHINE, "RoleArn": ROLE})
    clock.tick(now)
    said = clock.tick(now + timedelta(minutes=11))
    assert "schedule default/gone deleted after its last firing (ActionAfterCompletion DELETE)" in said
    assert len(clock.started) == 2
    clock.tick(now + timedelta(minutes=20))
    assert len(clock.started) == 2
    assert [s["Name"] for s in clock.scheduler.list_schedules()["Schedules"]] == ["kept"]


def test_targets_get_their_input_as_scheduler_gives_it(clock: Clock) -> None:
    now = _now()
    jobs = clock.queue("jobs.fifo", FifoQueue="true", ContentBasedDeduplication="true")
    plain = clock.queue("plain")
    targets = {
        "to-fifo": {"Arn": QUEUE.format("jobs.fifo"), "Input": '{"job": 1}', "SqsParameters": {"MessageGroupId": "g"}},
        "to-plain": {"Arn": QUEUE.format("plain"), "Input": "just text"},
        "universal": {"Arn": "arn:aws:scheduler:::aws-sdk:sfn:startExecution",
                      "Input": json.dumps({"StateMachineArn": MACHINE, "Input": '{"from": "universal"}'})},
        "elsewhere": {"Arn": "arn:aws:kinesis:us-east-1:123456789012:stream/s"},
    }
    for name, target in targets.items():
        clock.scheduler.create_schedule(Name=name, ScheduleExpression="rate(1 minute)", FlexibleTimeWindow=OFF,
                                        StartDate=now, Target={"RoleArn": ROLE, **target})
    clock.tick(now)
    said = clock.tick(now + timedelta(minutes=1, seconds=1))
    assert clock.messages(jobs) == ['{"job": 1}'] and clock.messages(plain) == ["just text"]
    assert clock.started == [(MACHINE, {"from": "universal"})]
    assert any("stream/s skipped" in line for line in said)


def test_an_eventbridge_schedule_rule_gives_its_targets_the_scheduled_event(clock: Clock) -> None:
    now = _now()
    ticks = clock.queue("ticks")
    clock.events.put_rule(Name="every-5", ScheduleExpression="rate(5 minutes)")
    clock.events.put_targets(Rule="every-5", Targets=[
        {"Id": "queue", "Arn": QUEUE.format("ticks")},
        {"Id": "machine", "Arn": MACHINE, "Input": '{"run_date": "2024-10-01"}'},
        {"Id": "function", "Arn": FUNCTION, "InputPath": "$.detail-type"}])
    clock.events.put_rule(Name="paused", ScheduleExpression="rate(1 minute)", State="DISABLED")
    clock.events.put_targets(Rule="paused", Targets=[{"Id": "machine", "Arn": MACHINE}])
    clock.tick(now)
    clock.tick(now + timedelta(minutes=4))
    assert clock.started == []
    clock.tick(now + timedelta(minutes=5, seconds=1))
    event = json.loads(clock.messages(ticks)[0])
    assert (event["detail-type"], event["source"], event["detail"]) == ("Scheduled Event", "aws.events", {})
    assert event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/every-5"]
    assert clock.started == [(MACHINE, {"run_date": "2024-10-01"})]
    assert clock.invoked == [(FUNCTION, "Scheduled Event")]


def test_a_failing_target_or_a_bad_expression_is_said_and_the_clock_goes_on(clock: Clock, capsys) -> None:
    now = _now()

    def refuses(arn: str, value: Any) -> None:
        raise RuntimeError("no such state machine")

    clock.clock.start_execution = refuses
    clock.scheduler.create_schedule(Name="broken", ScheduleExpression="rate(1 minute)", FlexibleTimeWindow=OFF,
                                    StartDate=now, Target={"Arn": MACHINE, "RoleArn": ROLE})
    clock.scheduler.create_schedule(Name="weird", ScheduleExpression="cron(0 9 * * * *)", FlexibleTimeWindow=OFF,
                                    Target={"Arn": MACHINE, "RoleArn": ROLE})
    clock.tick(now)
    said = clock.tick(now + timedelta(minutes=1, seconds=1))
    assert said == [f"schedule default/broken (rate(1 minute)) fired: {MACHINE} failed"]
    clock.tick(now + timedelta(minutes=2, seconds=1))
    errors = capsys.readouterr().err
    assert "RuntimeError: no such state machine" in errors
    assert errors.count("schedule default/weird is not fired") == 1  # said once
    assert "must be '?'" in errors


def test_the_server_starts_an_execution_when_a_schedule_made_through_its_port_comes_due(start_server) -> None:
    server: ServerProcess = start_server()
    sfn, scheduler = server.client(), aws_client(server, "scheduler")
    machine = sfn.create_state_machine(name="accruals", roleArn=ROLE, definition=json.dumps(
        {"StartAt": "Run", "States": {"Run": {"Type": "Pass", "End": True}}}))["stateMachineArn"]
    at = (_now() + timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%S")
    scheduler.create_schedule(Name="month-end", ScheduleExpression=f"at({at})", FlexibleTimeWindow=OFF,
                              Target={"Arn": machine, "RoleArn": ROLE, "Input": '{"run_date": "2024-10-31"}'})
    deadline = time.monotonic() + 30
    while not sfn.list_executions(stateMachineArn=machine)["executions"]:
        assert time.monotonic() < deadline, f"the schedule never fired:\n{server.log}"
        time.sleep(0.1)
    execution = sfn.list_executions(stateMachineArn=machine)["executions"][0]
    done = wait_done(sfn, execution["executionArn"])
    assert (done["status"], json.loads(done["input"])) == ("SUCCEEDED", {"run_date": "2024-10-31"})
    assert f"schedule default/month-end (at({at})) fired: {machine}" in server.log


def test_schedules_made_through_the_port_are_kept_and_kms_and_cloudwatch_said_not_to_be(start_server, tmp_path) -> None:
    """What a Terraform configuration beside its machines holds (schedules, a key, an alarm) is made
    through the port; with a state directory the schedules survive a kill -9 (and fire after it),
    while KMS and CloudWatch are said, once each, to live in memory only."""
    state = tmp_path / "state"
    server: ServerProcess = start_server(state_dir=state)
    scheduler = aws_client(server, "scheduler")
    scheduler.create_schedule_group(Name="reports")
    scheduler.create_schedule(Name="nightly", ScheduleExpression="cron(0 2 * * ? *)", FlexibleTimeWindow=OFF,
                              ScheduleExpressionTimezone="Australia/Sydney", Target={"Arn": MACHINE, "RoleArn": ROLE})
    scheduler.create_schedule(Name="weekly", GroupName="reports", ScheduleExpression="cron(0 2 ? * MON *)",
                              FlexibleTimeWindow=OFF, Target={"Arn": MACHINE, "RoleArn": ROLE})
    scheduler.create_schedule(Name="gone", ScheduleExpression="rate(1 day)", FlexibleTimeWindow=OFF,
                              Target={"Arn": MACHINE, "RoleArn": ROLE})
    scheduler.delete_schedule(Name="gone")
    key = aws_client(server, "kms").create_key(Description="machines")["KeyMetadata"]["Arn"]
    assert aws_client(server, "kms").describe_key(KeyId=key)["KeyMetadata"]["Enabled"]
    cloudwatch = aws_client(server, "cloudwatch")
    cloudwatch.put_metric_alarm(AlarmName="failed", Namespace="AWS/States", MetricName="ExecutionsFailed",
                                Statistic="Sum", Period=300, EvaluationPeriods=1, Threshold=1,
                                ComparisonOperator="GreaterThanOrEqualToThreshold")
    assert [a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"]] == ["failed"]
    for service in ("kms", "monitoring"):
        assert server.log.count(f"answers {service} in memory only") == 1, server.log
    assert "scheduler in memory only" not in server.log
    server.kill()

    again: ServerProcess = start_server(state_dir=state)
    scheduler = aws_client(again, "scheduler")
    listed = {(s["GroupName"], s["Name"]) for s in scheduler.list_schedules()["Schedules"]}
    assert listed == {("default", "nightly"), ("reports", "weekly")}
    assert scheduler.get_schedule(Name="nightly")["ScheduleExpressionTimezone"] == "Australia/Sydney"
    assert aws_client(again, "cloudwatch").describe_alarms()["MetricAlarms"] == []  # (in memory only)
