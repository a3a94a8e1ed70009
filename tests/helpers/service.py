"""Constants and helpers of the server tests (plain functions: test modules import them from here,
not from a conftest, so what they get never depends on which conftest was imported last)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

HANDLERS = str(Path(__file__).resolve().parents[1] / "service" / "service_handlers.py")
ROLE = "arn:aws:iam::123456789012:role/aslrun-test"


def aws_client(server: Any, service: str, region: str = "us-east-1") -> Any:
    """A boto3 client of any service for a server's URL (``server.url``), with fake credentials and
    no retries (a failure shows at once)."""
    import boto3
    from botocore.config import Config

    return boto3.client(service, endpoint_url=server.url, region_name=region, aws_access_key_id="test",
                        aws_secret_access_key="test", config=Config(retries={"total_max_attempts": 1}))


def wait_done(sfn: Any, arn: str, timeout: float = 120.0) -> dict[str, Any]:
    """DescribeExecution once the execution is no longer RUNNING (``timeout`` is a guard against a hang,
    generous so that a loaded machine does not fail a test; a passing test never waits it out)."""
    deadline = time.monotonic() + timeout
    while True:
        described = sfn.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            return described  # type: ignore[no-any-return]
        time.sleep(0.02)


def history(sfn: Any, arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    token = None
    while True:
        page = sfn.get_execution_history(executionArn=arn, **({"nextToken": token} if token else {}))
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            return events
