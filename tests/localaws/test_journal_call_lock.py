"""A journaled change is kept before any other call can see it: the one call lock (moto_calls.MOTO_LOCK)
is held from the call's start until its journal entry is written, for a client's call and for a raw
request passed on by ``aslrun serve`` alike (aslrun/localaws/journal/capture.py,
aslrun/localaws/raw_requests.py). Before, another client reading through the server's port between
moto's change and its journal entry could see a change that a crash right after then lost (a
DynamoDB stream test saw its function's write vanish over a kill -9, once in a dozen loaded runs)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("moto", reason="the 'aws' extra is not installed: pip install 'aslrun[aws]'")

from botocore.awsrequest import AWSPreparedRequest  # noqa: E402
from moto.core.models import botocore_stubber  # noqa: E402

from aslrun.localaws import LocalAws  # noqa: E402
from aslrun.localaws.journal import capture  # noqa: E402


@pytest.fixture
def aws(tmp_path: Path) -> Iterator[LocalAws]:
    with LocalAws(state_dir=tmp_path / "state", reset=True) as local:
        local.client("dynamodb").create_table(
            TableName="bills", BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
        yield local


@pytest.fixture
def order(aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], list[str]]]:
    """What happened, in order: moto answering the PutItem, the journal recording it, and another
    thread's read of the table, started the moment moto answered and given half a second: it must
    come after the journal entry (it waits for the call lock), never between. ``order()``: the
    list, once the reads are done."""
    happened: list[str] = []
    reader = aws.client("dynamodb")
    kept = capture._RECORDERS[("dynamodb", "PutItem")]

    def record(*args: Any) -> None:
        kept.record(*args)
        happened.append("journaled")

    def read() -> None:
        items = reader.scan(TableName="bills")["Items"]
        happened.append(f"read {len(items)}")

    answer = botocore_stubber.process_request

    def answered(request: Any) -> Any:
        reply = answer(request)
        if b"PutItem" in str(request.headers.get("X-Amz-Target", "")).encode():
            happened.append("answered")
            thread = threading.Thread(target=read)
            thread.start()
            thread.join(0.5)  # (long enough to read when nothing holds it back; it is joined below anyway)
            readers.append(thread)
        return reply

    readers: list[threading.Thread] = []
    monkeypatch.setitem(capture._RECORDERS, ("dynamodb", "PutItem"), kept._replace(record=record))
    monkeypatch.setattr(botocore_stubber, "process_request", answered)

    def settled() -> list[str]:
        for thread in readers:
            thread.join(30)
        return happened

    yield settled


def test_a_clients_change_is_journaled_before_another_call_can_see_it(
        aws: LocalAws, order: Callable[[], list[str]]) -> None:
    aws.client("dynamodb").put_item(TableName="bills", Item={"id": {"S": "b1"}})
    assert order() == ["answered", "journaled", "read 1"]


def test_a_raw_requests_change_is_journaled_before_another_call_can_see_it(
        aws: LocalAws, order: Callable[[], list[str]]) -> None:
    body = json.dumps({"TableName": "bills", "Item": {"id": {"S": "b2"}}}).encode()
    request = AWSPreparedRequest("POST", "https://dynamodb.us-east-1.amazonaws.com/",
                                 {"X-Amz-Target": "DynamoDB_20120810.PutItem",
                                  "Content-Type": "application/x-amz-json-1.0"}, body, stream_output=False)
    answered = aws.answer_request(request, service="dynamodb", region="us-east-1")
    assert answered is not None and int(answered[0]) == 200
    assert order() == ["answered", "journaled", "read 1"]
    assert [item["id"] for item in aws.table_items("bills")] == ["b2"]

