"""The project's own pipelines through the API: `aslrun serve --template template.yaml` deploys the 17
state machines and 43 functions, and the Bottom-Up Accruals controller runs all 13 stages as nested
executions that the API lists and describes, on the resources the template declares."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.helpers.service import history, wait_done
from .server_process import ROOT


def test_the_bua_pipeline_runs_through_the_api_from_the_projects_template(start_server: Any, tmp_path: Path) -> None:
    server = start_server("--virtual-time", "--template", str(ROOT / "template.yaml"),
                          "--parameter", f"DataDirectory={tmp_path / 'data'}")
    sfn = server.client()
    machines = {m["name"]: m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]}
    assert len(machines) == 17
    controller = next(arn for name, arn in machines.items() if name.startswith("BuaStateMachine-"))
    arn = sfn.start_execution(stateMachineArn=controller, input=json.dumps({"run_date": "2024-10-01"}))["executionArn"]
    described = wait_done(sfn, arn, timeout=120)
    assert described["status"] == "SUCCEEDED", described.get("cause")
    report = json.loads(described["output"])
    assert set(report["stages"].values()) == {"SUCCEEDED"} and len(report["stages"]) == 13
    assert report["exports"]["BUAAccountSummary"]["s3"].startswith("s3://tst-anstead-s3-bua/")
    children = sfn.list_executions(stateMachineArn=machines["bua-nem12"])["executions"]
    assert len(children) == 1 and children[0]["status"] == "SUCCEEDED"
    runs = sfn.list_map_runs(executionArn=children[0]["executionArn"])["mapRuns"]
    assert runs, "the nem12 stage hands its work out through a distributed Map"
    assert [e["type"] for e in history(sfn, arn)][-1] == "ExecutionSucceeded"
