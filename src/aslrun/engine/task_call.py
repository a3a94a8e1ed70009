"""One invocation of a Task's resource: what an integration needs to know to do its work, and how it
says the work ran past its time limit (:class:`HandlerTimedOut`).

Both sit in the engine, below the states that make the calls and the integrations that answer them
(:mod:`aslrun.integrations`), so neither imports the other for them."""

from __future__ import annotations

import time
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..bindings import Bindings
    from .frame import Frame

__all__ = ["HandlerTimedOut", "TaskCall"]


class HandlerTimedOut(Exception):
    """The handler was still running when its time limit passed (the Task then records it timed out)."""


@lru_cache(maxsize=64)
def _http_date(second: int) -> str:
    """An HTTP Date header for a whole second (calls within one second share it)."""
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(second))


class TaskCall:
    __slots__ = ("frame", "execution", "bindings", "parameters", "timeout", "heartbeat", "request_id",
                 "real_timeout", "real_deadline", "result_size", "state_name")

    def __init__(self, frame: Frame, parameters: Any, *, timeout: int | None, heartbeat: int | None,
                 real_timeout: float | None) -> None:
        self.frame = frame
        self.execution = frame.execution
        self.bindings: Bindings = frame.execution.bindings
        self.state_name = frame.state_name
        self.parameters = parameters
        self.timeout = timeout          # TimeoutSeconds as the definition gave it
        self.heartbeat = heartbeat
        self.real_timeout = real_timeout  # seconds of real time the handler may take (None: no limit)
        self.real_deadline = time.monotonic() + real_timeout if real_timeout is not None else None
        self.request_id = frame.execution.new_uuid()
        self.result_size: int | None = None

    def start_clock(self) -> None:
        """The handler starts now: its time limit counts from here (a call that waited for a free
        handler thread has not used any of it, as a Lambda invocation waiting to be run has not)."""
        if self.real_timeout is not None:
            self.real_deadline = time.monotonic() + self.real_timeout

    def scheduled_details(self, resource_type: str, resource_name: str) -> dict[str, Any]:
        """``TaskScheduled``'s details for an integration (``resourceType``, ``resource``, ``region``,
        ``parameters``, and the timeouts when set), as AWS records them."""
        details: dict[str, Any] = {
            "resourceType": resource_type,
            "resource": resource_name,
            "region": self.execution.region,
            "parameters": self.parameters,
        }
        if self.timeout is not None:
            details["timeoutInSeconds"] = self.timeout
        if self.heartbeat is not None:
            details["heartbeatInSeconds"] = self.heartbeat
        return details

    @property
    def trace_id(self) -> str:
        """An X-Ray trace header as Lambda returns it (derived from the request id: reproducible)."""
        digits = self.request_id.replace("-", "")
        return f"root=1-{digits[:8]};parent={digits[8:24]};sampled=0;lineage=1:{digits[24:32]}:0"

    @property
    def http_date(self) -> str:
        return _http_date(int(self.execution.clock.now()))
