"""Handlers importable by name, for the tests of ``handler_processes`` (a worker process imports them)."""

from __future__ import annotations

import os
import time
from pathlib import Path

__all__ = ["exit_process", "leave_a_thread_calling_aws", "list_tables", "meet", "refuse", "s3_round_trip",
           "sleep_then_answer", "where_am_i"]


class MeterRejected(Exception):
    pass


def where_am_i(event, context):
    """The worker's pid and the context it was given."""
    return {"n": event.get("n"), "pid": os.getpid(), "function": context.function_name,
            "request": context.aws_request_id, "left_ms": context.get_remaining_time_in_millis()}


def meet(event, context):
    """Wait (up to 20 s) until ``event["expected"]`` calls have arrived in ``event["folder"]``: only calls
    running at once can all pass."""
    folder = Path(event["folder"])
    (folder / f"{os.getpid()}-{event['n']}").touch()
    deadline = time.monotonic() + 20
    while len(list(folder.iterdir())) < event["expected"]:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {len(list(folder.iterdir()))} calls met")
        time.sleep(0.01)
    return {"n": event["n"], "pid": os.getpid()}


def refuse(event, context):
    raise MeterRejected(f"meter {event.get('n')} is unknown")


def sleep_then_answer(event, context):
    time.sleep(event.get("seconds", 0))
    return {"pid": os.getpid()}


def exit_process(event, context):
    """Ends its process without a word (a crash), or answers when ``event["exit"]`` is false."""
    if event.get("exit"):
        os._exit(3)
    return {"pid": os.getpid()}


def list_tables(event, context):
    """Calls DynamoDB through boto3 from wherever it runs (a worker process, or this one)."""
    import boto3
    from botocore.config import Config

    client = boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing", endpoint_url=event.get("endpoint"),
                          config=Config(retries={"max_attempts": 1, "mode": "standard"}))
    return {"tables": client.list_tables()["TableNames"], "pid": os.getpid()}


def s3_round_trip(event, context):
    """boto3's own S3 client, as a handler on AWS makes it (no endpoint, region or credentials
    given): a file uploaded in parts by S3's transfer threads, read back as a stream, and a missing
    key caught as the modeled exception."""
    import io

    import boto3

    client = boto3.client("s3", region_name="us-east-1")
    body = bytes(range(256)) * (event["kib"] * 4)
    client.upload_fileobj(io.BytesIO(body), event["bucket"], "big.bin")  # parts over 8 MiB, on threads
    client.put_object(Bucket=event["bucket"], Key="small.txt", Body=io.BytesIO(b"small"))
    read = client.get_object(Bucket=event["bucket"], Key="big.bin")["Body"].read()
    try:
        client.get_object(Bucket=event["bucket"], Key="missing")
        missing = "found"
    except client.exceptions.NoSuchKey as error:
        missing = error.response["Error"]["Code"]
    return {"same": read == body, "size": len(read), "missing": missing, "pid": os.getpid(),
            "keys": sorted(o["Key"] for o in client.list_objects_v2(Bucket=event["bucket"])["Contents"])}


def leave_a_thread_calling_aws(event, context):
    """Returns at once, leaving a thread that calls AWS once ``event["go"]`` exists (the test makes it
    after the execution ended) and writes what came of it to ``event["file"]``."""
    import threading

    import boto3

    def later():
        deadline = time.monotonic() + 20
        while not Path(event["go"]).exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        try:
            boto3.client("sqs", region_name="us-east-1").list_queues()
            outcome = "answered"
        except Exception as exc:
            outcome = f"{type(exc).__name__}: {exc}"
        written = Path(event["file"] + ".part")  # then renamed: the test, polling, never reads it half-written
        written.write_text(outcome)
        os.replace(written, event["file"])

    threading.Thread(target=later).start()
    return {"pid": os.getpid()}
