"""Handlers marked as only reading their event get the execution's own value, not a copy; a test
session (ASLRUN_CHECK_EVENTS) holds them to it, naming the handler and the place it changed."""

from __future__ import annotations

import functools
import os
from typing import Any

import pytest

import handlers.metering.lambdas as metering_lambdas
from aslrun import EventChangedError, StateMachine, VirtualClock, reads_event_only
from aslrun.integrations.shared_events import CHECK_VARIABLE, MARK, checking_events, first_difference, shares_event
from tests.helpers.two_reads import TWO_READS, TWO_READS_INPUT, run_two_reads


@pytest.fixture
def unchecked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CHECK_VARIABLE, "0")


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CHECK_VARIABLE, "1")


class _Seen:
    def __init__(self) -> None:
        self.events: list[Any] = []

    def __call__(self, event: Any, context: Any) -> int:
        self.events.append(event)
        return len(event["values"])


def test_a_marked_handler_is_given_the_executions_own_value(unchecked: None) -> None:
    seen = _Seen()

    @reads_event_only
    def reader(event: Any, context: Any) -> int:
        return seen(event, context)

    execution = run_two_reads(reader)
    assert execution.status == "SUCCEEDED", execution.error
    assert execution.output == {**TWO_READS_INPUT, "first": {"n": 3}, "second": {"n": 3}}
    first, second = seen.events
    assert first is second  # (no copy for either call)


def test_an_unmarked_handler_is_given_a_copy_of_its_own(unchecked: None) -> None:
    seen = _Seen()
    execution = run_two_reads(lambda event, context: seen(event, context))
    assert execution.status == "SUCCEEDED", execution.error
    first, second = seen.events
    assert first == second == TWO_READS_INPUT["reading"] and first is not second


def test_a_partial_of_a_marked_function_counts_as_marked(unchecked: None) -> None:
    seen = _Seen()

    @reads_event_only
    def reader(event: Any, context: Any, *, scale: int) -> int:
        return seen(event, context) * scale

    bound = functools.partial(reader, scale=2)
    assert shares_event(bound) and not shares_event(functools.partial(lambda e, c: 1))
    execution = run_two_reads(bound)
    assert execution.output["second"] == {"n": 6}
    assert seen.events[0] is seen.events[1]


def test_the_mark_is_a_plain_attribute_lambda_ignores() -> None:
    def handler(event: Any, context: Any) -> None:
        return None

    handler.aslrun_reads_event_only = True  # type: ignore[attr-defined]  # (as a handler module writes it)
    assert MARK == "aslrun_reads_event_only" and shares_event(handler)


def test_what_takes_no_attribute_cannot_be_marked() -> None:
    with pytest.raises(TypeError, match="takes no attributes: mark the function it calls"):
        reads_event_only("a string".upper)


def test_a_checked_handler_that_changes_its_event_is_named_with_the_place(checked: None) -> None:
    @reads_event_only
    def sorts_in_place(event: Any, context: Any) -> int:
        event["values"].sort()
        return 0

    with pytest.raises(EventChangedError) as changed:
        run_two_reads(sorts_in_place)
    message = str(changed.value)
    assert "sorts_in_place is marked aslrun_reads_event_only" in message
    assert "changed its event at $.values[0]" in message  # ([1.5, 2.25, -0.0] sorted: -0.0 first)


def test_a_change_is_found_when_the_handler_fails_too(checked: None) -> None:
    @reads_event_only
    def adds_then_fails(event: Any, context: Any) -> int:
        event["note"] = "seen"
        raise ValueError("bad reading")

    with pytest.raises(EventChangedError, match=r"changed its event at \$\.note") as changed:
        run_two_reads(adds_then_fails)
    assert "ValueError: bad reading" in str(changed.value.__context__)  # (the handler's own failure, kept)


def test_a_checked_handler_that_only_reads_runs_as_unmarked(checked: None) -> None:
    seen = _Seen()
    execution = run_two_reads(reads_event_only(lambda event, context: seen(event, context)))
    assert execution.status == "SUCCEEDED" and execution.output["second"] == {"n": 3}
    assert seen.events[0] == TWO_READS_INPUT["reading"] and seen.events[0] is not seen.events[1]  # (checked on copies)


def test_the_value_is_unchanged_for_the_engine_after_a_checked_change(checked: None) -> None:
    reading = {"meterId": "M1", "values": [2.0, 1.0]}

    @reads_event_only
    def sorts_in_place(event: Any, context: Any) -> int:
        event["values"].sort()
        return 0

    definition = {"StartAt": "Only", "States": {"Only": {**TWO_READS["States"]["Second"],
                                                         "Parameters": {"FunctionName": "Reader", "Payload.$": "$"}}}}
    clock = VirtualClock(start="2024-01-01T00:00:00Z", frozen=True)
    with pytest.raises(EventChangedError):
        StateMachine(definition).execute(reading, handlers={"Reader": sorts_in_place}, clock=clock)
    assert reading == {"meterId": "M1", "values": [2.0, 1.0]}  # (the handler had a copy)


@pytest.mark.parametrize(("before", "after", "where"), [
    ({"a": 1, "b": [1, 2]}, {"a": 1, "b": [1, 3]}, "$.b[1]"),
    ({"a": 1}, {"a": 1, "z": 0}, "$.z"),
    ({"a": 1, "z": 0}, {"a": 1}, "$.z"),
    ({"a": [1, 2]}, {"a": [1, 2, 3]}, "$.a"),
    ({"a": {"b": 1.0}}, {"a": {"b": 1}}, "$.a.b"),  # (1.0 became 1: another JSON number text)
    ({"a": 1, "b": 2}, {"b": 2, "a": 1}, "$"),  # (the same entries in another order)
    ([0.0], [-0.0], "$[0]"),
])
def test_the_first_difference_is_named_as_a_jsonpath(before: Any, after: Any, where: str) -> None:
    assert first_difference(before, after) == where


def test_the_metering_handlers_are_marked_and_a_test_session_checks_them() -> None:
    assert all(shares_event(handler) for handler in metering_lambdas.HANDLERS.values())
    assert all(shares_event(handler) for handler in metering_lambdas.build_handlers(db=":memory:").values())
    assert os.environ.get(CHECK_VARIABLE) not in (None, "", "0"), "the pytest plugin turns the checks on"


@pytest.mark.parametrize(("value", "on"), [(None, False), ("", False), ("0", False), ("1", True), ("yes", True)])
def test_the_check_follows_the_variable_as_the_environment_holds_it_now(monkeypatch: pytest.MonkeyPatch,
                                                                         value: str | None, on: bool) -> None:
    if value is None:
        monkeypatch.delenv(CHECK_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(CHECK_VARIABLE, value)
    assert checking_events() is on
