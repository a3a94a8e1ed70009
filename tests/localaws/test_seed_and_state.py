"""Seeding the local AWS, looking into it, and keeping it in a state directory between runs."""

from __future__ import annotations

import json

import pytest

from aslrun import InputError
from aslrun.localaws import LocalAws
from aslrun.localaws.seed import load_seed_file

SEED = {
    "dynamodb": {"control": {"key": {"pk": "S", "sk": "N"}, "indexes": {"byStatus": {"key": {"status": "S"}}},
                             "items": [{"pk": "BUA", "sk": 1, "status": "DONE", "ratio": 0.5, "tags": ["a"]}],
                             "typed_items": [{"pk": {"S": "BUA"}, "sk": {"N": "2"}, "status": {"S": "RUNNING"}}]}},
    "sqs": {"work": {"messages": ["plain", {"site": "S1"}]}, "jobs.fifo": {"messages": ["one"]}},
    "sns": {"notify": {"subscriptions": [{"protocol": "sqs", "endpoint": "work"}]}},
    "s3": {"bua-data": {"export/a.csv": "id\n1\n", "config.json": {"json": {"x": 1}},
                        "blob.bin": {"base64": "AAEC"}}},
    "ssm": {"/bua/env": "tst", "/bua/db/password": {"value": "s3cret", "type": "SecureString",
                                                    "description": "the database's"}},
    "secretsmanager": {"bua/db": "hunter2", "bua/api": {"json": {"key": "abc"}}, "bua/cert": {"base64": "AAEC"}},
    "tags": {"arn:aws:dynamodb:us-east-1:123456789012:table/control": {"team": "billing"},
             "arn:aws:sqs:us-east-1:123456789012:work": {"team": "billing", "queue": "work"},
             "arn:aws:sns:us-east-1:123456789012:notify": {"team": "billing"},
             "arn:aws:s3:::bua-data": {"team": "billing"}},
    "events": {"default": {"rules": {"bills-ready": {
        "pattern": {"source": ["billing"]}, "description": "bills to the notifier",
        "targets": [{"Id": "work", "Arn": "arn:aws:sqs:us-east-1:123456789012:work", "InputPath": "$.detail"}]}}}},
    "iam": {"policies": {"write-bills": {"path": "/billing/", "document": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": "*"}]}}},
            "roles": {"runs-functions": {
                "assume_role_policy": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
                                      '"Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}]}',
                "path": "/service-role/", "inline_policies": {"logs": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}]}},
                "managed_policies": ["arn:aws:iam::123456789012:policy/billing/write-bills"],
                "tags": {"team": "billing"}}}},
}


def test_seed_creates_what_it_names_and_inspection_reads_it(aws):
    aws.seed(SEED)
    assert aws.describe() == {
        "dynamodb": {"control": 2},
        "sqs": {"work": 2, "jobs.fifo": 1},
        "sns": {"notify": ["arn:aws:sqs:us-east-1:123456789012:work"]},
        "s3": {"bua-data": {"blob.bin": 3, "config.json": 7, "export/a.csv": 5}},
        "ssm": {"/bua/env": "String", "/bua/db/password": "SecureString"},
        "secretsmanager": ["bua/db", "bua/api", "bua/cert"],
        "iam": ["runs-functions"],
        "events": {"default": {"bills-ready": 1}},
        "scheduler": {},
    }
    work = aws.client("sqs").get_queue_url(QueueName="work")["QueueUrl"]
    assert aws.client("sqs").list_queue_tags(QueueUrl=work)["Tags"] == {"team": "billing", "queue": "work"}
    assert aws.client("s3").get_bucket_tagging(Bucket="bua-data")["TagSet"] == [{"Key": "team", "Value": "billing"}]
    role = aws.client("iam").get_role(RoleName="runs-functions")["Role"]
    assert role["Arn"] == "arn:aws:iam::123456789012:role/service-role/runs-functions"
    assert aws.client("iam").list_attached_role_policies(RoleName="runs-functions")["AttachedPolicies"] == [
        {"PolicyName": "write-bills", "PolicyArn": "arn:aws:iam::123456789012:policy/billing/write-bills"}]
    parameter = aws.client("ssm").get_parameter(Name="/bua/db/password", WithDecryption=True)["Parameter"]
    assert parameter["Value"] == "s3cret"
    secrets = aws.client("secretsmanager")
    assert json.loads(secrets.get_secret_value(SecretId="bua/api")["SecretString"]) == {"key": "abc"}
    assert secrets.get_secret_value(SecretId="bua/cert")["SecretBinary"] == b"\x00\x01\x02"
    items = sorted(aws.table_items("control"), key=lambda item: item["sk"])
    assert items == [{"pk": "BUA", "sk": 1, "status": "DONE", "ratio": 0.5, "tags": ["a"]},
                     {"pk": "BUA", "sk": 2, "status": "RUNNING"}]
    assert aws.queue_bodies("work") == ["plain", '{"site":"S1"}']
    assert aws.queue_bodies("work") == ["plain", '{"site":"S1"}']  # reading does not receive
    assert aws.object_json("bua-data", "config.json") == {"x": 1}
    assert aws.object_bytes("bua-data", "blob.bin") == b"\x00\x01\x02"
    index = aws.client("dynamodb").describe_table(TableName="control")["Table"]["GlobalSecondaryIndexes"]
    assert index[0]["IndexName"] == "byStatus"


def test_a_state_directory_round_trips_the_whole_state(aws, tmp_path):
    aws.seed(SEED)
    before = aws.snapshot()
    aws.save(tmp_path / "state")
    assert (tmp_path / "state" / "state.json").is_file()
    assert (tmp_path / "state" / "objects" / "bua-data" / "export" / "a.csv").read_text() == "id\n1\n"
    with LocalAws(state_dir=tmp_path / "state", reset=True, autosave=False) as again:
        assert again.snapshot() == before


def test_changes_made_while_active_are_kept_on_a_clean_exit_and_after_a_failure(tmp_path):
    with LocalAws(state_dir=tmp_path, reset=True) as local:
        local.seed({"s3": {"kept-bucket": {}}})
        local.put_object("kept-bucket", "k", "v")
    with LocalAws(state_dir=tmp_path, reset=True) as local:
        assert local.object_text("kept-bucket", "k") == "v"
    with pytest.raises(RuntimeError), LocalAws(state_dir=tmp_path, reset=True) as local:
        local.put_object("kept-bucket", "also-kept", "x")
        raise RuntimeError("boom")
    with LocalAws(state_dir=tmp_path, reset=True) as local:  # acknowledged, so journaled: kept
        assert sorted(local.describe()["s3"]["kept-bucket"]) == ["also-kept", "k"]


def test_a_fresh_local_aws_is_empty(aws):
    aws.seed({"s3": {"some-bucket": {}}})
    with LocalAws(reset=True) as other:
        assert other.describe() == {"dynamodb": {}, "sqs": {}, "sns": {}, "s3": {}, "ssm": {}, "secretsmanager": [],
                                    "iam": [], "events": {}, "scheduler": {}}


@pytest.mark.parametrize("document, message", [
    ({"lambda": {}}, "seed: unknown section(s) lambda"),
    ({"dynamodb": {"t": {"key": {"pk": "X"}}}}, "seed: dynamodb.t.key.pk: the type must be S, N or B"),
    ({"dynamodb": {"t": {}}}, "seed: dynamodb.t.key must name the partition key"),
    ({"dynamodb": {"t": {"key": {"pk": "S"}, "items": ["x"]}}}, "seed: dynamodb.t.items[1] must be an object"),
    ({"s3": {"b": {}}}, "seed: s3.b: InvalidBucketName"),
    ({"s3": {"good-bucket": {"k": 5}}}, "seed: s3.good-bucket.k must be text"),
    ({"s3": {"good-bucket": {"k": {"file": "missing.bin"}}}}, "seed: s3.good-bucket.k: cannot read"),
    ({"sns": {"t": {"subscriptions": [{"protocol": "sqs"}]}}}, "seed: sns.t.subscriptions[1] needs 'endpoint'"),
    ({"ssm": {"/p": 5}}, "seed: ssm./p must be an object"),
    ({"ssm": {"/p": {"value": "x", "type": "Number"}}}, "seed: ssm./p.type must be one of String, StringList"),
    ({"secretsmanager": {"s": {"value": "x", "json": 1}}}, "seed: secretsmanager.s needs one of value"),
    ({"secretsmanager": {"s": {"base64": "%%"}}}, "seed: secretsmanager.s.base64 is not valid base64"),
    ({"iam": {"users": {}}}, "seed: 'iam' must be an object with 'roles' and/or 'policies'"),
    ({"tags": {"arn:aws:lambda:us-east-1:123456789012:function:f": {"a": "b"}}},
     "seed: tags: 'arn:aws:lambda:us-east-1:123456789012:function:f' is not the ARN of a DynamoDB table"),
    ({"tags": {"arn:aws:sqs:us-east-1:123456789012:none": {"a": "b"}}},
     "seed: tags: there is no arn:aws:sqs:us-east-1:123456789012:none"),
    ({"tags": {"arn:aws:s3:::b": "team"}}, "seed: 'tags' must map resource ARNs to their tags"),
    ({"s3_settings": {"good-bucket": {"cors": []}}}, "seed: s3_settings.good-bucket: unknown setting"),
    ({"s3_settings": {"good-bucket": {"versioning": "On"}}},
     "seed: s3_settings.good-bucket.versioning must be Enabled or Suspended"),
    ({"events": {"default": {"rules": {"r": {"targets": []}}}}},
     "seed: events.default.rules.r needs a pattern or a schedule"),
    ({"events": {"default": {"rules": {"r": {"pattern": {"source": ["x"]}, "target": []}}}}},
     "seed: events.default.rules.r: unknown field(s) target"),
    ({"events": {"default": {"rules": {"r": {"pattern": {"source": ["x"]}, "targets": [{"Id": "a"}]}}}}},
     "seed: events.default.rules.r.targets must be a list of targets, each with Id and Arn"),
    ({"iam": {"roles": {"r": {"assume_role_policy": "{not json"}}}},
     "seed: iam.roles.r.assume_role_policy is not a JSON policy document"),
    ({"iam": {"roles": {"r": {"assume_role_policy": {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}]},
        "managed_policies": ["arn:aws:iam::123456789012:policy/none"]}}}}, "seed: iam: NoSuchEntity"),
])
def test_a_bad_seed_says_where(aws, document, message):
    with pytest.raises(InputError) as raised:
        aws.seed(document)
    assert message in str(raised.value)


def test_seed_files_are_json_or_yaml_and_bad_ones_name_the_file(tmp_path):
    (tmp_path / "seed.yaml").write_text("s3:\n  my-bucket:\n    a.txt: hi\n")
    assert load_seed_file(tmp_path / "seed.yaml") == {"s3": {"my-bucket": {"a.txt": "hi"}}}
    (tmp_path / "seed.json").write_text(json.dumps({"sqs": ["q"]}))
    assert load_seed_file(tmp_path / "seed.json") == {"sqs": ["q"]}
    (tmp_path / "bad.json").write_text("{nope")
    with pytest.raises(InputError, match="bad.json: not valid JSON"):
        load_seed_file(tmp_path / "bad.json")
    with pytest.raises(InputError, match="missing.yaml: cannot read it"):
        load_seed_file(tmp_path / "missing.yaml")
    (tmp_path / "list.json").write_text("[]")
    with pytest.raises(InputError, match="must be an object"):
        load_seed_file(tmp_path / "list.json")


def test_a_corrupt_state_file_is_a_clear_error(tmp_path):
    (tmp_path / "state.json").write_text("{broken")
    with pytest.raises(InputError, match="state.json: not valid JSON"):
        LocalAws(state_dir=tmp_path, reset=True).start()


def test_event_buses_are_seeded_and_kept_in_a_state_directory(aws, tmp_path):
    aws.seed({"events": {"orders-bus": {}, "default": {}}})
    names = [bus["Name"] for bus in aws.client("events").list_event_buses()["EventBuses"]]
    assert sorted(names) == ["default", "orders-bus"]
    assert aws.snapshot()["events"] == {"orders-bus": {}}
    aws.seed({"events": ["orders-bus"]})  # seeding again keeps what exists
    aws.save(tmp_path / "state")
    with LocalAws(state_dir=tmp_path / "state", reset=True, autosave=False) as again:
        assert again.snapshot()["events"] == {"orders-bus": {}}


def test_a_queue_is_created_after_the_dead_letter_queue_it_names(aws, tmp_path):
    policy = '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:work-dlq","maxReceiveCount":"3"}'
    aws.seed({"sqs": {"work": {"attributes": {"RedrivePolicy": policy}}, "work-dlq": {}}})
    url = aws.client("sqs").get_queue_url(QueueName="work")["QueueUrl"]
    attributes = aws.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"]
    assert "work-dlq" in attributes["RedrivePolicy"]
    aws.save(tmp_path / "state")  # the snapshot lists "work" first: loading it must still work
    with LocalAws(state_dir=tmp_path / "state", reset=True, autosave=False) as again:
        assert sorted(again.describe()["sqs"]) == ["work", "work-dlq"]


FILTERED = {"sqs": {"wanted": {}},
            "sns": {"news": {"subscriptions": [{"protocol": "sqs", "endpoint": "wanted", "raw": True,
                                                "filter_policy": {"kind": ["big"]}}]}}}


def _publish_both(local: LocalAws) -> list[str]:
    sns = local.client("sns")
    arn = f"arn:aws:sns:{local.region}:{local.account}:news"
    for kind in ("small", "big"):
        sns.publish(TopicArn=arn, Message=kind, MessageAttributes={"kind": {"DataType": "String", "StringValue": kind}})
    return local.queue_bodies("wanted")


@pytest.mark.parametrize("how", ["snapshot", "journal"])
def test_a_subscriptions_filter_policy_is_kept_by_the_snapshot_and_the_journal(tmp_path, how):
    with LocalAws(state_dir=tmp_path, reset=True) as local:
        if how == "snapshot":
            local.seed(FILTERED)  # then saved as a snapshot on the clean exit
        else:
            local.seed({"sqs": FILTERED["sqs"], "sns": {"news": {}}})
            local.client("sns").subscribe(  # journaled as it is made; no snapshot taken below
                TopicArn=f"arn:aws:sns:{local.region}:{local.account}:news", Protocol="sqs",
                Endpoint=f"arn:aws:sqs:{local.region}:{local.account}:wanted",
                Attributes={"RawMessageDelivery": "true", "FilterPolicy": '{"kind": ["big"]}'})
            local.stop(save=False)
            local.start()
    with LocalAws(state_dir=tmp_path, reset=True, autosave=False) as again:
        (subscription,) = again.snapshot()["sns"]["news"]["subscriptions"]
        assert subscription == {"protocol": "sqs", "endpoint": f"arn:aws:sqs:{again.region}:{again.account}:wanted",
                                "raw": True, "filter_policy": {"kind": ["big"]},
                                "filter_policy_scope": "MessageAttributes"}
        assert _publish_both(again) == ["big"]


def test_local_aws_instances_share_one_session_and_its_clients_made_again_when_botocores_handlers_change(monkeypatch):
    """Each local AWS used to make its own session and read botocore's JSON data again (about 0.2 s),
    then its own clients (about 7 ms each); they share them, but a hook added to botocore's built-in
    handlers afterwards (as the journal and the answered calls add theirs) must still reach the
    clients made from then on."""
    from botocore import handlers

    from aslrun.localaws import emulator

    with LocalAws(reset=True) as first:
        client = first.client("sqs")
        session = emulator._SESSION[0][0]
        assert first.client("sqs", "eu-west-1") is not client  # one client per service and region
    with LocalAws(reset=True) as second:
        assert second.client("sqs") is client
        assert emulator._SESSION[0][0] is session

    calls: list[str] = []
    monkeypatch.setattr(handlers, "BUILTIN_HANDLERS", [*handlers.BUILTIN_HANDLERS,
                                                       ("before-call.sqs", lambda **kw: calls.append(kw["model"].name))])
    with LocalAws(reset=True) as third:
        third.client("sqs").list_queues()
        assert third.client("sqs") is not client
        assert emulator._SESSION[0][0] is not session
    assert calls == ["ListQueues"]
    assert emulator._SESSION  # kept for the next local AWS


def test_a_kept_client_reaches_only_the_local_aws_active_when_it_is_called(tmp_path):
    """A client kept for the process carries no state: what it writes goes to the local AWS active
    at the call (journaled in its state directory)."""
    with LocalAws(reset=True) as first:
        client = first.client("sqs")
        client.create_queue(QueueName="in-memory")
    with LocalAws(reset=True, state_dir=tmp_path) as second:
        assert second.client("sqs") is client
        assert client.list_queues().get("QueueUrls", []) == []
        client.create_queue(QueueName="kept")
    with LocalAws(reset=True, state_dir=tmp_path, autosave=False) as third:
        assert [url.rsplit("/", 1)[-1] for url in third.client("sqs").list_queues()["QueueUrls"]] == ["kept"]


def test_items_are_seeded_in_batches_and_a_key_seeded_twice_keeps_its_last_item(aws):
    items = [{"pk": f"k{i % 40}", "n": i} for i in range(100)]  # 100 puts of 40 keys: later ones win
    aws.seed({"dynamodb": {"t": {"key": {"pk": "S"}, "items": items}}})
    assert {item["pk"]: item["n"] for item in aws.table_items("t")} == {f"k{i % 40}": i for i in range(100)}


def test_a_journal_of_item_changes_replays_in_order(tmp_path):
    """Item changes of one table in a row are replayed 25 to a BatchWriteItem: puts and deletes of
    the same keys interleaved come back as the calls left them."""
    local = LocalAws(state_dir=tmp_path, reset=True).start()
    local.seed({"dynamodb": {"t": {"key": {"pk": "S"}}, "u": {"key": {"pk": "S"}}}})
    dynamodb = local.client("dynamodb")
    for i in range(300):
        dynamodb.put_item(TableName="t" if i % 50 else "u", Item={"pk": {"S": f"k{i % 70}"}, "n": {"N": str(i)}})
        if i % 9 == 0:
            dynamodb.delete_item(TableName="t", Key={"pk": {"S": f"k{(i * 7) % 70}"}})
    expected = {table: local.table_items(table) for table in ("t", "u")}
    local.stop(save=False)  # as a kill would leave it: no snapshot, everything in the journal
    assert not (tmp_path / "state.json").exists()
    with LocalAws(state_dir=tmp_path, reset=True, autosave=False) as again:
        for table in ("t", "u"):
            assert sorted(again.table_items(table), key=lambda item: item["pk"]) == \
                sorted(expected[table], key=lambda item: item["pk"])


TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}]}
BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def test_aws_managed_policies_are_made_when_a_role_attaches_one(tmp_path):
    """moto makes IAM's AWS managed policies only when asked (about 0.4 s at the first request of any
    service): a seed, or a saved state, attaching one has them made first."""
    with LocalAws(state_dir=tmp_path, reset=True) as writer:
        assert writer.client("iam").list_policies(Scope="AWS")["Policies"] == []  # not made unasked
        writer.seed({"iam": {"roles": {"runs-functions": {"assume_role_policy": TRUST, "managed_policies": [BASIC]}}}})
        assert writer.client("iam").get_policy(PolicyArn=BASIC)["Policy"]["PolicyName"] == "AWSLambdaBasicExecutionRole"
    with LocalAws(state_dir=tmp_path, reset=True, autosave=False) as reader:
        attached = reader.client("iam").list_attached_role_policies(RoleName="runs-functions")["AttachedPolicies"]
        assert [policy["PolicyArn"] for policy in attached] == [BASIC]
        assert len(reader.client("iam").list_policies(Scope="AWS", MaxItems=2000)["Policies"]) > 1000


def test_a_topics_attributes_are_kept_a_fifo_topic_too(tmp_path):
    """A snapshot kept no topic attributes: a FIFO topic came back without FifoTopic, which SNS refuses
    for a name ending in .fifo, and the state directory could not be loaded at all."""
    with LocalAws(state_dir=tmp_path, reset=True) as local:
        sns = local.client("sns")
        arn = sns.create_topic(Name="orders.fifo", Attributes={"FifoTopic": "true", "DisplayName": "Orders"})["TopicArn"]
        sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="All orders")
        sns.create_topic(Name="plain")
    assert json.loads((tmp_path / "state.json").read_text())["sns"] == {
        "orders.fifo": {"attributes": {"DisplayName": "All orders", "FifoTopic": "true"}}, "plain": {}}
    with LocalAws(state_dir=tmp_path, reset=True, autosave=False) as again:
        attributes = again.client("sns").get_topic_attributes(TopicArn=arn)["Attributes"]
        assert (attributes["FifoTopic"], attributes["DisplayName"]) == ("true", "All orders")


def test_a_tables_definition_is_kept_whole(tmp_path):
    """Capacity, index projections, local indexes, the TTL and the stream come back as they were made
    (a snapshot kept only the key and the global indexes: a PROVISIONED table came back on demand)."""
    definition = {"key": {"account": "S", "period": "S"}, "provisioned": {"read": 5, "write": 3},
                  "indexes": {"byStatus": {"key": {"status": "S"}, "projection": "KEYS_ONLY",
                                           "provisioned": {"read": 1, "write": 1}}},
                  "local_indexes": {"byIssued": {"key": {"account": "S", "issued": "S"}, "projection": ["total"]}},
                  "stream": "NEW_IMAGE", "ttl": "expiresAt"}
    with LocalAws(state_dir=tmp_path, reset=True) as local:
        local.seed({"dynamodb": {"bills": definition}})
        table = local.client("dynamodb").describe_table(TableName="bills")["Table"]
        assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
        assert table["LocalSecondaryIndexes"][0]["Projection"] == {"ProjectionType": "INCLUDE",
                                                                   "NonKeyAttributes": ["total"]}
        stream_arn = table["LatestStreamArn"]
    with LocalAws(state_dir=tmp_path, reset=True, autosave=False) as again:
        kept = again.snapshot()["dynamodb"]["bills"]
        assert kept == {**definition, "typed_items": [], "stream_label": stream_arn.rsplit("/", 1)[-1]}
        # the stream keeps its ARN (a new table would get a new one): what names it still does
        assert again.client("dynamodb").describe_table(TableName="bills")["Table"]["LatestStreamArn"] == stream_arn


@pytest.mark.parametrize("definition, message", [
    ({"key": {"pk": "S"}, "provisioned": {"read": 1}}, "seed: dynamodb.t.provisioned must be {read: N, write: N}"),
    ({"key": {"pk": "S"}, "indexes": {"i": {"key": {"x": "S"}, "projection": "SOME"}}},
     "seed: dynamodb.t.indexes.i.projection must be ALL, KEYS_ONLY or a list of attribute names"),
    ({"key": {"pk": "S"}, "stream": "ALL"}, "seed: dynamodb.t.stream must be one of KEYS_ONLY"),
])
def test_a_bad_table_definition_says_where(aws, definition, message):
    with pytest.raises(InputError, match=message):
        aws.seed({"dynamodb": {"t": definition}})


def test_a_queues_settable_attributes_are_kept(tmp_path):
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                                                              "Action": "sqs:SendMessage", "Resource": "*"}]})
    with LocalAws(state_dir=tmp_path, reset=True) as local:
        local.client("sqs").create_queue(QueueName="jobs.fifo", Attributes={
            "FifoQueue": "true", "DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId",
            "Policy": policy, "VisibilityTimeout": "45"})
    with LocalAws(state_dir=tmp_path, reset=True, autosave=False) as again:
        sqs = again.client("sqs")
        url = sqs.get_queue_url(QueueName="jobs.fifo")["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert (attributes["DeduplicationScope"], attributes["FifoThroughputLimit"], attributes["VisibilityTimeout"]) == \
            ("messageGroup", "perMessageGroupId", "45")
        assert json.loads(attributes["Policy"]) == json.loads(policy)


def test_a_buckets_notifications_and_versioning_are_kept_and_send_nothing_twice(tmp_path):
    """A notification set and an object put each send one message (S3's s3:TestEvent, then the
    object's event); a load puts the bucket's settings and objects back without sending them again."""
    notify = {"QueueConfigurations": [{"QueueArn": "arn:aws:sqs:us-east-1:123456789012:new-files",
                                       "Events": ["s3:ObjectCreated:*"]}]}
    local = LocalAws(state_dir=tmp_path, reset=True).start()
    local.seed({"sqs": {"new-files": {}}, "s3": {"uploads": {}}})
    s3 = local.client("s3")
    s3.put_bucket_versioning(Bucket="uploads", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_notification_configuration(Bucket="uploads", NotificationConfiguration=notify)
    s3.put_object(Bucket="uploads", Key="meters.csv", Body=b"nmi\n")
    events = [json.loads(body) for body in local.queue_bodies("new-files")]
    assert [event.get("Event") or event["Records"][0]["eventName"] for event in events] == \
        ["s3:TestEvent", "ObjectCreated:Put"]
    local.stop(save=False)  # everything in the journal
    for _ in range(2):  # from the journal, then from the snapshot its clean exit wrote
        with LocalAws(state_dir=tmp_path, reset=True) as again:
            assert [json.loads(body) for body in again.queue_bodies("new-files")] == events
            s3 = again.client("s3")
            assert s3.get_bucket_versioning(Bucket="uploads")["Status"] == "Enabled"
            assert s3.get_bucket_notification_configuration(Bucket="uploads")["QueueConfigurations"][0]["Events"] == \
                ["s3:ObjectCreated:*"]
    with LocalAws(state_dir=tmp_path, reset=True) as last:
        last.client("s3").put_object(Bucket="uploads", Key="more.csv", Body=b"nmi\n")  # still notifies
        assert len(last.queue_bodies("new-files")) == 3


SCHEDULES = {"scheduler": {
    "default": {"schedules": {"month-end": {
        "expression": "cron(0 23 L * ? *)", "timezone": "Australia/Sydney", "description": "accruals",
        "start_date": "2024-01-01T00:00:00Z",  # (CreateSchedule refuses one this far past: kept anyway)
        "target": {"Arn": "arn:aws:states:us-east-1:123456789012:stateMachine:accruals",
                   "RoleArn": "arn:aws:iam::123456789012:role/r", "Input": '{"run": "month-end"}',
                   "RetryPolicy": {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 2}}}}},
    "reports": {"tags": {"team": "billing"}, "schedules": {"weekly": {
        "expression": "rate(7 days)", "state": "DISABLED", "timezone": "UTC",
        "flexible_time_window": {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15},
        "target": {"Arn": "arn:aws:sqs:us-east-1:123456789012:reports", "RoleArn": "arn:aws:iam::123456789012:role/r",
                   "RetryPolicy": {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}}}}},
    "empty": {},
}}


@pytest.mark.parametrize("how", ["snapshot", "journal"])
def test_schedules_and_their_groups_are_seeded_and_kept(tmp_path, how):
    """A seed document's schedules read back as it named them, from a snapshot (a clean exit) and from
    the journal alone (no snapshot taken)."""
    with LocalAws(state_dir=tmp_path, reset=True) as aws:
        aws.seed(SCHEDULES)
        assert aws.snapshot()["scheduler"] == SCHEDULES["scheduler"]
        scheduler = aws.client("scheduler")
        scheduler.update_schedule(Name="weekly", GroupName="reports", ScheduleExpression="rate(14 days)",
                                  FlexibleTimeWindow={"Mode": "OFF"}, ScheduleExpressionTimezone="UTC",
                                  Target=SCHEDULES["scheduler"]["reports"]["schedules"]["weekly"]["target"])
        scheduler.delete_schedule_group(Name="empty")
        expected = aws.snapshot()["scheduler"]
        if how == "journal":
            aws.stop(save=False)
            aws.start()
    assert expected["reports"]["schedules"]["weekly"]["expression"] == "rate(14 days)"
    assert "state" not in expected["reports"]["schedules"]["weekly"]  # an update without State: ENABLED, as on AWS
    assert "empty" not in expected
    with LocalAws(state_dir=tmp_path, reset=True, autosave=False) as aws:
        assert aws.snapshot()["scheduler"] == expected
        from aslrun.localaws.inspect import summary_lines

        assert "scheduler schedule default/month-end: cron(0 23 L * ? *) -> " \
               "arn:aws:states:us-east-1:123456789012:stateMachine:accruals" in summary_lines(aws)


@pytest.mark.parametrize(("document", "message"), [
    ({"scheduler": {"default": {"schedules": {"x": {"target": {"Arn": "a", "RoleArn": "r"}}}}}}, "expression is required"),
    ({"scheduler": {"default": {"schedules": {"x": {"expression": "rate(1 day)", "target": {}, "when": 1}}}}},
     "unknown field(s) when"),
    ({"scheduler": {"default": {"rules": {}}}}, "scheduler.default: unknown field(s) rules"),
    ({"scheduler": {"default": {"schedules": {"x": {"expression": "rate(1 day)", "start_date": "soon",
                                                     "target": {"Arn": "a", "RoleArn": "r"}}}}}}, "not an ISO 8601"),
])
def test_a_bad_schedule_in_a_seed_says_where(aws, document, message):
    with pytest.raises(InputError) as refused:
        aws.seed(document)
    assert message in str(refused.value)


def test_log_groups_are_seeded_and_kept_without_their_events(tmp_path):
    with LocalAws(state_dir=tmp_path, reset=True) as aws:
        aws.seed({"logs": {"/aws/lambda/notify": {"retention_days": 14, "tags": {"team": "billing"}},
                           "/aws/vendedlogs/states/accruals": {}}})
        logs = aws.client("logs")
        logs.create_log_stream(logGroupName="/aws/lambda/notify", logStreamName="run")
        logs.put_log_events(logGroupName="/aws/lambda/notify", logStreamName="run",
                            logEvents=[{"timestamp": 1, "message": "a record of a run"}])
        expected = aws.snapshot()["logs"]
    assert expected == {"/aws/lambda/notify": {"retention_days": 14, "tags": {"team": "billing"}},
                        "/aws/vendedlogs/states/accruals": {}}
    with LocalAws(state_dir=tmp_path, reset=True, autosave=False) as again:
        assert again.snapshot()["logs"] == expected
        assert again.client("logs").describe_log_streams(logGroupName="/aws/lambda/notify")["logStreams"] == []
    with pytest.raises(InputError, match="logs./x: unknown field"):
        with LocalAws(reset=True) as aws:
            aws.seed({"logs": {"/x": {"retention": 1}}})
