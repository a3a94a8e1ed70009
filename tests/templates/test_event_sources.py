"""A template's event sources run end to end on the local AWS: SQS event source mappings (batches,
partial batch failures, the redrive policy), SNS subscriptions of functions (filter policies, Lambda's
asynchronous retries), EventBridge rules and schedules starting state machines and invoking functions
(Input, InputPath, InputTransformer), and functions starting state machines through boto3."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest

from aslrun.templates import TemplateError, load_template
from aslrun.templates.event_delivery import EventsStillFlowing

RECORDER = """\
import os

CALLS = []


def handler(event, context):
    CALLS.append(event)
    mode = os.environ.get("MODE", "ok")
    records = event.get("Records") or [] if isinstance(event, dict) else []
    if mode == "report":
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records if "bad" in r["body"]]}
    if mode == "malformed":
        return {"batchItemFailures": [{"itemIdentifier": ""}]}
    # "bad" in a message's own text, not anywhere in its record (a random id or signature may hold it)
    if mode == "fail" or any("bad" in str(r.get("body", r.get("Sns", {}).get("Message", ""))) for r in records):
        raise ValueError("cannot take it")
    if mode == "flaky" and len(CALLS) < 3:
        raise RuntimeError("not yet")
    return {"ok": True}
"""


def template(resources: str) -> str:
    return "Transform: AWS::Serverless-2016-10-31\nResources:\n" + textwrap.indent(textwrap.dedent(resources), "  ")


def function(name: str, mode: str, events: str = "") -> str:
    text = f"""\
    {name}:
      Type: AWS::Serverless::Function
      Properties:
        Runtime: python3.12
        CodeUri: src
        Handler: recorder.handler
        Environment: {{Variables: {{MODE: {mode}}}}}
"""
    if events:
        text += "        Events:\n" + textwrap.indent(textwrap.dedent(events), " " * 10)
    return textwrap.dedent(text)


def calls(app: Any, logical_id: str = "Fn") -> list[Any]:
    module = app.functions[logical_id].handler.module
    return module.CALLS


@pytest.fixture
def deployed(write, aws):
    """``deployed(template_text)``: the app loaded and attached to a fresh local AWS (its runtime)."""
    runtimes = []

    def _deployed(text: str) -> Any:
        path = write("template.yaml", text, {"src/recorder.py": RECORDER})
        app = load_template(path)
        runtime = app.deploy(aws)
        runtimes.append(runtime)
        return runtime

    yield _deployed
    for runtime in runtimes:
        runtime.detach()


# -- SQS event source mappings -------------------------------------------------------------------------

QUEUE = """\
Work:
  Type: AWS::SQS::Queue
  Properties:
    RedrivePolicy: {deadLetterTargetArn: !GetAtt Dead.Arn, maxReceiveCount: 2}
Dead: {Type: AWS::SQS::Queue}
Plain: {Type: AWS::SQS::Queue, Properties: {VisibilityTimeout: 600}}
"""


def sqs_events(queue: str = "Work", size: int = 10, report: bool = False) -> str:
    types = "\n    FunctionResponseTypes: [ReportBatchItemFailures]" if report else ""
    return f"Q:\n  Type: SQS\n  Properties:\n    Queue: !GetAtt {queue}.Arn\n    BatchSize: {size}{types}\n"


def test_a_message_on_a_mapped_queue_reaches_the_function_as_lambdas_sqs_event(deployed, aws):
    runtime = deployed(template(QUEUE + function("Fn", "ok", sqs_events())))
    app = runtime.app
    done = runtime.send_message("Work", {"order": 7})
    assert [(d.source, d.target, d.outcome) for d in done] == [("FnQ", "Fn", "succeeded")]
    (event,) = calls(app)
    (record,) = event["Records"]
    queue_name = app.names.physical_name("Work")
    assert record["body"] == '{"order": 7}'
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == f"arn:aws:sqs:us-east-1:123456789012:{queue_name}"
    assert record["awsRegion"] == "us-east-1"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= set(record["attributes"])
    assert record["md5OfBody"] and record["receiptHandle"] and record["messageId"]
    assert aws.queue_bodies(queue_name) == []  # a batch that succeeded is deleted


def test_batches_follow_batch_size_beyond_ten_messages(deployed, aws):
    runtime = deployed(template(QUEUE + function("Fn", "ok", sqs_events("Plain", size=20))))
    sqs = aws.client("sqs")
    url = sqs.get_queue_url(QueueName=runtime.app.names.physical_name("Plain"))["QueueUrl"]
    for number in range(25):
        sqs.send_message(QueueUrl=url, MessageBody=str(number))
    runtime.deliver()
    assert [len(event["Records"]) for event in calls(runtime.app)] == [20, 5]
    assert sorted(int(r["body"]) for e in calls(runtime.app) for r in e["Records"]) == list(range(25))


def test_reported_batch_item_failures_stay_and_move_to_the_dead_letter_queue_after_max_receives(deployed, aws):
    runtime = deployed(template(QUEUE + function("Fn", "report", sqs_events(report=True))))
    app = runtime.app
    sqs = aws.client("sqs")
    url = sqs.get_queue_url(QueueName=app.names.physical_name("Work"))["QueueUrl"]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "1", "MessageBody": "good"},
                                                  {"Id": "2", "MessageBody": "bad"}])
    done = runtime.deliver()
    assert [(d.outcome, d.detail) for d in done] == [
        ("partial", "2 message(s), 1 kept for retry"),
        ("failed", "1 message(s), 1 moved to the dead-letter queue")]
    assert [[r["body"] for r in event["Records"]] for event in calls(app)] == [["good", "bad"], ["bad"]]
    assert calls(app)[1]["Records"][0]["attributes"]["ApproximateReceiveCount"] == "2"
    assert aws.queue_bodies(app.names.physical_name("Work")) == []
    assert aws.queue_bodies(app.names.physical_name("Dead")) == ["bad"]


def test_a_malformed_batch_item_failures_reply_fails_the_whole_batch(deployed, aws):
    runtime = deployed(template(QUEUE + function("Fn", "malformed", sqs_events(report=True))))
    done = runtime.send_message("Work", "one")
    assert done[0].outcome == "failed" and "malformed" in done[0].detail
    assert aws.queue_bodies(runtime.app.names.physical_name("Dead")) == ["one"]


def test_without_report_batch_item_failures_a_reply_naming_failures_is_success(deployed, aws):
    runtime = deployed(template(QUEUE + function("Fn", "report", sqs_events(report=False))))
    done = runtime.send_message("Work", "bad")
    assert [d.outcome for d in done] == ["succeeded"]
    assert aws.queue_bodies(runtime.app.names.physical_name("Work")) == []


def test_a_function_error_without_a_redrive_policy_leaves_the_message_invisible_until_its_timeout(deployed, aws):
    runtime = deployed(template(QUEUE + function("Fn", "fail", sqs_events("Plain"))))
    done = runtime.send_message("Plain", "m")
    assert [(d.outcome, d.detail) for d in done] == [
        ("failed", "1 message(s), 1 kept for retry; ValueError: cannot take it")]
    assert runtime.deliver() == []  # invisible for the queue's 600 s: not retried yet
    attributes = aws.client("sqs").get_queue_attributes(
        QueueUrl=aws.client("sqs").get_queue_url(QueueName=runtime.app.names.physical_name("Plain"))["QueueUrl"],
        AttributeNames=["ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"


def test_a_disabled_mapping_is_not_polled(deployed, aws):
    events = sqs_events("Plain") + "    Enabled: false\n"
    runtime = deployed(template(QUEUE + function("Fn", "ok", events)))
    assert runtime.send_message("Plain", "m") == []
    assert aws.queue_bodies(runtime.app.names.physical_name("Plain")) == ["m"]


def test_events_that_feed_themselves_are_stopped(write, aws):
    code = ("import boto3, os\n\ndef handler(event, context):\n"
            "    boto3.client('sqs').send_message(QueueUrl=os.environ['URL'], MessageBody='again')\n")
    text = template("""\
        Loop: {Type: AWS::SQS::Queue}
        Fn:
          Type: AWS::Serverless::Function
          Properties:
            Runtime: python3.12
            CodeUri: src
            Handler: loop.handler
            Environment: {Variables: {URL: !Ref Loop}}
            Events:
              Q: {Type: SQS, Properties: {Queue: !GetAtt Loop.Arn}}
        """)
    app = load_template(write("template.yaml", text, {"src/loop.py": code}))
    with app.deploy(aws) as runtime:
        runtime.aws.client("sqs").send_message(QueueUrl=runtime._queue_url(app.names.physical_name("Loop")),
                                               MessageBody="start")
        with pytest.raises(EventsStillFlowing, match="feed its own event source"):
            runtime.deliver(limit=20)


# -- SNS subscriptions of functions ----------------------------------------------------------------------

def test_a_published_notification_reaches_a_subscribed_function_as_lambdas_sns_event(deployed):
    runtime = deployed(template("Topic: {Type: AWS::SNS::Topic}\n" + function(
        "Fn", "ok", "T: {Type: SNS, Properties: {Topic: !Ref Topic}}\n")))
    done = runtime.publish("Topic", {"a": 1}, subject="Hello", attributes={"kind": "test"})
    assert [(d.source, d.outcome) for d in done] == [("FnT", "succeeded")]
    (event,) = calls(runtime.app)
    (record,) = event["Records"]
    topic_arn = runtime.app.names.arn("Topic")
    assert record["EventSource"] == "aws:sns" and record["EventVersion"] == "1.0"
    assert record["EventSubscriptionArn"].startswith(topic_arn + ":")
    sns = record["Sns"]
    assert (sns["Type"], sns["TopicArn"], sns["Subject"], sns["Message"]) == (
        "Notification", topic_arn, "Hello", '{"a": 1}')
    assert sns["MessageAttributes"] == {"kind": {"Type": "String", "Value": "test"}}
    assert {"MessageId", "Timestamp", "Signature", "SigningCertUrl", "UnsubscribeUrl"} <= set(sns)


def test_a_filter_policy_decides_which_notifications_reach_the_function(deployed):
    subscription = """\
    Sub:
      Type: AWS::SNS::Subscription
      Properties:
        TopicArn: !Ref Topic
        Protocol: lambda
        Endpoint: !GetAtt Fn.Arn
        FilterPolicy: {kind: [wanted]}
    """
    runtime = deployed(template("Topic: {Type: AWS::SNS::Topic}\n" + function("Fn", "ok") + textwrap.dedent(subscription)))
    assert runtime.publish("Topic", "no", attributes={"kind": "other"}) == []
    assert [d.outcome for d in runtime.publish("Topic", "yes", attributes={"kind": "wanted"})] == ["succeeded"]
    assert [e["Records"][0]["Sns"]["Message"] for e in calls(runtime.app)] == ["yes"]


def test_asynchronous_invocations_are_retried_twice_then_dropped(deployed):
    flaky = deployed(template("Topic: {Type: AWS::SNS::Topic}\n" + function(
        "Fn", "flaky", "T: {Type: SNS, Properties: {Topic: !Ref Topic}}\n")))
    assert [(d.outcome, d.detail) for d in flaky.publish("Topic", "x")] == [("succeeded", "after 2 retries")]
    flaky.detach()


def test_an_asynchronous_invocation_failing_three_times_is_dropped(deployed):
    failing = deployed(template("Topic: {Type: AWS::SNS::Topic}\n" + function(
        "Fn", "fail", "T: {Type: SNS, Properties: {Topic: !Ref Topic}}\n")))
    (delivery,) = failing.publish("Topic", "x")
    assert delivery.outcome == "dropped"
    assert delivery.detail == "failed 3 times, last ValueError: cannot take it"
    assert len(calls(failing.app)) == 3


# -- EventBridge rules and schedules -------------------------------------------------------------------------

MACHINE = """\
Flow:
  Type: AWS::Serverless::StateMachine
  Properties:
    Definition: {StartAt: P, States: {P: {Type: Pass, End: true}}}
    Events:
"""


def machine(events: str) -> str:
    return MACHINE + textwrap.indent(textwrap.dedent(events), " " * 6)


def test_a_rule_starts_a_state_machine_with_the_events_detail(deployed):
    runtime = deployed(template(machine("""\
        OnOrder:
          Type: EventBridgeRule
          Properties:
            Pattern: {source: [shop], detail-type: [Order]}
            InputPath: $.detail
        """)))
    assert runtime.put_event("shop", "Refund", {"id": 1}) == []  # does not match
    (delivery,) = runtime.put_event("shop", "Order", {"id": 7})
    assert (delivery.source, delivery.target, delivery.outcome) == ("FlowOnOrder", "Flow", "succeeded")
    assert delivery.execution.output == {"id": 7}
    assert delivery.execution.arn.startswith(runtime.app.state_machines["Flow"].arn.replace(":stateMachine:",
                                                                                              ":execution:"))


def test_a_rule_without_input_settings_sends_the_whole_event(deployed):
    runtime = deployed(template(machine("E: {Type: EventBridgeRule, Properties: {Pattern: {source: [shop]}}}\n")))
    (delivery,) = runtime.put_event("shop", "Order", {"id": 7})
    event = delivery.execution.output
    assert (event["source"], event["detail-type"], event["detail"]) == ("shop", "Order", {"id": 7})
    assert {"version", "id", "account", "time", "region", "resources"} <= set(event)


def test_an_input_transformer_places_the_events_values(deployed):
    runtime = deployed(template(machine("""\
        E:
          Type: EventBridgeRule
          Properties:
            Pattern: {source: [shop]}
            InputTransformer:
              InputPathsMap: {id: $.detail.id, who: $.detail.customer, missing: $.detail.nothing}
              InputTemplate: '{"order": <id>, "customer": <who>, "text": "order <id> for <who>", "gone": <missing>, "rule": "<aws.events.rule-name>"}'
        """)))
    (delivery,) = runtime.put_event("shop", "Order", {"id": 7, "customer": "Ann \"A\""})
    assert delivery.execution.output == {"order": 7, "customer": 'Ann "A"', "text": 'order 7 for Ann "A"',
                                         "gone": None, "rule": runtime.sources.rules[0].name}


def test_a_rule_on_a_custom_bus_sees_only_that_bus(deployed):
    runtime = deployed(template("Bus: {Type: AWS::Events::EventBus, Properties: {Name: orders}}\n" + machine("""\
        E:
          Type: EventBridgeRule
          Properties: {EventBusName: !Ref Bus, Pattern: {source: [shop]}, InputPath: $.detail}
        """)))
    assert runtime.put_event("shop", "Order", {"id": 1}) == []  # the default bus
    assert [d.execution.output for d in runtime.put_event("shop", "Order", {"id": 2}, bus="orders")] == [{"id": 2}]


def test_a_rule_invokes_a_function_asynchronously(deployed):
    runtime = deployed(template(function("Fn", "ok", "E: {Type: EventBridgeRule, Properties: {Pattern: {source: [x]}}}\n")))
    assert [d.outcome for d in runtime.put_event("x", "T", {"n": 1})] == ["succeeded"]
    assert calls(runtime.app)[0]["detail"] == {"n": 1}


def test_a_state_machines_put_events_task_sets_off_a_rule(deployed):
    sender = """\
    Sender:
      Type: AWS::Serverless::StateMachine
      Properties:
        Definition:
          StartAt: Put
          States:
            Put:
              Type: Task
              Resource: arn:aws:states:::events:putEvents
              Parameters:
                Entries: [{Source: billing, DetailType: Billed, Detail: {account.$: $.account}}]
              End: true
    """
    runtime = deployed(template(textwrap.dedent(sender) + machine(
        "E: {Type: EventBridgeRule, Properties: {Pattern: {source: [billing]}, InputPath: $.detail}}\n")))
    sent = runtime.execute("Sender", {"account": "A-1"})
    assert sent.status == "SUCCEEDED", sent.cause
    (delivery,) = runtime.deliveries
    assert (delivery.target, delivery.execution.output) == ("Flow", {"account": "A-1"})


def test_a_scheduled_rule_fires_when_asked_with_a_scheduled_event(deployed):
    runtime = deployed(template(machine("""\
        Nightly: {Type: Schedule, Properties: {Schedule: rate(1 day)}}
        Fixed: {Type: Schedule, Properties: {Schedule: cron(0 0 1 * ? *), Input: '{"n": 1}'}}
        V2: {Type: ScheduleV2, Properties: {ScheduleExpression: rate(1 hour)}}
        Sydney: {Type: ScheduleV2, Properties: {ScheduleExpression: cron(0 9 * * ? *),
                                                 ScheduleExpressionTimezone: Australia/Sydney}}
        """)))
    assert runtime.sources.rule("FlowSydney").timezone == "Australia/Sydney"  # (serve fires it at 09:00 there)
    assert runtime.sources.rule("FlowV2").timezone == "UTC"
    (nightly,) = runtime.fire("FlowNightly")
    event = nightly.execution.output
    rule = runtime.sources.rule("FlowNightly")
    assert (event["detail-type"], event["source"], event["resources"], event["detail"]) == (
        "Scheduled Event", "aws.events", [rule.arn], {})
    assert [d.execution.output for d in runtime.fire("FlowFixed")] == [{"n": 1}]
    assert [d.execution.output for d in runtime.fire("FlowV2")] == [{}]


def test_firing_a_pattern_rule_or_an_unknown_one_is_refused(deployed):
    runtime = deployed(template(machine("E: {Type: EventBridgeRule, Properties: {Pattern: {source: [x]}}}\n")))
    with pytest.raises(TemplateError, match="event pattern, not a schedule"):
        runtime.fire("FlowE")
    with pytest.raises(TemplateError, match="no rule or schedule 'Nope'.*FlowE"):
        runtime.fire("Nope")


# -- functions starting state machines ------------------------------------------------------------------------

STARTER = """\
import json
import os

import boto3

RESULTS = []


def handler(event, context):
    client = boto3.client("stepfunctions")
    arn = os.environ["MACHINE"]
    started = client.start_execution(stateMachineArn=arn, name=event["name"], input=json.dumps(event["input"]))
    RESULTS.append(client.describe_execution(executionArn=started["executionArn"])["status"])
    try:
        client.start_execution(stateMachineArn=arn, name=event["name"], input=json.dumps({"other": 1}))
    except client.exceptions.ExecutionAlreadyExists as exc:
        RESULTS.append(exc.response["Error"]["Message"])
    again = client.start_execution(stateMachineArn=arn, name=event["name"], input=json.dumps(event["input"]))
    RESULTS.append(again["executionArn"] == started["executionArn"])
    RESULTS.append(type(started["startDate"]).__name__)
    return started["executionArn"]
"""


def test_a_function_starts_a_state_machine_through_boto3(write, aws):
    text = template("""\
        Flow:
          Type: AWS::Serverless::StateMachine
          Properties:
            Definition: {StartAt: P, States: {P: {Type: Pass, Result: done, End: true}}}
        Starter:
          Type: AWS::Serverless::Function
          Properties:
            Runtime: python3.12
            CodeUri: src
            Handler: starter.handler
            Environment: {Variables: {MACHINE: !Ref Flow}}
        Caller:
          Type: AWS::Serverless::StateMachine
          Properties:
            Definition:
              StartAt: Call
              States:
                Call: {Type: Task, Resource: !GetAtt Starter.Arn, End: true}
        """)
    app = load_template(write("template.yaml", text, {"src/starter.py": STARTER}))
    with app.deploy(aws) as runtime:
        caller = runtime.execute("Caller", {"name": "run-1", "input": {"n": 1}})
        assert caller.status == "SUCCEEDED", caller.cause
        arn = caller.output
        results = app.functions["Starter"].handler.module.RESULTS
        assert results == ["RUNNING", f"Execution Already Exists: '{arn}'", True, "datetime"]
        (delivery,) = runtime.deliveries
        assert (delivery.source, delivery.target, delivery.execution.output) == ("StartExecution", "Flow", "done")
        described = aws.client("stepfunctions").describe_execution(executionArn=arn)
        assert (described["status"], described["output"], described["input"]) == ("SUCCEEDED", '"done"', '{"n": 1}')
    # detached: the calls are no longer answered by the template
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError):
        aws.client("stepfunctions").describe_execution(executionArn=arn)


def test_start_sync_execution_runs_an_express_machine_inside_the_call(write, aws):
    code = ("import boto3, json, os\n\ndef handler(event, context):\n"
            "    reply = boto3.client('stepfunctions').start_sync_execution(stateMachineArn=os.environ['MACHINE'], "
            "input=json.dumps(event))\n"
            "    return {'status': reply['status'], 'output': json.loads(reply['output'])}\n")
    text = template("""\
        Express:
          Type: AWS::Serverless::StateMachine
          Properties:
            Type: EXPRESS
            Definition: {StartAt: P, States: {P: {Type: Pass, Parameters: {doubled.$: 'States.MathAdd($.n, $.n)'}, End: true}}}
        Fn:
          Type: AWS::Serverless::Function
          Properties: {Runtime: python3.12, CodeUri: src, Handler: sync.handler, Environment: {Variables: {MACHINE: !Ref Express}}}
        Caller:
          Type: AWS::Serverless::StateMachine
          Properties:
            Definition: {StartAt: Call, States: {Call: {Type: Task, Resource: !GetAtt Fn.Arn, End: true}}}
        """)
    app = load_template(write("template.yaml", text, {"src/sync.py": code}))
    with app.deploy(aws) as runtime:
        caller = runtime.execute("Caller", {"n": 21})
    assert caller.output == {"status": "SUCCEEDED", "output": {"doubled": 42}}


def test_start_execution_errors_are_the_modeled_exceptions(write, aws):
    text = template("Flow:\n  Type: AWS::Serverless::StateMachine\n  Properties:\n"
                    "    Definition: {StartAt: P, States: {P: {Type: Pass, End: true}}}\n")
    app = load_template(write("template.yaml", text))
    arn = app.state_machines["Flow"].arn
    with app.deploy(aws):
        client = aws.client("stepfunctions")
        with pytest.raises(client.exceptions.InvalidName, match="Invalid Name: 'a b'"):
            client.start_execution(stateMachineArn=arn, name="a b")
        with pytest.raises(client.exceptions.InvalidExecutionInput, match="Invalid State Machine Execution Input"):
            client.start_execution(stateMachineArn=arn, input="{nope")
        with pytest.raises(client.exceptions.StateMachineTypeNotSupported):
            client.start_sync_execution(stateMachineArn=arn, input="{}")  # a standard machine


# -- templates that cannot be wired --------------------------------------------------------------------------

def test_a_mapping_to_a_function_the_template_lacks_is_refused_naming_it(write):
    text = """\
        Resources:
          Work: {Type: AWS::SQS::Queue}
          Mapping:
            Type: AWS::Lambda::EventSourceMapping
            Properties: {EventSourceArn: !GetAtt Work.Arn, FunctionName: elsewhere}
        """
    with pytest.raises(TemplateError, match=r"Resources\.Mapping\.Properties\.FunctionName: 'elsewhere' is not a "
                                            r"function of this template"):
        load_template(write("template.yaml", text))


def test_a_rule_with_neither_pattern_nor_schedule_is_refused(write):
    text = """\
        Resources:
          Rule: {Type: AWS::Events::Rule, Properties: {Targets: []}}
        """
    with pytest.raises(TemplateError, match=r"Resources\.Rule\.Properties: a rule has an EventPattern or a "
                                            r"ScheduleExpression"):
        load_template(write("template.yaml", text))


def test_an_out_of_range_batch_size_is_refused(write):
    text = template(QUEUE + function("Fn", "ok", sqs_events(size=0)))
    with pytest.raises(TemplateError, match=r"FnQ\.Properties\.BatchSize: must be between 1 and 10000"):
        load_template(write("template.yaml", text, {"src/recorder.py": RECORDER}))


def test_event_sources_are_listed_on_the_app(write):
    text = template(QUEUE + "Topic: {Type: AWS::SNS::Topic}\n" + function(
        "Fn", "ok", sqs_events(report=True) + "T: {Type: SNS, Properties: {Topic: !Ref Topic}}\n"))
    sources = load_template(write("template.yaml", text, {"src/recorder.py": RECORDER})).event_sources
    (queue,) = sources.queues
    assert (queue.function, queue.batch_size, queue.report_batch_item_failures) == ("Fn", 10, True)
    assert [t.function for t in sources.topics] == ["Fn"]
    assert json.loads(json.dumps(sources.rules)) == []


# -- the command line --------------------------------------------------------------------------------------------

def test_aslrun_aws_trigger_fires_a_schedule_and_names_unknown_sources(write, tmp_path):
    from click.testing import CliRunner

    from aslrun.cli import main

    path = write("template.yaml", template("Topic: {Type: AWS::SNS::Topic}\n" + machine(
        "Nightly: {Type: Schedule, Properties: {Schedule: rate(1 day), Input: '{\"n\": 1}'}}\n")))
    state = ["--aws-state", str(tmp_path / "aws")]
    runner = CliRunner()
    fired = runner.invoke(main, ["aws", "trigger", str(path), "--schedule", "FlowNightly", "--json", *state])
    assert fired.exit_code == 0, fired.output
    (delivery,) = json.loads(fired.output)
    assert (delivery["source"], delivery["target"], delivery["outcome"]) == ("FlowNightly", "Flow", "succeeded")
    assert delivery["execution"]["output"] == {"n": 1}

    typo = runner.invoke(main, ["aws", "trigger", str(path), "--topic", "Topik", "--message", "hi", *state])
    assert typo.exit_code == 2
    assert "no topic 'Topik' in the local AWS (did you mean 'Topic'?); the template's: Topic" in typo.output
    nothing = runner.invoke(main, ["aws", "trigger", str(path), "--topic", "Topic", "--message", "hi", *state])
    assert (nothing.exit_code, nothing.output.strip()) == (0, "nothing was delivered: no event source of the "
                                                              "template took it")
    both = runner.invoke(main, ["aws", "trigger", str(path), "--topic", "Topic", "--schedule", "FlowNightly", *state])
    assert both.exit_code == 2 and "give one of --topic, --schedule, not several" in both.output


def test_a_target_that_refuses_the_event_is_a_dropped_delivery_not_a_crash(write, aws):
    text = template("""\
        Rule:
          Type: AWS::Events::Rule
          Properties:
            EventPattern: {source: [shop]}
            Targets: [{Id: gone, Arn: arn:aws:sqs:us-east-1:123456789012:no-such-queue}]
        """)
    app = load_template(write("template.yaml", text))
    with app.deploy(aws) as runtime:
        (delivery,) = runtime.put_event("shop", "Order", {"id": 1})
        assert (delivery.target, delivery.outcome) == ("arn:aws:sqs:us-east-1:123456789012:no-such-queue", "dropped")
        assert "QueueDoesNotExist" in delivery.detail
        assert runtime.deliver() == []  # not retried for ever
