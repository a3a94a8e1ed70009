"""A template's functions calling Step Functions, answered by the template's own state machines.

On AWS a function starts a state machine with ``boto3.client("stepfunctions").start_execution(...)``
(the BUA notify function starts the controller so). Locally the same call reaches
:class:`StepFunctionsCalls` (through :mod:`aslrun.localaws.answered_calls`) when it names one of the
template's state machines (or a version or alias of one):

* ``StartExecution``: the execution is created and queued, and the reply (``executionArn``,
  ``startDate``) returns at once, as on AWS; it runs when the event runtime next delivers
  (:meth:`~aslrun.templates.event_delivery.EventRuntime.deliver`), after the calling function has
  returned: one function or execution at a time, in order. Errors as AWS names them:
  ``ExecutionAlreadyExists`` (a name used before, unless the same input is given again while the first
  still runs: the call is then idempotent), ``InvalidName``, ``InvalidExecutionInput``;
* ``StartSyncExecution`` (express machines; a standard one is ``StateMachineTypeNotSupported``): run
  now, inside the call, and answered with the outcome;
* ``DescribeExecution``: the status, input and (once ended) output, error and cause.

Any other call, or one naming a state machine the template does not define, is left to the local AWS
(moto), as before.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..localaws.answered_calls import AnsweredError

if TYPE_CHECKING:
    from .app import TemplateApp

__all__ = ["StartedExecution", "StepFunctionsCalls"]

_FORBIDDEN = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]")


@dataclass
class StartedExecution:
    """An execution a function started: queued until the runtime runs it, then its outcome."""

    arn: str
    name: str
    logical_id: str  # the template's state machine
    input_text: str
    input: Any
    start_date: float
    execution: Any = None  # the engine's Execution, once run
    qualifier: str | None = None
    stop_date: float | None = None

    @property
    def status(self) -> str:
        return "RUNNING" if self.execution is None else str(self.execution.status)


class StepFunctionsCalls:
    """The answerer of Step Functions calls for one template's state machines (see the module docstring)."""

    def __init__(self, app: TemplateApp) -> None:
        self.app = app
        self.started: dict[str, StartedExecution] = {}  # by execution ARN
        self.queue: list[StartedExecution] = []  # started, not yet run
        self._lock = threading.Lock()

    def __call__(self, operation: str, request: dict[str, Any]) -> dict[str, Any] | None:
        if operation == "StartExecution":
            return self._start(request)
        if operation == "StartSyncExecution":
            return self._start_sync(request)
        if operation == "DescribeExecution":
            return self._describe(request)
        return None

    def take_queued(self) -> list[StartedExecution]:
        """The executions started since the last call, to run now."""
        with self._lock:
            queued, self.queue = self.queue, []
        return queued

    # -- operations ------------------------------------------------------------------------------------

    def _start(self, request: dict[str, Any]) -> dict[str, Any] | None:
        found = self._request(request)
        if found is None:
            return None
        logical_id, qualifier, name, text, value = found
        machine = self.app.state_machines[logical_id]
        arn = f"{machine.arn.replace(':stateMachine:', ':execution:')}:{name}"
        with self._lock:
            earlier = self.started.get(arn)
            if earlier is not None:
                if earlier.status == "RUNNING" and earlier.input_text == text:
                    return {"executionArn": arn, "startDate": earlier.start_date}
                raise AnsweredError("ExecutionAlreadyExists", f"Execution Already Exists: '{arn}'")
            started = StartedExecution(arn=arn, name=name, logical_id=logical_id, input_text=text, input=value,
                                       start_date=time.time(), qualifier=qualifier)
            self.started[arn] = started
            self.queue.append(started)
        return {"executionArn": arn, "startDate": started.start_date}

    def _start_sync(self, request: dict[str, Any]) -> dict[str, Any] | None:
        found = self._request(request)
        if found is None:
            return None
        logical_id, _, name, text, value = found
        machine = self.app.state_machines[logical_id]
        if machine.type != "EXPRESS":
            raise AnsweredError("StateMachineTypeNotSupported", "This operation is not supported by this type of "
                                "state machine")
        started = time.time()
        execution = self.app.execute(logical_id, value, name=name)
        arn = f"{machine.arn.replace(':stateMachine:', ':express:')}:{name}:{uuid.uuid4()}"
        answer: dict[str, Any] = {"executionArn": arn, "stateMachineArn": machine.arn, "name": name,
                                  "startDate": started, "stopDate": time.time(), "status": execution.status,
                                  "input": text, "inputDetails": {"included": True},
                                  "billingDetails": {"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": 100}}
        return {**answer, **_outcome(execution)}

    def _describe(self, request: dict[str, Any]) -> dict[str, Any] | None:
        with self._lock:
            started = self.started.get(str(request.get("executionArn")))
        if started is None:
            return None
        machine = self.app.state_machines[started.logical_id]
        answer: dict[str, Any] = {"executionArn": started.arn, "stateMachineArn": machine.arn, "name": started.name,
                                  "status": started.status, "startDate": started.start_date,
                                  "input": started.input_text, "inputDetails": {"included": True},
                                  "redriveCount": 0, "redriveStatus": "NOT_REDRIVABLE"}
        execution = started.execution
        if execution is not None:
            answer["stopDate"] = started.stop_date
            answer.update(_outcome(execution))
        return answer

    # -- helpers ---------------------------------------------------------------------------------------

    def _request(self, request: dict[str, Any]) -> tuple[str, str | None, str, str, Any] | None:
        """(machine, qualifier, name, input text, input) of a start request naming one of the template's
        state machines; None for another machine; AnsweredError for a bad name or input."""
        found = self._machine(request.get("stateMachineArn"))
        if found is None:
            return None
        return (*found, *self._name_and_input(request))

    def _machine(self, arn: Any) -> tuple[str, str | None] | None:
        """(the template's state machine, the version or alias qualifier) an ARN names, or None."""
        text = str(arn or "")
        for logical_id, machine in self.app.state_machines.items():
            if text == machine.arn:
                return logical_id, None
            if text.startswith(machine.arn + ":"):
                return logical_id, text[len(machine.arn) + 1:]
        return None

    @staticmethod
    def _name_and_input(request: dict[str, Any]) -> tuple[str, str, Any]:
        name = request.get("name")
        if name is None:
            name = str(uuid.uuid4())
        name = str(name)
        if not 1 <= len(name) <= 80 or _FORBIDDEN.search(name):
            raise AnsweredError("InvalidName", f"Invalid Name: '{name}'")
        text = request.get("input")
        if text is None:
            return name, "{}", {}
        text = str(text)
        if not text.strip():
            raise AnsweredError("InvalidExecutionInput",
                                "Invalid State Machine Execution Input: 'Invalid execution input.'")
        try:
            return name, text, json.loads(text)
        except ValueError as error:
            raise AnsweredError("InvalidExecutionInput", f"Invalid State Machine Execution Input: '{error}'") from None


def _outcome(execution: Any) -> dict[str, Any]:
    """What DescribeExecution and StartSyncExecution say of an ended execution: output, or error and cause."""
    if execution.status == "SUCCEEDED":
        return {"output": json.dumps(execution.output, ensure_ascii=False, separators=(",", ":")),
                "outputDetails": {"included": True}}
    return {"error": execution.error, "cause": execution.cause}
