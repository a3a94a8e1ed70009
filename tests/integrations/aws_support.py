"""Helpers of the AWS integration tests (definitions built in one line)."""

from __future__ import annotations

from typing import Any

QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/{}"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:{}"


def task(resource: str, parameters: Any = None, **fields: Any) -> dict[str, Any]:
    """A machine starting with one Task named Call (more states can be given with ``states=``)."""
    states = fields.pop("states", {})
    spec: dict[str, Any] = {"Type": "Task", "Resource": resource, **fields}
    if parameters is not None:
        spec["Parameters"] = parameters
    if "Next" not in spec:
        spec["End"] = True
    return {"StartAt": "Call", "States": {"Call": spec, **states}}
