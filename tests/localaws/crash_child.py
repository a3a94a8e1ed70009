"""A process that changes the local AWS kept in a state directory, says so, and waits to be killed.

    python crash_child.py change DIR CASE [base]  (base: seed BASE first) make one kind of change (CASES),
                                                  print "READY <the state as a snapshot>", wait
    python crash_child.py save-crash DIR POINT    seed BASE, make a few changes, print "READY <snapshot>",
                                                  then exit at POINT of the clean exit's save (SAVE_POINTS)
    python crash_child.py object-crash DIR POINT  overwrite an object of BASE (saved in DIR already) and
                                                  exit at POINT: "before-entry" (bytes staged), "before-rename"
    python crash_child.py hold DIR                lock DIR as a writer, put an object, print "READY PID", wait
    python crash_child.py bua DIR EVENT [PAUSE]   run the BUA controller (a frozen clock); with PAUSE "N", print
                                                  "PAUSED" once N stages have SUCCEEDED and wait; "N+received":
                                                  once the stage after them has received a batch (in flight);
                                                  at the end print "DONE <json>": status, executions started

Waiting never ends by itself: the tests kill the process with SIGKILL, as kill -9 would. Snapshots
are printed with the journal's JSON (bytes kept as bytes).

The tests mostly run :func:`main` in a process forked by crash_zygote.py, which has imported all
this already (the same process otherwise, killed and reaped the same way); run as a script, it is
the same case in a fresh interpreter.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

BASE: dict[str, Any] = {
    "dynamodb": {"control": {"key": {"pk": "S", "sk": "N"},
                             "items": [{"pk": "run", "sk": 1, "status": "RUNNING"}, {"pk": "run", "sk": 2, "status": "DONE"}]},
                 "old-table": {"key": {"pk": "S"}, "items": [{"pk": "x"}]}},
    "sqs": {"work": {"messages": ["first", {"site": "S1"}, "third"]},
            "jobs.fifo": {"attributes": {"ContentBasedDeduplication": "true"}, "messages": ["one"]},
            "inbox": {}, "old-queue": {"messages": ["gone"]}},
    "sns": {"notify": {"subscriptions": [{"protocol": "sqs", "endpoint": "inbox"}]}, "old-topic": {}},
    "s3": {"data-bucket": {"in/a.csv": "id\n1\n", "in/b.bin": {"base64": "AAEC"}}, "old-bucket": {"x.txt": "x"}},
    "events": {"orders-bus": {}, "old-bus": {}},
}
"""What exists before the change (a snapshot, or journaled by the same process)."""

ARN = "arn:aws:{}:us-east-1:123456789012:{}"


def _url(aws: Any, queue: str) -> str:
    return aws.client("sqs").get_queue_url(QueueName=queue)["QueueUrl"]


def _key(sk: int) -> dict[str, Any]:
    return {"pk": {"S": "run"}, "sk": {"N": str(sk)}}


def _receive(aws: Any, count: int) -> list[dict[str, Any]]:
    return aws.client("sqs").receive_message(QueueUrl=_url(aws, "work"), MaxNumberOfMessages=count)["Messages"]


def _multipart(aws: Any) -> None:
    s3 = aws.client("s3")
    upload = s3.create_multipart_upload(Bucket="data-bucket", Key="out/big.bin")["UploadId"]
    part = s3.upload_part(Bucket="data-bucket", Key="out/big.bin", UploadId=upload, PartNumber=1, Body=b"\x01" * 1000)
    s3.complete_multipart_upload(Bucket="data-bucket", Key="out/big.bin", UploadId=upload,
                                 MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]})


def _events_to_a_queue(aws: Any) -> None:
    events = aws.client("events")
    events.put_rule(Name="orders", EventBusName="orders-bus", EventPattern='{"source": ["shop"]}')
    events.put_targets(Rule="orders", EventBusName="orders-bus",
                       Targets=[{"Id": "inbox", "Arn": ARN.format("sqs", "inbox")}])
    events.put_events(Entries=[{"Source": "shop", "DetailType": "order", "Detail": '{"id": 1}',
                                "EventBusName": "orders-bus"}])


def _handler_client_put(aws: Any) -> None:
    import boto3  # a handler's own client, as handlers/bua/s3_upload.py makes it

    boto3.client("s3", region_name="us-east-1").put_object(Bucket="data-bucket", Key="out/handler.csv", Body=b"x\n")


def _schedules(aws: Any) -> None:
    """Scheduler: a group, schedules in it and in default (a start date, a time zone), one updated, one deleted."""
    from datetime import datetime, timedelta, timezone

    scheduler = aws.client("scheduler")
    target = {"Arn": ARN.format("states", "stateMachine:accruals"), "RoleArn": ARN.format("iam", "role/r").replace(
        "us-east-1", ""), "Input": '{"run": "nightly"}'}
    scheduler.create_schedule_group(Name="reports")
    scheduler.create_schedule(Name="nightly", ScheduleExpression="cron(0 2 * * ? *)", FlexibleTimeWindow={"Mode": "OFF"},
                              ScheduleExpressionTimezone="Australia/Sydney", Target=target,
                              StartDate=datetime.now(timezone.utc) + timedelta(days=1))
    scheduler.create_schedule(Name="weekly", GroupName="reports", ScheduleExpression="rate(7 days)", State="DISABLED",
                              FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15}, Target=target)
    scheduler.create_schedule(Name="gone", ScheduleExpression="rate(1 day)", FlexibleTimeWindow={"Mode": "OFF"},
                              Target=target)
    scheduler.delete_schedule(Name="gone")
    scheduler.update_schedule(Name="weekly", GroupName="reports", ScheduleExpression="rate(14 days)",
                              FlexibleTimeWindow={"Mode": "OFF"}, Target=target)


_TRUST = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", '
          '"Principal": {"Service": "lambda.amazonaws.com"}}]}')
_READ_S3 = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'

CASES: dict[str, Any] = {
    "ddb-put": lambda aws: aws.client("dynamodb").put_item(TableName="control", Item={
        **_key(3), "status": {"S": "NEW"}, "blob": {"B": b"\x00\xff"}, "blobs": {"BS": [b"\x01", b"\x02"]},
        "stage": {"M": {"detail": {"S": "{}"}, "raw": {"B": b"\x03"}, "tags": {"SS": ["a", "b"]},
                        "list": {"L": [{"N": "1.5"}, {"BOOL": False}, {"NULL": True}, {"B": b"\x04"}]}}}}),
    "ddb-update": lambda aws: aws.client("dynamodb").update_item(
        TableName="control", Key=_key(1), UpdateExpression="SET #s = :s, n = :n",
        ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": {"S": "SUCCEEDED"}, ":n": {"N": "7"}}),
    "ddb-delete": lambda aws: aws.client("dynamodb").delete_item(TableName="control", Key=_key(2)),
    "ddb-batch-write": lambda aws: aws.client("dynamodb").batch_write_item(RequestItems={"control": [
        {"PutRequest": {"Item": _key(4)}}, {"PutRequest": {"Item": {**_key(5), "status": {"S": "X"}}}},
        {"DeleteRequest": {"Key": _key(1)}}]}),
    "ddb-transact-write": lambda aws: aws.client("dynamodb").transact_write_items(TransactItems=[
        {"Put": {"TableName": "control", "Item": _key(6)}},
        {"Update": {"TableName": "control", "Key": _key(1), "UpdateExpression": "SET n = :n",
                    "ExpressionAttributeValues": {":n": {"N": "1"}}}},
        {"Delete": {"TableName": "control", "Key": _key(2)}}]),
    "ddb-partiql": lambda aws: aws.client("dynamodb").execute_statement(
        Statement="INSERT INTO \"control\" VALUE {'pk': 'run', 'sk': 9}"),
    "sqs-send": lambda aws: aws.client("sqs").send_message(QueueUrl=_url(aws, "work"), MessageBody="new",
                                                           MessageAttributes={"kind": {"DataType": "String",
                                                                                       "StringValue": "k"}}),
    "sqs-send-batch": lambda aws: aws.client("sqs").send_message_batch(QueueUrl=_url(aws, "work"), Entries=[
        {"Id": str(n), "MessageBody": f"batch {n}"} for n in range(3)]),
    "sqs-send-fifo": lambda aws: [aws.client("sqs").send_message(QueueUrl=_url(aws, "jobs.fifo"), MessageBody=body,
                                                                 MessageGroupId="g") for body in ("two", "two")],
    "sqs-delete": lambda aws: aws.client("sqs").delete_message(
        QueueUrl=_url(aws, "work"), ReceiptHandle=_receive(aws, 1)[0]["ReceiptHandle"]),
    "sqs-delete-batch": lambda aws: aws.client("sqs").delete_message_batch(QueueUrl=_url(aws, "work"), Entries=[
        {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(_receive(aws, 2))]),
    "sqs-receive-only": lambda aws: _receive(aws, 2),
    "sqs-purge": lambda aws: aws.client("sqs").purge_queue(QueueUrl=_url(aws, "work")),
    "sqs-set-attributes": lambda aws: aws.client("sqs").set_queue_attributes(
        QueueUrl=_url(aws, "work"), Attributes={"VisibilityTimeout": "120", "DelaySeconds": "1"}),
    "sns-publish": lambda aws: aws.client("sns").publish(TopicArn=ARN.format("sns", "notify"), Message="hello",
                                                         Subject="greeting"),
    "sns-subscribe": lambda aws: aws.client("sns").subscribe(
        TopicArn=ARN.format("sns", "old-topic"), Protocol="sqs", Endpoint=ARN.format("sqs", "work"),
        Attributes={"RawMessageDelivery": "true"}),
    "sns-unsubscribe": lambda aws: aws.client("sns").unsubscribe(SubscriptionArn=aws.client("sns").list_subscriptions()[
        "Subscriptions"][0]["SubscriptionArn"]),
    "s3-put": lambda aws: aws.client("s3").put_object(Bucket="data-bucket", Key="out/c.csv", Body=b"c\n3\n"),
    "s3-overwrite": lambda aws: aws.client("s3").put_object(Bucket="data-bucket", Key="in/a.csv", Body=b"id\n2\n"),
    "s3-copy": lambda aws: aws.client("s3").copy_object(Bucket="data-bucket", Key="out/a-copy.csv",
                                                        CopySource={"Bucket": "data-bucket", "Key": "in/a.csv"}),
    "s3-delete": lambda aws: aws.client("s3").delete_object(Bucket="data-bucket", Key="in/a.csv"),
    "s3-delete-objects": lambda aws: aws.client("s3").delete_objects(Bucket="data-bucket", Delete={"Objects": [
        {"Key": "in/a.csv"}, {"Key": "in/b.bin"}]}),
    "s3-multipart": _multipart,
    "s3-handler-client": _handler_client_put,
    "events-to-a-queue": _events_to_a_queue,
    "create-table": lambda aws: aws.client("dynamodb").create_table(
        TableName="new-table", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"},
                              {"AttributeName": "state", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "byState", "KeySchema": [{"AttributeName": "state", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}], BillingMode="PAY_PER_REQUEST"),
    "delete-table": lambda aws: aws.client("dynamodb").delete_table(TableName="old-table"),
    "create-queue": lambda aws: aws.client("sqs").create_queue(QueueName="new-queue",
                                                               Attributes={"VisibilityTimeout": "60"}),
    "delete-queue": lambda aws: aws.client("sqs").delete_queue(QueueUrl=_url(aws, "old-queue")),
    "create-topic": lambda aws: aws.client("sns").create_topic(Name="new-topic"),
    "delete-topic": lambda aws: aws.client("sns").delete_topic(TopicArn=ARN.format("sns", "old-topic")),
    "create-bucket": lambda aws: aws.client("s3").create_bucket(Bucket="new-bucket"),
    "delete-bucket": lambda aws: [aws.client("s3").delete_object(Bucket="old-bucket", Key="x.txt"),
                                  aws.client("s3").delete_bucket(Bucket="old-bucket")],
    "create-bus": lambda aws: aws.client("events").create_event_bus(Name="new-bus"),
    "delete-bus": lambda aws: aws.client("events").delete_event_bus(Name="old-bus"),
    "ssm-put": lambda aws: aws.client("ssm").put_parameter(Name="/bua/env", Value="prd", Type="String"),
    "ssm-delete": lambda aws: [aws.client("ssm").put_parameter(Name="/old/param", Value="x", Type="SecureString"),
                               aws.client("ssm").put_parameter(Name="/kept/param", Value="y", Type="String"),
                               aws.client("ssm").delete_parameters(Names=["/old/param", "/never/there"])],
    "secret-put": lambda aws: [aws.client("secretsmanager").create_secret(Name="bua/db", SecretString="old"),
                               aws.client("secretsmanager").put_secret_value(SecretId="bua/db", SecretString="new")],
    "secret-delete": lambda aws: [aws.client("secretsmanager").create_secret(Name="old/secret", SecretBinary=b"\x00"),
                                  aws.client("secretsmanager").create_secret(Name="kept/secret", SecretString="k"),
                                  aws.client("secretsmanager").delete_secret(SecretId="old/secret")],
    "iam-role": lambda aws: [aws.client("iam").create_role(RoleName="new-role", AssumeRolePolicyDocument=_TRUST),
                             aws.client("iam").attach_role_policy(
                                 RoleName="new-role", PolicyArn=aws.client("iam").create_policy(
                                     PolicyName="new-policy", PolicyDocument=_READ_S3)["Policy"]["Arn"])],
    "events-rule": lambda aws: [aws.client("events").put_rule(Name="new-rule", EventBusName="orders-bus",
                                                              EventPattern='{"source": ["orders"]}'),
                                aws.client("events").put_targets(Rule="new-rule", EventBusName="orders-bus", Targets=[
                                    {"Id": "work", "Arn": "arn:aws:sqs:us-east-1:123456789012:work", "Input": "{}"}])],
    "events-delete-rule": lambda aws: [aws.client("events").put_rule(Name="old-rule", EventPattern='{"source": ["x"]}'),
                                       aws.client("events").put_rule(Name="kept-rule", ScheduleExpression="rate(1 day)"),
                                       aws.client("events").put_targets(Rule="old-rule", Targets=[
                                           {"Id": "inbox", "Arn": "arn:aws:sqs:us-east-1:123456789012:inbox"}]),
                                       aws.client("events").remove_targets(Rule="old-rule", Ids=["inbox"]),
                                       aws.client("events").delete_rule(Name="old-rule")],
    "tags": lambda aws: [aws.client("sqs").tag_queue(QueueUrl=_url(aws, "work"), Tags={"team": "metering"}),
                         aws.client("dynamodb").tag_resource(ResourceArn=ARN.format("dynamodb", "table/control"),
                                                             Tags=[{"Key": "team", "Value": "a"}, {"Key": "x", "Value": "b"}]),
                         aws.client("dynamodb").untag_resource(ResourceArn=ARN.format("dynamodb", "table/control"),
                                                               TagKeys=["team"]),
                         aws.client("s3").put_bucket_tagging(Bucket="data-bucket", Tagging={"TagSet": [
                             {"Key": "team", "Value": "metering"}]})],
    "s3-notification": lambda aws: [aws.client("s3").put_bucket_notification_configuration(
        Bucket="data-bucket", NotificationConfiguration={"QueueConfigurations": [
            {"QueueArn": "arn:aws:sqs:us-east-1:123456789012:inbox", "Events": ["s3:ObjectCreated:*"]}]}),
        aws.client("s3").put_object(Bucket="data-bucket", Key="in/c.csv", Body=b"id\n3\n")],
    "ddb-ttl": lambda aws: aws.client("dynamodb").update_time_to_live(
        TableName="control", TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiresAt"}),
    "sns-set-attributes": lambda aws: aws.client("sns").set_topic_attributes(
        TopicArn=aws.client("sns").create_topic(Name="orders.fifo", Attributes={"FifoTopic": "true"})["TopicArn"],
        AttributeName="DisplayName", AttributeValue="Orders"),
    "iam-delete-role": lambda aws: [aws.client("iam").create_role(RoleName="old-role", AssumeRolePolicyDocument=_TRUST),
                                    aws.client("iam").create_role(RoleName="kept-role", AssumeRolePolicyDocument=_TRUST),
                                    aws.client("iam").put_role_policy(RoleName="old-role", PolicyName="p",
                                                                      PolicyDocument=_READ_S3),
                                    aws.client("iam").delete_role_policy(RoleName="old-role", PolicyName="p"),
                                    aws.client("iam").delete_role(RoleName="old-role")],
    "scheduler": lambda aws: _schedules(aws),
    "log-groups": lambda aws: [aws.client("logs").create_log_group(logGroupName="/aws/lambda/notify",
                                                                   tags={"team": "billing"}),
                               aws.client("logs").put_retention_policy(logGroupName="/aws/lambda/notify",
                                                                       retentionInDays=14),
                               aws.client("logs").create_log_group(logGroupName="/gone"),
                               aws.client("logs").delete_log_group(logGroupName="/gone")],
}
"""One kind of change each, made through the local AWS's (or a handler's own) boto3 client."""


def _changes_then_save(aws: Any) -> None:
    """Changes of every kind, so that the save after them has objects to write and to remove."""
    for case in ("ddb-update", "sqs-delete", "sns-publish", "s3-overwrite", "s3-delete", "delete-bucket", "s3-put"):
        CASES[case](aws)


SAVE_POINTS = ("before-commit", "mid-commit", "after-commit", "after-truncate", "after-save")
"""Where ``save-crash`` dies: before state.json is replaced (object bytes written), with the new
state.json written but not renamed, after the rename, after the journal is truncated, at the end."""


def _die() -> None:
    sys.stdout.flush()
    os._exit(9)


def _crash_at(point: str) -> None:
    """Make the clean exit's save die at ``point``, as kill -9 would (no clean-up of any kind)."""
    from aslrun.localaws import state_dir

    def after(function: Any) -> Any:
        def run_then_die(*args: Any, **kwargs: Any) -> None:
            function(*args, **kwargs)
            _die()
        return run_then_die

    if point == "before-commit":
        state_dir.commit_snapshot = lambda *args, **kwargs: _die()
    elif point == "mid-commit":
        replace = os.replace

        def replace_then_die(source: Any, target: Any) -> None:
            if str(target).endswith(state_dir.STATE_FILE):
                _die()
            replace(source, target)

        state_dir.os.replace = replace_then_die
    elif point == "after-commit":
        state_dir.commit_snapshot = after(state_dir.commit_snapshot)
    elif point == "after-truncate":
        state_dir.truncate_journal = after(state_dir.truncate_journal)
    elif point == "after-save":
        state_dir.ObjectFiles.remove_unreferenced = after(state_dir.ObjectFiles.remove_unreferenced)


def _ready(aws: Any) -> None:
    from aslrun.localaws.journal import dumps

    print("READY " + dumps(aws.snapshot()), flush=True)


def _wait_forever() -> None:
    while True:
        time.sleep(60)


def _stages_succeeded(aws: Any, run_date: str) -> int:
    from fixtures.bua.aws import control_record
    from handlers.bua.control import STAGES

    record = control_record(aws, run_date)
    return sum(1 for stage in STAGES if isinstance(record.get(stage), dict)
               and record[stage].get("status") == "SUCCEEDED")


def _pause(aws: Any, at: str, run_date: str) -> None:
    """Say "PAUSED" and wait once ``at`` is reached: "N", a control record update just returned with N
    stages SUCCEEDED; "N+received", a ReceiveMessage just returned messages (in flight) after that."""
    stages, _, received = at.partition("+")

    def pause(model: Any, http_response: Any, parsed: Any, **_: Any) -> None:
        if http_response.status_code >= 300:
            return
        if received and not (model.name == "ReceiveMessage" and parsed.get("Messages")):
            return
        if not received and model.name != "UpdateItem":
            return
        if _stages_succeeded(aws, run_date) == int(stages):
            print("PAUSED", flush=True)
            _wait_forever()

    # registered after the journal's own after-call hook, so it runs after the change is journaled
    aws.client("sqs" if received else "dynamodb").meta.events.register("after-call", pause)


def _bua(directory: str, event_file: str, pause: str | None) -> None:
    import json

    from aslrun import StateMachine, VirtualClock
    from aslrun.localaws import LocalAws
    from aslrun.localaws.seed import load_seed_file
    from aslrun.model import load_substitutions
    from fixtures.bua.aws import SEED_FILE
    from handlers.bua.lambdas import HANDLERS

    event = json.loads(Path(event_file).read_text())
    machines = ROOT / "machines" / "bua"
    machine = StateMachine.from_file(machines / "bua.asl.json",
                                     substitutions=load_substitutions(machines / "substitutions.json"))
    with LocalAws(state_dir=directory, reset=True) as aws:
        aws.seed(load_seed_file(SEED_FILE))  # as --aws-seed does on every run: what exists is kept
        if pause:
            _pause(aws, pause, event["run_date"])
        execution = machine.execute(event, handlers=HANDLERS,
                                    clock=VirtualClock(start="2024-10-01T01:00:00Z", frozen=True))
        started = {child.state_machine_name.removeprefix("bua-"): child.arn for child in execution.children}
    print("DONE " + json.dumps({"status": execution.status, "error": execution.error, "cause": execution.cause,
                                "started": started}), flush=True)


def main(argv: list[str]) -> None:
    from aslrun.localaws import LocalAws

    command, directory = argv[0], argv[1]
    if command == "change":
        with LocalAws(state_dir=directory, reset=True) as aws:
            if argv[3:] == ["base"]:
                aws.seed(BASE)
            CASES[argv[2]](aws)
            _ready(aws)
            _wait_forever()
    elif command == "save-crash":
        _crash_at(argv[2])
        with LocalAws(state_dir=directory, reset=True) as aws:
            aws.seed(BASE)
            _changes_then_save(aws)
            _ready(aws)
        _die()  # (after-save: the save finished; still no clean exit)
    elif command == "object-crash":
        from aslrun.localaws import journal, state_dir

        with LocalAws(state_dir=directory, reset=True) as aws:
            if argv[2] == "before-entry":
                append = journal.Journal.append
                journal.Journal.append = lambda self, change: _die() if change["change"] == "object" \
                    else append(self, change)
            else:
                state_dir.ObjectFiles.install = lambda *args: _die()
            CASES["s3-overwrite"](aws)
    elif command == "hold":
        with LocalAws(state_dir=directory, reset=True) as aws:
            aws.put_object("held-bucket", "k.txt", "written by the holder")
            print(f"READY {os.getpid()}", flush=True)
            _wait_forever()
    elif command == "bua":
        _bua(directory, argv[2], argv[3] if argv[3:] else None)
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv[1:])
