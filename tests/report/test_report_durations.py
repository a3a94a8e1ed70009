"""Every time the report shows reads as people read it: a state that took 350 microseconds is not
``0.000`` in the state runs, the history, the per-state table or the drawing's tooltips."""

from __future__ import annotations

import json
import re
from pathlib import Path

from aslrun.report.html import render_report
from aslrun.report.visits import read_history_file

MACHINE = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Next": "Q"}, "Q": {"Type": "Pass", "End": True}}}


def aws_history(tmp_path: Path) -> Path:
    """P runs twice as fast as a millisecond (350 µs), Q takes 12.5 ms (timestamps as AWS writes them)."""
    def event(id: int, previous: int, kind: str, at: str, key: str, details: dict) -> dict:
        return {"timestamp": f"2024-05-01T12:00:00.{at}+00:00", "type": kind, "id": id, "previousEventId": previous,
                key: details}
    state = {"inputDetails": {"truncated": False}, "input": "{}"}
    out = {"outputDetails": {"truncated": False}, "output": "{}"}
    document = {"events": [
        event(1, 0, "ExecutionStarted", "000000", "executionStartedEventDetails", {**state, "roleArn": "r"}),
        event(2, 1, "PassStateEntered", "000100", "stateEnteredEventDetails", {**state, "name": "P"}),
        event(3, 2, "PassStateExited", "000450", "stateExitedEventDetails", {**out, "name": "P"}),
        event(4, 3, "PassStateEntered", "000450", "stateEnteredEventDetails", {**state, "name": "Q"}),
        event(5, 4, "PassStateExited", "012950", "stateExitedEventDetails", {**out, "name": "Q"}),
        event(6, 5, "ExecutionSucceeded", "013000", "executionSucceededEventDetails", out),
    ]}
    path = tmp_path / "aws.json"
    path.write_text(json.dumps(document))
    return path


def test_times_under_a_millisecond_are_shown_in_microseconds_everywhere(tmp_path: Path) -> None:
    page = render_report(MACHINE, read_history_file(aws_history(tmp_path)))
    runs = re.findall(r'<tr class="SUCCEEDED" data-state="(\w)"><td class="num">\d+</td>.*?'
                      r'<td class="num">\+([^<]*)</td><td class="num">([^<]*)</td>', page)
    assert runs == [("P", "100 µs", "350 µs"), ("Q", "450 µs", "12.5 ms")]
    per_state = re.findall(r'<tr data-state="(\w)"><td>\w</td><td>Pass</td><td class="num">1</td>'
                           r'<td class="num">\d+</td><td class="num">([^<]*)</td><td class="num">([^<]*)</td>', page)
    assert per_state == [("Q", "12.5 ms", "12.5 ms"), ("P", "350 µs", "350 µs")]
    history_times = re.findall(r'<td>(\w+)</td><td class="num">\+([^<]*)</td>', page)
    assert history_times == [("ExecutionStarted", "0"), ("PassStateEntered", "100 µs"),
                             ("PassStateExited", "450 µs"), ("PassStateEntered", "450 µs"),
                             ("PassStateExited", "12.9 ms"), ("ExecutionSucceeded", "13 ms")]
    tooltips = re.findall(r'data-state="(\w)" data-path="\w"><title>\w \(Pass\)\n([^<]*)</title>', page)
    assert tooltips == [("P", "succeeded, entered 1 time\n350 µs"), ("Q", "succeeded, entered 1 time\n12.5 ms")]
    assert "took 13 ms (clock)" in page
    assert ">0.000<" not in page and "+0.000" not in page and "0.000 s" not in page


def test_a_state_run_several_times_sums_its_runs_in_its_tooltip() -> None:
    from aslrun.report.svg import RunMarks
    from aslrun.testing import run_machine

    loop = {"StartAt": "Count", "States": {
        "Count": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "Again?"},
        "Again?": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericLessThan": 3, "Next": "Count"}],
                   "Default": "Done"},
        "Done": {"Type": "Succeed"}}}
    check = run_machine(loop, {"n": 0})
    for visit, seconds in zip([v for v in check.visits if v.name == "Count"], (0.0002, 0.0003, 0.0015)):
        visit.exited.timestamp = visit.entered.timestamp + seconds
    marks = RunMarks.from_visits(check.visits)
    assert marks.timing["Count"] == "3 runs, 2 ms in all, longest 1.5 ms"


def test_a_unit_is_chosen_after_rounding_to_what_it_shows() -> None:
    from aslrun.report.durations import duration

    assert [duration(s) for s in (3e-7, 0.00035, 0.0009996, 0.0125, 0.1, 0.9996, 1.5, 59.96, 59.9999, 125.0)] == [
        "< 1 µs", "350 µs", "1 ms", "12.5 ms", "100 ms", "1.000 s", "1.500 s", "59.960 s", "1 min 0.0 s",
        "2 min 5.0 s"]  # never "1e+03 ms" or "60.000 s"
