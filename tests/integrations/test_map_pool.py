"""Distributed Map children in worker processes: the same results as in-process, only where safe."""

from __future__ import annotations

import json
import os

import pytest

from aslrun import StateMachine, VirtualClock
from aslrun.integrations import map_pool
from tests.helpers.killed_caller import CAN_WATCH, script_preamble, workers_left_after_kill

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:Score"


def _definition(processor_states, writer=True):
    state = {"Type": "Map", "ItemsPath": "$.items", "End": True, "ToleratedFailurePercentage": 50,
             "ItemSelector": {"n.$": "$$.Map.Item.Value", "uuid.$": "States.UUID()"},
             "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                               "StartAt": next(iter(processor_states)), "States": processor_states}}
    if writer:
        state["ResultWriter"] = {"Resource": "arn:aws:states:::s3:putObject",
                                 "Parameters": {"Bucket": "results", "Prefix": "p"}}
    return {"StartAt": "M", "States": {"M": state}}


def score(event, context):
    if event["n"] % 97 == 0:
        raise ValueError(f"bad {event['n']}")
    return {"n": event["n"], "square": event["n"] ** 2, "uuid": event["uuid"]}


PROCESSOR = {"Score": {"Type": "Task", "Resource": LAMBDA, "Next": "Check"},
             "Check": {"Type": "Choice", "Default": "Done",
                       "Choices": [{"Variable": "$.square", "NumericGreaterThan": 10**9, "Next": "Big"}]},
             "Big": {"Type": "Fail", "Error": "TooBig"}, "Done": {"Type": "Pass", "End": True}}


def _run(monkeypatch, processes):
    monkeypatch.setenv("ASLRUN_MAP_PROCESSES", "1" if processes else "0")
    monkeypatch.setattr(map_pool, "MIN_CHILDREN", 1000)
    pooled_runs = []
    real = map_pool.run_in_pool
    monkeypatch.setattr(map_pool, "run_in_pool", lambda *a: pooled_runs.append(1) or real(*a))
    machine = StateMachine(_definition(PROCESSOR, writer=False))
    execution = machine.execute({"items": list(range(3000))}, handlers={"Score": score},
                                clock=VirtualClock(start="2024-01-01T00:00:00Z", frozen=True))
    assert pooled_runs == ([1] if processes else [])
    return execution


def test_pooled_children_give_the_results_of_in_process_children(monkeypatch):
    _without_local_aws(monkeypatch)
    pooled = _run(monkeypatch, processes=True)
    local = _run(monkeypatch, processes=False)
    assert pooled.status == local.status == "SUCCEEDED"
    assert pooled.output == local.output  # outputs, errors, and inputs' UUIDs drawn from the seed in item order
    failed = [child for child in pooled.output if "Error" in child]
    assert len(pooled.output) == 3000 and len(failed) == 31
    assert json.loads(failed[0]["Cause"])["errorMessage"] == "bad 0"


def _without_local_aws(monkeypatch):
    """A local AWS an earlier test left running in this process set aside (these handlers call no AWS)."""
    import sys

    emulator = sys.modules.get("aslrun.localaws.emulator")
    if emulator is not None:
        monkeypatch.setattr(emulator, "current_aws", lambda start=True: None)


def test_the_children_stay_here_while_a_local_aws_runs_here(aws, monkeypatch):
    """A handler's AWS call in a forked worker would write to the worker's copy of the local AWS."""
    monkeypatch.delenv("ASLRUN_MAP_PROCESSES", raising=False)
    monkeypatch.setattr(map_pool, "MIN_CHILDREN", 10)
    aws.seed({"s3": {"results": {}}})
    machine = StateMachine(_definition(PROCESSOR))
    execution = machine.start({"items": []}, handlers={"Score": score})
    assert not map_pool.eligible(machine.program.states["M"], execution, 100)
    assert execution.notes == ["Map 'M': its 100 child executions ran in this process (a local AWS runs in this "
                               "process (a worker's AWS calls would reach a copy of it))"]
    monkeypatch.setenv("ASLRUN_MAP_PROCESSES", "1")  # (the user says the handlers never call AWS)
    assert map_pool.eligible(machine.program.states["M"], execution, 100)


def test_the_children_stay_here_while_a_coverage_recorder_watches(monkeypatch):
    _without_local_aws(monkeypatch)
    monkeypatch.delenv("ASLRUN_MAP_PROCESSES", raising=False)
    monkeypatch.setattr(map_pool, "MIN_CHILDREN", 10)
    machine = StateMachine(_definition(PROCESSOR, writer=False))
    execution = machine.start({"items": []}, handlers={"Score": score})
    assert map_pool.eligible(machine.program.states["M"], execution, 100)
    execution.observer = object()  # (what a coverage recorder's run sets)
    assert not map_pool.eligible(machine.program.states["M"], execution, 100)


def test_only_children_that_just_compute_are_pooled(monkeypatch):
    _without_local_aws(monkeypatch)
    monkeypatch.delenv("ASLRUN_MAP_PROCESSES", raising=False)
    monkeypatch.setattr(map_pool, "MIN_CHILDREN", 10)

    def verdict(processor, count=100):
        machine = StateMachine(_definition(processor, writer=False))
        execution = machine.start({"items": []}, handlers={"Score": score})
        return map_pool.eligible(machine.program.states["M"], execution, count)

    assert verdict(PROCESSOR)
    assert not verdict(PROCESSOR, count=5)
    assert not verdict({"Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                                "Parameters": {"TableName": "t", "Item": {}}, "End": True}})
    assert not verdict({"Wait": {"Type": "Wait", "Seconds": 1, "End": True}})
    assert not verdict({"Score": {"Type": "Task", "Resource": LAMBDA, "End": True,
                                  "Retry": [{"ErrorEquals": ["States.ALL"]}]}})
    assert not verdict({"Score": {"Type": "Task", "Resource": LAMBDA, "End": True, "TimeoutSeconds": 5}})
    monkeypatch.setenv("ASLRUN_MAP_PROCESSES", "0")
    assert not verdict(PROCESSOR)


@pytest.mark.skipif(not CAN_WATCH, reason="reads /proc to see the workers end")
def test_the_workers_end_when_their_caller_is_killed(tmp_path):
    """They used to run the rest of their chunk of children (seconds, minutes) with nobody to read it."""
    script = tmp_path / "run.py"
    script.write_text(script_preamble(tmp_path) + f"""
from aslrun.integrations import map_pool
map_pool.MIN_CHILDREN = 100
StateMachine({_definition({"Score": {"Type": "Task", "Resource": LAMBDA, "End": True}}, writer=False)!r}).execute(
    {{"items": list(range(2000))}}, handlers={{"Score": slow}})
""", encoding="utf-8")
    environment = {**os.environ, "ASLRUN_MAP_PROCESSES": "1"}
    # (a chunk of 250 children of 50 ms would take 12 s)
    assert workers_left_after_kill(script, tmp_path, seconds=5, environment=environment) == [], \
        "a worker outlived its caller"
