"""The servers the tests fork from their zygote (server_zygote.py) are what ``python -m aslrun serve``
started in the test's directory and environment would be: the same working directory, environment,
``sys.path`` and arguments, stopped and killed by pid with the same exit statuses."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest

from aslrun.testing.endpoint import EndpointDidNotStart
from tests.helpers.service import ROLE, wait_done

from .server_process import ROOT, ServerProcess

WHERE = '''
import os, sys

def where(event, context):
    main = sys.modules["__main__"]
    return {"cwd": os.getcwd(), "marker": os.environ.get("ZYGOTE_TEST_MARKER"), "path": sys.path,
            "argv": sys.argv, "main": getattr(main, "__spec__", None) and main.__spec__.name,
            "pid": os.getpid(), "blas": os.environ.get("OPENBLAS_NUM_THREADS")}


HANDLERS = {"where": where}
'''


def _where(server: ServerProcess) -> dict[str, Any]:
    sfn = server.client()
    definition = {"StartAt": "Where", "States": {"Where": {
        "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:where", "End": True}}}
    machine = sfn.create_state_machine(name="where", definition=json.dumps(definition), roleArn=ROLE)
    started = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input="{}")
    done = wait_done(sfn, started["executionArn"])
    assert done["status"] == "SUCCEEDED", done
    return json.loads(done["output"])  # type: ignore[no-any-return]


def test_a_forked_server_runs_in_the_tests_directory_environment_and_path_as_a_spawned_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A handler module found by name in the working directory, a variable the test gave, none the
    zygote had and the test did not (the zygote's own ``OPENBLAS_NUM_THREADS``), the same
    ``sys.path`` (never the zygote script's folder) and the same ``python -m`` arguments."""
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    (tmp_path / "where_handlers.py").write_text(WHERE)
    seen = {}
    for mode in ("fork", "spawn"):
        monkeypatch.setenv("ASLRUN_TEST_SERVERS", mode)
        with ServerProcess("--handlers", "where_handlers", cwd=tmp_path, env={"ZYGOTE_TEST_MARKER": "given"}) as server:
            seen[mode] = _where(server)
            assert seen[mode].pop("pid") == server.pid != os.getpid()
            assert server.process is not None and server.process.poll() is None
        assert server.process.returncode == 0  # a clean stop (SIGTERM)
    forked = seen["fork"]
    assert forked["cwd"] == str(tmp_path)
    assert forked["marker"] == "given" and forked["blas"] is None
    assert forked["path"][:3] == [str(tmp_path), str(ROOT / "src"), str(ROOT)]
    assert str(ROOT / "tests" / "service") not in forked["path"]
    assert forked["main"] == "aslrun.__main__" and forked["argv"][1:4] == ["serve", "--port", "0"]
    forked["argv"][0] = seen["spawn"]["argv"][0]  # (-m's file name: the same module)
    assert forked == seen["spawn"]


@pytest.mark.parametrize("mode", ["fork", "spawn"])
def test_a_killed_server_ends_with_minus_9_and_its_output_ends(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASLRUN_TEST_SERVERS", mode)
    server = ServerProcess().start()
    assert server.process is not None and server.process.poll() is None
    os.kill(server.process.pid, signal.SIGKILL)
    assert server.process.wait(30) == -signal.SIGKILL
    assert server.process.poll() == -signal.SIGKILL
    assert "Step Functions API on" in server.log


def test_a_server_that_cannot_start_says_why_in_its_output(tmp_path: Path) -> None:
    """A forked server's errors reach the test as a spawned one's do (stderr in the same pipe)."""
    with pytest.raises(EndpointDidNotStart) as refused:
        ServerProcess("--handlers", "no_such_handlers_module", cwd=tmp_path).start(timeout=30)
    assert "cannot import handler module 'no_such_handlers_module'" in str(refused.value)
