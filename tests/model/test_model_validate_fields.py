"""Field checks: paths, payload templates, Retry/Catch, Task, Wait, Fail and Map rules."""

from __future__ import annotations

import pytest

from model_helpers import machine, only_problem, problems_of

SCHEMA = "SCHEMA_VALIDATION_FAILED"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:f"


def task(**fields: object) -> dict:
    return machine({"T": {"Type": "Task", "Resource": LAMBDA, **fields}, "Done": {"Type": "Succeed"}})


# --- paths ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["InputPath", "OutputPath"])
def test_input_and_output_path_must_be_paths(field: str) -> None:
    problem = only_problem(task(Next="Done", **{field: "order.id"}))
    assert (problem.location, problem.code, problem.message) == (
        f"States.T.{field}", SCHEMA, f"The value for the field '{field}' must be a valid JSONPath: a path must start with '$'")


def test_malformed_path_is_reported_with_the_compilers_reason() -> None:
    problem = only_problem(task(Next="Done", InputPath="$.a[?("))
    assert problem.location == "States.T.InputPath"
    assert problem.message.startswith("The value for the field 'InputPath' must be a valid JSONPath: ")
    assert len(problem.message) > len("The value for the field 'InputPath' must be a valid JSONPath: ")


def test_paths_may_be_null_read_context_and_variables_and_use_full_jsonpath() -> None:
    assert problems_of(task(Next="Done", InputPath=None, OutputPath="$$.Execution.Input")) == []
    assert problems_of(task(Next="Done", InputPath="$items[0]", OutputPath="$.a[*].b")) == []
    assert problems_of(task(Next="Done", InputPath="$..price", OutputPath="$.items[1:3]")) == []


@pytest.mark.parametrize(
    "result_path",
    ["$.a[*]", "$..a", "$.a[1:2]", "$.a[?(@.b)]", "$$.Execution", "$var.x"],
)
def test_result_path_is_a_reference_path_into_the_input(result_path: str) -> None:
    problem = only_problem(task(Next="Done", ResultPath=result_path))
    assert problem.location == "States.T.ResultPath"
    assert problem.message.startswith("The value for the field 'ResultPath' must be a valid reference path: ")


def test_result_path_reference_forms() -> None:
    for result_path in ("$", "$.a.b", "$.a[0]", "$['a b'].c", None):
        assert problems_of(task(Next="Done", ResultPath=result_path)) == [], result_path


@pytest.mark.parametrize(
    ("field", "value"),
    [("SecondsPath", "$.waits[*]"), ("TimestampPath", "$..when")],
)
def test_wait_paths_are_reference_paths(field: str, value: str) -> None:
    problem = only_problem(machine({"W": {"Type": "Wait", field: value, "End": True}}))
    assert problem.location == f"States.W.{field}"
    assert problem.message.startswith(f"The value for the field '{field}' must be a valid reference path: ")


def test_reference_paths_may_read_context_and_variables() -> None:
    definition = machine({"W": {"Type": "Wait", "SecondsPath": "$waitTime", "Next": "V"},
                          "V": {"Type": "Wait", "TimestampPath": "$$.Execution.Input.at", "End": True}})
    assert problems_of(definition) == []


# --- payload templates ------------------------------------------------------------------------------

def test_dollar_keys_hold_paths_or_intrinsic_calls_at_any_depth() -> None:
    parameters = {
        "ok.$": "$.a", "ctx.$": "$$.Task.Token", "var.$": "$v", "fn.$": "States.Format('x{}', $.a)",
        "nested": {"list": [{"bad.$": "a.b"}]},
        "number.$": 5,
        "unknown.$": "States.Frobnicate($.a)",
    }
    problems = problems_of(task(Next="Done", Parameters=parameters))
    assert [location for location, _, _ in problems] == [
        "States.T.Parameters.nested.list[0].bad.$",
        "States.T.Parameters.number.$",
        "States.T.Parameters.unknown.$",
    ]
    assert problems[0][2] == ("The value for the field 'bad.$' must be a valid JSONPath or a valid intrinsic "
                              "function call: a path must start with '$'")
    assert problems[1][2] == ("The value for the field 'number.$' must be a string holding a JSONPath or an "
                              "intrinsic function call")
    assert problems[2][2].startswith("The value for the field 'unknown.$' must be a valid JSONPath or a valid "
                                     "intrinsic function call: ")
    assert "States.Frobnicate" in problems[2][2]


def test_a_field_given_twice_once_dollar_is_stripped_is_refused_at_any_depth() -> None:
    parameters = {"channel.$": "$.c", "channel": "general", "inner": {"a": 1, "a.$": "$.b", "b.$": "$.b"}}
    assert problems_of(task(Next="Done", Parameters=parameters)) == [
        ("States.T.Parameters.channel.$", SCHEMA,
         "The field 'channel' is given twice in a payload template: as 'channel' and as 'channel.$'"),
        ("States.T.Parameters.inner.a.$", SCHEMA,
         "The field 'a' is given twice in a payload template: as 'a' and as 'a.$'"),
    ]


def test_every_template_field_is_checked() -> None:
    definition = machine({
        "P": {"Type": "Pass", "Parameters": {"a.$": "x"}, "Assign": {"b.$": "y"}, "Next": "T"},
        "T": {"Type": "Task", "Resource": LAMBDA, "ResultSelector": {"c.$": "z"},
              "Credentials": {"RoleArn.$": "w"}, "Next": "M"},
        "M": {"Type": "Map", "ItemSelector": {"d.$": "v"}, "End": True,
              "ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}}},
    })
    assert [location for location, _, _ in problems_of(definition)] == [
        "States.P.Parameters.a.$", "States.P.Assign.b.$", "States.T.ResultSelector.c.$",
        "States.T.Credentials.RoleArn.$", "States.M.ItemSelector.d.$",
    ]


def test_malformed_intrinsic_call() -> None:
    problem = only_problem(task(Next="Done", Parameters={"x.$": "States.Format('{}', $.a"}))
    assert problem.location == "States.T.Parameters.x.$"
    assert problem.message.startswith("The value for the field 'x.$' must be a valid JSONPath or a valid intrinsic")


# --- Retry and Catch ------------------------------------------------------------------------------

def test_states_all_must_be_alone_and_last() -> None:
    definition = task(
        Next="Done",
        Retry=[{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["States.Timeout", "States.ALL"]}],
        Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Done"}, {"ErrorEquals": ["Custom"], "Next": "Done"}],
    )
    assert problems_of(definition) == [
        ("States.T.Retry[0].ErrorEquals", SCHEMA, "A retrier with 'States.ALL' must be the last one in 'Retry'"),
        ("States.T.Retry[1].ErrorEquals", SCHEMA, "'States.ALL' must be the only error name in its 'ErrorEquals'"),
        ("States.T.Catch[0].ErrorEquals", SCHEMA, "A catcher with 'States.ALL' must be the last one in 'Catch'"),
    ]


def test_catch_result_path_and_assign() -> None:
    definition = task(Next="Done", Catch=[{"ErrorEquals": ["X"], "Next": "Done", "ResultPath": "$.errors[*]",
                                           "Assign": {"e.$": "nope"}}])
    problems = problems_of(definition)
    assert [location for location, _, _ in problems] == ["States.T.Catch[0].ResultPath", "States.T.Catch[0].Assign.e.$"]
    assert problems[0][2].startswith("The value for the field 'ResultPath' must be a valid reference path: ")


def test_retry_on_a_state_that_cannot_fail_is_unknown() -> None:
    problem = only_problem(machine({"P": {"Type": "Pass", "End": True, "Retry": [{"ErrorEquals": ["X"]}]}}))
    assert (problem.location, problem.message) == ("States.P.Retry", "Field 'Retry' is not supported")


# --- Task -------------------------------------------------------------------------------------------

def test_resource_must_be_an_arn() -> None:
    problem = only_problem(machine({"T": {"Type": "Task", "Resource": "validate_reading", "End": True}}))
    assert (problem.location, problem.code, problem.message) == (
        "States.T.Resource", "INVALID_RESOURCE", "Invalid Resource field: 'validate_reading' is not an ARN")


def test_heartbeat_must_be_below_timeout() -> None:
    assert problems_of(task(Next="Done", TimeoutSeconds=30, HeartbeatSeconds=30)) == [
        ("States.T.HeartbeatSeconds", SCHEMA, "HeartbeatSeconds (30) must be smaller than TimeoutSeconds (30)")]
    assert problems_of(task(Next="Done", TimeoutSeconds=30, HeartbeatSeconds=29)) == []


def test_seconds_and_their_path_are_mutually_exclusive() -> None:
    definition = task(Next="Done", TimeoutSeconds=5, TimeoutSecondsPath="$.t", HeartbeatSeconds=1,
                      HeartbeatSecondsPath="$.h")
    assert problems_of(definition) == [
        ("States.T.TimeoutSecondsPath", SCHEMA, "Fields 'TimeoutSeconds' and 'TimeoutSecondsPath' are mutually exclusive"),
        ("States.T.HeartbeatSecondsPath", SCHEMA,
         "Fields 'HeartbeatSeconds' and 'HeartbeatSecondsPath' are mutually exclusive"),
    ]


def test_credentials_need_a_role() -> None:
    assert problems_of(task(Next="Done", Credentials={})) == [
        ("States.T.Credentials", SCHEMA, "These fields are required: [RoleArn]")]
    assert problems_of(task(Next="Done", Credentials={"RoleArn": "arn:aws:iam::1:role/r", "Role": "x"})) == [
        ("States.T.Credentials.Role", SCHEMA, "Field 'Role' is not supported")]


# --- Wait and Fail ----------------------------------------------------------------------------------

def test_wait_needs_exactly_one_duration() -> None:
    definition = machine({"A": {"Type": "Wait", "Next": "B"}, "B": {"Type": "Wait", "Seconds": 5, "SecondsPath": "$.s",
                                                                    "End": True}})
    assert problems_of(definition) == [
        ("States.A", SCHEMA,
         "A Wait state needs exactly one of these fields: [Seconds, Timestamp, SecondsPath, TimestampPath]"),
        ("States.B", SCHEMA, "Fields 'Seconds', 'SecondsPath' are mutually exclusive"),
    ]


def test_fail_error_and_cause_or_their_paths() -> None:
    definition = machine({"F": {"Type": "Fail", "Error": "E", "ErrorPath": "$.e", "Cause": "C",
                                "CausePath": "States.Format('{}', $.c)"}})
    assert problems_of(definition) == [
        ("States.F.ErrorPath", SCHEMA, "Fields 'Error' and 'ErrorPath' are mutually exclusive"),
        ("States.F.CausePath", SCHEMA, "Fields 'Cause' and 'CausePath' are mutually exclusive"),
    ]


def test_fail_paths_take_a_reference_path_or_an_intrinsic_call() -> None:
    assert problems_of(machine({"F": {"Type": "Fail", "ErrorPath": "$$.State.Name",
                                      "CausePath": "States.Format('bad {}', $.x)"}})) == []
    problems = problems_of(machine({"F": {"Type": "Fail", "ErrorPath": "$.errors[*]", "CausePath": "States.Nope()"}}))
    assert [location for location, _, _ in problems] == ["States.F.ErrorPath", "States.F.CausePath"]


# --- Map --------------------------------------------------------------------------------------------

def a_map(**fields: object) -> dict:
    state = {"Type": "Map", "End": True,
             "ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}}, **fields}
    return machine({"M": {k: v for k, v in state.items() if v is not None}})


def test_map_needs_one_processor() -> None:
    assert problems_of(a_map(ItemProcessor=None)) == [
        ("States.M", SCHEMA, "These fields are required: [ItemProcessor]")]
    iterator = {"StartAt": "Y", "States": {"Y": {"Type": "Pass", "End": True}}}
    assert problems_of(a_map(Iterator=iterator)) == [
        ("States.M.Iterator", SCHEMA, "Fields 'ItemProcessor' and 'Iterator' are mutually exclusive")]


def test_map_exclusive_fields() -> None:
    definition = a_map(ItemSelector={}, Parameters={}, MaxConcurrency=1, MaxConcurrencyPath="$.m",
                       ToleratedFailureCount=1, ToleratedFailureCountPath="$.c",
                       ToleratedFailurePercentage=1, ToleratedFailurePercentagePath="$.p")
    assert [(location, message) for location, _, message in problems_of(definition)] == [
        ("States.M.Parameters", "Fields 'ItemSelector' and 'Parameters' are mutually exclusive"),
        ("States.M.MaxConcurrencyPath", "Fields 'MaxConcurrency' and 'MaxConcurrencyPath' are mutually exclusive"),
        ("States.M.ToleratedFailureCountPath",
         "Fields 'ToleratedFailureCount' and 'ToleratedFailureCountPath' are mutually exclusive"),
        ("States.M.ToleratedFailurePercentagePath",
         "Fields 'ToleratedFailurePercentage' and 'ToleratedFailurePercentagePath' are mutually exclusive"),
    ]


def test_items_path_is_a_reference_path() -> None:
    problem = only_problem(a_map(ItemsPath="$.items[*]"))
    assert problem.location == "States.M.ItemsPath"
    assert problem.message.startswith("The value for the field 'ItemsPath' must be a valid reference path: ")
    assert problems_of(a_map(ItemsPath="$items")) == []


def test_distributed_map_needs_an_execution_type() -> None:
    processor = {"ProcessorConfig": {"Mode": "DISTRIBUTED"}, "StartAt": "X",
                 "States": {"X": {"Type": "Pass", "End": True}}}
    assert problems_of(a_map(ItemProcessor=processor)) == [
        ("States.M.ItemProcessor.ProcessorConfig", SCHEMA, "These fields are required: [ExecutionType]")]


def test_label_rules() -> None:
    assert problems_of(a_map(Label="x" * 41)) == [
        ("States.M.Label", "INVALID_LABEL_NAME", f"The Label '{'x' * 41}' is longer than 40 characters")]
    assert problems_of(a_map(Label="run 1/2")) == [
        ("States.M.Label", "INVALID_LABEL_NAME", "The Label 'run 1/2' contains characters AWS does not allow: ' ' '/'")]


def test_labels_are_unique() -> None:
    processor = {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}}
    processor2 = {"StartAt": "Y", "States": {"Y": {"Type": "Pass", "End": True}}}
    definition = machine({"M1": {"Type": "Map", "Label": "Run", "ItemProcessor": processor, "Next": "M2"},
                          "M2": {"Type": "Map", "Label": "Run", "ItemProcessor": processor2, "End": True}})
    assert problems_of(definition) == [
        ("States.M2.Label", "DUPLICATE_LABEL_NAME", "Duplicate Label name: Run (also used by States.M1)")]


def test_reader_batcher_and_writer() -> None:
    definition = a_map(
        ItemReader={"Resource": "arn:aws:states:::s3:getObject", "Parameters": {"Key.$": "key"},
                    "ReaderConfig": {"MaxItems": 5, "MaxItemsPath": "$.n[*]", "InputType": "XML"}},
        ItemBatcher={"MaxItemsPerBatch": 0, "BatchInput": {"b.$": "$.b"}},
        ResultWriter={"Resource": "arn:aws:states:::s3:putObject", "Arguments": {"Bucket": "b"}},
    )
    expected = [
        ("States.M.ItemReader.ReaderConfig.InputType",
         "Value should be one of the following: [CSV, JSON, JSONL, MANIFEST, PARQUET]"),
        ("States.M.ItemBatcher.MaxItemsPerBatch",
         "The value for the field 'MaxItemsPerBatch' must be greater than or equal to 1"),
        ("States.M.ResultWriter.Arguments",
         "The QueryLanguage is set to 'JSONPath', but field 'Arguments' is only supported for the 'JSONata' QueryLanguage"),
        ("States.M.ItemReader.ReaderConfig.MaxItemsPath", "Fields 'MaxItems' and 'MaxItemsPath' are mutually exclusive"),
        ("States.M.ItemReader.ReaderConfig.MaxItemsPath",
         "The value for the field 'MaxItemsPath' must be a valid reference path: "),
        ("States.M.ItemReader.Parameters.Key.$",
         "The value for the field 'Key.$' must be a valid JSONPath or a valid intrinsic function call: "),
    ]
    assert_matches(problems_of(definition), expected)


def assert_matches(problems: list[tuple[str, str, str]], expected: list[tuple[str, str]]) -> None:
    """Each expected (location, message or message prefix ending in ': ') matches one problem."""
    remaining = list(problems)
    for location, message in expected:
        match = next((p for p in remaining if p[0] == location
                      and (p[2] == message or (message.endswith(": ") and p[2].startswith(message)))), None)
        assert match is not None, f"no problem {location}: {message} in {remaining}"
        remaining.remove(match)
    assert remaining == []
