"""The plain trace of `aslrun execute`: per state what it called and what it changed (not its whole
output), retries numbered, Lambda errors by their message, Map iterations with -v, plural forms, and
a final output kept to a screen on a terminal."""

from __future__ import annotations

import io

from rich.console import Console

from aslrun import StateMachine
from aslrun.cli.trace import Trace, changes

FN = "arn:aws:lambda:us-east-1:123456789012:function:"


def test_changes_name_the_fields_a_state_set_changed_or_removed():
    assert changes({"a": 1}, {"a": 1}) == "(unchanged)"
    assert changes({"a": 1}, {"a": 1, "b": {"c": 2}}) == '$.b = {"c":2}'
    assert changes({"a": 1, "b": 2}, {"a": 1, "b": 3}) == "$.b = 3"
    assert changes({"a": 1, "gone": 2}, {"a": 1}) == "$.gone removed"
    assert changes({"a": 1}, [1, 2]) == "[1,2]"  # not an object: the new value
    assert changes({"a": 1}, {"z": 9}) == '{"z":9}'  # nothing kept: the state replaced its data
    many = changes({"k": 0}, {"k": 0, **{f"f{i}": i for i in range(7)}})
    assert many.endswith("… 3 more") and many.count(" = ") == 4
    assert changes({"a": 1}, {"a": 1, "odd key": 1}) == '$["odd key"] = 1'


def test_a_lambda_result_is_shown_by_its_payload():
    result = {"ExecutedVersion": "$LATEST", "Payload": {"ok": True}, "StatusCode": 200,
              "SdkHttpMetadata": {"HttpStatusCode": 200}, "SdkResponseMetadata": {"RequestId": "r"}}
    assert changes({"a": 1}, {"a": 1, "out": result}) == '$.out = {"Payload":{"ok":true}}'


def _trace(definition, input, handlers, *, verbose=False, terminal=False):
    out = io.StringIO()
    console = Console(file=out, highlight=False, soft_wrap=True, force_terminal=terminal, color_system=None,
                      width=200)
    trace = Trace(verbose=verbose, console=console)
    execution = StateMachine(definition).execute(input, handlers=handlers, listeners=[trace.on_event])
    trace.summary(execution)
    return out.getvalue()


def test_a_retried_lambda_task_shows_each_attempt_and_the_errors_message():
    calls = []

    def flaky(event, context):
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError(f"gateway down (try {len(calls)})")
        return {"paid": True}

    definition = {"StartAt": "Pay", "States": {"Pay": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "ResultSelector": {"paid.$": "$.Payload.paid"},
        "ResultPath": "$.payment", "Parameters": {"FunctionName": FN + "Gateway:live", "Payload.$": "$"},
        "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 3}], "End": True}}}
    text = _trace(definition, {"bill": 7}, {"Gateway": flaky})
    assert "calls lambda:invoke Gateway\n" in text
    assert "✗ TaskFailed ConnectionError: gateway down (try 1)" in text  # the message, not the error document
    assert "calls lambda:invoke Gateway (attempt 2)" in text and "(attempt 3)" in text
    assert '→ $.payment = {"paid":true}' in text
    assert "■ SUCCEEDED" in text and "None" not in text


def test_map_iterations_are_numbered_with_verbose_and_counted_without():
    definition = {"StartAt": "Each", "States": {"Each": {"Type": "Map", "End": True, "ItemProcessor": {
        "StartAt": "Double", "States": {"Double": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($, $)"},
                                                  "End": True}}}}}}
    quiet = _trace(definition, [1], {})
    assert "(1 Map iteration, 1 nested state; -v shows them)" in quiet and "1 events" not in quiet
    loud = _trace(definition, [1, 2], {}, verbose=True)
    assert "iteration 0" in loud and "iteration 1" in loud and "Double (Pass)" in loud


def test_a_long_output_is_kept_to_a_screen_on_a_terminal():
    definition = {"StartAt": "Make", "States": {"Make": {"Type": "Pass", "Result": list(range(100)), "End": True}}}
    screen = _trace(definition, {}, {}, terminal=True)
    assert "… 62 more lines of output (--json, -v or --history FILE show all of it)" in screen
    piped = _trace(definition, {}, {})
    assert "more lines" not in piped and "99" in piped


def test_a_fail_state_without_an_error_name_says_so_and_no_none_is_printed():
    definition = {"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Result": None, "ResultPath": "$.x", "Next": "B"},
        "B": {"Type": "Pass", "OutputPath": None, "Next": "C"}, "C": {"Type": "Fail"}}}
    for verbose in (False, True):
        text = _trace(definition, {"a": None}, {}, verbose=verbose)
        assert "None" not in text
        assert text.splitlines()[-1] == "error (no error name)"
        assert "$.x = null" in text


def test_a_run_failing_after_a_caught_error_ends_with_that_error_whole():
    reason = "the database /x/.aslrun/aslrun.sqlite3 registers no meter at all: " + "point $ASLRUN_DB at it " * 8

    def check(event, context):
        raise LookupError(reason)

    definition = {"StartAt": "Check", "States": {
        "Check": {"Type": "Task", "Resource": FN + "Check", "Catch": [
            {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Invalid"}], "End": True},
        "Invalid": {"Type": "Fail", "Error": "InvalidMeterReading", "Cause": "failed validation checks"}}}
    lines = _trace(definition, {}, {"Check": check}).splitlines()
    assert lines[-3:] == ["error InvalidMeterReading", "cause failed validation checks",
                          f"caught earlier LambdaFunctionFailed: LookupError: {reason}"]  # not clipped
    # a run that ends with the failure itself does not say it twice
    uncaught = {"StartAt": "Check", "States": {"Check": {"Type": "Task", "Resource": FN + "Check", "End": True}}}
    assert "caught earlier" not in _trace(uncaught, {}, {"Check": check})


def test_a_failure_event_without_details_is_not_said_to_be_caught_earlier():
    """A Map's iteration fails with MapIterationFailed, a Map past the payload limit with MapStateFailed: AWS
    records neither with an error; the run ends with the error itself, nothing was caught."""
    in_iteration = {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {
        "StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"big.$": "States.ArrayRange(1, 2000, 1)"},
                                         "End": True}}}, "End": True}}}
    too_big = {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {
        "StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"big.$": "States.ArrayRange(1, 1000, 1)"},
                                         "End": True}}}, "End": True}}}
    for definition, error in ((in_iteration, "States.Runtime"), (too_big, "States.DataLimitExceeded")):
        text = _trace(definition, {"items": list(range(80))}, {})
        assert f"error {error}" in text and "caught earlier" not in text
