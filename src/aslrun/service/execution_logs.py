"""Executions logged to CloudWatch Logs, as a state machine's ``loggingConfiguration`` asks.

A machine whose logging level is ``ALL``, ``ERROR`` or ``FATAL`` with a log group destination
(``arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*``; Terraform's ``logging_configuration``) has its
executions' history events written to that group of the server's local AWS, as Step Functions writes
them: one log stream per execution (``states/<machine>/<yyyy-mm-dd-HH-MM>/<execution>``), one log
event per history event, its message the JSON Step Functions logs::

    {"id": "1", "type": "ExecutionStarted", "details": {"input": "{}", "inputDetails": {"truncated": false},
     "roleArn": "..."}, "previous_event_id": "0", "event_timestamp": "1764400000000",
     "execution_arn": "arn:aws:states:...", "redrive_count": "0"}

``ALL`` logs every event; ``ERROR`` the events of errors (``...Failed``, ``...TimedOut``,
``ExecutionAborted``); ``FATAL`` only how a failed execution ended. Without
``includeExecutionData`` the events' input, output and parameters are left out. An EXPRESS machine's
executions have no history API on AWS: this is where a test reads what one did.

Events are written in batches (every 100, and when the execution ends); a log group that does not
exist is said once on the server's error output, and nothing is written for it.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any

from ..history import Event, details_key

__all__ = ["ExecutionLogger", "logger_for"]

_BATCH = 100
_ENDINGS = frozenset({"ExecutionSucceeded", "ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut"})
_FATAL = frozenset({"ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut"})
_DATA = ("input", "inputDetails", "output", "outputDetails", "parameters")
_SAID: set[str] = set()
_SAID_LOCK = threading.Lock()


def logger_for(logging: dict[str, Any], machine_name: str) -> ExecutionLogger | None:
    """The logger a machine's logging configuration asks for (None: level OFF, or no log group)."""
    level = str(logging.get("level", "OFF"))
    destinations = logging.get("destinations") or []
    group_arn = ((destinations[0] if destinations else {}).get("cloudWatchLogsLogGroup") or {}).get("logGroupArn")
    if level == "OFF" or not group_arn or ":log-group:" not in str(group_arn):
        return None
    return ExecutionLogger(str(group_arn), level, bool(logging.get("includeExecutionData")), machine_name)


class ExecutionLogger:
    """Writes one execution's events to its machine's log group (attach it to the execution's history)."""

    def __init__(self, group_arn: str, level: str, include_data: bool, machine_name: str) -> None:
        parts = group_arn.split(":")
        self.region = parts[3]
        self.group = group_arn.split(":log-group:", 1)[1].removesuffix(":*")
        self.level = level
        self.include_data = include_data
        self.machine_name = machine_name
        self._pending: list[dict[str, Any]] = []
        self._stream: str | None = None
        self._lock = threading.Lock()

    def attach(self, execution: Any) -> None:
        """Log ``execution``'s events: those it has (its start), then each as it comes."""
        arn = str(getattr(execution, "given_arn", None) or execution.arn)
        redrives = int(getattr(execution, "redrive_count", 0) or 0)
        for event in list(execution.history):
            self._add(event, arn, redrives)
        execution.history.listeners.append(lambda event: self._add(event, arn, redrives))

    def _add(self, event: Event, arn: str, redrives: int) -> None:
        if self._logged(event.type):
            details = dict(event.to_aws().get(details_key(event.type), {}) or {})
            if not self.include_data:
                for key in _DATA:
                    details.pop(key, None)
            message = {"id": str(event.id), "type": event.type, "details": details,
                       "previous_event_id": str(event.previous_id), "event_timestamp": str(int(event.timestamp * 1000)),
                       "execution_arn": arn, "redrive_count": str(redrives)}
            with self._lock:
                self._pending.append({"timestamp": int(event.timestamp * 1000),
                                      "message": json.dumps(message, separators=(",", ":"), ensure_ascii=False)})
                if self._stream is None:
                    self._stream = _stream_name(self.machine_name, event.timestamp, arn)
        if event.type in _ENDINGS or len(self._pending) >= _BATCH:
            self.flush()

    def _logged(self, event_type: str) -> bool:
        if self.level == "ALL":
            return True
        if self.level == "FATAL":
            return event_type in _FATAL
        return event_type.endswith(("Failed", "TimedOut")) or event_type == "ExecutionAborted"

    def flush(self) -> None:
        """Write what is pending (a failure to write is said once per log group)."""
        with self._lock:
            pending, self._pending = self._pending, []
            stream = self._stream
        if not pending or stream is None:
            return
        from botocore.exceptions import ClientError  # type: ignore[import-untyped]

        from ..localaws.emulator import current_aws

        aws = current_aws(start=True)
        assert aws is not None
        logs = aws.client("logs", self.region)
        try:
            try:
                logs.create_log_stream(logGroupName=self.group, logStreamName=stream)
            except logs.exceptions.ResourceAlreadyExistsException:
                pass
            logs.put_log_events(logGroupName=self.group, logStreamName=stream, logEvents=pending)
        except ClientError as problem:
            with _SAID_LOCK:
                if self.group in _SAID:
                    return
                _SAID.add(self.group)
            print(f"aslrun serve: the executions of {self.machine_name} are not logged to {self.group}: "
                  f"{problem.response.get('Error', {}).get('Message', problem)}", file=sys.stderr, flush=True)


def _stream_name(machine: str, timestamp: float, arn: str) -> str:
    return f"states/{machine}/{time.strftime('%Y-%m-%d-%H-%M', time.gmtime(timestamp))}/{arn.rsplit(':', 1)[-1]}"
