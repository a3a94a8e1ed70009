"""Handlers with a time limit run on kept threads: reused call after call, and a handler abandoned
at its limit keeps its thread while a new call gets another."""

from __future__ import annotations

import threading
import time

import pytest

from aslrun.integrations.handler_call import _WORKERS, HandlerTimedOut, LambdaContext, call_handler


def context() -> LambdaContext:
    return LambdaContext(function_name="fn", invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:fn",
                         aws_request_id="r-1", deadline=None)


def which_thread(event, context):
    return {"thread": threading.get_ident(), "event": event}


def off_the_main_thread(work):
    """``work()``'s result, run on a thread of its own (timed calls there go to the kept threads;
    on the main thread they are made in place, see test_handler_alarm.py)."""
    box = {}

    def run():
        try:
            box["value"] = work()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    if "error" in box:
        raise box["error"]
    return box["value"], thread.ident


def rested(idle_before: int) -> None:
    """Until the thread that just answered is back among the idle ones (the last of them, taken
    first): it answers the caller first and then rests, so a call made at once may find it busy."""
    deadline = time.monotonic() + 10  # only a guard
    while len(_WORKERS._idle) < idle_before and time.monotonic() < deadline:
        time.sleep(0.001)


def test_timed_calls_reuse_one_thread_and_not_the_callers():
    def two_calls():
        idle_before = max(1, len(_WORKERS._idle))
        first, _ = call_handler(which_thread, {"n": 1}, context(), timeout=60)
        rested(idle_before)
        second, _ = call_handler(which_thread, {"n": 2}, context(), timeout=60)
        return first, second

    (first, second), caller = off_the_main_thread(two_calls)
    assert first["thread"] == second["thread"] != caller
    assert (first["event"], second["event"]) == ({"n": 1}, {"n": 2})


def test_an_abandoned_handler_keeps_its_thread_and_the_next_call_gets_another():
    release = threading.Event()
    entered = threading.Event()
    seen = {}

    def hangs(event, context):
        seen["hung"] = threading.get_ident()
        entered.set()
        release.wait()
        return {}

    def abandon_then_call():
        with pytest.raises(HandlerTimedOut):
            call_handler(hangs, {}, context(), timeout=0)
        assert entered.wait(10)
        return call_handler(which_thread, {}, context(), timeout=60)[0]

    try:
        result, _ = off_the_main_thread(abandon_then_call)
        assert result["thread"] != seen["hung"]
    finally:
        release.set()


def test_an_exception_reaches_the_caller():
    def fails(event, context):
        raise KeyError("missing")

    with pytest.raises(Exception) as raised:
        call_handler(fails, {}, context(), timeout=60)
    assert raised.value.error == "KeyError"
