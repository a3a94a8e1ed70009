"""The plain CloudFormation fixture: Parameters with defaults, Conditions with Fn::If, Mappings, an inline
Definition object, and the queues, topic, table, bus and conditional bucket it seeds."""

from __future__ import annotations

import json

from aslrun.templates import load_template

from tests.helpers.templates import CFN_INTAKE

ORDER = {"orderId": "o-1", "qty": 2}


def test_defaults_deploy_the_development_stack():
    app = load_template(CFN_INTAKE)
    machine = app.state_machines["IntakeStateMachine"]
    assert machine.name == "intake-intake-dev"
    assert machine.role_arn == "arn:aws:iam::123456789012:role/intake"
    assert machine.definition["Comment"] == "intake (development)"
    settings = machine.definition["States"]["Describe"]["Parameters"]["settings"]
    assert "archive" not in settings  # Fn::If chose AWS::NoValue
    assert settings["env"] == "dev" and settings["owner"] == "ops" and settings["zone"] == "us-east-1b"
    assert settings["host"] == "sqs.us-east-1.amazonaws.com"
    assert "s3" not in app.seed  # the bucket's condition is false


def test_a_parameter_turns_the_condition_on():
    app = load_template(CFN_INTAKE, parameters={"Env": "prod"})
    machine = app.state_machines["IntakeStateMachine"]
    assert machine.definition["Comment"] == "intake (production)"
    bucket = machine.definition["States"]["Describe"]["Parameters"]["settings"]["archive"]
    assert bucket.startswith("intake-archivebucket-")
    assert app.seed["s3"] == {bucket: {}}
    queue = app.seed["sqs"][next(name for name in app.seed["sqs"] if "OrdersQueue" in name)]
    assert queue["attributes"]["MessageRetentionPeriod"] == "1209600"  # Fn::FindInMap by Env


def test_the_seed_has_every_resource_under_its_physical_name():
    seed = load_template(CFN_INTAKE).seed
    table, = seed["dynamodb"].values()
    assert table == {"key": {"orderId": "S"}, "indexes": {"byStatus": {"key": {"status": "S"}}}}
    orders = next(name for name in seed["sqs"] if "OrdersQueue" in name)
    assert orders.startswith("intake-OrdersQueue-") and orders.endswith(".fifo")
    attributes = seed["sqs"][orders]["attributes"]
    assert json.loads(attributes["RedrivePolicy"]) == {
        "deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:intake-orders-dlq.fifo", "maxReceiveCount": 3}
    assert attributes["FifoQueue"] == "true" and attributes["ContentBasedDeduplication"] == "true"
    topic, = seed["sns"].values()
    assert topic["subscriptions"][0]["endpoint"].startswith("arn:aws:sqs:us-east-1:123456789012:intake-AlertsQueue-")
    assert seed["events"] == {"intake-events": {}}


def test_the_machine_runs_against_the_seeded_local_aws(aws):
    app = load_template(CFN_INTAKE)
    aws.seed(app.seed)
    execution = app.execute(input=ORDER)
    assert execution.status == "SUCCEEDED", execution.cause
    table = next(iter(app.seed["dynamodb"]))
    assert aws.table_items(table) == [{"orderId": "o-1", "status": "NEW"}]
    orders = next(name for name in app.seed["sqs"] if "OrdersQueue" in name)
    assert aws.queue_bodies(orders, parse_json=True) == [ORDER]
    alerts = next(name for name in app.seed["sqs"] if "AlertsQueue" in name)
    notification, = aws.queue_bodies(alerts, parse_json=True)
    assert json.loads(notification["Message"]) == ORDER  # delivered through the topic's subscription
