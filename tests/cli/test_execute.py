"""``aslrun execute`` as a user runs it: subprocesses for the real thing (console script, exit
codes, stdout holding exactly one JSON object), click's CliRunner for the many bad-input cases.

Exit codes: 0 succeeded; 1 the execution failed / timed out; 2 bad definition, input, bindings or
options (nothing ran). Bad input never shows a Python traceback.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from aslrun.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "asl" / "cli"
ASLRUN = shutil.which("aslrun") or str(Path(sys.executable).with_name("aslrun"))

HANDLERS_PY = '''
class MeterRejected(Exception):
    pass

def validate(event, context):
    if event.get("meter") == "bad":
        raise MeterRejected("meter bad is unknown")
    return {"meter": event["meter"], "ok": True, "fn": context.function_name}

HANDLERS = {"ValidateMeter": validate}
'''


@pytest.fixture
def workdir(tmp_path):
    """A folder holding copies of the CLI fixtures and a handlers module, as a user's project would."""
    for source in FIXTURES.glob("*.json"):
        shutil.copy(source, tmp_path / source.name)
    (tmp_path / "meter_handlers.py").write_text(HANDLERS_PY, encoding="utf-8")
    return tmp_path


def aslrun(*args, cwd, stdin=None):
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([ASLRUN, *map(str, args)], cwd=cwd, input=stdin, capture_output=True, text=True,
                          env=env, timeout=120)


def invoke(*args, cwd, stdin=None):
    """Run the command in-process; any exception other than a clean exit is a failure of the CLI."""
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, [str(a) for a in args], input=stdin, catch_exceptions=True)
    finally:
        os.chdir(old)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"the CLI raised {result.exception!r}") from result.exception
    return result


def assert_clean_error(result, *expected_bits, code=2):
    output = result.output if hasattr(result, "output") else result.stdout + result.stderr
    assert "Traceback" not in output, output
    code_seen = result.exit_code if hasattr(result, "exit_code") else result.returncode
    assert code_seen == code, output
    for bit in expected_bits:
        assert bit in output, output


def only_json_object(stdout):
    lines = [line for line in stdout.splitlines() if line.strip()]
    assert len(lines) == 1, stdout
    value = json.loads(lines[0])
    assert isinstance(value, dict) and set(value) == {"status", "output", "error", "cause"}
    return value


# -- the real thing, in a subprocess ---------------------------------------------------------------

def test_json_output_is_exactly_one_object_and_exit_zero(workdir):
    proc = aslrun("execute", "greet.asl.json", "--input", '{"meter": "M1"}', "--handlers", "meter_handlers.py",
                  "--sub", "FunctionName=ValidateMeter", "--sub", "Site=Berlin", "--json", cwd=workdir)
    assert proc.returncode == 0, proc.stderr
    assert only_json_object(proc.stdout) == {
        "status": "SUCCEEDED", "error": None, "cause": None,
        "output": {"site": "Berlin", "validated": {"meter": "M1", "ok": True, "fn": "ValidateMeter"}}}


def test_failed_execution_exits_one_with_error_and_cause(workdir):
    proc = aslrun("execute", "fails.asl.json", "--json", cwd=workdir)
    assert proc.returncode == 1
    assert only_json_object(proc.stdout) == {"status": "FAILED", "output": None, "error": "Meter.Rejected",
                                             "cause": "no tariff for M1"}


def test_timed_out_execution_exits_one(workdir):
    proc = aslrun("execute", "times_out.asl.json", "--json", cwd=workdir)
    assert proc.returncode == 1
    assert only_json_object(proc.stdout)["status"] == "TIMED_OUT"


def test_handler_exception_becomes_the_error(workdir):
    proc = aslrun("execute", "greet.asl.json", "--input", '{"meter": "bad"}', "--handlers", "meter_handlers.py",
                  "--sub", "FunctionName=ValidateMeter", "--sub", "Site=x", "--json", cwd=workdir)
    result = only_json_object(proc.stdout)
    assert (proc.returncode, result["status"], result["error"]) == (1, "FAILED", "MeterRejected")
    assert json.loads(result["cause"])["errorMessage"] == "meter bad is unknown"


def test_handlers_by_module_name_and_single_handler_option(workdir):
    by_module = aslrun("execute", "greet.asl.json", "--input", '{"meter": "M2"}', "--handlers", "meter_handlers",
                       "--sub", "FunctionName=ValidateMeter", "--sub", "Site=s", "--json", cwd=workdir)
    single = aslrun("execute", "greet.asl.json", "--input", '{"meter": "M2"}',
                    "--handler", "ValidateMeter=meter_handlers.validate",
                    "--sub", "FunctionName=ValidateMeter", "--sub", "Site=s", "--json", cwd=workdir)
    for proc in (by_module, single):
        assert proc.returncode == 0, proc.stderr
        assert only_json_object(proc.stdout)["output"]["validated"]["meter"] == "M2"


def test_readable_trace_without_json(workdir):
    proc = aslrun("execute", "echo.asl.json", "--input", '{"a": 1}', cwd=workdir)
    assert proc.returncode == 0
    assert "Nap" in proc.stdout and "Echo" in proc.stdout and "SUCCEEDED" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_input_from_a_file_and_from_stdin(workdir):
    (workdir / "input.json").write_text('{"from": "file"}', encoding="utf-8")
    from_file = aslrun("execute", "echo.asl.json", "--input", "input.json", "--json", cwd=workdir)
    from_stdin = aslrun("execute", "echo.asl.json", "--input", "-", "--json", cwd=workdir, stdin='{"from": "stdin"}')
    assert only_json_object(from_file.stdout)["output"] == {"from": "file"}
    assert only_json_object(from_stdin.stdout)["output"] == {"from": "stdin"}


def test_an_unbound_handler_is_a_warning_and_the_task_fails_when_reached(workdir):
    proc = aslrun("execute", "greet.asl.json", "--sub", "FunctionName=ValidateMeter", "--sub", "Site=s", "--json",
                  cwd=workdir)
    assert proc.returncode == 1
    assert "aslrun: warning: state 'Validate': no handler is bound to Lambda function" in proc.stderr
    assert "ValidateMeter" in proc.stderr and "--strict-bindings refuses the run instead" in proc.stderr
    outcome = json.loads(proc.stdout)
    assert outcome["error"] == "Lambda.ResourceNotFoundException"
    assert "Traceback" not in proc.stderr


def test_strict_bindings_refuse_an_unbound_handler_before_running(workdir):
    proc = aslrun("execute", "greet.asl.json", "--sub", "FunctionName=ValidateMeter", "--sub", "Site=s", "--json",
                  "--history", "h.jsonl", "--strict-bindings", cwd=workdir)
    assert proc.returncode == 2
    assert "no handler is bound to Lambda function" in proc.stderr and "ValidateMeter" in proc.stderr
    assert proc.stdout.strip() == ""
    assert not (workdir / "h.jsonl").exists() or (workdir / "h.jsonl").read_text() == ""  # nothing ran
    assert "Traceback" not in proc.stderr


# -- in-process runs: options ---------------------------------------------------------------------

def test_history_file_holds_one_aws_event_per_line(workdir):
    result = invoke("execute", "echo.asl.json", "--input", '{"a": 1}', "--history", "events.jsonl", "--json",
                    cwd=workdir)
    assert result.exit_code == 0
    events = [json.loads(line) for line in (workdir / "events.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [e["type"] for e in events] == ["ExecutionStarted", "WaitStateEntered", "WaitStateExited",
                                           "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]
    assert [e["id"] for e in events] == [1, 2, 3, 4, 5, 6]
    assert events[0]["executionStartedEventDetails"]["input"] == '{"a":1}'


@pytest.mark.parametrize(("name", "text"), [
    ("subs.json", '{"FunctionName": "ValidateMeter", "Site": "Oslo"}'),
    ("subs.yaml", "FunctionName: ValidateMeter\nSite: Oslo\n"),
    ("subs.env", "FunctionName=ValidateMeter\nSite=Oslo\n"),
])
def test_sub_file_formats(workdir, name, text):
    (workdir / name).write_text(text, encoding="utf-8")
    result = invoke("execute", "greet.asl.json", "--input", '{"meter": "M1"}', "--handlers", "meter_handlers.py",
                    "--sub-file", name, "--json", cwd=workdir)
    assert result.exit_code == 0, result.output
    assert only_json_object(result.stdout)["output"]["site"] == "Oslo"


def test_sub_overrides_sub_file(workdir):
    (workdir / "subs.json").write_text('{"FunctionName": "ValidateMeter", "Site": "Oslo"}', encoding="utf-8")
    result = invoke("execute", "greet.asl.json", "--input", '{"meter": "M1"}', "--handlers", "meter_handlers.py",
                    "--sub-file", "subs.json", "--sub", "Site=Rome", "--json", cwd=workdir)
    assert only_json_object(result.stdout)["output"]["site"] == "Rome"


def test_seed_and_name(workdir):
    (workdir / "ids.json").write_text(json.dumps({"StartAt": "P", "States": {"P": {
        "Type": "Pass", "Parameters": {"u.$": "States.UUID()", "n.$": "$$.Execution.Name"}, "End": True}}}))
    first = only_json_object(invoke("execute", "ids.json", "--seed", "5", "--json", cwd=workdir).stdout)
    again = only_json_object(invoke("execute", "ids.json", "--seed", "5", "--json", cwd=workdir).stdout)
    other = only_json_object(invoke("execute", "ids.json", "--seed", "6", "--json", cwd=workdir).stdout)
    named = only_json_object(invoke("execute", "ids.json", "--name", "run-1", "--json", cwd=workdir).stdout)
    assert first == again and first != other
    assert named["output"]["n"] == "run-1"


# -- bad input: a clear message, exit 2, never a traceback -----------------------------------------

def test_bad_definition_lists_every_problem_with_its_location(workdir):
    result = invoke("execute", "many_problems.asl.json", "--json", cwd=workdir)
    assert_clean_error(result, "many_problems.asl.json", "States.Odd", "States.Start.Next", "Nowhere",
                       "States.Wait")
    assert result.stdout.strip() == ""


def test_definition_that_is_not_json_names_line_and_column(workdir):
    (workdir / "broken.json").write_text('{"StartAt": "P",\n "States": {"P": {"Type": "Pass",, "End": true}}}')
    assert_clean_error(invoke("execute", "broken.json", cwd=workdir), "line 2 column 34", "invalid JSON")


@pytest.mark.parametrize(("text", "where"), [
    ('{"v": 1,}', "line 1, column 9"),
    ('{\n  "v": [1,\n  2,,]\n}', "line 3, column 5"),
    ("{'v': 1}", "line 1, column 2"),
])
def test_bad_input_json_names_line_and_column(workdir, text, where):
    assert_clean_error(invoke("execute", "echo.asl.json", "--input", text, cwd=workdir), "--input", where)


def test_bad_input_file_names_the_file(workdir):
    (workdir / "in.json").write_text("{\n  oops\n}", encoding="utf-8")
    assert_clean_error(invoke("execute", "echo.asl.json", "--input", "in.json", cwd=workdir), "in.json", "line 2")


@pytest.mark.parametrize("args, expected", [
    (["execute", "missing.asl.json"], "no such definition file"),
    (["execute", "echo.asl.json", "--input", "nofile.json"], "no such file"),
    (["execute", "echo.asl.json", "--input", "-"], "--input (stdin)"),
    (["execute", "echo.asl.json", "--handlers", "nosuch.py"], "handlers file not found"),
    (["execute", "echo.asl.json", "--handlers", "no_such_module_xyz"], "no_such_module_xyz"),
    (["execute", "echo.asl.json", "--handler", "broken"], "--handler takes NAME=VALUE"),
    (["execute", "echo.asl.json", "--handler", "Fn=no_such_module_xyz.fn"], "no_such_module_xyz"),
    (["execute", "echo.asl.json", "--sub", "novalue"], "--sub takes NAME=VALUE"),
    (["execute", "echo.asl.json", "--sub-file", "nosuch.yaml"], "nosuch.yaml"),
    (["execute", "greet.asl.json", "--sub", "Site=x"], "FunctionName"),
    (["execute", "echo.asl.json", "--seed", "abc"], "--seed"),
    (["execute", "."], "directory"),
])
def test_bad_arguments(workdir, args, expected):
    assert_clean_error(invoke(*args, cwd=workdir, stdin=""), expected)


@pytest.mark.parametrize(("content", "expected"), [
    ("", "empty definition"),
    ("[1, 2]", "must be a JSON object"),
    ('{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}, "A": {"Type": "Pass", "End": true}}}',
     "Duplicate State name: A"),
])
def test_definitions_that_are_not_state_machines(workdir, content, expected):
    (workdir / "odd.json").write_text(content, encoding="utf-8")
    assert_clean_error(invoke("execute", "odd.json", cwd=workdir), expected)


def test_definition_that_is_not_utf8(workdir):
    (workdir / "binary.json").write_bytes(b"\xff\xfe{}")
    assert_clean_error(invoke("execute", "binary.json", cwd=workdir), "UTF-8")


@pytest.mark.parametrize(("source", "expected"), [
    ('raise RuntimeError("boom at import")', "boom at import"),
    ("X = 1", "HANDLERS"),
    ('HANDLERS = {"Fn": 42}', "not callable"),
    ("def broken(:\n    pass", "SyntaxError"),
])
def test_broken_handlers_modules(workdir, source, expected):
    (workdir / "bad_handlers.py").write_text(source, encoding="utf-8")
    assert_clean_error(invoke("execute", "echo.asl.json", "--handlers", "bad_handlers.py", cwd=workdir), expected)


def test_history_file_in_a_missing_folder_is_created(workdir):
    result = invoke("execute", "echo.asl.json", "--history", "no/such/dir/h.jsonl", cwd=workdir)
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in (workdir / "no/such/dir/h.jsonl").read_text().splitlines()]
    assert events[0]["type"] == "ExecutionStarted" and events[-1]["type"] == "ExecutionSucceeded"


def test_history_file_that_cannot_be_written(workdir):
    (workdir / "taken").write_text("a file, not a folder", encoding="utf-8")
    assert_clean_error(invoke("execute", "echo.asl.json", "--history", "taken/h.jsonl", cwd=workdir), "taken/h.jsonl")


def test_deeply_nested_input(workdir):
    (workdir / "deep.json").write_text("[" * 3000 + "]" * 3000, encoding="utf-8")
    assert_clean_error(invoke("execute", "echo.asl.json", "--input", "deep.json", cwd=workdir), "deep.json")


def test_deeply_nested_definition(workdir):
    (workdir / "deep_def.json").write_text(
        '{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true, "Result": ' + "[" * 3000 + "]" * 3000
        + "}}}", encoding="utf-8")
    assert_clean_error(invoke("execute", "deep_def.json", cwd=workdir), "deep_def.json")


@pytest.mark.parametrize("text", ['{"v": NaN}', '{"v": Infinity}', "-Infinity"])
def test_input_that_is_not_strict_json(workdir, text):
    assert_clean_error(invoke("execute", "echo.asl.json", "--input", text, "--json", cwd=workdir), "--input")


def test_input_with_a_lone_surrogate(workdir):
    assert_clean_error(invoke("execute", "echo.asl.json", "--input", '"\\ud800"', "--json", cwd=workdir), "--input")


def test_a_handler_that_exits_does_not_end_the_cli(workdir):
    (workdir / "exits.py").write_text("import sys\n\ndef leave(event, context):\n    sys.exit(3)\n\n"
                                      "HANDLERS = {'ValidateMeter': leave}\n", encoding="utf-8")
    result = invoke("execute", "greet.asl.json", "--handlers", "exits.py", "--sub", "FunctionName=ValidateMeter",
                    "--sub", "Site=s", "--json", cwd=workdir)
    assert result.exit_code == 1
    assert only_json_object(result.stdout)["status"] == "FAILED"


def test_a_sub_the_definition_does_not_use_is_said_with_a_close_name(tmp_path):
    path = tmp_path / "sub.asl.json"
    path.write_text('{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "${Name}", "End": true}}}')
    result = CliRunner().invoke(main, ["execute", str(path), "--sub", "Name=1", "--sub", "Nmae=2", "--json"])
    assert result.exit_code == 0
    assert f"aslrun: --sub Nmae: {path} has no ${{Nmae}} placeholder (did you mean 'Name'?); ignored" in result.output


def test_validate_hints_at_a_misspelt_state_name_or_field(tmp_path):
    path = tmp_path / "typo.asl.json"
    path.write_text('{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Bil"}, '
                    '"Bill": {"Type": "Pass", "Resullt": 1, "End": true}}}')
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert "no state named 'Bil' in this scope  [MISSING_TRANSITION_TARGET]  (did you mean 'Bill'?)" in result.output
    assert "Field 'Resullt' is not supported  [SCHEMA_VALIDATION_FAILED]  (did you mean 'Result'?)" in result.output
    assert ": 3 problems" in result.output
    as_json = CliRunner().invoke(main, ["validate", str(path), "--json"])
    assert "did you mean" not in as_json.output  # AWS's diagnostics, as AWS words them


def test_a_template_missing_from_the_current_directory_is_named_as_missing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["aws", "execute", "template.yaml", "--state-machine", "Bua",
                                       "--aws-state", str(tmp_path / "aws")])
    assert result.exit_code == 2
    assert f"template.yaml: no such definition file (the current directory is {tmp_path})" in result.output


def test_a_definition_file_runs_without_importing_the_templates_package(tmp_path):
    """A JSON object with StartAt is a definition, told apart from a template without the templates
    package's app (its YAML reader and the rest: about 20 ms of every command)."""
    machine = tmp_path / "pass.asl.json"
    machine.write_text(json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}))
    template = tmp_path / "template.json"  # and a template is still read as one
    template.write_text(json.dumps({"Resources": {"M": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
        "Definition": {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "from the template", "End": True}}}}}}}))
    script = ("import sys\nfrom aslrun.cli import main\n"
              "try:\n    main(['execute', sys.argv[1], '--input', '{}', '--json'])\n"
              "finally:\n    print('templates imported:', 'aslrun.templates.app' in sys.modules)\n")
    src = Path(__file__).resolve().parents[2] / "src"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")])}
    plain = subprocess.run([sys.executable, "-c", script, str(machine)], capture_output=True, text=True, env=env)
    assert plain.returncode == 0, plain.stderr
    assert '"status": "SUCCEEDED"' in plain.stdout and "templates imported: False" in plain.stdout
    templated = subprocess.run([sys.executable, "-c", script, str(template)], capture_output=True, text=True, env=env)
    assert templated.returncode == 0, templated.stderr
    assert "from the template" in templated.stdout and "templates imported: True" in templated.stdout
