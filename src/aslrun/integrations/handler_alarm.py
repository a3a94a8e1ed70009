"""A timed handler called on the calling thread, stopped at its deadline by ``SIGALRM``.

A handler with a time limit (a Task's ``TimeoutSeconds``) ran on a thread of its own so that the
engine could stop waiting for it at the deadline. Handing each call to a thread and back costs
some 25 us on an idle machine and more under load: about a tenth of a bulk meter reading's time.
On the main thread, where nothing else uses ``SIGALRM`` and no interval timer is set, the call is
made in place instead: a timer set to the time left raises :class:`HandlerDeadline` inside the
handler when it runs out, and the call ends as a timeout, as Lambda stops a function at its
timeout (its code does not run on; here its ``finally`` blocks and context managers do run, so an
open SQLite transaction is rolled back). A handler that swallows the exception and returns late
has still timed out. Anywhere else (another thread, a timer someone else set, a platform without
``setitimer``) :func:`alarm_usable` says no and the thread serves, as before.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import TypeVar

__all__ = ["HandlerDeadline", "alarm_usable", "call_with_alarm"]

T = TypeVar("T")


class HandlerDeadline(BaseException):
    """Raised inside a handler when its time is up (a BaseException: ``except Exception`` in the
    handler does not take it for one of its own failures)."""


class _Armed:
    """Whether the alarm may raise now: set just before the handler is called, cleared as soon as
    it returns, so a signal arriving in between the two clean-up steps raises nothing."""

    on = False


def alarm_usable() -> bool:
    """True where :func:`call_with_alarm` can stop a call: the main thread, SIGALRM's default
    disposition (nobody else, and no call of ours further out, is using it), no timer running,
    and no debugger or tracer watching (a pause at a breakpoint in the handler is not cut short
    by the alarm: the call takes the thread path, as before)."""
    return (
        _HAS_ITIMER
        and sys.gettrace() is None
        and threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGALRM) == signal.SIG_DFL
        and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    )


_HAS_ITIMER = hasattr(signal, "setitimer") and hasattr(signal, "SIGALRM")


def _on_alarm(signum: int, frame: object) -> None:
    if _Armed.on:
        _Armed.on = False
        raise HandlerDeadline()


def call_with_alarm(call: Callable[[], T], timeout: float, timed_out: Callable[[], BaseException]) -> T:
    """``call()`` on this thread, stopped after ``timeout`` seconds (> 0); ``timed_out()`` is the
    exception raised when it was stopped or returned too late. Only where :func:`alarm_usable`."""
    deadline = time.monotonic() + timeout
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    try:
        try:
            _Armed.on = True
            signal.setitimer(signal.ITIMER_REAL, timeout)
            result = call()
        finally:
            _Armed.on = False
    except HandlerDeadline:
        raise timed_out() from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if time.monotonic() >= deadline:  # it kept running past the alarm (it caught the exception)
        raise timed_out()
    return result
