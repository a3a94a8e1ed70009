"""Runs started ahead, on threads of their own, for tests that would otherwise each wait in turn.

A few conformance cases wait out a real Task timeout: their handler hangs, and a hung handler really
is waited for until its deadline (5 s). Run one after the other, each such test costs those 5 s of
idle waiting. Started together as soon as the test process has collected (:func:`start_all`, from
tests/conftest.py; at the latest by the first test of either conformance module), the waits overlap
each other and the other tests, and each test then takes the outcome of its own run. A run is the very call the test used to make itself (same engine, same
arguments, its own handlers and clock); only when it starts differs. An exception a run raised is
raised again in the test that asks for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["Ahead", "start_all"]

_EVERY: list[Ahead] = []


def start_all() -> None:
    """Start the runs of every :class:`Ahead` made so far (the test modules make theirs when they are
    imported, before any test runs), so that all their waits overlap."""
    for ahead in list(_EVERY):
        ahead.start()


class Ahead:
    """``Ahead({key: run}, before=None)``: ``start()`` calls ``before`` (in the calling thread), then
    begins every run on a daemon thread (once; later calls do nothing); ``outcome(key)`` starts them
    if need be and waits for that run's result."""

    def __init__(self, runs: Mapping[str, Callable[[], Any]], before: Callable[[], Any] | None = None) -> None:
        self._runs = dict(runs)
        self._before = before
        self._lock = threading.Lock()
        self._done = {key: threading.Event() for key in self._runs}
        self._outcomes: dict[str, tuple[bool, Any]] = {}
        self._started = False
        _EVERY.append(self)

    def __contains__(self, key: object) -> bool:
        return key in self._runs

    def start(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
            if self._runs and self._before is not None:
                self._before()
        for key, run in self._runs.items():
            threading.Thread(target=self._run, args=(key, run), name=f"ahead {key}", daemon=True).start()

    def outcome(self, key: str, timeout: float = 300.0) -> Any:
        self.start()
        if not self._done[key].wait(timeout):
            raise TimeoutError(f"the run started ahead for {key!r} did not end within {timeout} s")
        ok, value = self._outcomes[key]
        if not ok:
            raise value
        return value

    def _run(self, key: str, run: Callable[[], Any]) -> None:
        try:
            self._outcomes[key] = (True, run())
        except BaseException as exc:  # handed to the test that asks for it
            self._outcomes[key] = (False, exc)
        finally:
            self._done[key].set()
