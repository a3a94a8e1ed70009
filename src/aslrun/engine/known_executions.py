"""The executions of this process, by ARN: what a DescribeExecution call made inside the process can
be answered from.

On AWS any code may ask Step Functions about any execution by its ARN (an ``aws-sdk:sfn:describeExecution``
Task, a function's ``boto3.client("stepfunctions").describe_execution``): the BUA controller asks so
whether the execution holding its run is still alive. Locally the executions live in this process; each
one is remembered here when it starts (weakly: one that nobody holds any more is forgotten, as a
finished in-process run should be), and :mod:`aslrun.integrations.step_functions_answers` answers from it.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

__all__ = ["find", "remember"]

_KNOWN: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()
_LOCK = threading.Lock()


def remember(execution: Any) -> None:
    """Make ``execution`` findable by its ARN (call when it starts: a host may set the ARN before)."""
    with _LOCK:
        _KNOWN[execution.arn] = execution


def find(arn: str) -> Any | None:
    """The execution of this process with that ARN, if it is still held anywhere."""
    with _LOCK:
        return _KNOWN.get(arn)
