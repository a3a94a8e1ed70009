"""One call into moto at a time (aslrun.localaws.moto_calls): changes made from several threads at
once are each whole, as AWS makes them, and a long-polling receive does not hold the others up."""

from __future__ import annotations

import threading
import time

import pytest

pytest.importorskip("moto", reason="the 'aws' extra is not installed: pip install 'aslrun[aws]'")

from aslrun.localaws import LocalAws  # noqa: E402


def test_updates_from_threads_at_once_lose_nothing():
    with LocalAws(reset=True) as aws:
        dynamodb = aws.client("dynamodb")
        dynamodb.create_table(TableName="counters", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                              BillingMode="PAY_PER_REQUEST")
        won: list[int] = []

        def work(worker: int) -> None:
            for i in range(50):
                dynamodb.update_item(TableName="counters", Key={"id": {"S": f"k{i % 2}"}},
                                     UpdateExpression="ADD n :one", ExpressionAttributeValues={":one": {"N": "1"}})
            try:  # only one of the workers may create the lock item
                dynamodb.put_item(TableName="counters", Item={"id": {"S": "lock"}, "owner": {"N": str(worker)}},
                                  ConditionExpression="attribute_not_exists(id)")
                won.append(worker)
            except dynamodb.exceptions.ConditionalCheckFailedException:
                pass

        threads = [threading.Thread(target=work, args=(worker,)) for worker in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        counts = {item["id"]["S"]: item.get("n", {}).get("N") for item in dynamodb.scan(TableName="counters")["Items"]}
        assert counts == {"k0": "100", "k1": "100", "lock": None}
        assert len(won) == 1


def test_a_long_poll_does_not_hold_up_the_send_it_waits_for():
    with LocalAws(reset=True) as aws:
        sqs = aws.client("sqs")
        url = sqs.create_queue(QueueName="work")["QueueUrl"]
        received: list[str] = []

        def receive() -> None:
            answer = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
            received.extend(message["Body"] for message in answer.get("Messages", []))

        waiting = threading.Thread(target=receive)
        started = time.monotonic()
        waiting.start()
        time.sleep(0.3)
        sqs.send_message(QueueUrl=url, MessageBody="hello")
        waiting.join(10)
        assert received == ["hello"]
        assert time.monotonic() - started < 8  # the receive ended with the message, not at its wait
