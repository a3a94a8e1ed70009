"""Handlers with a time limit run on kept threads: reused call after call, and a handler abandoned
at its limit keeps its thread while a new call gets another."""

from __future__ import annotations

import threading

import pytest

from aslrun.integrations.handler_call import HandlerTimedOut, LambdaContext, call_handler


def context() -> LambdaContext:
    return LambdaContext(function_name="fn", invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:fn",
                         aws_request_id="r-1", deadline=None)


def which_thread(event, context):
    return {"thread": threading.get_ident(), "event": event}


def test_timed_calls_reuse_one_thread_and_not_the_callers():
    first, _ = call_handler(which_thread, {"n": 1}, context(), timeout=60)
    second, _ = call_handler(which_thread, {"n": 2}, context(), timeout=60)
    assert first["thread"] == second["thread"] != threading.get_ident()
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

    with pytest.raises(HandlerTimedOut):
        call_handler(hangs, {}, context(), timeout=0)
    assert entered.wait(10)
    try:
        result, _ = call_handler(which_thread, {}, context(), timeout=60)
        assert result["thread"] != seen["hung"]
    finally:
        release.set()


def test_an_exception_reaches_the_caller():
    def fails(event, context):
        raise KeyError("missing")

    with pytest.raises(Exception) as raised:
        call_handler(fails, {}, context(), timeout=60)
    assert raised.value.error == "KeyError"
