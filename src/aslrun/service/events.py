"""``aslrun serve --template``: the template's event sources, delivered while the server runs.

The template's :class:`~aslrun.templates.event_delivery.EventRuntime` is attached to the server's
local AWS with the server's own ways of doing things:

* a rule whose target is a state machine starts it through the API's ``StartExecution`` (so the
  execution is the server's: listed, described, kept in its store) and the delivery says "started";
* each function invocation holds the server's handler gate (``--handler-concurrency``), as the
  executions' Tasks do;
* the functions' Step Functions calls (``boto3.client("stepfunctions")`` in a handler) are answered
  by the server itself: every action, not only starting executions. A handler waiting in
  ``StartSyncExecution`` lends its handler slot to the execution it waits for.

A thread (:class:`EventPump`) delivers what waits (SQS event source mappings, notifications and
events for functions, executions to start) when an execution ends and every ``interval`` seconds
otherwise, since a function or a handler may send a message at any time. It also fires the
template's schedules (a rule's ``ScheduleExpression``, an ``AWS::Scheduler::Schedule`` in its
``ScheduleExpressionTimezone``) by the wall clock, from the moment the server started (:class:`~aslrun.service.schedules.DueTimes`). Each delivery is a line
on the server's output (``aslrun serve: event delivered: Rule -> Machine: started (arn...)``); one
that raises is a line on its error output, and the pump goes on.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

from .context import Call
from .faults import ServiceError
from .schedules import DueTimes

__all__ = ["EventPump"]

class EventPump:
    """Delivers a template's events on a thread of its own while the server runs."""

    def __init__(self, service: Any, template: Any, local_aws: Any, *, interval: float = 0.2) -> None:
        from ..localaws.answered_calls import AnsweredError
        from ..templates.event_delivery import EventRuntime

        self.service = service
        self.template = template
        self.interval = interval
        self._answered_error = AnsweredError
        self.runtime = EventRuntime(template, local_aws, start=self._start, gate=service.runner.bindings.handler_gate,
                                    step_functions=self._answer).attach()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._began = datetime.now(timezone.utc)
        self._due = DueTimes(lambda key, text: print(f"aslrun serve: {key} {text}", file=sys.stderr, flush=True))
        self._thread = threading.Thread(target=self._loop, name="aslrun-events", daemon=True)
        self._thread.start()

    def poke(self, *_: Any) -> None:
        """Deliver soon (an execution ended: it may have sent something)."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout=30)
        self.runtime.detach()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stopping.is_set():
                return
            try:
                for delivery in [*self._fire_due_schedules(), *self.runtime.deliver()]:
                    print(f"aslrun serve: event delivered: {delivery}", flush=True)
            except Exception as problem:  # a delivery must not end the pump; the next round tries again
                print(f"aslrun serve: event delivery failed: {problem}", file=sys.stderr, flush=True)

    def _fire_due_schedules(self) -> list[Any]:
        """Fire the template's schedules whose time has come; what that delivered."""
        now = datetime.now(timezone.utc)
        done: list[Any] = []
        for rule in self.template.event_sources.rules:
            if rule.schedule is None or not rule.enabled:
                continue
            fired = self._due.take(f"template schedule {rule.logical_id}", rule.schedule, now=now, anchor=self._began,
                                   zone=rule.timezone, allow_at=rule.scheduler)
            if fired is not None:
                done += self.runtime.fire(rule.logical_id, at=fired)
        return done

    def _start(self, logical_id: str, value: Any) -> str:
        import json

        machine = self.template.state_machines[logical_id]
        answer = self.service.handle("StartExecution", {"stateMachineArn": machine.arn, "name": str(uuid.uuid4()),
                                                        "input": json.dumps(value)}, self._call())
        return str(answer["executionArn"])

    def _answer(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        waits = operation == "StartSyncExecution"  # the express execution's Tasks need a handler slot
        try:
            with _slot_lent(self.service.runner.bindings.handler_gate) if waits else contextlib.nullcontext():
                return self.service.handle(operation, request, self._call())  # type: ignore[no-any-return]
        except ServiceError as refused:
            raise self._answered_error(refused.code, refused.message or "", refused.status) from None

    def _call(self) -> Call:
        return self.service.call(self.template.region)


@contextlib.contextmanager
def _slot_lent(gate: Any) -> Iterator[None]:
    """While a handler waits for an execution it started synchronously, its handler slot is given
    back, so that execution's own Tasks can run (with one slot they could not otherwise); the handler
    takes a slot again before it goes on. Handlers still run one at a time: the waiting one runs no
    code until it has a slot back."""
    try:
        gate.release()
    except ValueError:  # the caller held no slot (not a handler): nothing to lend
        yield
        return
    try:
        yield
    finally:
        gate.acquire()
