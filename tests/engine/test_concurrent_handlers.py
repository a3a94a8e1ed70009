"""The opt-in concurrent modes: ``handler_threads=N`` (Lambda handlers on threads, so a Map's
iterations, up to MaxConcurrency, and a Parallel's branches have theirs running at once) and
``handler_processes=N`` (the same calls made in worker processes, for handlers that compute).

Concurrency is proven without timing: handlers meet at a barrier that only as many calls as should
run at once can pass (a mode that ran fewer would break the barrier at its time limit; worker processes meet through files). What the
mode must not change is checked against the default mode's run of the same machine: the output (in
item order), the events each iteration records, Retry, Catch and timeouts.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter

import pytest

from aslrun import StateMachine, SystemClock
from tests.helpers import worker_handlers  # importable by name: a worker process imports them

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:"
BARRIER_SECONDS = 20  # only a guard: a barrier that breaks fails the test


def map_machine(max_concurrency: int, task: dict | None = None) -> dict:
    return {"StartAt": "M", "States": {"M": {
        "Type": "Map", "MaxConcurrency": max_concurrency, "ItemsPath": "$.items",
        "ItemProcessor": {"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": FUNCTION + "work", "End": True, **(task or {})}}},
        "End": True}}}


class InFlight:
    """A handler that counts the calls running at once."""

    def __init__(self, barrier: threading.Barrier | None = None) -> None:
        self.lock = threading.Lock()
        self.running = self.peak = 0
        self.barrier = barrier

    def __call__(self, event, context):
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            if self.barrier is not None:
                self.barrier.wait(BARRIER_SECONDS)
            return {"n": event["n"] * 10}
        finally:
            with self.lock:
                self.running -= 1


def items(count: int) -> dict:
    return {"items": [{"n": i} for i in range(count)]}


def test_map_iterations_call_their_handlers_at_once_up_to_max_concurrency():
    handler = InFlight(threading.Barrier(4))
    execution = StateMachine(map_machine(4)).execute(items(8), handlers={"work": handler}, handler_threads=8)
    assert execution.status == "SUCCEEDED", execution.cause
    assert handler.peak == 4
    assert execution.output == [{"n": i * 10} for i in range(8)]


def test_fewer_threads_than_max_concurrency_bound_the_calls_at_once():
    handler = InFlight(threading.Barrier(2))
    execution = StateMachine(map_machine(5)).execute(items(6), handlers={"work": handler}, handler_threads=2)
    assert execution.status == "SUCCEEDED", execution.cause
    assert handler.peak == 2


def test_parallel_branches_call_their_handlers_at_once():
    handler = InFlight(threading.Barrier(3))
    branches = [{"StartAt": f"T{i}", "States": {f"T{i}": {"Type": "Task", "Resource": FUNCTION + "work", "End": True}}}
                for i in range(3)]
    definition = {"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": branches, "End": True}}}
    execution = StateMachine(definition).execute({"n": 1}, handlers={"work": handler}, handler_threads=3)
    assert execution.status == "SUCCEEDED", execution.cause
    assert (handler.peak, execution.output) == (3, [{"n": 10}] * 3)


def iteration_events(execution) -> list[tuple[str, ...]]:
    """Each iteration's own event types, in the order it recorded them (the iterations sorted)."""
    by_iteration: dict[int, list[str]] = {}
    for event in execution.history:
        details = event.details
        if "index" in details and event.type.startswith("MapIteration"):
            by_iteration.setdefault(details["index"], []).append(event.type)
    return [tuple(types) for _, types in sorted(by_iteration.items())]


def test_the_output_and_each_iterations_events_are_the_default_modes():
    machine = StateMachine(map_machine(3))
    serial = machine.execute(items(12), handlers={"work": InFlight()})
    threaded = machine.execute(items(12), handlers={"work": InFlight()}, handler_threads=3)
    assert threaded.output == serial.output
    assert Counter(e.type for e in threaded.history) == Counter(e.type for e in serial.history)
    assert iteration_events(threaded) == iteration_events(serial)
    ids = [event.id for event in threaded.history]
    assert ids == list(range(1, len(ids) + 1))
    assert all(event.previous_id < event.id for event in threaded.history if event.previous_id)


def test_the_default_mode_is_one_call_at_a_time():
    handler = InFlight()
    StateMachine(map_machine(5)).execute(items(10), handlers={"work": handler})
    assert handler.peak == 1


def test_retry_and_catch_work_on_threads():
    calls = Counter()
    lock = threading.Lock()

    def flaky(event, context):
        with lock:
            calls[event["n"]] += 1
            attempt = calls[event["n"]]
        if event["n"] % 2 and attempt == 1:
            raise TimeoutError("once")
        if event["n"] == 4:
            raise ValueError("four is bad")
        return event["n"]

    definition = map_machine(4)
    processor = definition["States"]["M"]["ItemProcessor"]
    processor["States"] = {
        "T": {"Type": "Task", "Resource": FUNCTION + "work", "Next": "Done",
              "Retry": [{"ErrorEquals": ["TimeoutError"], "IntervalSeconds": 1, "MaxAttempts": 2}],
              "Catch": [{"ErrorEquals": ["ValueError"], "Next": "Caught"}]},
        "Caught": {"Type": "Pass", "Result": "caught", "End": True},
        "Done": {"Type": "Pass", "End": True},
    }
    execution = StateMachine(definition).execute(items(6), handlers={"work": flaky}, handler_threads=4)
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output == [0, 1, 2, 3, "caught", 5]
    assert calls == Counter({0: 1, 1: 2, 2: 1, 3: 2, 4: 1, 5: 2})


def test_a_handler_past_its_timeout_fails_its_task_with_states_timeout():
    released = threading.Event()

    def hangs(event, context):
        if event["n"] == 1:
            released.wait(BARRIER_SECONDS)
        return event["n"]

    definition = map_machine(2, {"TimeoutSeconds": 1})
    try:
        execution = StateMachine(definition).execute(items(2), handlers={"work": hangs}, handler_threads=2,
                                                     clock=SystemClock())
    finally:
        released.set()
    assert (execution.status, execution.error) == ("FAILED", "States.Timeout")


def test_a_failing_handler_fails_the_execution_with_its_error():
    def fails(event, context):
        raise KeyError("missing")

    execution = StateMachine(map_machine(3)).execute(items(3), handlers={"work": fails}, handler_threads=3)
    assert (execution.status, execution.error) == ("FAILED", "KeyError")


@pytest.mark.parametrize("threads", [0, -1, True, 2.5, "2"])
def test_handler_threads_must_be_a_whole_number_of_threads(threads):
    with pytest.raises(ValueError, match="handler_threads must be a whole number of threads, at least 1"):
        StateMachine(map_machine(1)).start(items(1), handlers={"work": InFlight()}, handler_threads=threads)


def test_no_thread_is_left_once_the_execution_ended():
    before = {t.name for t in threading.enumerate()}
    StateMachine(map_machine(4)).execute(items(8), handlers={"work": InFlight()}, handler_threads=4)
    for thread in threading.enumerate():
        if thread.name.startswith("aslrun-handler-thread") and thread.name not in before:
            thread.join(5)
    assert not [t for t in threading.enumerate() if t.name.startswith("aslrun-handler-thread") and t.is_alive()
                and t.name not in before]


def test_the_cli_takes_handler_threads_and_refuses_zero(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from aslrun.cli import main

    (tmp_path / "machine.json").write_text(json.dumps(map_machine(3)), encoding="utf-8")
    (tmp_path / "work_handlers.py").write_text("def work(event, context):\n    return event['n'] + 1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    runner = CliRunner()
    ran = runner.invoke(main, ["execute", "machine.json", "--input", json.dumps(items(5)), "--handler",
                               f"{FUNCTION}work=work_handlers:work", "--handler-threads", "3", "--json"])
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.output)["output"] == [1, 2, 3, 4, 5]
    refused = runner.invoke(main, ["execute", "machine.json", "--handler-threads", "0"])
    assert refused.exit_code == 2
    assert "--handler-threads" in refused.output and "0 is not in the range x>=1" in refused.output
    both = runner.invoke(main, ["execute", "machine.json", "--handler-threads", "2", "--handler-processes", "2"])
    assert both.exit_code == 2
    assert "give --handler-threads or --handler-processes, not both" in both.output


# -- handler_processes: the calls made in worker processes ---------------------------------------------


def test_handler_processes_make_the_calls_at_once_in_worker_processes(tmp_path):
    definition = map_machine(2)
    definition["States"]["M"]["ItemSelector"] = {"n.$": "$$.Map.Item.Value.n", "folder": str(tmp_path),
                                                 "expected": 2}
    execution = StateMachine(definition).execute(items(2), handlers={"work": worker_handlers.meet},
                                                 handler_processes=2)
    assert execution.status == "SUCCEEDED", execution.cause
    pids = {answer["pid"] for answer in execution.output}
    assert len(pids) == 2 and os.getpid() not in pids
    assert [answer["n"] for answer in execution.output] == [0, 1]


def test_a_worker_gets_the_lambda_context():
    definition = map_machine(1, {"TimeoutSeconds": 60})
    execution = StateMachine(definition).execute(items(1), handlers={"work": worker_handlers.where_am_i},
                                                 handler_processes=1, clock=SystemClock())
    assert execution.status == "SUCCEEDED", execution.cause
    (answer,) = execution.output
    assert answer["function"] == "work" and len(answer["request"]) == 36
    assert 50_000 < answer["left_ms"] <= 60_000


def test_a_failure_in_a_worker_is_the_tasks_failure_and_can_be_caught():
    definition = map_machine(2)
    processor = definition["States"]["M"]["ItemProcessor"]["States"]
    processor["T"]["Catch"] = [{"ErrorEquals": ["MeterRejected"], "ResultPath": "$.error", "Next": "Caught"}]
    processor["Caught"] = {"Type": "Pass", "End": True}
    execution = StateMachine(definition).execute(items(2), handlers={"work": worker_handlers.refuse},
                                                 handler_processes=2)
    assert execution.status == "SUCCEEDED", execution.cause
    error = execution.output[1]["error"]
    assert error["Error"] == "MeterRejected"
    assert json.loads(error["Cause"])["errorMessage"] == "meter 1 is unknown"


def test_a_call_past_its_timeout_ends_its_worker_and_the_next_call_gets_a_new_one():
    machine = StateMachine(map_machine(1, {"TimeoutSeconds": 1}))
    slow = machine.execute({"items": [{"seconds": 30}]}, handlers={"work": worker_handlers.sleep_then_answer},
                           handler_processes=1, clock=SystemClock())
    assert (slow.status, slow.error) == ("FAILED", "States.Timeout")
    quick = machine.execute({"items": [{"seconds": 0}]}, handlers={"work": worker_handlers.sleep_then_answer},
                            handler_processes=1, clock=SystemClock())
    assert quick.status == "SUCCEEDED", quick.cause


def test_a_handler_a_worker_cannot_import_runs_here_with_a_warning():
    def closure(event, context):
        return os.getpid()

    with pytest.warns(RuntimeWarning, match="the handler .*closure cannot be sent to a worker process"):
        execution = StateMachine(map_machine(2)).execute(items(2), handlers={"work": closure}, handler_processes=2)
    assert execution.output == [os.getpid()] * 2


def test_threads_and_processes_are_not_given_together():
    with pytest.raises(ValueError, match="give handler_threads or handler_processes, not both"):
        StateMachine(map_machine(1)).start(items(1), handlers={"work": InFlight()}, handler_threads=2,
                                           handler_processes=2)


def callback_machine(timeout: int | None = None) -> dict:
    task = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": "ask", "Payload": {"token.$": "$$.Task.Token"}}, "End": True}
    if timeout is not None:
        task["TimeoutSeconds"] = timeout
    return {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "Ask", "States": {"Ask": task}},
        {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": FUNCTION + "work", "End": True}}},
    ]}}}


def test_a_run_still_stops_for_callbacks_once_the_handlers_on_threads_are_done():
    execution = StateMachine(callback_machine()).start(
        {"n": 2}, handlers={"ask": lambda event, context: None, "work": InFlight()}, handler_threads=2)
    execution.run(until_callbacks=True)
    assert (execution.status, execution.waiting_for_callbacks) == ("RUNNING", True)
    assert any(event.type == "LambdaFunctionSucceeded" for event in execution.history)  # the Work branch's call ended


def test_time_still_skips_to_a_callbacks_time_limit():
    execution = StateMachine(callback_machine(timeout=3600)).execute(
        {"n": 2}, handlers={"ask": lambda event, context: None, "work": InFlight()}, handler_threads=2)
    assert (execution.status, execution.error) == ("FAILED", "States.Timeout")


def test_a_worker_that_dies_fails_its_task_as_lambda_reports_a_runtime_exit():
    machine = StateMachine(map_machine(1))
    died = machine.execute({"items": [{"exit": True}]}, handlers={"work": worker_handlers.exit_process},
                           handler_processes=1)
    assert (died.status, died.error) == ("FAILED", "Runtime.ExitError")
    assert "Runtime exited without providing a reason" in died.cause
    again = machine.execute({"items": [{"exit": False}]}, handlers={"work": worker_handlers.exit_process},
                            handler_processes=1)
    assert again.status == "SUCCEEDED", again.cause


def test_a_handler_kept_here_still_has_its_time_limit():
    released = threading.Event()

    def hangs(event, context):  # a closure: no worker can import it
        released.wait(BARRIER_SECONDS)
        return 1

    try:
        with pytest.warns(RuntimeWarning, match="cannot be sent to a worker process"):
            execution = StateMachine(map_machine(1, {"TimeoutSeconds": 1})).execute(
                items(1), handlers={"work": hangs}, handler_processes=1, clock=SystemClock())
    finally:
        released.set()
    assert (execution.status, execution.error) == ("FAILED", "States.Timeout")


def test_a_callable_object_no_worker_can_import_is_named_by_its_class_and_runs_here():
    class Meter:  # defined in a function: no worker can import it
        def __call__(self, event, context):
            return {"pid": os.getpid()}

    with pytest.warns(RuntimeWarning, match=r"the handler \S*Meter object cannot be sent to a worker process"):
        execution = StateMachine(map_machine(1)).execute(items(1), handlers={"work": Meter()}, handler_processes=1)
    assert execution.status == "SUCCEEDED" and execution.output[0]["pid"] == os.getpid()


def test_a_workers_aws_calls_are_answered_by_the_callers_local_aws():
    """The local AWS (moto) lives in this process: a handler in a worker hands its boto3 calls to it,
    and gets what the same handler gets here: the tables this process created."""
    pytest.importorskip("moto", reason="the local AWS needs the aws extra")
    from aslrun.localaws import LocalAws

    machine = StateMachine(map_machine(1))
    with LocalAws(reset=True) as aws:
        aws.client("dynamodb").create_table(TableName="meters", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                                            BillingMode="PAY_PER_REQUEST")
        here = machine.execute(items(1), handlers={"work": worker_handlers.list_tables})
        away = machine.execute(items(1), handlers={"work": worker_handlers.list_tables}, handler_processes=1)
    assert here.status == away.status == "SUCCEEDED", away.cause
    assert here.output[0]["tables"] == away.output[0]["tables"] == ["meters"]
    assert away.output[0]["pid"] != os.getpid()


def test_a_workers_s3_transfers_streams_and_errors_reach_the_callers_local_aws_and_its_journal(tmp_path):
    """Upload in parts (S3's transfer threads in the worker share its pipe), a streamed read, the
    modeled NoSuchKey: as from a thread here; and what the worker changed is journaled by this
    process, so a fresh local AWS on the state directory has it."""
    pytest.importorskip("moto", reason="the local AWS needs the aws extra")
    from aslrun.localaws import LocalAws

    machine = StateMachine(map_machine(1))
    event = {"items": [{"bucket": "meter-data", "kib": 9 * 1024}]}
    with LocalAws(state_dir=tmp_path, reset=True) as aws:
        aws.seed({"s3": {"meter-data": {}}})
        execution = machine.execute(event, handlers={"work": worker_handlers.s3_round_trip}, handler_processes=1)
        assert execution.status == "SUCCEEDED", execution.cause
        answer = execution.output[0]
        assert answer == {"same": True, "size": 9 * 1024 * 1024, "missing": "NoSuchKey", "pid": answer["pid"],
                          "keys": ["big.bin", "small.txt"]}
        assert answer["pid"] != os.getpid()
        aws.stop(save=False)  # as if killed: only the journal has the worker's writes
    with LocalAws(state_dir=tmp_path, reset=True, autosave=False) as fresh:
        assert fresh.object_text("meter-data", "small.txt") == "small"
        assert fresh.object_bytes("meter-data", "big.bin") == bytes(range(256)) * (9 * 1024 * 4)


def test_an_aws_call_from_a_thread_left_behind_by_a_returned_handler_is_refused_and_the_worker_goes_on(tmp_path):
    """After its handler returned, a worker's caller no longer reads its pipe: a call made then by a
    thread the handler left behind is refused (LocalAwsOutOfReach), never sent, and the worker's
    next call is answered as usual."""
    pytest.importorskip("moto", reason="the local AWS needs the aws extra")
    import time

    from aslrun.localaws import LocalAws

    machine = StateMachine(map_machine(1))
    outcome, go = tmp_path / "outcome.txt", tmp_path / "go"
    with LocalAws(reset=True):
        left = machine.execute({"items": [{"file": str(outcome), "go": str(go)}]},
                               handlers={"work": worker_handlers.leave_a_thread_calling_aws}, handler_processes=1)
        assert left.status == "SUCCEEDED", left.cause
        go.touch()  # the execution has ended: the thread calls now
        deadline = time.monotonic() + 20
        while not outcome.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert outcome.read_text().startswith("LocalAwsOutOfReach: handler_processes: an AWS call (ListQueues) was "
                                              "made from a worker process after its handler had returned")
        after = machine.execute(items(1), handlers={"work": worker_handlers.list_tables}, handler_processes=1)
    assert after.status == "SUCCEEDED" and after.output[0]["pid"] == left.output[0]["pid"]


def test_without_a_local_aws_a_workers_aws_calls_go_where_boto3_sends_them(tmp_path):
    """No local AWS in this process: the worker leaves a handler's own AWS calls alone (here one sent
    to an endpoint nothing listens on fails as boto3 fails, not as refused)."""
    pytest.importorskip("boto3")
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{probe.getsockname()[1]}"  # closed once the with ends
    machine = StateMachine(map_machine(1))
    execution = machine.execute({"items": [{"n": 1, "endpoint": endpoint}]},
                                handlers={"work": worker_handlers.list_tables}, handler_processes=1)
    assert execution.status == "FAILED"
    assert execution.error == "EndpointConnectionError", execution.cause
