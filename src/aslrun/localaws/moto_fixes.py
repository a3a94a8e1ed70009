"""Where moto answers otherwise than AWS in a way deployments read back, set right.

* EventBridge Scheduler: ``UpdateSchedule`` without ``State`` leaves moto's schedule with no state at
  all, where AWS makes it ``ENABLED`` (the member's default): Terraform, reading the schedule back
  after an update, then planned to set the state it had asked for (and a journal's replay of an
  update did the same to a kept schedule).
* EventBridge Scheduler refuses a ``StartDate`` more than five minutes past, as AWS does; a kept
  schedule made last week has one. While :func:`past_start_dates` is in effect (a seed or a journal
  being applied) moto takes it.

:func:`apply` is called when a local AWS starts (once per process; a later moto without the method
replaced is left alone).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["apply", "past_start_dates"]

_APPLIED: list[bool] = []
_PAST_START_DATES = threading.local()


@contextmanager
def past_start_dates() -> Iterator[None]:
    """Within: a schedule's StartDate may be in the past (a kept schedule made again)."""
    before = getattr(_PAST_START_DATES, "allowed", False)
    _PAST_START_DATES.allowed = True
    try:
        yield
    finally:
        _PAST_START_DATES.allowed = before


def apply() -> None:
    if _APPLIED:
        return
    _APPLIED.append(True)
    try:
        from moto.scheduler.models import Schedule  # type: ignore[import-untyped]
    except ImportError:
        return
    update = getattr(Schedule, "update", None)
    if update is None:
        return

    def update_with_default_state(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = update(self, *args, **kwargs)
        if not self.state:
            self.state = "ENABLED"
        return result

    Schedule.update = update_with_default_state  # type: ignore[method-assign]
    validate = getattr(Schedule, "_validate_start_date", None)
    if validate is not None:
        def validate_unless_kept(self: Any, start_date: Any) -> Any:
            if getattr(_PAST_START_DATES, "allowed", False):
                return start_date
            return validate(self, start_date)

        Schedule._validate_start_date = validate_unless_kept  # type: ignore[method-assign]
