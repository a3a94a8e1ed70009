"""A timed handler called from the main thread runs in place and is stopped at its deadline by
SIGALRM (handler_alarm.py); elsewhere, or where SIGALRM is someone else's, the kept threads serve."""

from __future__ import annotations

import signal
import sqlite3
import sys
import threading

import pytest

from aslrun.integrations.handler_alarm import alarm_usable
from aslrun.integrations.handler_call import HandlerFailed, HandlerTimedOut, LambdaContext, call_handler

pytestmark = pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="no setitimer on this platform")


@pytest.fixture
def in_place():
    """These tests are about the in-place path: under a tracer (coverage, a debugger) every timed
    call takes a thread instead (the last test here), so they have nothing to test."""
    if sys.gettrace() is not None:
        pytest.skip("a tracer (coverage, a debugger) is active: timed calls take the thread path")


def context() -> LambdaContext:
    return LambdaContext(function_name="fn", invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:fn",
                         aws_request_id="r-1", deadline=None)


def which_thread(event, context):
    return {"thread": threading.get_ident(), "event": event}


def assert_alarm_left_as_found():
    assert signal.getsignal(signal.SIGALRM) == signal.SIG_DFL
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_timed_call_from_the_main_thread_runs_in_place_and_leaves_no_alarm_behind(in_place):
    assert threading.current_thread() is threading.main_thread() and alarm_usable()
    result, size = call_handler(which_thread, {"n": 1}, context(), timeout=60)
    assert result == {"thread": threading.get_ident(), "event": {"n": 1}} and size > 0
    assert_alarm_left_as_found()


def test_a_handler_past_its_limit_is_stopped_where_it_waits_not_abandoned(in_place):
    ended = threading.Event()

    def waits_forever(event, context):
        try:
            threading.Event().wait()
        finally:
            ended.set()

    with pytest.raises(HandlerTimedOut):
        call_handler(waits_forever, {}, context(), timeout=0.2)
    assert ended.is_set()  # its finally ran before the call returned: it does not run on
    assert_alarm_left_as_found()


def test_a_handler_that_swallows_the_alarm_and_returns_late_has_still_timed_out(in_place):
    def stubborn(event, context):
        try:
            threading.Event().wait()
        except BaseException:
            return {"late": True}

    with pytest.raises(HandlerTimedOut):
        call_handler(stubborn, {}, context(), timeout=0.2)
    assert_alarm_left_as_found()


def test_a_transaction_open_at_the_deadline_is_rolled_back(tmp_path, in_place):
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE t (x)")

    def writes_then_hangs(event, context):
        conn = sqlite3.connect(path)
        with conn:  # commits on return, rolls back on any exception (the alarm's included)
            conn.execute("INSERT INTO t VALUES (1)")
            threading.Event().wait()

    with pytest.raises(HandlerTimedOut):
        call_handler(writes_then_hangs, {}, context(), timeout=0.2)
    assert sqlite3.connect(path).execute("SELECT COUNT(*) FROM t").fetchone() == (0,)


def test_a_failing_handler_fails_as_before(in_place):
    def fails(event, context):
        raise KeyError("missing")

    with pytest.raises(HandlerFailed) as raised:
        call_handler(fails, {}, context(), timeout=60)
    assert raised.value.error == "KeyError"
    assert_alarm_left_as_found()


def test_a_timed_call_inside_a_timed_handler_takes_a_thread_and_both_answer(in_place):
    def outer(event, context):
        assert not alarm_usable()  # the outer call holds SIGALRM
        inner, _ = call_handler(which_thread, {"inner": True}, context, timeout=60)
        return {"outer": threading.get_ident(), "inner": inner["thread"]}

    result, _ = call_handler(outer, {}, context(), timeout=60)
    assert result["outer"] == threading.get_ident() != result["inner"]
    assert_alarm_left_as_found()


def test_someone_elses_alarm_handler_is_left_alone_and_the_call_takes_a_thread():
    rang = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: rang.append(signum))
    try:
        assert not alarm_usable()
        result, _ = call_handler(which_thread, {}, context(), timeout=60)
        assert result["thread"] != threading.get_ident()
        signal.raise_signal(signal.SIGALRM)
        assert rang == [signal.SIGALRM]
    finally:
        signal.signal(signal.SIGALRM, previous)


def test_under_a_debugger_or_tracer_the_call_takes_a_thread_so_a_breakpoint_pause_is_not_cut_short():
    previous = sys.gettrace()
    sys.settrace(lambda frame, event, arg: None)
    try:
        assert not alarm_usable()
        result, _ = call_handler(which_thread, {}, context(), timeout=60)
    finally:
        sys.settrace(previous)
    assert result["thread"] != threading.get_ident()
