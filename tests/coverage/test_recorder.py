"""The recorder: each state entered and each transition taken, counted from what the engine reports
(the Choice rule that held, the Catch entry by its ErrorEquals, the Retry entry that fired), in nested
branches, Map iterations and child executions."""

from __future__ import annotations

import warnings

import pytest

from aslrun import StateMachine
from aslrun.coverage import CoverageRecorder
from aslrun.engine.observers import current_observer

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:{}"


def error(name):
    return type(name.replace(".", "_"), (Exception,), {"__name__": name})


def run(definition, inputs, handlers=None, name="m", **machines):
    machine = StateMachine(definition, name=name)
    with CoverageRecorder() as recorder:
        for value in inputs:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                machine.execute(value, handlers={**(handlers or {}), **machines})
    return recorder.data


def only(data):
    (machine,) = list(data)
    return machine


TWO_RULES_ONE_TARGET = {
    "StartAt": "Route",
    "States": {
        "Route": {"Type": "Choice", "Choices": [
            {"Variable": "$.n", "NumericEquals": 1, "Next": "Same"},
            {"Variable": "$.n", "NumericEquals": 2, "Next": "Same"},
            {"Variable": "$.n", "NumericEquals": 3, "Next": "Other"}],
            "Default": "Other"},
        "Same": {"Type": "Pass", "End": True},
        "Other": {"Type": "Succeed"},
    },
}


def test_the_choice_rule_that_held_is_counted_even_when_two_lead_to_the_same_state():
    machine = only(run(TWO_RULES_ONE_TARGET, [{"n": 2}, {"n": 2}, {"n": 9}]))
    assert machine.taken == {("Route", "Choices[1]"): 2, ("Same", "End"): 2, ("Route", "Default"): 1}
    assert machine.entered == {"Route": 3, "Same": 2, "Other": 1}
    assert machine.executions == 3
    assert [edge.field for edge in machine.never_taken()] == ["Choices[0]", "Choices[2]"]
    figures = machine.figures()
    assert (figures.states, figures.states_total, figures.transitions, figures.transitions_total) == (3, 3, 3, 5)


RECOVERING = {
    "StartAt": "Call",
    "States": {
        "Call": {"Type": "Task", "Resource": LAMBDA.format("call"),
                 "Retry": [{"ErrorEquals": ["Busy"], "IntervalSeconds": 1, "MaxAttempts": 2},
                           {"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 1}],
                 "Catch": [{"ErrorEquals": ["Denied"], "Next": "Refused"},
                           {"ErrorEquals": ["States.ALL"], "Next": "Broken"}],
                 "Next": "Done"},
        "Done": {"Type": "Succeed"},
        "Refused": {"Type": "Fail", "Error": "Refused"},
        "Broken": {"Type": "Fail", "Error": "Broken"},
    },
}


def scripted(*outcomes):
    """A handler that raises the error named by each outcome in turn ("ok": returns)."""
    steps = list(outcomes)

    def call(event, context=None):
        step = steps.pop(0)
        if step == "ok":
            return {}
        raise error(step)("failed")
    return call


def test_retry_entries_are_counted_when_they_fire_and_catch_entries_by_the_error_they_caught():
    call = scripted("Busy", "Busy", "ok", "Denied", "Flaky", "Boom")
    machine = StateMachine(RECOVERING, name="recovering")
    with CoverageRecorder() as recorder:
        statuses = [machine.execute({}, handlers={"call": call}).error for _ in range(3)]
    assert statuses == [None, "Refused", "Broken"]
    record = only(recorder.data)
    assert record.taken == {("Call", "Retry[0]"): 2, ("Call", "Next"): 1, ("Call", "Catch[0]"): 1,
                            ("Call", "Retry[1]"): 1, ("Call", "Catch[1]"): 1}
    assert record.entered == {"Call": 3, "Done": 1, "Refused": 1, "Broken": 1}
    assert record.never_taken() == []


def test_an_exhausted_retrier_does_not_count_again_and_an_uncaught_error_takes_no_transition():
    definition = {"StartAt": "Call", "States": {"Call": {
        "Type": "Task", "Resource": LAMBDA.format("call"),
        "Retry": [{"ErrorEquals": ["Busy"], "IntervalSeconds": 1, "MaxAttempts": 1}], "End": True}}}
    machine = only(run(definition, [{}], {"call": scripted("Busy", "Busy")}))
    assert machine.taken == {("Call", "Retry[0]"): 1}
    assert [machine.model.describe(edge) for edge in machine.never_taken()] == ["Call End"]


NESTED = {
    "StartAt": "Each",
    "States": {
        "Each": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {
            "StartAt": "Small?", "States": {
                "Small?": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericLessThan": 10, "Next": "Keep"}],
                           "Default": "Drop"},
                "Keep": {"Type": "Pass", "End": True},
                "Drop": {"Type": "Pass", "Result": None, "End": True}}},
            "ResultPath": "$.kept", "Next": "Both"},
        "Both": {"Type": "Parallel", "Branches": [
            {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": True}}},
            {"StartAt": "Right", "States": {"Right": {"Type": "Wait", "Seconds": 5, "Next": "RightDone"},
                                            "RightDone": {"Type": "Succeed"}}}],
            "End": True},
    },
}


def test_map_iterations_and_parallel_branches_count_inside_their_machine_by_path():
    machine = only(run(NESTED, [{"items": [1, 2, 30]}]))
    assert machine.entered == {"Each": 1, "Each/ItemProcessor/Small?": 3, "Each/ItemProcessor/Keep": 2,
                               "Each/ItemProcessor/Drop": 1, "Both": 1, "Both/Branches/0/Left": 1,
                               "Both/Branches/1/Right": 1, "Both/Branches/1/RightDone": 1}
    assert machine.taken == {("Each/ItemProcessor/Small?", "Choices[0]"): 2, ("Each/ItemProcessor/Keep", "End"): 2,
                             ("Each/ItemProcessor/Small?", "Default"): 1, ("Each/ItemProcessor/Drop", "End"): 1,
                             ("Each", "Next"): 1, ("Both/Branches/0/Left", "End"): 1,
                             ("Both/Branches/1/Right", "Next"): 1, ("Both", "End"): 1}
    assert machine.executions == 1
    assert machine.never_entered() == [] and machine.never_taken() == []


def test_distributed_map_children_count_as_the_item_processor_of_their_parent():
    definition = {"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "ItemsPath": "$.items", "End": True,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "Work", "States": {"Work": {"Type": "Pass", "End": True}}}}}}
    machine = only(run(definition, [{"items": [1, 2, 3, 4]}]))
    assert machine.entered == {"Each": 1, "Each/ItemProcessor/Work": 4}
    assert machine.taken == {("Each/ItemProcessor/Work", "End"): 4, ("Each", "End"): 1}
    assert machine.executions == 1


CHILD_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:Child"
CHILD = {"StartAt": "Even?", "States": {
    "Even?": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 2, "Next": "Yes"}], "Default": "No"},
    "Yes": {"Type": "Succeed"}, "No": {"Type": "Fail", "Error": "Odd"}}}


def test_child_executions_are_machines_of_their_own():
    parent = {"StartAt": "Start", "States": {"Start": {
        "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
        "Parameters": {"StateMachineArn": CHILD_ARN, "Input.$": "$"},
        "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "ChildFailed"}], "End": True},
        "ChildFailed": {"Type": "Pass", "End": True}}}
    data = run(parent, [{"n": 2}, {"n": 3}], name="parent", Child=StateMachine(CHILD, name="Child"))
    assert [machine.name for machine in data] == ["Child", "parent"]
    child, outer = list(data)
    assert child.entered == {"Even?": 2, "Yes": 1, "No": 1}
    assert child.taken == {("Even?", "Choices[0]"): 1, ("Even?", "Default"): 1}
    assert child.executions == 2
    assert outer.taken == {("Start", "End"): 1, ("Start", "Catch[0]"): 1, ("ChildFailed", "End"): 1}


def test_the_same_machine_loaded_twice_counts_as_one():
    first, second = StateMachine(TWO_RULES_ONE_TARGET, name="m"), StateMachine(TWO_RULES_ONE_TARGET, name="m")
    with CoverageRecorder() as recorder:
        first.execute({"n": 1})
        second.execute({"n": 3})
    machine = only(recorder.data)
    assert machine.entered == {"Route": 2, "Same": 1, "Other": 1}
    assert machine.executions == 2


def test_the_recorder_watches_only_while_recording():
    machine = StateMachine(TWO_RULES_ONE_TARGET, name="m")
    recorder = CoverageRecorder()
    outside = current_observer()  # None, or the session's own recorder under pytest --aslrun-cov
    machine.execute({"n": 1})
    with recorder:
        assert current_observer() is recorder
        machine.execute({"n": 1})
    assert current_observer() is outside
    machine.execute({"n": 1})
    assert only(recorder.data).executions == 1


def test_a_redriven_execution_counts_what_it_runs_again_but_not_as_a_new_execution():
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Call"},
                                             "Call": {"Type": "Task", "Resource": LAMBDA.format("call"),
                                                      "End": True}}}
    machine = StateMachine(definition, name="m")
    with CoverageRecorder() as recorder:
        failed = machine.execute({}, handlers={"call": scripted("Boom")})
        assert failed.status == "FAILED"
        redriven = machine.redrive(failed, handlers={"call": lambda event, context=None: {}}).run()
        assert redriven.status == "SUCCEEDED"
    record = only(recorder.data)
    assert record.entered == {"A": 1, "Call": 2}
    assert record.taken == {("A", "Next"): 1, ("Call", "End"): 1}
    assert record.executions == 1


@pytest.mark.parametrize("rule", [None, 0])
def test_observer_reports_reach_an_observer_of_the_engine_directly(rule):
    """The engine primitive on its own: what a tool other than coverage sees."""
    from aslrun.engine.observers import observe

    seen = []

    class Observer:
        def entered(self, frame, state):
            seen.append(("entered", state.name))

        def chose(self, frame, state, index):
            seen.append(("chose", state.name, index))

        def retried(self, frame, state, retrier):
            seen.append(("retried", state.name, retrier))

        def left(self, frame, state, next_name, catcher):
            seen.append(("left", state.name, next_name, catcher))

    stop = observe(Observer())
    try:
        StateMachine(TWO_RULES_ONE_TARGET).execute({"n": 1 if rule == 0 else 5})
    finally:
        stop()
    if rule == 0:
        assert seen == [("entered", "Route"), ("chose", "Route", 0), ("left", "Route", "Same", None),
                        ("entered", "Same"), ("left", "Same", None, None)]
    else:
        assert seen == [("entered", "Route"), ("chose", "Route", None), ("left", "Route", "Other", None),
                        ("entered", "Other"), ("left", "Other", None, None)]


def test_an_execution_of_a_bare_program_counts_as_a_machine_of_its_own():
    """What a Map's worker process runs: the item processor's program, with no StateMachine."""
    from aslrun.bindings import Bindings
    from aslrun.engine.execution import Execution

    processor = StateMachine(NESTED, name="m").program.states["Each"].processor
    with CoverageRecorder() as recorder:
        Execution(processor, 30, bindings=Bindings(None), state_machine_name="m/Each").run()
    machine = only(recorder.data)
    assert machine.name == "m/Each"
    assert machine.entered == {"Small?": 1, "Drop": 1}
    assert machine.taken == {("Small?", "Default"): 1, ("Drop", "End"): 1}
