"""Fixtures of the server tests: a server started once per module (virtual time, test handlers),
and ``start_server`` for tests that need their own (a state directory, a restart, a kill)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.helpers.service import HANDLERS, ROLE

from .server_process import ServerProcess


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    with ServerProcess("--virtual-time", "--handlers", HANDLERS) as running:
        yield running


@pytest.fixture(scope="module")
def sfn(server: ServerProcess) -> Any:
    return server.client()


@pytest.fixture
def start_server() -> Iterator[Callable[..., ServerProcess]]:
    started: list[ServerProcess] = []

    def _start(*args: str, **options: Any) -> ServerProcess:
        process = ServerProcess(*args, **options).start()
        started.append(process)
        return process

    yield _start
    for process in started:
        process.kill()


@pytest.fixture
def create(sfn: Any, request: pytest.FixtureRequest) -> Callable[..., str]:
    """``create(definition, name=None, **options)``: a state machine on the module's server (deleted after)."""
    made: list[str] = []

    def _create(definition: dict[str, Any], name: str | None = None, **options: Any) -> str:
        name = name or re.sub(r"[^A-Za-z0-9_.-]", "-", f"{request.node.name[:60]}-{len(made)}")
        answer = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE, **options)
        made.append(answer["stateMachineArn"])
        return str(answer["stateMachineArn"])

    yield _create
    for arn in made:
        sfn.delete_state_machine(stateMachineArn=arn)
