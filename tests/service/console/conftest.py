"""Fixtures of the console tests: a server with the billing machine's handlers (and the tests' own),
virtual time, its metering database fresh; the console's client; the billing and approval machines."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers.console import APPROVAL, HANDLER_FILES, ROLE, ConsoleClient, billing_definition

from ..server_process import ServerProcess


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    from fixtures.metering.samples import create_sample_database

    folder = tmp_path_factory.mktemp("console")
    database = create_sample_database(folder / "metering.sqlite3", fresh=True)
    arguments = ["--virtual-time"]
    for handlers in HANDLER_FILES:
        arguments += ["--handlers", handlers]
    with ServerProcess(*arguments, env={"ASLRUN_DB": database}) as running:
        yield running


@pytest.fixture(scope="module")
def sfn(server: ServerProcess) -> Any:
    return server.client()


@pytest.fixture(scope="module")
def console(server: ServerProcess) -> ConsoleClient:
    return ConsoleClient(server.url)


@pytest.fixture(scope="module")
def billing(sfn: Any) -> str:
    return str(sfn.create_state_machine(name="billing", definition=billing_definition(), roleArn=ROLE)["stateMachineArn"])


@pytest.fixture(scope="module")
def approval(sfn: Any) -> str:
    """A machine that waits for a callback: the console answers it."""
    return str(sfn.create_state_machine(name="approval", definition=json.dumps(APPROVAL), roleArn=ROLE)["stateMachineArn"])
