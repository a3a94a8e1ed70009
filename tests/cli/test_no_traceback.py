"""No input makes aslrun end in a traceback: a bad definition or input is exit status 2 and a
message naming the place, through every command and the Python API.

The regression cases are the defects seen (one per kind of bad input); the property test mutates
valid definitions and inputs at random (a field's value replaced by a value of another JSON type,
a key deleted or added, odd strings and numbers written into the JSON text) and checks that
``validate`` and ``execute`` both end cleanly and agree.
"""

from __future__ import annotations

import copy
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from aslrun import StateMachine
from aslrun.cli import main
from aslrun.errors import DefinitionError, InputError

ENV = {"ASLRUN_CACHE": "0"}
PASS = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}


def run(*args: str, stdin: bytes | None = None) -> Any:
    result = CliRunner().invoke(main, list(args), input=stdin, env=ENV)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"aslrun {' '.join(args)[:200]} raised") from result.exception
    return result


def refused(result: Any, *words: str) -> str:
    """The message of a run that ended with exit status 2, after checking it names ``words``."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.stderr)
    message = result.stderr + result.output
    assert "Traceback" not in message and "set_int_max_str_digits" not in message
    for word in words:
        assert word in message, (word, message)
    return message


@pytest.fixture()
def ok(tmp_path: Path) -> str:
    path = tmp_path / "ok.asl.json"
    path.write_text(json.dumps(PASS))
    return str(path)


def write(tmp_path: Path, name: str, content: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


# -- definitions --------------------------------------------------------------------------------

@pytest.mark.parametrize("type_value", ["{}", '["Pass"]', "null", "1", "true"])
def test_a_state_type_of_the_wrong_json_type_is_a_located_problem(tmp_path: Path, type_value: str) -> None:
    path = write(tmp_path, "m.json", '{"StartAt": "A", "States": {"A": {"Type": %s, "End": true}}}' % type_value)
    for command in ("validate", "execute", "graph"):
        refused(run(command, path), "States.A:", "SCHEMA_VALIDATION_FAILED")  # located at the state, as AWS does


@pytest.mark.parametrize("field, value, location", [
    ("StartAt", 5, "StartAt"), ("States", [], "States"), ("Comment", {}, "Comment"),
    ("TimeoutSeconds", None, "TimeoutSeconds"),
])
def test_a_top_level_field_of_the_wrong_json_type_is_a_located_problem(tmp_path: Path, field: str, value: Any,
                                                                        location: str) -> None:
    path = write(tmp_path, "m.json", json.dumps({**PASS, field: value}))
    refused(run("validate", path), location, "SCHEMA_VALIDATION_FAILED")


@pytest.mark.parametrize("state, location", [
    ({"Type": "Pass", "Next": ["B"]}, "States.A.Next"),
    # a Pass's Parameters may be any JSON value, null included (AWS accepts them all:
    # amazon-states-language-service#83); a Map's stays an object
    ({"Type": "Map", "Parameters": None, "End": True,
      "ItemProcessor": {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}}}, "States.A.Parameters"),
    ({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True, "ResultSelector": [1]},
     "States.A.ResultSelector"),
    ({"Type": [], "End": True}, "States.A: The field 'Type' should have one of these values"),
    ({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True, "Credentials": None},
     "States.A.Credentials"),
    ({"Type": "Wait", "Seconds": "10", "End": True}, "States.A.Seconds"),
    ({"Type": "Wait", "Seconds": 10 ** 30, "End": True}, "States.A.Seconds"),
    ({"Type": "Choice", "Choices": {"Next": "A"}}, "States.A.Choices"),
    ({"Type": "Map", "ItemProcessor": None, "End": True}, "States.A.ItemProcessor"),
    ({"Type": "Parallel", "Branches": [None], "End": True}, "States.A.Branches[0]"),
    ({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True,
      "Retry": [{"ErrorEquals": ["X"], "MaxAttempts": None}]}, "States.A.Retry[0].MaxAttempts"),
    ({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True,
      "Retry": [{"ErrorEquals": ["X"], "MaxAttempts": 10 ** 30}]}, "States.A.Retry[0].MaxAttempts"),
])
def test_a_state_field_of_the_wrong_json_type_is_a_located_problem(tmp_path: Path, state: dict[str, Any],
                                                                    location: str) -> None:
    path = write(tmp_path, "m.json", json.dumps({"StartAt": "A", "States": {"A": state}}))
    refused(run("validate", path), location)
    refused(run("execute", path), location)


@pytest.mark.parametrize("text, words", [
    ('{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": %s, "End": true}}}' % ("9" * 5000),
     ["line 1 column", "4300 digits"]),
    ('{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": 1e400, "End": true}}}', ["1e400", "too large"]),
    ('{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": NaN, "End": true}}}', ["NaN is not JSON"]),
    ('{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "\\ud800", "End": true}}}',
     ["States.A.Result", "lone surrogate"]),
    ('{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"\\udc00": 1}, "End": true}}}',
     ["States.A.Result", "lone surrogate"]),
])
def test_an_unreadable_definition_names_the_file_and_the_place(tmp_path: Path, text: str, words: list[str]) -> None:
    path = write(tmp_path, "odd.asl.json", text)
    for command in ("validate", "execute", "debug", "graph"):
        refused(run(command, path), "odd.asl.json", *words)
    with pytest.raises(DefinitionError) as raised:
        StateMachine.from_file(path)
    assert "odd.asl.json" in str(raised.value) and "set_int_max_str_digits" not in str(raised.value)


def test_a_definition_file_that_is_not_utf8_says_so(tmp_path: Path) -> None:
    path = write(tmp_path, "latin.asl.json", b'{"StartAt": "A", "Comment": "caf\xe9", "States": {}}')
    for command in ("validate", "execute"):
        refused(run(command, path), "latin.asl.json", "not UTF-8 text", "line 1 column 33")


@pytest.mark.parametrize("definition, location", [
    ({**PASS, "Comment": "\ud800"}, "Comment"),
    ({"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": math.inf, "End": True}}}, "States.A.Result"),
    ({"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {1, 2}, "End": True}}}, "States.A.Result"),
])
def test_the_api_refuses_a_definition_that_is_not_json(definition: dict[str, Any], location: str) -> None:
    with pytest.raises(DefinitionError) as raised:
        StateMachine(definition)
    assert raised.value.problems[0].location == location


# -- inputs -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, words", [
    ('{"a": 1e400}', ["--input", "1e400", "too large"]),
    ('{"a": -1E999}', ["--input", "too large"]),
    ('{"a": [NaN]}', ["--input", "NaN is not JSON"]),
    ('{"a": Infinity}', ["--input", "Infinity is not JSON"]),
    ('{"a": "\\ud800"}', ["--input", "$.a", "lone surrogate"]),
    ('{"a": %s}' % ("1" * 5000), ["--input", "4300 digits"]),
    ("[" * 5000 + "]" * 5000, ["--input", "nested"]),
])
def test_an_unusable_input_is_refused_naming_the_option(ok: str, tmp_path: Path, text: str,
                                                         words: list[str]) -> None:
    refused(run("execute", ok, "--input", text, "--json"), *words)
    refused(run("execute", ok, "--input", write(tmp_path, "in.json", text)), "in.json", *words)
    refused(run("execute", ok, "--input", "-", stdin=text.encode("utf-8", "surrogatepass")), "(stdin)", *words[1:])
    refused(run("debug", ok, "--input", text), *words)
    refused(run("test-state", ok, "--state", "A", "--input", text), *words)


def test_an_input_that_is_not_utf8_says_so(ok: str, tmp_path: Path) -> None:
    path = write(tmp_path, "bad.json", b"\xff\xfe{}")
    refused(run("execute", ok, "--input", path), "bad.json", "not UTF-8 text")
    refused(run("execute", ok, "--input", "-", stdin=b"\xff\xfe{}"), "--input (stdin)", "not UTF-8 text")
    refused(run("execute", ok, "--input", "-", stdin=b'{"a": "caf\xe9"}'), "not UTF-8 text", "line 1 column 11")


def test_json_output_is_always_json(ok: str) -> None:
    result = run("execute", ok, "--input", '{"a": 1e300, "b": [1, 2.5]}', "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["output"] == {"a": 1e300, "b": [1, 2.5]}


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, "\udfff", {"k": [math.nan]}])
def test_the_api_refuses_an_input_that_is_not_json(value: Any) -> None:
    with pytest.raises(InputError):
        StateMachine(PASS).execute({"a": value})


# -- property: mutated definitions and inputs ---------------------------------------------------

SEEDS: list[dict[str, Any]] = [
    {"Comment": "JSONPath, every state type but Task", "StartAt": "P", "States": {
        "P": {"Type": "Pass", "Result": {"items": [1, 2, 3], "n": 5}, "ResultPath": "$.r", "Next": "C"},
        "C": {"Type": "Choice", "Choices": [
            {"Variable": "$.r.n", "NumericGreaterThan": 3, "Next": "W"},
            {"And": [{"Variable": "$.r.n", "IsPresent": True}, {"Variable": "$.r.n", "NumericEquals": 0}],
             "Next": "F"}], "Default": "S"},
        "W": {"Type": "Wait", "Seconds": 5, "Next": "M"},
        "M": {"Type": "Map", "ItemsPath": "$.r.items", "MaxConcurrency": 2, "ResultPath": "$.mapped",
              "ItemSelector": {"value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"},
              "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Double", "States": {
                  "Double": {"Type": "Pass", "Parameters": {"v.$": "States.MathAdd($.value, $.value)"},
                             "End": True}}},
              "Next": "Par"},
        "Par": {"Type": "Parallel", "ResultPath": "$.branches", "Branches": [
            {"StartAt": "B1", "States": {"B1": {"Type": "Pass", "Result": "one", "End": True}}},
            {"StartAt": "B2", "States": {"B2": {"Type": "Fail", "Error": "Oops", "Cause": "always"}}}],
                "Retry": [{"ErrorEquals": ["Oops"], "MaxAttempts": 1, "IntervalSeconds": 1, "BackoffRate": 2.0}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "S"}],
                "Next": "S"},
        "F": {"Type": "Fail", "Error": "Failed", "Cause": "n is zero"},
        "S": {"Type": "Succeed"}}},
    {"Comment": "JSONata", "QueryLanguage": "JSONata", "StartAt": "P", "States": {
        "P": {"Type": "Pass", "Assign": {"n": "{% $count($states.input.items) %}"},
              "Output": {"items": "{% $states.input.items %}", "label": "{% $pad('x', 3) & $string($now()) %}"},
              "Next": "C"},
        "C": {"Type": "Choice", "Choices": [{"Condition": "{% $n > 1 %}", "Next": "M"}], "Default": "S"},
        "M": {"Type": "Map", "Items": "{% $states.input.items %}", "MaxConcurrency": 1,
              "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "I", "States": {
                  "I": {"Type": "Pass", "Output": "{% $states.input * 2 %}", "End": True}}},
              "Output": "{% {'total': $sum($states.result)} %}", "Next": "W"},
        "W": {"Type": "Wait", "Seconds": "{% 1 %}", "Next": "S"},
        "S": {"Type": "Succeed", "Output": "{% $states.input %}"}}},
    {"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
              "Parameters": {"FunctionName": "echo", "Payload.$": "$"}, "TimeoutSeconds": 5, "HeartbeatSeconds": 2,
              "ResultSelector": {"out.$": "$.Payload"}, "OutputPath": "$.out",
              "Retry": [{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 2, "JitterStrategy": "FULL",
                         "MaxDelaySeconds": 3}],
              "End": True}}},
]

FIELDS = ["Type", "Next", "End", "StartAt", "States", "Default", "Choices", "Branches", "ItemProcessor", "Iterator",
          "ItemsPath", "Items", "Parameters", "Arguments", "Output", "Assign", "Result", "ResultPath", "InputPath",
          "OutputPath", "ResultSelector", "Retry", "Catch", "ErrorEquals", "MaxAttempts", "BackoffRate",
          "IntervalSeconds", "Seconds", "SecondsPath", "Timestamp", "TimestampPath", "TimeoutSeconds",
          "HeartbeatSeconds", "QueryLanguage", "Condition", "Variable", "StringEquals", "NumericEquals", "And", "Or",
          "Not", "MaxConcurrency", "ItemSelector", "ItemReader", "Label", "Error", "Cause", "ErrorPath", "Resource",
          "ProcessorConfig", "Mode", "ToleratedFailureCount", "Credentials", "Comment"]

#: JSON text no Python value dumps to: written into the document in place of a marker string
RAW = ["1e400", "-1e400", "NaN", "Infinity", "9" * 4301, "12345678901234567890123", '"\\ud800"', '"\\udc00x"',
       "1.0", "-0", "1E-400"]
ODD_STRINGS = ["", "$", "$.", "$..a", "$.r.n", "$$.Execution.Id", "{% %}", "{% $x %}", "{% 1/0 %}", "{% $$ %}",
               "{%", "States.ALL", "States.Format('{}', $.a)", "States.MathAdd($.x, 1e308)", "Pass", "Task",
               "Choice", "Map", "Parallel", "Wait", "JSONata", "JSONPath", "arn:aws:states:::lambda:invoke",
               "arn:aws:lambda:us-east-1:123456789012:function:echo", "2024-01-01T00:00:00Z", "\x00", "é", "S", "P",
               "x" * 100, "{% $fromMillis(1e300) %}", "{% $pad('x', 1e12) %}", "{% $formatInteger(5, '#') %}",
               "{% $contains('a', $nothing) %}", "{% $parseInteger('1', '') %}"]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(10 ** 20), 10 ** 20), st.sampled_from([0, 1, -1, 99_999_999, 10 ** 30]),
    st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(ODD_STRINGS), st.text(max_size=8),
    st.sampled_from([f"__raw{i}__" for i in range(len(RAW))]),
)
#: a value of the same JSON type as the one it replaces (a mutation the validator may well accept)
SAME_KIND: dict[type, Any] = {
    str: st.one_of(st.sampled_from(ODD_STRINGS), st.text(max_size=8)), bool: st.booleans(),
    int: st.one_of(st.integers(-5, 100), st.sampled_from([99_999_999, 100_000_000, 10 ** 30, -(10 ** 30)])),
    float: st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([0.5, 1e308, 1e-300])),
}
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.sampled_from(FIELDS + ["a", "$"]), inner,
                                                                       max_size=3)), max_leaves=6)


def _places(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _places(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _places(value, path + (index,))
    return out


def _at(node: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        node = node[part]
    return node


@st.composite
def mutated_definitions(draw: Any) -> dict[str, Any]:
    definition = copy.deepcopy(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 2))):
        places = _places(definition)[1:]
        path = draw(st.sampled_from(places))
        parent = _at(definition, path[:-1])
        action = draw(st.sampled_from(["same kind", "same kind", "same kind", "replace", "replace", "delete", "add"]))
        current = _at(definition, path)
        if action == "same kind" and isinstance(current, str):  # often one of the definition's own strings
            states = definition.get("States")
            names = set(states) if isinstance(states, dict) else set()
            own = sorted({v for p in places if isinstance(v := _at(definition, p), str)} | names)
            parent[path[-1]] = draw(st.one_of(st.sampled_from(own), SAME_KIND[str]))
        elif action == "same kind" and isinstance(current, (bool, int, float)):
            parent[path[-1]] = draw(SAME_KIND[type(current)])
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(FIELDS))] = draw(VALUES)
        else:
            parent[path[-1]] = draw(VALUES)
    return definition


def _text(document: Any) -> str:
    """The document as JSON text, markers replaced by their raw text."""
    text = json.dumps(document)
    for index, raw in enumerate(RAW):
        text = text.replace(f'"__raw{index}__"', raw)
    return text


INPUTS = st.one_of(st.just({"items": [1, 2, 3], "n": 5, "a": "x"}), VALUES)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(definition=mutated_definitions(), document=INPUTS)
def test_validate_and_execute_end_cleanly_and_agree(tmp_path: Path, definition: dict[str, Any],
                                                    document: Any) -> None:
    path = write(tmp_path, "fuzz.asl.json", _text(definition))
    checked = run("validate", path)
    assert checked.exit_code in (0, 2), checked.output
    ran = run("execute", path, "--input", _text(document), "--json", "--handler", "echo=json.dumps")
    assert ran.exit_code in (0, 1, 2), (ran.exit_code, ran.output)
    assert "Traceback" not in ran.stderr
    definition_refused = re.search(r"\d+ problems? in", ran.stderr) is not None
    event(f"validate exit {checked.exit_code}, execute exit {ran.exit_code}")
    if checked.exit_code == 2:
        assert ran.exit_code == 2 and definition_refused, (checked.output, ran.stderr)
    else:
        assert not definition_refused, ran.stderr
    if ran.exit_code != 2:  # it ran: --json printed one JSON object
        json.loads(ran.stdout, parse_constant=lambda name: pytest.fail(f"{name} in --json output"))


@pytest.mark.parametrize("content, words", [
    (b"\xff\xfe{}", ["hist.json", "not UTF-8 text"]),
    (b'{"id": 1, "type": "ExecutionStarted"}\n{"x": NaN}\n', ["hist.json line 2", "NaN is not JSON"]),
    (b'[{"id": 1, "details": {"input": 1e400}}]', ["hist.json", "too large"]),
])
def test_a_saved_history_that_is_not_json_is_refused_naming_the_file(ok: str, tmp_path: Path, content: bytes,
                                                                     words: list[str]) -> None:
    history = write(tmp_path, "hist.json", content)
    refused(run("report", ok, "--out", str(tmp_path / "r.html"), "--history", history), *words)
