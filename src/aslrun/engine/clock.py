"""Clocks: the only source of time inside the engine.

Wait states, Retry back-off, timeouts, history timestamps and ``$$`` times all read a clock, so a
test can run a machine that waits a day in milliseconds and still see a day pass.

* :class:`VirtualClock` (the default) moves with real time, and *skips* whenever every branch of
  the execution is asleep: a ``Wait`` of 3600 s returns at once while ``now()`` reads an hour later.
  ``VirtualClock(start=..., frozen=True)`` does not move with real time at all: histories and
  ``$$`` times are then identical from run to run.
* :class:`SystemClock` is wall time; sleeping really sleeps (``aslrun execute --real-time``).

Times are seconds since the Unix epoch (floats); :func:`iso_timestamp` formats them as AWS does (it lives
in :mod:`aslrun.model.timestamps`, below the history, which writes them too).
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

from ..model.timestamps import iso_timestamp

_perf_counter = time.perf_counter

__all__ = ["Clock", "SystemClock", "VirtualClock", "iso_timestamp", "parse_start"]


class Clock:
    """What the engine needs of time."""

    #: True when sleeping takes real time (the scheduler then blocks instead of skipping).
    real = False

    def now(self) -> float:  # pragma: no cover - interface
        raise NotImplementedError

    def sleep_until(self, when: float) -> None:  # pragma: no cover - interface
        """Block (real clock) or jump (virtual clock) until ``now() >= when``."""
        raise NotImplementedError


class SystemClock(Clock):
    real = True

    def now(self) -> float:
        return time.time()

    def sleep_until(self, when: float) -> None:
        delay = when - time.time()
        if delay > 0:
            time.sleep(delay)


class VirtualClock(Clock):
    """Real time plus skipped time (or, when ``frozen``, only skipped time)."""

    def __init__(self, start: float | datetime | str | None = None, *, frozen: bool = False) -> None:
        self._start = parse_start(start) if start is not None else time.time()
        self._origin = time.perf_counter()
        self._skipped = 0.0
        self.frozen = frozen
        self._set_offset()

    def _set_offset(self) -> None:
        # now() is read for every history event: it is one addition to the real clock, this offset
        # (start - origin + skipped), worked out again whenever time is skipped
        self._offset = self._start - self._origin + self._skipped

    def now(self) -> float:
        if self.frozen:
            return self._start + self._skipped
        return _perf_counter() + self._offset

    def sleep_until(self, when: float) -> None:
        ahead = when - self.now()
        if ahead > 0:
            self._skip(ahead)

    def advance(self, seconds: float) -> None:
        """Move time forward by hand (tests)."""
        if seconds < 0:
            raise ValueError("a clock cannot go back")
        self._skip(seconds)

    def _skip(self, seconds: float) -> None:
        self._skipped += seconds
        self._set_offset()

    @property
    def skipped(self) -> float:
        """Seconds the clock jumped over instead of waiting."""
        return self._skipped


def parse_start(start: float | datetime | str) -> float:
    if isinstance(start, (int, float)):
        return float(start)
    if isinstance(start, str):
        start = datetime.fromisoformat(start.replace("Z", "+00:00"))
    if start.tzinfo is None:
        start = start.replace(tzinfo=timezone.utc)
    return start.timestamp()
