"""moto_speedups: moto's SQS queue counts read the clock once per count, not once per message, and
answer exactly what moto's own properties answer."""

from __future__ import annotations

import json
import types
from typing import Any

import pytest

from aslrun.localaws import LocalAws, moto_speedups

COUNTS = ("approximate_number_of_messages", "approximate_number_of_messages_delayed",
          "approximate_number_of_messages_not_visible")


@pytest.fixture
def queue():
    """A queue holding visible, in-flight (received, 60 s timeout), visible-again (received with a 0 s
    timeout) and delayed messages; yields (client, url, moto's Queue)."""
    from moto.sqs.models import sqs_backends

    with LocalAws(reset=True) as aws:
        sqs = aws.client("sqs")
        url = sqs.create_queue(QueueName="mixed")["QueueUrl"]
        for body in ("a", "b", "c", "d", "e"):
            sqs.send_message(QueueUrl=url, MessageBody=body)
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, VisibilityTimeout=60)
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=0)
        sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
        yield sqs, url, sqs_backends[aws.account][aws.region].queues["mixed"]


def test_every_count_and_the_receivable_messages_are_moto_s_own(queue):
    sqs, url, moto_queue = queue
    assert set(moto_speedups.ORIGINALS) == {"messages", *COUNTS}  # applied when the local AWS started
    assert moto_queue.messages == moto_speedups.ORIGINALS["messages"].fget(moto_queue)
    for name in COUNTS:
        assert getattr(moto_queue, name) == moto_speedups.ORIGINALS[name].fget(moto_queue), name
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (attributes["ApproximateNumberOfMessages"], attributes["ApproximateNumberOfMessagesNotVisible"],
            attributes["ApproximateNumberOfMessagesDelayed"]) == ("3", "2", "1")
    receivable = sorted(m.body for m in moto_speedups.ORIGINALS["messages"].fget(moto_queue))
    assert len(receivable) == 3
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in received) == receivable


def test_a_send_asks_no_message_whether_it_is_visible(queue, monkeypatch):
    """The cost that grew with the queue: each send asked every message for the time."""
    from moto.sqs.models import Message

    asked = []
    for name in ("visible", "delayed"):
        original = Message.__dict__[name]
        monkeypatch.setattr(Message, name,
                            property(lambda self, o=original, n=name: (asked.append(n), o.fget(self))[1]))
    sqs, url, _ = queue
    for number in range(20):
        sqs.send_message(QueueUrl=url, MessageBody=str(number))
    assert asked == []


def test_a_message_without_the_fields_is_asked_as_moto_asks_it():
    stub = types.SimpleNamespace(visible=True, delayed=False)  # (no visible_at / delayed_until)
    from moto.sqs.models import Queue

    holder = types.SimpleNamespace(_messages=[stub])
    assert Queue.messages.fget(holder) == [stub]
    assert Queue.approximate_number_of_messages_delayed.fget(holder) == 0
    assert Queue.approximate_number_of_messages_not_visible.fget(holder) == 0


def test_a_moto_whose_queue_changed_is_left_alone(monkeypatch):
    from moto.sqs import models

    class LaterQueue:  # the properties are gone: nothing to replace
        pass

    monkeypatch.setattr(models, "Queue", LaterQueue)
    monkeypatch.setattr(moto_speedups, "ORIGINALS", {})
    monkeypatch.setattr(moto_speedups, "_APPLIED", [])
    moto_speedups.apply()
    assert moto_speedups.ORIGINALS == {} and vars(LaterQueue).get("messages") is None


def test_every_subscription_signs_with_one_key_and_the_signature_checks_out():
    """Two topics' subscriptions deliver signed envelopes; the signatures verify with the one key."""
    import base64
    import json

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    with LocalAws(reset=True) as aws:
        sns, sqs = aws.client("sns"), aws.client("sqs")
        url = sqs.create_queue(QueueName="inbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        for name in ("first", "second"):
            topic = sns.create_topic(Name=name)["TopicArn"]
            sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
            sns.publish(TopicArn=topic, Message=f"to {name}")
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        envelopes = [json.loads(m["Body"]) for m in received]
    assert sorted(e["Message"] for e in envelopes) == ["to first", "to second"]
    assert len(moto_speedups.SIGNING_KEY) == 1
    public = moto_speedups.SIGNING_KEY[0].public_key()
    for envelope in envelopes:
        fields = ["Message", envelope["Message"], "MessageId", envelope["MessageId"], "Timestamp",
                  envelope["Timestamp"], "TopicArn", envelope["TopicArn"], "Type", envelope["Type"]]
        signed = "".join(f"{field}\n" for field in fields).encode()
        public.verify(base64.b64decode(envelope["Signature"]), signed, padding.PKCS1v15(), hashes.SHA256())


# -- moto's response serializer: member names worked out once per shape ------------------------------------

def _answers_of_a_workload() -> list[Any]:
    """The parsed answers (times and request ids left out) of calls across the services the local
    AWS emulates, on a fresh local AWS with moto's ids seeded."""
    import datetime

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: "<time>" if k.endswith("Timestamp") else "<uuid4>" if k == "VersionId" else plain(v)
                    for k, v in value.items() if k != "ResponseMetadata"}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, datetime.datetime):
            return "<time>"
        return value.read() if hasattr(value, "read") else value

    answers: list[Any] = []
    with LocalAws(reset=True, random_seed=0) as aws:
        ddb = aws.client("dynamodb")
        ask = lambda call, **request: answers.append(plain(call(**request)))  # noqa: E731
        ask(ddb.create_table, TableName="t", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": t} for a, t in
                                  (("pk", "S"), ("sk", "N"), ("status", "S"))],
            GlobalSecondaryIndexes=[{"IndexName": "byStatus",
                                     "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                                     "Projection": {"ProjectionType": "ALL"}}])
        every_type = {"s": {"S": "text"}, "n": {"N": "1.50"}, "b": {"B": b"\x00\x01"}, "ss": {"SS": ["p", "q"]},
                      "ns": {"NS": ["1", "2"]}, "bs": {"BS": [b"x"]}, "bool": {"BOOL": False}, "null": {"NULL": True},
                      "m": {"M": {"l": {"L": [{"S": "y"}, {"M": {}}, {"L": []}]}, "SS": {"S": "a member named SS"}}}}
        for sk in range(5):
            ask(ddb.put_item, TableName="t", Item={"pk": {"S": "a"}, "sk": {"N": str(sk)}, "status": {"S": "DONE"},
                                                    **every_type})
        ask(ddb.get_item, TableName="t", Key={"pk": {"S": "a"}, "sk": {"N": "1"}}, ReturnConsumedCapacity="TOTAL")
        ask(ddb.query, TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "a"}},
            Limit=2)
        ask(ddb.scan, TableName="t", IndexName="byStatus", Limit=3)
        ask(ddb.update_item, TableName="t", Key={"pk": {"S": "a"}, "sk": {"N": "2"}}, UpdateExpression="SET s = :s",
            ExpressionAttributeValues={":s": {"S": "changed"}}, ReturnValues="ALL_NEW")
        ask(ddb.batch_get_item, RequestItems={"t": {"Keys": [{"pk": {"S": "a"}, "sk": {"N": "3"}}]}})
        ask(ddb.transact_get_items,
            TransactItems=[{"Get": {"TableName": "t", "Key": {"pk": {"S": "a"}, "sk": {"N": "4"}}}}])
        ask(ddb.describe_table, TableName="t")
        ask(ddb.list_tables)
        sqs = aws.client("sqs")
        url = sqs.create_queue(QueueName="q")["QueueUrl"]
        ask(sqs.send_message, QueueUrl=url, MessageBody="hi",
            MessageAttributes={"kind": {"DataType": "String", "StringValue": "x"}})
        ask(sqs.receive_message, QueueUrl=url, MessageAttributeNames=["All"], AttributeNames=["All"])
        ask(sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["All"])
        sns = aws.client("sns")
        topic = sns.create_topic(Name="n")["TopicArn"]
        ask(sns.subscribe, TopicArn=topic, Protocol="sqs", Endpoint=f"arn:aws:sqs:us-east-1:{aws.account}:q")
        ask(sns.list_subscriptions_by_topic, TopicArn=topic)
        ask(sns.publish, TopicArn=topic, Message="m")
        events = aws.client("events")
        ask(events.create_event_bus, Name="bus")
        ask(events.list_event_buses)
        ask(events.put_events, Entries=[{"Source": "s", "DetailType": "d", "Detail": "{}", "EventBusName": "bus"}])
        s3 = aws.client("s3")
        ask(s3.create_bucket, Bucket="serialized")
        ask(s3.put_object, Bucket="serialized", Key="k", Body=b"body")
        ask(s3.list_objects_v2, Bucket="serialized")
        ask(s3.get_object, Bucket="serialized", Key="k")
        ssm = aws.client("ssm")
        ask(ssm.put_parameter, Name="/p", Value="v", Type="String")
        ask(ssm.get_parameter, Name="/p")
        secrets = aws.client("secretsmanager")
        ask(secrets.create_secret, Name="s", SecretString="x")
        ask(secrets.get_secret_value, SecretId="s")
    return answers


def test_the_serializer_answers_what_moto_s_own_member_lookup_answers(monkeypatch):
    from moto.core import serialize

    faster = _answers_of_a_workload()
    assert moto_speedups.GET_VALUE_ORIGINAL  # applied when the local AWS started
    assert serialize.ResponseSerializer.get_value is not moto_speedups.GET_VALUE_ORIGINAL[0]
    monkeypatch.setattr(serialize.ResponseSerializer, "get_value", moto_speedups.GET_VALUE_ORIGINAL[0])
    assert _answers_of_a_workload() == faster
    assert len(faster) == 31 and faster[6]["Item"]["m"] == {"M": {"l": {"L": [{"S": "y"}, {"M": {}}, {"L": []}]},
                                                                  "SS": {"S": "a member named SS"}}}


def test_a_member_found_under_another_name_is_found_under_the_same_name_first(monkeypatch):
    """moto tries a member's shape name before the member's own (ListTables' ``TableNames`` is a
    ``TableNameList``) and snake_case after each: the kept names keep that order."""
    from moto.core import serialize
    from moto.core.utils import get_service_model

    LocalAws(reset=True).start().stop()  # (the speed-ups are applied when a local AWS starts)
    operation = get_service_model("dynamodb").operation_model("ListTables")
    results = [{"TableNameList": ["by shape name"], "TableNames": ["by own name"]},
               {"table_names": ["in snake case"], "LastEvaluatedTableName": None},
               {"table_name_list": ["shape name in snake case"], "table_names": ["own name in snake case"]},
               {"TableNames": ["plain"], "LastEvaluatedTableName": "t"}, {}]

    def bodies() -> list[str]:
        return [serialize.JSONSerializer(operation_model=operation, value_picker=serialize.XFormedAttributePicker())
                .serialize(result)["body"] for result in results]

    faster = bodies()
    monkeypatch.setattr(serialize.ResponseSerializer, "get_value", moto_speedups.GET_VALUE_ORIGINAL[0])
    assert bodies() == faster
    assert [json.loads(body).get("TableNames") for body in faster] == [
        ["by shape name"], ["in snake case"], ["shape name in snake case"], ["plain"], None]


def test_the_kept_method_lists_and_snake_case_names_are_moto_s_own():
    import importlib

    from moto.core import responses
    from moto.sqs import models as sqs_models

    for service in ("sqs", "s3", "dynamodb", "sns", "events", "logs"):  # (not left to the tests run before)
        importlib.import_module(f"moto.{service}.responses")

    LocalAws(reset=True).start().stop()  # (the speed-ups are applied when a local AWS starts)
    original_methods = moto_speedups.NAMES_ORIGINAL["method_names_from_class"]
    original_snake = moto_speedups.NAMES_ORIGINAL["camelcase_to_underscores"]
    assert responses.method_names_from_class is not original_methods
    assert sqs_models.camelcase_to_underscores is not original_snake
    classes = [responses.BaseResponse, *_subclasses(responses.BaseResponse)]
    assert len(classes) > 5
    for clazz in classes * 2:  # (the second time from what was kept)
        assert responses.method_names_from_class(clazz) == original_methods(clazz), clazz
    for name in ("ReceiveMessage", "GetQueueAttributes", "ApproximateNumberOfMessagesNotVisible", "FifoQueue",
                 "KmsMasterKeyId", "SQSManagedSseEnabled", "createQueue", "already_snake", "ARN", ""):
        for _ in range(2):
            assert responses.camelcase_to_underscores(name) == original_snake(name), name
            assert sqs_models.camelcase_to_underscores(name) == original_snake(name), name


def _subclasses(clazz: type) -> list[type]:
    found = []
    for sub in clazz.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


# -- moto's routing: each backend's URL table kept ------------------------------------------------------------

def _answers_with_s3_addressed_both_ways() -> list[Any]:
    """The workload's answers, then S3 reached by path and by virtual host (a bucket's root, a key
    holding slashes, a key that looks like a bucket's sub-resource)."""
    import boto3
    from botocore.config import Config

    answers = _answers_of_a_workload()
    with LocalAws(reset=True, random_seed=0) as aws:
        for style in ("path", "virtual"):
            s3 = boto3.client("s3", region_name=aws.region, aws_access_key_id="testing",
                              aws_secret_access_key="testing", config=Config(s3={"addressing_style": style}))
            bucket = f"routes-{style}"
            s3.create_bucket(Bucket=bucket)
            for key in ("plain", "a/b/c.json", "?versions", "/leading"):
                s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
                answers.append(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
            answers.append(sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]))
            answers.append(s3.head_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"])
    return answers


def test_the_kept_url_tables_answer_what_moto_s_own_tables_answer(monkeypatch):
    from moto.core.base_backend import BaseBackend

    faster = _answers_with_s3_addressed_both_ways()
    assert moto_speedups.URLS_ORIGINAL  # applied when the local AWS started
    assert BaseBackend.__dict__["urls"] is not moto_speedups.URLS_ORIGINAL[0]
    monkeypatch.setattr(BaseBackend, "urls", moto_speedups.URLS_ORIGINAL[0])
    assert _answers_with_s3_addressed_both_ways() == faster
    assert faster[-12:-6] == [b"plain", b"a/b/c.json", b"?versions", b"/leading",
                              ["/leading", "?versions", "a/b/c.json", "plain"], 200]


def test_a_kept_table_is_moto_s_own_for_the_settings_it_reads(monkeypatch):
    """``MOTO_S3_CUSTOM_ENDPOINTS`` adds URL bases to S3's table: a table kept before it was set is
    not the one used after."""
    from moto.s3.models import S3Backend

    LocalAws(reset=True).start().stop()  # (the speed-ups are applied when a local AWS starts)
    backend = object.__new__(S3Backend)
    original = moto_speedups.URLS_ORIGINAL[0].fget
    assert backend.urls == original(backend) and backend.urls is backend.urls
    monkeypatch.setenv("MOTO_S3_CUSTOM_ENDPOINTS", "http://custom.example:4566")
    custom = backend.urls
    assert custom == original(backend) and any(url.startswith("http://custom.example:4566") for url in custom)
    monkeypatch.delenv("MOTO_S3_CUSTOM_ENDPOINTS")
    assert not any(url.startswith("http://custom.example") for url in backend.urls)


def test_warm_url_tables_make_no_moto_state_and_the_first_request_finds_its_table_kept():
    """In a fresh process (as a fork server's zygote): preparing makes no moto backend (the URL
    tables are the backend classes'), and the requests then use the kept tables."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent("""
        from moto.core.base_backend import BackendDict
        from moto.dynamodb.models import DynamoDBBackend
        from aslrun.localaws import LocalAws, moto_speedups
        from aslrun.localaws.emulator import prepare
        prepare(["dynamodb", "s3"])
        assert not BackendDict._instances, BackendDict._instances
        assert any(key[0] is DynamoDBBackend for key in moto_speedups.URL_TABLES)
        kept = len(moto_speedups.URL_TABLES)
        with LocalAws(reset=True) as aws:
            assert aws.client("dynamodb").list_tables()["TableNames"] == []
            aws.client("s3").create_bucket(Bucket="warm")
            print([b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]])
        assert len(moto_speedups.URL_TABLES) == kept
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "['warm']\n"


def test_a_local_aws_journaling_first_in_a_prepared_process_makes_no_new_clients(tmp_path):
    """The journal's hooks are on botocore's built-in handlers before the process's session is
    made, so the first state directory journaled does not make the session and its clients again."""
    from aslrun.localaws import emulator
    from aslrun.localaws.emulator import prepare

    prepare(["dynamodb"])
    client = emulator._CLIENTS[("dynamodb", "us-east-1")]
    with LocalAws(state_dir=tmp_path, reset=True) as aws:
        assert aws.client("dynamodb") is client


# -- moto's request parsing: a JSON-protocol request's body read without werkzeug ----------------------------

def test_json_requests_are_parsed_into_what_moto_s_own_parsing_gives(monkeypatch):
    """The same parameters (DynamoDB's binary values decoded, SQS's message attributes, ...) and the
    same answers as moto's own ``parse_parameters``; the other protocols (SNS's query) still go
    through it."""
    from moto.core.responses import BaseResponse

    def recorded() -> tuple[list[Any], list[Any]]:
        seen: list[Any] = []
        parse = BaseResponse.parse_parameters

        def recording(self: Any, request: Any) -> None:
            parse(self, request)
            seen.append((type(self).__name__, self._get_action(), self.params))

        monkeypatch.setattr(BaseResponse, "parse_parameters", recording)
        answers = _answers_of_a_workload()
        monkeypatch.setattr(BaseResponse, "parse_parameters", parse)
        return seen, answers

    faster = recorded()
    if not moto_speedups.PARSE_ORIGINAL:  # a moto that reads requests otherwise (5.2.6 normalizes each in its stubber)
        assert "normalize_request" not in BaseResponse.parse_parameters.__code__.co_names  # left as it is
    else:
        assert BaseResponse.parse_parameters is not moto_speedups.PARSE_ORIGINAL[0]
        monkeypatch.setattr(BaseResponse, "parse_parameters", moto_speedups.PARSE_ORIGINAL[0])
        assert recorded() == faster
    services = {name for name, _, _ in faster[0]}
    assert {"DynamoHandler", "SQSResponse", "SNSResponse"} <= services  # (JSON and query)
    put = next(params for name, action, params in faster[0] if action == "PutItem")
    assert put["Item"]["b"] == {"B": b"\x00\x01"}  # (the JSON parser decoded the blob)


@pytest.mark.parametrize("pattern, expected", [
    (r"https?://sqs\.(.+)\.amazonaws\.com", ("https?", "sqs.")),
    (r"https?://s3(?!(-control|tables|vectors))(.*)\.amazonaws.com", ("https?", "s3")),
    (r"https?://(.*\.)?(queue|sqs)\.(.*\.)?amazonaws\.com", ("https?", "")),
    (r"https?://iam\.(.*\.)?amazonaws\.com", ("https?", "iam.")),
    (r"https?://acm-pca\.(.+)\.amazonaws\.com", ("https?", "acm-pca.")),
    (r"https?://abc\.?d", ("https?", "abc")),  # (a character made optional is not part of it)
    (r"https?://ab\d", ("https?", "ab")),
    (r"http://169.254.169.254", ("http", "169")),  # (an unescaped dot is any character)
    (r"https://x\-y", ("https", "x-y")),
    (r"ftp://x", None),
    (r"(?i)https?://x", None),
])
def test_a_patterns_literal_is_the_text_every_url_it_matches_begins_with(pattern, expected):
    assert moto_speedups.url_pattern_literal(pattern) == expected


def _routing_urls() -> list[str]:
    """URLs of every kind the local AWS and its clients send: each service's endpoint in several
    regions, S3 by path and by virtual host, queue URLs, hosts that only a path could make match."""
    import moto.backend_index as backend_index

    hosts = {"localhost", "127.0.0.1:4566", "169.254.169.254", "example.com"}
    for _, pattern in list.__iter__(backend_index.backend_url_patterns):  # (moto's own list, whole)
        literal = (moto_speedups.url_pattern_literal(pattern.pattern) or ("", ""))[1].rstrip(".")
        if literal:
            hosts |= {f"{literal}.amazonaws.com", f"{literal}.us-east-1.amazonaws.com",
                      f"{literal}.eu-west-2.amazonaws.com"}
    hosts |= {"my-bucket.s3.amazonaws.com", "my-bucket.s3.eu-west-2.amazonaws.com", "queue.amazonaws.com",
              "sqs.us-east-1.amazonaws.com", "123456789012.s3-control.us-east-1.amazonaws.com",
              "abc.execute-api.us-east-1.amazonaws.com", "x.appsync-api.us-east-1.amazonaws.com",
              "t.ddb.us-east-1.amazonaws.com", "dsql.us-east-1.api.aws", "s3.amazonaws.com.evil"}
    paths = ["", "/", "/my-bucket/key/with.amazonaws.com/in-it", "/123456789012/work", "/x.amazonaws.com/"]
    return [f"{scheme}://{host}{path}" for scheme in ("https", "http") for host in sorted(hosts) for path in paths]


def test_a_url_is_routed_to_the_first_service_moto_s_whole_list_would_route_it_to():
    """The narrowed patterns give each URL the same first match as moto's loop over all of them."""
    import moto.backend_index as backend_index
    from urllib.parse import urlparse

    with LocalAws(reset=True):  # (apply runs when a local AWS starts)
        pass
    patterns = backend_index.backend_url_patterns
    if not moto_speedups.ROUTING_ORIGINAL:  # a moto that routes otherwise: left as it is
        assert type(patterns) is list
        return
    assert isinstance(patterns, moto_speedups._PatternsNarrowedOnce)
    whole = list(list.__iter__(patterns))
    routed = 0
    for url in _routing_urls():
        expected = next((service for service, pattern in whole if pattern.match(url)), None)
        parsed = urlparse(url)
        patterns.narrow_next_loop(parsed.scheme, parsed.netloc)
        narrowed = list(patterns)  # (the one loop the narrowing is for)
        assert next((service for service, pattern in narrowed if pattern.match(url)), None) == expected, url
        assert len(narrowed) < len(whole) / 2 or not parsed.netloc.endswith("amazonaws.com"), url
        assert list(patterns) == whole  # (any other loop gets the whole list)
        routed += expected is not None
    assert routed > 400


def test_a_narrowing_left_unused_is_dropped_and_other_threads_see_the_whole_list():
    import threading

    import moto.backend_index as backend_index

    with LocalAws(reset=True):
        pass
    patterns = backend_index.backend_url_patterns
    if not moto_speedups.ROUTING_ORIGINAL:
        return
    whole = list(list.__iter__(patterns))
    patterns.narrow_next_loop("https", "sqs.us-east-1.amazonaws.com")
    seen_elsewhere: list[Any] = []
    thread = threading.Thread(target=lambda: seen_elsewhere.append(list(patterns)))
    thread.start()
    thread.join()
    assert seen_elsewhere == [whole]
    patterns.forget_narrowing()
    assert list(patterns) == whole


def test_calls_are_answered_as_before_and_their_request_ids_repeat_for_a_seeded_local_aws():
    """Request ids of 52 letters and digits, one per response, in the x-amzn-requestid header too;
    the same ids again for a local AWS seeded the same; the answers are those of moto's own routing."""
    def ids_and_answers() -> tuple[list[str], list[Any]]:
        ids: list[str] = []
        with LocalAws(reset=True, random_seed=0) as aws:
            sqs, s3, ddb = aws.client("sqs"), aws.client("s3"), aws.client("dynamodb")
            answers = [sqs.create_queue(QueueName="ids"), s3.create_bucket(Bucket="ids-bucket"),
                       s3.put_object(Bucket="ids-bucket", Key="k", Body=b"v"), ddb.list_tables(),
                       sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName="ids")["QueueUrl"], MessageBody="m")]
            for answer in answers:
                metadata = answer.pop("ResponseMetadata")
                ids.append(metadata["RequestId"])
                assert metadata["HTTPHeaders"].get("x-amzn-requestid", metadata["RequestId"]) == metadata["RequestId"]
                answer.pop("ETag", None)
        return ids, answers

    first, answers = ids_and_answers()
    sqs_ids = [first[0], first[4]]
    assert all(len(i) == 52 and i.isascii() and i.isalnum() for i in sqs_ids), first
    assert len(set(first)) == len(first)
    again, answers_again = ids_and_answers()
    assert again == first and answers_again == answers
    if moto_speedups.ROUTING_ORIGINAL and moto_speedups.REQUEST_ID_ORIGINAL:
        from moto.core import botocore_stubber

        kept = botocore_stubber.BotocoreStubber.process_request
        botocore_stubber.BotocoreStubber.process_request = moto_speedups.ROUTING_ORIGINAL[0]
        try:
            _, answers_of_moto_s_own_routing = ids_and_answers()
        finally:
            botocore_stubber.BotocoreStubber.process_request = kept
        assert answers_of_moto_s_own_routing == answers


def test_the_narrowing_keeps_every_pattern_the_path_or_the_case_could_make_match():
    import re

    patterns = [("slash", re.compile(r"https?://ab/c")), ("other", re.compile(r"https?://zz")),
                ("plain-http", re.compile(r"http://ab")), ("any-case", re.compile(r"https?://AB", re.IGNORECASE)),
                ("open", re.compile(r"https?://(.*)b")), ("host", re.compile(r"https?://ab"))]
    narrowing = moto_speedups._PatternsNarrowedOnce(patterns)
    narrowing.narrow_next_loop("https", "ab")
    assert [service for service, _ in narrowing] == ["slash", "any-case", "open", "host"]
    narrowing.narrow_next_loop("http", "ab")
    assert [service for service, _ in narrowing] == ["slash", "plain-http", "any-case", "open", "host"]
    assert [service for service, _ in narrowing] == [service for service, _ in patterns]


def test_a_large_object_goes_to_disk_at_once_and_reads_back_the_same(monkeypatch):
    import tempfile

    from moto.s3.models import s3_backends

    in_memory: list[int] = []  # the sizes written into a spooled file's memory part
    write = tempfile.SpooledTemporaryFile.write

    def recording_write(self, data):
        if not self._rolled:
            in_memory.append(len(data))
        return write(self, data)

    monkeypatch.setattr(tempfile.SpooledTemporaryFile, "write", recording_write)
    big, small = bytes(range(256)) * (24 * 1024), b"a small value"  # (6 MiB: past the 5 MiB kept in memory)
    with LocalAws(reset=True) as aws:
        assert moto_speedups.KEY_VALUE_ORIGINAL, "applied when a local AWS starts"
        s3 = aws.client("s3")
        s3.create_bucket(Bucket="spooled")
        for key, body in (("big", big), ("small", small), ("big-then-small", big), ("big-then-small", small)):
            s3.put_object(Bucket="spooled", Key=key, Body=body)
        assert s3.get_object(Bucket="spooled", Key="big")["Body"].read() == big
        assert s3.get_object(Bucket="spooled", Key="small")["Body"].read() == small
        assert s3.get_object(Bucket="spooled", Key="big-then-small")["Body"].read() == small
        keys = s3_backends[aws.account]["aws"].buckets["spooled"].keys
        assert keys["big"]._value_buffer._rolled and keys["big"].contentsize == len(big)
        assert not keys["small"]._value_buffer._rolled and keys["small"].contentsize == len(small)
    assert len(small) in in_memory and len(big) not in in_memory  # (moto's own write put it in memory first)
