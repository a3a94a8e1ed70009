"""The server's store: what it acknowledged survives a restart and a kill -9; executions cut off by
the server's end are reported honestly; one state directory serves one server."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.service import ROLE, history, wait_done
from .server_process import ServerProcess

WAIT_AN_HOUR = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}}
PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"done": True}, "End": True}}}


def _machine(sfn: Any, name: str, definition: dict[str, Any], **options: Any) -> str:
    return str(sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE,
                                        **options)["stateMachineArn"])


def test_everything_survives_a_clean_restart(start_server: Any, tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = start_server("--virtual-time", state_dir=state)
    sfn = first.client()
    machine = _machine(sfn, "kept", PASS, publish=True, tags=[{"key": "team", "value": "billing"}])
    version = sfn.list_state_machine_versions(stateMachineArn=machine)["stateMachineVersions"][0]
    alias = sfn.create_state_machine_alias(name="live", routingConfiguration=[
        {"stateMachineVersionArn": version["stateMachineVersionArn"], "weight": 100}])["stateMachineAliasArn"]
    activity = sfn.create_activity(name="kept-activity")["activityArn"]
    done = sfn.start_execution(stateMachineArn=alias, name="before-restart")["executionArn"]
    before = wait_done(sfn, done)
    events_before = history(sfn, done)
    assert first.stop() == 0

    again = start_server("--virtual-time", state_dir=state).client()
    assert again.describe_state_machine(stateMachineArn=machine)["definition"] == json.dumps(PASS)
    assert again.list_tags_for_resource(resourceArn=machine)["tags"] == [{"key": "team", "value": "billing"}]
    assert again.describe_state_machine_alias(stateMachineAliasArn=alias)["name"] == "live"
    assert again.describe_activity(activityArn=activity)["name"] == "kept-activity"
    after = again.describe_execution(executionArn=done)
    for key in ("status", "output", "startDate", "stopDate", "stateMachineAliasArn", "stateMachineVersionArn"):
        assert after[key] == before[key]
    assert history(again, done) == events_before
    with pytest.raises(again.exceptions.ExecutionAlreadyExists):  # the name is still taken
        again.start_execution(stateMachineArn=machine, name="before-restart")


def test_what_was_acknowledged_survives_kill_9(start_server: Any, tmp_path: Path) -> None:
    state = tmp_path / "state"
    server = start_server(state_dir=state)  # real time: the executions are still waiting when it dies
    sfn = server.client()
    machine = _machine(sfn, "hourly", WAIT_AN_HOUR)
    arns = [sfn.start_execution(stateMachineArn=machine, name=f"e{i}", input=json.dumps({"i": i}))["executionArn"]
            for i in range(20)]
    server.kill()  # no chance to write anything more: only what was committed before each answer

    restarted = start_server("--virtual-time", state_dir=state)
    assert "20 execution(s) were running when the server last stopped" in restarted.log
    sfn = restarted.client()
    listed = sfn.list_executions(stateMachineArn=machine)["executions"]
    assert sorted(item["executionArn"] for item in listed) == sorted(arns)
    for i, arn in enumerate(arns):
        described = sfn.describe_execution(executionArn=arn)
        assert described["status"] == "FAILED" and described["error"] == "aslrun.ServerStopped"
        assert json.loads(described["input"]) == {"i": i}
        assert described["redriveStatus"] == "REDRIVABLE"
        events = history(sfn, arn)
        assert events[0]["type"] == "ExecutionStarted"
        assert events[-1]["type"] == "ExecutionFailed"
        assert events[-1]["previousEventId"] == events[-2]["id"]
        assert events[-1]["executionFailedEventDetails"]["error"] == "aslrun.ServerStopped"


def test_a_clean_stop_records_running_executions_at_once(start_server: Any, tmp_path: Path) -> None:
    state = tmp_path / "state"
    server = start_server(state_dir=state)
    sfn = server.client()
    arn = sfn.start_execution(stateMachineArn=_machine(sfn, "stopped", WAIT_AN_HOUR))["executionArn"]
    assert server.stop() == 0
    restarted = start_server(state_dir=state)
    assert "were running" not in restarted.log  # already recorded when the server stopped
    assert restarted.client().describe_execution(executionArn=arn)["error"] == "aslrun.ServerStopped"


def test_a_request_in_flight_when_the_server_is_stopped_gets_its_answer(start_server: Any, tmp_path: Path) -> None:
    """SIGTERM while a StartSyncExecution is running: the server stops taking requests, but the
    one in flight finishes and is answered before the server exits cleanly."""
    begun = tmp_path / "begun"
    handlers = tmp_path / "slow_handlers.py"
    handlers.write_text("import time\nfrom pathlib import Path\n"
                        "def slow(event, context):\n"
                        f"    Path({str(begun)!r}).touch()\n"
                        "    time.sleep(0.5)\n"
                        "    return {'slept': 0.5}\n"
                        "HANDLERS = {'Slow': slow}\n")
    server = start_server("--handlers", str(handlers))
    sfn = server.client()
    slow = {"StartAt": "S", "States": {"S": {"Type": "Task", "End": True,
                                             "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Slow"}}}
    machine = _machine(sfn, "slow-sync", slow, type="EXPRESS")
    answers: list[Any] = []
    call = threading.Thread(target=lambda: answers.append(sfn.start_sync_execution(stateMachineArn=machine)))
    call.start()
    deadline = time.monotonic() + 60  # a guard: the handler begins as soon as the request arrives
    while not begun.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.stop() == 0
    call.join(60)
    assert answers and answers[0]["status"] == "SUCCEEDED" and json.loads(answers[0]["output"]) == {"slept": 0.5}


def test_one_state_directory_serves_one_server(start_server: Any, tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = start_server(state_dir=state)
    second = ServerProcess(state_dir=state)
    with pytest.raises(RuntimeError) as refused:
        second.start(timeout=20)
    assert f"the state directory {state} is in use by another aslrun serve (pid {first.pid})" in str(refused.value)
    assert first.client().list_state_machines()["stateMachines"] == []  # the first one is untouched


def test_a_garbled_database_is_named_with_what_to_do(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "aslrun-serve.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(RuntimeError) as refused:
        ServerProcess(state_dir=state).start(timeout=20)
    text = str(refused.value)
    assert "aslrun-serve.sqlite3 is not a usable aslrun state database" in text
    assert "Traceback" not in text


def test_a_port_in_use_is_a_clear_error(start_server: Any) -> None:
    import subprocess
    import sys

    from .server_process import ROOT

    first = start_server()
    port = first.url.rsplit(":", 1)[1]
    result = subprocess.run([sys.executable, "-m", "aslrun", "serve", "--port", port], capture_output=True,
                            text=True, timeout=30, cwd=ROOT)
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_execution_cut_off_by_a_kill_is_redriven_from_the_state_it_was_in(start_server: Any,
                                                                              tmp_path: Path) -> None:
    state = tmp_path / "state"
    server = start_server(state_dir=state)
    sfn = server.client()
    definition = {"StartAt": "Prepare", "States": {
        "Prepare": {"Type": "Pass", "Parameters": {"prepared.$": "$.n"}, "Next": "Hold"},
        "Hold": {"Type": "Wait", "Seconds": 3600, "Next": "Finish"},
        "Finish": {"Type": "Pass", "End": True}}}
    arn = sfn.start_execution(stateMachineArn=_machine(sfn, "cut", definition), input='{"n": 7}')["executionArn"]
    deadline = __import__("time").monotonic() + 120  # a guard against a hang only
    while "WaitStateEntered" not in [e["type"] for e in history(sfn, arn)]:
        assert __import__("time").monotonic() < deadline
    server.kill()

    sfn = start_server("--virtual-time", state_dir=state).client()
    sfn.redrive_execution(executionArn=arn)
    described = wait_done(sfn, arn)
    assert described["status"] == "SUCCEEDED" and json.loads(described["output"]) == {"prepared": 7}
    assert [e["type"] for e in history(sfn, arn)] == [
        "ExecutionStarted", "PassStateEntered", "PassStateExited", "WaitStateEntered", "ExecutionFailed",
        "ExecutionRedriven", "WaitStateEntered", "WaitStateExited", "PassStateEntered", "PassStateExited",
        "ExecutionSucceeded"]


def test_a_second_stop_signal_while_the_state_is_closed_is_ignored():
    """serve() closes its store with SIGINT and SIGTERM ignored (a second Ctrl-C does not cut the
    recording of the stop short), then puts the handlers back."""
    import os
    import signal

    from aslrun.service.server import _stop_signals_ignored

    before = signal.getsignal(signal.SIGINT)
    with _stop_signals_ignored():
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGTERM)
        reached = True
    assert reached and signal.getsignal(signal.SIGINT) is before
