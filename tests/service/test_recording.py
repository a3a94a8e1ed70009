"""What the store records of executions, checked in-process on the service object (no HTTP)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from aslrun.service import ServiceConfig, StepFunctionsService

ROLE = "arn:aws:iam::123456789012:role/r"


@pytest.fixture
def service(tmp_path: Any) -> Iterator[StepFunctionsService]:
    running = StepFunctionsService(ServiceConfig(state_dir=tmp_path, virtual_time=True))
    yield running
    running.close()


def _create(service: StepFunctionsService, name: str, definition: dict[str, Any], kind: str = "STANDARD") -> str:
    answer = service.handle("CreateStateMachine", {"name": name, "definition": json.dumps(definition),
                                                    "roleArn": ROLE, "type": kind}, service.call())
    return str(answer["stateMachineArn"])


def test_express_runs_are_closed_in_the_store_under_their_own_arns(service: StepFunctionsService) -> None:
    machine = _create(service, "fast", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, "EXPRESS")
    answers = [service.handle("StartSyncExecution", {"stateMachineArn": machine, "name": "n"}, service.call())
               for _ in range(2)]
    service.store.flush()
    for answer in answers:
        row = service.store.one("SELECT status FROM executions WHERE arn = ?", (answer["executionArn"],))
        assert row is not None and row["status"] == "SUCCEEDED"
        kinds = [json.loads(r["body"])["type"] for r in service.store.all(
            "SELECT body FROM events WHERE execution_arn = ? ORDER BY id", (answer["executionArn"],))]
        assert kinds == ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]
    assert service.store.one("SELECT COUNT(*) AS n FROM executions WHERE status = 'RUNNING'")["n"] == 0
