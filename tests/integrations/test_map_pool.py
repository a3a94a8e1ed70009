"""Distributed Map children in worker processes: the same results as in-process, only where safe."""

from __future__ import annotations

import json


from aslrun import StateMachine, VirtualClock
from aslrun.integrations import map_pool

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


def _run(aws, monkeypatch, processes):
    monkeypatch.setenv("ASLRUN_MAP_PROCESSES", "1" if processes else "0")
    monkeypatch.setattr(map_pool, "MIN_CHILDREN", 1000)
    pooled_runs = []
    real = map_pool.run_in_pool
    monkeypatch.setattr(map_pool, "run_in_pool", lambda *a: pooled_runs.append(1) or real(*a))
    aws.seed({"s3": {"results": {}}})
    machine = StateMachine(_definition(PROCESSOR))
    execution = machine.execute({"items": list(range(3000))}, handlers={"Score": score},
                                clock=VirtualClock(start="2024-01-01T00:00:00Z", frozen=True))
    manifest = aws.object_json("results", execution.output["ResultWriterDetails"]["Key"])
    files = {status: [json.loads(aws.object_bytes("results", f["Key"])) for f in entries]
             for status, entries in manifest["ResultFiles"].items()}
    assert pooled_runs == ([1] if processes else [])
    return execution, files


def test_pooled_children_give_the_results_of_in_process_children(aws, monkeypatch):
    pooled, pooled_files = _run(aws, monkeypatch, processes=True)
    local, local_files = _run(aws, monkeypatch, processes=False)
    assert pooled.status == local.status == "SUCCEEDED"
    assert pooled.output["MapRunArn"] == local.output["MapRunArn"]
    assert pooled_files == local_files  # names, inputs (UUIDs from the seed), outputs, errors, dates
    assert len(pooled_files["SUCCEEDED"][0]) == 3000 - 31 and len(pooled_files["FAILED"][0]) == 31
    assert json.loads(pooled_files["FAILED"][0][0]["Cause"])["errorMessage"] == "bad 0"


def test_only_children_that_just_compute_are_pooled(aws, monkeypatch):
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
