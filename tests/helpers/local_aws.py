"""A counter on the local AWS, for the tests of the commands that run on it: a seed with one DynamoDB
item and a machine that reads it and writes it back one higher, so runs can be told apart."""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["COUNTER_MACHINE", "write_counter"]

#: reads a counter from a DynamoDB table and writes it back one higher
COUNTER_MACHINE = {"StartAt": "Get", "States": {
    "Get": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
            "Parameters": {"TableName": "control", "Key": {"pk": {"S": "run"}}},
            "ResultSelector": {"count.$": "States.StringToJson($.Item.n.N)"}, "Next": "Put"},
    "Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "End": True,
            "Parameters": {"TableName": "control",
                           "Item": {"pk": {"S": "run"}, "n": {"N.$": "States.Format('{}', States.MathAdd($.count, 1))"}}}}}}


def write_counter(folder: Path) -> tuple[Path, Path]:
    """``seed.yaml`` (the table ``control`` holding ``{pk: run, n: 1}``) and ``count.asl.json`` in ``folder``."""
    seed = folder / "seed.yaml"
    seed.write_text("dynamodb:\n  control:\n    key: {pk: S}\n    items:\n      - {pk: run, n: 1}\n")
    machine = folder / "count.asl.json"
    machine.write_text(json.dumps(COUNTER_MACHINE))
    return seed, machine
