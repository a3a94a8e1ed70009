"""A plain function whose code can only read its event is given the execution's own value, like a
marked one, and, its code being the proof, unchecked in a test session; any code that could change
the event, keep it, or hand it to other code gets a private copy, as every handler did before."""

from __future__ import annotations

import functools
from typing import Any

import pytest

import aslrun.integrations.handler_call as handler_call
from aslrun.integrations.reading_code import reads_its_event_only
from aslrun.integrations.shared_events import CHECK_VARIABLE, shares_event
from tests.helpers.two_reads import TWO_READS_INPUT, run_two_reads

DEFAULTS = {"tier": "standard"}
KEPT: list[Any] = []


# -- readers: their code shows they can only read the event ---------------------------------------------

def fixed_answer(event, context):
    return {"online": True, "tamperDetected": False}


def picks_fields(event, context=None):
    return {"isValid": True, "meterId": event.get("meterId")}


def nested_picks(event, context):
    return {"usage": {"meterId": event.get("meterId"), "kwh": 42.5}, "first": event["values"][0],
            "count": event.get("count", 0) + 1, "label": f"{event.get('meterId')}!", "tail": event["values"][1:]}


def branches(event, context):
    if event.get("kind") == "gas" and "pressure" in event:
        return {"gas": True}
    return event  # (what a handler returns crosses through its JSON text: a copy)


READERS = [fixed_answer, picks_fields, nested_picks, branches, lambda event, context: {"ok": True},
           lambda event, context: event["reading"]["values"]]


@pytest.mark.parametrize("handler", READERS, ids=lambda h: h.__name__)
def test_code_that_can_only_read_its_event_is_taken_for_a_reader(handler):
    assert reads_its_event_only(handler) and not shares_event(handler)  # (shares_event: marked ones)


# -- not readers: each could change the event, keep it, or hand it on --------------------------------------

def sets_an_item(event, context):
    event["seen"] = True
    return event


def deletes_an_item(event, context):
    del event["values"]
    return {}


def extends_in_place(event, context):
    values = event["values"]
    values += [0]
    return values


def calls_a_mutating_method(event, context):
    return event.pop("meterId")


def sorts(event, context):
    event["values"].sort()


def keeps_it(event, context):
    KEPT.append(event)


def uses_a_builtin(event, context):
    return len(event)


def reads_a_global(event, context):
    return {**DEFAULTS, "meterId": event.get("meterId")}


def gets_with_a_variable(event, context):
    key = "meterId"
    return event.get(key)


def gets_with_the_event(event, context):
    return event.get("a", event)


def loops(event, context):
    total = 0
    for value in event["values"]:
        total = total + value
    return total


def comprehends(event, context):
    return [value for value in event["values"]]


def nests_a_function(event, context):
    def inner():
        return event
    return inner


def tries(event, context):
    try:
        return event["x"]
    except KeyError:
        return None


def sets_an_attribute(event, context):
    context.event = event


def imports(event, context):
    import json
    return json.dumps(event)


def generates(event, context):
    yield event


async def awaits(event, context):
    return event


def closure_over(value):
    def handler(event, context):
        return value
    return handler


def no_positional(*args):
    return {}


class CallableObject:
    def __call__(self, event, context):
        return {"ok": True}

    def method(self, event, context):
        return {"ok": True}


NOT_READERS = [sets_an_item, deletes_an_item, extends_in_place, calls_a_mutating_method, sorts, keeps_it,
               uses_a_builtin, reads_a_global, gets_with_a_variable, gets_with_the_event, loops, comprehends,
               nests_a_function, tries, sets_an_attribute, imports, generates, awaits, closure_over([]),
               no_positional, CallableObject(), CallableObject().method, functools.partial(fixed_answer, {}), print]


@pytest.mark.parametrize("handler", NOT_READERS, ids=lambda h: getattr(h, "__name__", type(h).__name__))
def test_code_that_could_change_keep_or_hand_on_its_event_gets_a_copy(handler):
    assert not reads_its_event_only(handler)


def test_the_answer_follows_the_code_a_function_has_now():
    def handler(event, context):
        return {"ok": True}

    assert reads_its_event_only(handler)
    handler.__code__ = sets_an_item.__code__
    assert not reads_its_event_only(handler)


# -- in a run --------------------------------------------------------------------------------------------------


def _events_given(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    given: list[Any] = []
    called = handler_call.call_with_own_event

    def spy(handler: Any, event: Any, context: Any) -> Any:
        given.append(event)
        return called(handler, event, context)

    monkeypatch.setattr(handler_call, "call_with_own_event", spy)
    return given


def test_a_reader_is_given_the_executions_own_value_and_the_run_is_the_same(monkeypatch):
    monkeypatch.setenv(CHECK_VARIABLE, "0")
    given = _events_given(monkeypatch)
    shared = run_two_reads(lambda event, context: event["values"])
    first, second = given
    assert first is second  # (no copy for either call)
    given.clear()
    # (the same answer from code that reads a closure: copied)
    copied = run_two_reads(lambda event, context: [*event["values"]] if given is not None else None)
    first, second = given
    assert first == second and first is not second
    assert shared.output == copied.output == {**TWO_READS_INPUT, "first": {"n": [1.5, 2.25, -0.0]},
                                              "second": {"n": [1.5, 2.25, -0.0]}}
    assert [(e.type, e.details) for e in shared.history] == [(e.type, e.details) for e in copied.history]


def test_a_test_session_does_not_check_a_reader_whose_code_is_the_proof(monkeypatch):
    monkeypatch.setenv(CHECK_VARIABLE, "1")
    given = _events_given(monkeypatch)
    execution = run_two_reads(lambda event, context: event.get("meterId"))
    assert execution.output["second"] == {"n": "M1"}
    first, second = given
    assert first is second  # (no copy to check)
