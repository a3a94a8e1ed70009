"""Reading a history into state runs, from memory and from saved files (aslrun's JSON lines, AWS's
get-execution-history JSON): the same runs either way, and clear errors for bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aslrun.errors import InputError
from aslrun.report.visits import read_history_file, read_visits
from aslrun.testing import run_machine

ORDERS = Path(__file__).resolve().parents[1] / "testing" / "fixtures" / "orders.asl.json"
HANDLERS = {"ValidateOrder": lambda e, c: {"ok": True}, "PriceLine": lambda e, c: {"amount": 10 * e["qty"]},
            "Approve": lambda e, c: {"ok": True}}


def summary(visits):
    return [(v.where, v.type, v.status, v.attempts, v.input, v.output) for v in visits]


def test_saved_histories_read_back_into_the_same_runs(tmp_path):
    check = run_machine(ORDERS, {"lines": [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 1}]}, handlers=HANDLERS)
    lines = tmp_path / "run.jsonl"
    lines.write_text("".join(json.dumps(e.to_aws()) + "\n" for e in check.history))
    aws = tmp_path / "aws.json"
    aws.write_text(json.dumps({"events": [e.to_aws() for e in check.history]}, indent=2))
    expected = summary(check.visits)
    assert summary(read_visits(read_history_file(lines))) == expected
    assert summary(read_visits(read_history_file(aws))) == expected
    assert [v.where for v in check.visits] == ["Validate", "PriceLines", "PriceLines > [0] Price",
                                               "PriceLines > [1] Price", "Total", "Big?", "Bill"]


def test_an_aws_history_with_offsets_in_its_timestamps(tmp_path):
    # the shape `aws stepfunctions get-execution-history` prints (written by hand from AWS's docs)
    document = {"events": [
        {"timestamp": "2024-05-01T12:00:00.000000+02:00", "type": "ExecutionStarted", "id": 1, "previousEventId": 0,
         "executionStartedEventDetails": {"input": "{\"n\":1}", "inputDetails": {"truncated": False},
                                          "roleArn": "arn:aws:iam::1:role/r"}},
        {"timestamp": "2024-05-01T12:00:00.250000+02:00", "type": "PassStateEntered", "id": 2, "previousEventId": 0,
         "stateEnteredEventDetails": {"name": "P", "input": "{\"n\":1}", "inputDetails": {"truncated": False}}},
        {"timestamp": "2024-05-01T12:00:01.750000+02:00", "type": "PassStateExited", "id": 3, "previousEventId": 2,
         "stateExitedEventDetails": {"name": "P", "output": "{\"n\":2}", "outputDetails": {"truncated": False}}},
        {"timestamp": "2024-05-01T12:00:02.000000+02:00", "type": "ExecutionSucceeded", "id": 4, "previousEventId": 3,
         "executionSucceededEventDetails": {"output": "{\"n\":2}", "outputDetails": {"truncated": False}}},
    ]}
    path = tmp_path / "aws.json"
    path.write_text(json.dumps(document))
    events = read_history_file(path)
    assert events[0].timestamp == 1714557600.0  # 10:00:00 UTC
    (visit,) = read_visits(events)
    assert (visit.name, visit.input, visit.output, visit.status, visit.duration) == ("P", {"n": 1}, {"n": 2},
                                                                                     "SUCCEEDED", 1.5)


@pytest.mark.parametrize("text, message", [
    ('{"id": 1, "type": "ExecutionStarted"}\n{"id": 2,\n', "run.jsonl line 2: invalid JSON"),
    ('{"type": "ExecutionStarted"}\n', "run.jsonl line 1: a history event needs 'id' and 'type'"),
    ('[1]', "run.jsonl event #1: a history event is a JSON object, not int"),
    ('{"id": 1, "type": "X", "timestamp": "yesterday"}\n', "timestamp 'yesterday' is not ISO 8601"),
])
def test_bad_history_files_name_the_place(tmp_path, text, message):
    path = tmp_path / "run.jsonl"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        read_history_file(path)
    with pytest.raises(InputError, match="cannot read"):
        read_history_file(tmp_path / "missing.jsonl")


def test_an_evaluation_failure_belongs_to_the_state_that_failed():
    # AWS links EvaluationFailed to the event its state was entered from (the previous state's exit)
    from aslrun import StateMachine, VirtualClock

    definition = {"QueryLanguage": "JSONata", "StartAt": "Start", "States": {
        "Start": {"Type": "Pass", "Next": "Shape"},
        "Shape": {"Type": "Pass", "Output": {"result": "{% $missing %}"}, "End": True}}}
    execution = StateMachine(definition).execute({}, clock=VirtualClock(frozen=True))
    visits = read_visits(execution.history)
    assert [(v.name, v.status, [e.type for e in v.events]) for v in visits] == [
        ("Start", "SUCCEEDED", ["PassStateEntered", "PassStateExited"]),
        ("Shape", "FAILED", ["PassStateEntered", "EvaluationFailed", "ExecutionFailed"])]
    assert visits[1].error == "States.QueryEvaluationError"
