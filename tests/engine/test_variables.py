"""Workflow variables (Assign) in both query languages, with the rules of AWS's "Passing data
between states with variables": what ``$`` means in a JSONPath Assign per state type, values as
they were on state entry, parallel assignment, scopes of Map and Parallel, the size limits, and
the ``assignedVariables`` of the state's exit event (as in AWS-recorded histories)."""

from __future__ import annotations

import pytest

from aslrun.engine.variables import MAX_VARIABLE_BYTES, Variables
from aslrun.errors import StatesError

FN_ARN = "arn:aws:lambda:us-east-1:123456789012:function:Fn"


def succeeded(execution):
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    return execution.output


def chain(*states, language=None):
    """States named S0, S1, ... run one after the other."""
    named = {}
    for i, state in enumerate(states):
        state = dict(state)
        if i + 1 < len(states):
            state["Next"] = f"S{i + 1}"
        else:
            state["End"] = True
        named[f"S{i}"] = state
    definition = {"StartAt": "S0", "States": named}
    if language:
        definition["QueryLanguage"] = language
    return definition


def show(*names, end=False):
    """A JSONPath Pass state whose output is the named variables (``end``: a last state)."""
    state = {"Type": "Pass", "Parameters": {f"{name}.$": f"${name}" for name in names}}
    if end:
        state["End"] = True
    return state


# -- what $ is in a JSONPath Assign ----------------------------------------------------------------

def test_pass_assign_reads_the_result(run):
    definition = chain({"Type": "Pass", "Result": {"answer": 42}, "Assign": {"a.$": "$.answer", "c": "const"}},
                       show("a", "c"))
    assert succeeded(run(definition, {"answer": 0})) == {"a": 42, "c": "const"}


def test_pass_assign_reads_the_effective_input_after_parameters(run):
    definition = chain({"Type": "Pass", "Parameters": {"p": "P"}, "Assign": {"a.$": "$.p"}}, show("a"))
    assert succeeded(run(definition, {})) == {"a": "P"}


def test_task_assign_reads_the_raw_result_not_the_result_selector(run):
    definition = chain({"Type": "Task", "Resource": FN_ARN, "ResultSelector": {"picked.$": "$.raw"},
                        "Assign": {"raw.$": "$.raw", "picked.$": "$.picked"}}, show("raw", "picked"))
    execution = run(definition, {}, handlers={"Fn": lambda event, context: {"raw": 1}})
    assert execution.status == "FAILED"  # $.picked only exists after ResultSelector
    assert "The JSONPath '$.picked' specified for the field 'picked.$' could not be found" in execution.cause


def test_wait_and_choice_assign_read_the_effective_input(run):
    definition = chain({"Type": "Wait", "Seconds": 0, "InputPath": "$.in", "Assign": {"w.$": "$.v"}},
                       show("w"))
    assert succeeded(run(definition, {"in": {"v": "wv"}})) == {"w": "wv"}


def test_catch_assign_reads_the_error_output(run):
    definition = {"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": FN_ARN, "Catch": [
            {"ErrorEquals": ["States.ALL"], "Assign": {"err.$": "$.Error"}, "ResultPath": "$.e", "Next": "S"}],
              "End": True},
        "S": show("err", end=True)}}

    def fail(event, context):
        raise KeyError("x")

    assert succeeded(run(definition, {}, handlers={"Fn": fail})) == {"err": "KeyError"}


# -- values as on state entry, parallel assignment --------------------------------------------------

def test_output_path_reads_the_value_from_before_the_state(run):
    definition = chain({"Type": "Pass", "Assign": {"answer": 42}},
                       {"Type": "Pass", "OutputPath": "$answer", "Assign": {"answer": "<omitted>"}})
    assert succeeded(run(definition, {})) == 42


def test_assignments_of_one_state_are_parallel(run):
    definition = chain({"Type": "Pass", "Assign": {"x": 3, "a": 6}},
                       {"Type": "Pass", "QueryLanguage": "JSONata",
                        "Assign": {"x": "{% $a %}", "nextX": "{% $x %}"}},
                       show("x", "nextX"))
    assert succeeded(run(definition, {})) == {"x": 6, "nextX": 3}


def test_jsonata_output_does_not_see_its_own_assign(run):
    definition = chain({"Type": "Pass", "Assign": {"v": "old"}, "Output": "{% 1 %}"},
                       {"Type": "Pass", "Assign": {"v": "new"}, "Output": "{% $v %}"}, language="JSONata")
    assert succeeded(run(definition, {})) == "old"


def test_a_variable_may_hold_null(run):
    definition = chain({"Type": "Pass", "Assign": {"n": None}},
                       {"Type": "Pass", "Output": ["{% $n %}", "{% $exists($n) %}"]}, language="JSONata")
    assert succeeded(run(definition, {})) == [None, True]


# -- scopes ---------------------------------------------------------------------------------------

def test_map_iterations_read_outer_variables_and_keep_their_own(run):
    definition = {"StartAt": "Init", "QueryLanguage": "JSONata", "States": {
        "Init": {"Type": "Pass", "Assign": {"x": 10}, "Next": "M"},
        "M": {"Type": "Map", "Items": [1, 2], "ItemProcessor": {"StartAt": "I", "States": {
            "I": {"Type": "Pass", "Assign": {"inner": "{% $states.input + $x %}"}, "Next": "J"},
            "J": {"Type": "Pass", "Output": "{% $inner %}", "End": True}}}, "Next": "After"},
        "After": {"Type": "Pass", "Output": {"result": "{% $states.input %}", "inner": "{% $exists($inner) %}"},
                  "End": True}}}
    assert succeeded(run(definition, {})) == {"result": [11, 12], "inner": False}


def test_parallel_branches_do_not_see_each_others_variables(run):
    definition = {"StartAt": "P", "QueryLanguage": "JSONata", "States": {"P": {"Type": "Parallel", "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "Assign": {"a": 1}, "Next": "A2"},
                                    "A2": {"Type": "Pass", "Output": "{% [$exists($a), $exists($b)] %}", "End": True}}},
        {"StartAt": "B", "States": {"B": {"Type": "Pass", "Assign": {"b": 2}, "Next": "B2"},
                                    "B2": {"Type": "Pass", "Output": "{% [$exists($a), $exists($b)] %}", "End": True}}},
    ], "End": True}}}
    assert succeeded(run(definition, {})) == [[True, False], [False, True]]


def test_an_inner_scope_cannot_assign_an_outer_variable(run):
    definition = {"StartAt": "Init", "States": {
        "Init": {"Type": "Pass", "Assign": {"x": 1}, "Next": "M"},
        "M": {"Type": "Map", "ItemProcessor": {"StartAt": "I", "States": {
            "I": {"Type": "Pass", "Assign": {"x": 2}, "End": True}}}, "End": True}}}
    execution = run(definition, [1])
    assert execution.status == "FAILED" and execution.error == "States.Runtime"
    assert "The variable 'x' is assigned in an outer scope" in execution.cause


def test_a_catch_of_a_map_assigns_in_the_outer_scope(run):
    definition = {"StartAt": "M", "States": {
        "M": {"Type": "Map", "ItemProcessor": {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}},
              "Catch": [{"ErrorEquals": ["E"], "Assign": {"caught.$": "$.Error"}, "Next": "S"}], "End": True},
        "S": show("caught", end=True)}}
    assert succeeded(run(definition, [1])) == {"caught": "E"}


def test_a_distributed_map_does_not_see_outer_variables(run):
    definition = {"StartAt": "Init", "States": {
        "Init": {"Type": "Pass", "Assign": {"x": 1}, "Next": "M"},
        "M": {"Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                                               "StartAt": "I", "States": {"I": {"Type": "Pass", "Parameters": {
                                                   "x.$": "$x"}, "End": True}}}, "End": True}}}
    execution = run(definition, [1])
    assert execution.status == "FAILED"


# -- limits -----------------------------------------------------------------------------------------

def test_a_variable_larger_than_256_kib_fails_the_state(run):
    big = "x" * MAX_VARIABLE_BYTES  # with its quotes: 2 bytes over
    definition = chain({"Type": "Pass", "Assign": {"big": "{% $states.input.s %}"}}, language="JSONata")
    execution = run(definition, {"s": big}, payload_limit=None)
    assert execution.error == "States.DataLimitExceeded"
    assert "'big'" in execution.cause


def test_one_assign_may_hold_at_most_256_kib_together(run):
    half = "x" * (MAX_VARIABLE_BYTES // 2)
    definition = chain({"Type": "Pass", "Assign": {"a": "{% $states.input.s %}", "b": "{% $states.input.s %}"}},
                       language="JSONata")
    execution = run(definition, {"s": half}, payload_limit=None)
    assert execution.error == "States.DataLimitExceeded"


def test_an_execution_holds_at_most_10_mib_of_variables():
    variables = Variables()
    chunk = "x" * (200 * 1024)
    for i in range(51):  # 51 x 200 KiB = 10,200 KiB < 10 MiB
        variables.assign({f"v{i}": chunk})
    with pytest.raises(StatesError) as raised:
        variables.assign({"one_more": chunk})
    assert raised.value.error == "States.DataLimitExceeded"
    variables.assign({"v0": "small"})  # replacing a value frees its size


# -- history ------------------------------------------------------------------------------------------

def test_exit_event_lists_the_assigned_variables_as_json_text(run):
    definition = chain({"Type": "Pass", "Assign": {"s": "text", "n": 1, "o": {"k": [None]}}}, {"Type": "Pass"})
    execution = run(definition, {})
    exits = execution.history.events("PassStateExited")
    assert exits[0].details["assignedVariables"] == {"s": '"text"', "n": "1", "o": '{"k":[null]}'}
    assert exits[0].details["assignedVariablesDetails"] == {"truncated": False}
    assert "assignedVariables" not in exits[1].details


# -- the store itself -----------------------------------------------------------------------------------

def test_variables_lookup_get_and_visible():
    outer = Variables(values={"a": 1, "b": None})
    inner = outer.child()
    inner.assign({"c": 3})
    assert inner.lookup("a") == 1 and inner.lookup("b", "dflt") is None and inner.lookup("zz", "dflt") == "dflt"
    assert inner.visible() == {"a": 1, "b": None, "c": 3}
    assert outer.child(isolated=True).lookup("a", "none") == "none"
    with pytest.raises(StatesError):
        inner.get("zz")
