"""Retry and Catch: which errors they match, and how long a retrier waits.

Matching follows AWS:

* ``States.ALL`` matches every error except ``States.Runtime``;
* ``States.TaskFailed`` matches every error except ``States.Timeout`` and ``States.Runtime``;
* ``States.Runtime`` is never retried or caught, even when named.

(AWS's docs call ``States.DataLimitExceeded`` terminal, but executions recorded on AWS show a Task's
too-large result caught by ``States.ALL``; a state's *output* over the limit fails the execution
outside Retry/Catch, see the runner.)

A retrier waits ``IntervalSeconds * BackoffRate ** n`` before retry ``n`` (from 0), capped by
``MaxDelaySeconds``; ``JitterStrategy: FULL`` draws the wait uniformly below that, from the
execution's seeded random source.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Catcher", "Retrier", "error_matches", "UNCATCHABLE"]

UNCATCHABLE = "States.Runtime"
_TERMINAL = frozenset({"States.Runtime"})


def error_matches(patterns: tuple[str, ...], error: str | None) -> bool:
    if error == UNCATCHABLE:
        return False
    for pattern in patterns:
        if pattern == error:
            return True
        if pattern == "States.ALL" and error not in _TERMINAL:
            return True
        if pattern == "States.TaskFailed" and error != "States.Timeout" and error not in _TERMINAL:
            return True
    return False


#: The longest wait before a retry: a year (AWS's longest MaxDelaySeconds, and longer than a Standard
#: execution may run); a growing backoff stops there instead of overflowing.
MAX_RETRY_DELAY = 31_622_400.0


class Retrier:
    __slots__ = ("errors", "interval", "max_attempts", "backoff", "max_delay", "jitter", "spec")

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.errors = tuple(spec["ErrorEquals"])
        self.interval = spec.get("IntervalSeconds", 1)
        self.max_attempts = spec.get("MaxAttempts", 3)
        self.backoff = spec.get("BackoffRate", 2.0)
        self.max_delay = spec.get("MaxDelaySeconds")
        self.jitter = spec.get("JitterStrategy", "NONE")

    def matches(self, error: str | None) -> bool:
        return error_matches(self.errors, error)

    def delay(self, attempt: int, rng: Any) -> float:
        """Seconds to wait before retry number ``attempt`` (0 for the first retry)."""
        try:
            seconds = min(float(self.interval) * float(self.backoff) ** attempt, MAX_RETRY_DELAY)
        except OverflowError:
            seconds = MAX_RETRY_DELAY
        if self.max_delay is not None:
            seconds = min(seconds, self.max_delay)
        if self.jitter == "FULL":
            seconds = rng.uniform(0, seconds)
        return float(seconds)


class Catcher:
    __slots__ = ("errors", "next", "result_path", "spec")

    def __init__(self, spec: dict[str, Any], result_path: Any) -> None:
        self.spec = spec
        self.errors = tuple(spec["ErrorEquals"])
        self.next: str = spec["Next"]
        self.result_path = result_path  # compiled by the state's query language

    def matches(self, error: str | None) -> bool:
        return error_matches(self.errors, error)
