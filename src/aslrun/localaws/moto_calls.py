"""One call into moto's state at a time.

moto's backends are plain Python objects with no locks: two requests handled on two threads at once
can interleave inside one operation. A DynamoDB ``UpdateItem`` reads the item, changes it and writes
it back, so two at once can lose one of the changes (four threads adding 1 thirty times each left 37
where 40 were due), and two conditional ``PutItem`` calls can both succeed where AWS lets one. On AWS
each of these is atomic. ``aslrun serve`` answers requests on several threads and runs executions
side by side, and handlers may run on threads too, so every request moto answers (from any boto3
client, or passed on raw by the server) goes through one lock.

The exception is SQS ``ReceiveMessage``, which may wait (long polling: moto sleeps in the call until
a message comes or ``WaitTimeSeconds`` passes): holding the lock meanwhile would stop the very send
it waits for. Receiving without the lock is what AWS promises anyway: at least once.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["MOTO_LOCK", "apply", "may_wait"]

MOTO_LOCK = threading.RLock()
_APPLIED: list[bool] = []


def apply() -> None:
    """Make moto's request stubber answer one request at a time (once per process; idempotent)."""
    if _APPLIED:
        return
    from moto.core.models import botocore_stubber

    answer = botocore_stubber.process_request  # the stubber's own method, bound

    def process_request(request: Any) -> Any:
        if may_wait(request):
            return answer(request)
        with MOTO_LOCK:
            return answer(request)

    # (its __call__ looks the method up on the instance)
    botocore_stubber.process_request = process_request  # type: ignore[method-assign]
    _APPLIED.append(True)


def may_wait(request: Any) -> bool:
    """Whether the request is an SQS ``ReceiveMessage`` (JSON or query protocol), which may wait."""
    target = request.headers.get("X-Amz-Target") or request.headers.get("x-amz-target")
    if target is not None:
        return (target.decode() if isinstance(target, bytes) else str(target)).endswith("SQS.ReceiveMessage")
    if "Action=ReceiveMessage" in str(getattr(request, "url", "")):
        return True
    body = request.body
    if isinstance(body, str):
        return "Action=ReceiveMessage" in body
    if isinstance(body, (bytes, bytearray)):
        return b"Action=ReceiveMessage" in body
    return False
