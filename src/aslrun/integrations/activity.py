"""Activity tasks: ``"Resource": "arn:aws:states:REGION:ACCOUNT:activity:NAME"``.

The Task hands its effective input to whichever worker polls the activity next
(``GetActivityTask``), with a task token; the worker answers with ``SendTaskSuccess`` /
``SendTaskFailure`` (and keeps it alive with ``SendTaskHeartbeat``). The history records, as AWS
does::

    ActivityScheduled {resource, input, timeoutInSeconds?, heartbeatInSeconds?}
    ActivityStarted   {workerName?}          when a worker takes the task
    ActivitySucceeded {output} | ActivityFailed {error, cause} | ActivityTimedOut {error: States.Timeout}

Who offers the task to workers is the bindings' *activity broker* (``bindings.activities``: the
server has one); a Python handler bound to the activity's ARN may stand in for a worker instead.
An activity the broker does not know fails the execution with ``States.Runtime`` ("The activity
... does not exist."), as on AWS.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from typing import Any

from ..engine.scheduler import Future
from ..engine.task_call import TaskCall
from ..errors import StatesError
from .callbacks import PendingTask, new_token, register_pending, unregister_pending, wait_for_token
from .handler_call import call_bound_handler

__all__ = ["ActivityTask"]


class ActivityTask:
    history = "Activity"
    resource_type = "activity"
    blocking = True
    envelope_bytes = 0
    worker_starts = True  # ActivityStarted is recorded when a worker takes the task, not at once

    def __init__(self, resource: str) -> None:
        self.resource = resource
        self.resource_name = resource

    def static_function_names(self, parameters: Any) -> list[str]:
        return []

    def limit_name(self, call: TaskCall) -> str:
        return self.resource

    def unbound_problem(self, bindings: Any) -> str | None:
        if bindings.service_handler(self.resource) is not None or getattr(bindings, "activities", None) is not None:
            return None
        return (f"activity '{self.resource}' has no worker: bind a handler to its ARN, or run the machine on "
                "`aslrun serve`, where workers poll GetActivityTask")

    def scheduled_details(self, call: TaskCall) -> dict[str, Any]:
        details: dict[str, Any] = {"resource": self.resource, "input": call.parameters}
        if call.timeout is not None:
            details["timeoutInSeconds"] = call.timeout
        if call.heartbeat is not None:
            details["heartbeatInSeconds"] = call.heartbeat
        return details

    def invoke(self, call: TaskCall) -> Generator[Any, Any, Any]:
        handler = call.bindings.service_handler(self.resource)
        if handler is not None:  # a Python function plays the worker
            call.frame.emit("ActivityStarted", {"workerName": "aslrun"})
            return self._call_handler(handler, call)
        broker = getattr(call.bindings, "activities", None)
        if broker is None or not broker.exists(self.resource):
            raise StatesError("States.Runtime", f"The activity {self.resource} does not exist.", in_state=True)
        return (yield from self._offer(broker, call))

    def _call_handler(self, handler: Any, call: TaskCall) -> Any:
        return call_bound_handler(handler, call, function_name=self.resource.rsplit(":", 1)[-1], arn=self.resource)

    def _offer(self, broker: Any, call: TaskCall) -> Generator[Any, Any, Any]:
        frame = call.frame
        execution = call.execution
        token = new_token(frame)
        pending = PendingTask(token, Future(execution.scheduler), call, self.resource)
        register_pending(pending)

        def started(worker_name: str | None) -> None:  # on the execution's thread
            if not pending.future.done:
                frame.emit("ActivityStarted", {"workerName": worker_name} if worker_name else {})

        input_text = json.dumps(call.parameters, separators=(",", ":"), ensure_ascii=False)
        broker.offer(self.resource, token, input_text,
                     lambda worker: execution.scheduler.call_soon_threadsafe(lambda: started(worker)))
        try:
            return (yield from wait_for_token(call, pending))
        finally:
            broker.withdraw(self.resource, token)
            unregister_pending(pending)
