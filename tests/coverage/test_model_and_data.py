"""The coverage model read from a definition, and the data file: written, read back, merged."""

from __future__ import annotations

import json

import pytest

from aslrun.coverage import CoverageData, CoverageDataError, MachineCoverage, format_report, machine_model

DEFINITION = {
    "StartAt": "Call",
    "States": {
        "Call": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:call",
                 "Retry": [{"ErrorEquals": ["Busy", "Slow"], "MaxAttempts": 2}],
                 "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Broken"}],
                 "Next": "Route"},
        "Route": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "Each"}],
                  "Default": "Done"},
        "Each": {"Type": "Map", "Iterator": {"StartAt": "Work", "States": {"Work": {"Type": "Pass", "End": True}}},
                 "Next": "Done"},
        "Done": {"Type": "Succeed"},
        "Broken": {"Type": "Fail"},
    },
}


def test_the_model_lists_every_state_and_every_field_that_moves_on():
    model = machine_model(DEFINITION, "m")
    assert list(model.states) == ["Call", "Route", "Each", "Each/Iterator/Work", "Done", "Broken"]
    assert model.states["Each/Iterator/Work"].scope == "Each/Iterator"
    assert [model.describe(edge) for edge in model.transitions.values()] == [
        "Call Next -> Route",
        "Call Retry[0] [Busy, Slow]",
        "Call Catch[0] [States.ALL] -> Broken",
        "Route Choices[0] -> Each",
        "Route Default -> Done",
        "Each Next -> Done",
        "Work End",
    ]
    assert [edge.kind for edge in model.transitions.values()] == [
        "next", "retry", "catch", "choice", "default", "next", "end"]


def test_the_digest_follows_the_shape_not_the_resources():
    other_resource = json.loads(json.dumps(DEFINITION).replace("function:call", "function:other"))
    other_shape = json.loads(json.dumps(DEFINITION).replace('"Default": "Done"', '"Default": "Broken"'))
    assert machine_model(other_resource).digest == machine_model(DEFINITION).digest
    assert machine_model(other_shape).digest != machine_model(DEFINITION).digest


def measured(entered, taken, executions=1):
    machine = MachineCoverage(machine_model(DEFINITION, "m"), source="m.asl.json")
    machine.entered, machine.taken, machine.executions = dict(entered), dict(taken), executions
    return machine


def test_data_files_round_trip_and_merge_by_adding_counts(tmp_path):
    first = CoverageData([measured({"Call": 2, "Route": 1}, {("Call", "Next"): 1, ("Call", "Retry[0]"): 1})])
    second = CoverageData([measured({"Call": 1, "Broken": 1}, {("Call", "Catch[0]"): 1}, executions=1)])
    first.write(tmp_path / "a")
    second.write(tmp_path / "new" / "b")  # a folder that is not there yet is made
    combined = CoverageData.combine([tmp_path / "a", tmp_path / "new" / "b"])
    (machine,) = combined.named("m")
    assert machine.entered == {"Call": 3, "Route": 1, "Broken": 1}
    assert machine.taken == {("Call", "Next"): 1, ("Call", "Retry[0]"): 1, ("Call", "Catch[0]"): 1}
    assert machine.executions == 2
    assert machine.source == "m.asl.json"
    assert format_report(combined) == "\n".join([
        "m: states 3/6, transitions 3/7 (46.2%); 2 executions",
        "  never entered: Each, Work, Done",
        "  never taken: Route Choices[0] -> Each, Route Default -> Done, Each Next -> Done, Work End",
        "TOTAL: states 3/6, transitions 3/7 (46.2%)",
    ])


def test_two_shapes_of_one_name_stay_apart_and_are_told_apart_in_the_report():
    changed = json.loads(json.dumps(DEFINITION).replace('"Default": "Done"', '"Default": "Broken"'))
    other = MachineCoverage(machine_model(changed, "m"))
    data = CoverageData([measured({"Call": 1}, {}), other])
    assert len(data) == 2
    measured_digest, changed_digest = machine_model(DEFINITION).digest, machine_model(changed).digest
    lines = {
        measured_digest: f"m ({measured_digest[:8]}): states 1/6, transitions 0/7 (7.7%); 1 execution",
        changed_digest: f"m ({changed_digest[:8]}): states 0/6, transitions 0/7 (0.0%)",
    }
    assert format_report(data, missing=False).splitlines() == [
        *(lines[digest] for digest in sorted(lines)), "TOTAL: states 1/12, transitions 0/14 (3.8%)"]


def test_nothing_measured_says_so():
    assert format_report(CoverageData()) == "no state machine ran"
    assert CoverageData().figures().percent == 100.0


@pytest.mark.parametrize("text, message", [
    ("not json", "not an aslrun coverage data file (Expecting value: line 1 column 1 (char 0))"),
    ('{"format": "coverage.py"}', "not an aslrun coverage data file (written by pytest --aslrun-cov)"),
    ('{"format": "aslrun-coverage", "version": 9, "machines": []}',
     "coverage data version 9; this aslrun reads version 1"),
    ('{"format": "aslrun-coverage", "version": 1, "machines": [{"name": "m"}]}',
     "damaged coverage data ('definition')"),
])
def test_an_unreadable_data_file_is_named_with_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "cov"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CoverageDataError) as caught:
        CoverageData.read(path)
    assert str(caught.value) == f"{path}: {message}"


def test_a_missing_data_file_is_named(tmp_path):
    with pytest.raises(CoverageDataError) as caught:
        CoverageData.read(tmp_path / "absent")
    assert str(caught.value) == f"{tmp_path / 'absent'}: cannot read the coverage data (No such file or directory)"
