"""Callbacks over the API: SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat.

A token is what a ``.waitForTaskToken`` Task (or an activity worker's GetActivityTask) handed out.
The waiting task belongs to an execution running on another thread; the engine hands the result
to that execution's scheduler (see :mod:`aslrun.engine.scheduler`), so this answers at once.

Refusals are AWS's: a token that is not one at all is ``InvalidToken`` ("Invalid Token: 'Invalid
token'"); a real token whose task is over (completed, timed out, its execution stopped, or the
server restarted since) is ``TaskTimedOut`` ("Task Timed Out: 'Provided task does not exist
anymore'").
"""

from __future__ import annotations

from typing import Any

from ..integrations.callbacks import (
    TaskTokenError,
    looks_issued,
    send_task_failure,
    send_task_heartbeat,
    send_task_success,
)
from .context import Call
from .faults import ServiceError

__all__ = ["TaskApi"]


class TaskApi:
    def send_task_success(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        token = request["taskToken"]
        _answer(lambda: send_task_success(token, request["output"]), token)
        return {}

    def send_task_failure(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        token = request["taskToken"]
        _answer(lambda: send_task_failure(token, request.get("error"), request.get("cause")), token)
        return {}

    def send_task_heartbeat(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        token = request["taskToken"]
        _answer(lambda: send_task_heartbeat(token), token)
        return {}


def _answer(send: Any, token: str) -> None:
    try:
        send()
    except TaskTokenError as refused:
        if refused.code == "InvalidOutput":
            raise ServiceError("InvalidOutput", f"Invalid Output: '{refused.message}'") from None
        if refused.code == "ValidationException":
            raise ServiceError("ValidationException", refused.message) from None
        if looks_issued(token):
            raise ServiceError("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'") from None
        raise ServiceError("InvalidToken", "Invalid Token: 'Invalid token'") from None
